/** Where a command writes; tests pass buffers, the binary passes the process streams. */
export interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** Whether stdout is a terminal (colour, live progress). */
  readonly isTty: boolean;
  /** The directory paths are relative to. */
  readonly cwd: string;
}

export function processIo(): Io {
  // `blueprint diff | head` closes the pipe early: stop quietly, as Unix tools do, instead of
  // crashing with an unhandled EPIPE.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    isTty: Boolean(process.stdout.isTTY) && process.env.CI !== 'true',
    cwd: process.cwd(),
  };
}
