/** One synthesized file, relative to `<out>/<env>/`. */
export interface OutputFile {
  /** Forward-slash path relative to the environment's output directory, e.g. `hosts/master-1/haproxy.cfg`. */
  readonly path: string;
  /** The file's exact bytes, as UTF-8 text. Ends with a newline. */
  readonly content: string;
  /** POSIX mode. Scripts are 0o755, everything else 0o644; nothing is group- or world-writable. @default 0o644 */
  readonly mode?: number;
}
