// The proof of ownership that synth writes with its output, and reads before it removes or
// replaces anything: a manifest at the root of <out> naming the environments, and one in each
// environment's directory listing the files blueprint wrote there.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../environments/input-error';
import type { EnvironmentOutput } from '../stacks/environment';
import type { OutputFile } from '../stacks/output-file';

/** The manifest's file name, at `<out>/` and at `<out>/<env>/`. */
export const MANIFEST_FILE = '.blueprint-manifest.json';

/** The manifest format this blueprint reads and writes. A newer format is refused, never guessed at. */
export const MANIFEST_FORMAT = 1;

const GENERATOR = 'platform-blueprint';

export const DEFAULT_MODE = 0o644;

/** `<out>/.blueprint-manifest.json`: the environments blueprint wrote under `<out>`. */
export interface RootManifest {
  readonly format: number;
  readonly generator: string;
  readonly environments: readonly string[];
}

/** One file an environment's manifest lists. */
export interface ManifestEntry {
  readonly sha256: string;
  /** Octal POSIX mode, e.g. `0644`. */
  readonly mode: string;
}

/** `<out>/<env>/.blueprint-manifest.json`: the files blueprint wrote for one environment. */
export interface EnvironmentManifest {
  readonly format: number;
  readonly generator: string;
  readonly environment: string;
  /** Forward-slash paths relative to the environment's directory, sorted. */
  readonly files: Readonly<Record<string, ManifestEntry>>;
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function octal(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

/** The manifest file for one environment's output, listing every file of it. */
export function environmentManifestFile(output: EnvironmentOutput): OutputFile {
  const files: Record<string, ManifestEntry> = {};
  for (const file of [...output.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)))
    files[file.path] = { sha256: sha256(file.content), mode: octal(file.mode ?? DEFAULT_MODE) };
  const manifest: EnvironmentManifest = {
    format: MANIFEST_FORMAT,
    generator: GENERATOR,
    environment: output.name,
    files,
  };
  return { path: MANIFEST_FILE, content: `${JSON.stringify(manifest, null, 2)}\n` };
}

/** The root manifest's text for these environment names. */
export function rootManifestText(environments: Iterable<string>): string {
  const manifest: RootManifest = {
    format: MANIFEST_FORMAT,
    generator: GENERATOR,
    environments: [...new Set(environments)].sort(),
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** What a manifest on disk says, or why it is not one of blueprint's. */
type ReadResult<T> = { readonly state: 'absent' } | { readonly state: 'owned'; readonly manifest: T };

/**
 * Reads a manifest. Absent: `{ state: 'absent' }`. Present but not a regular file, not JSON,
 * not blueprint's or of another format: an input error naming the file, because blueprint
 * cannot prove what it owns there and must not guess.
 */
function readManifest<T>(
  file: string,
  shown: string,
  check: (value: Record<string, unknown>) => boolean,
): ReadResult<T> {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(file);
  } catch {
    return { state: 'absent' };
  }
  const refuse = (message: string): never => {
    throw new InputError({ file: shown, message });
  };
  if (!stat.isFile())
    refuse(
      'is not a regular file, so it is not a blueprint output manifest; remove it or choose another --out',
    );
  if (stat.size > 64 * 1024 * 1024) refuse('is too large to be a blueprint output manifest');
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    refuse('is not JSON, so it is not a blueprint output manifest; remove it or choose another --out');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return refuse('is not a blueprint output manifest (not a JSON object)');
  const record = value as Record<string, unknown>;
  if (record.generator !== GENERATOR)
    refuse(`is not a blueprint output manifest (generator is not "${GENERATOR}")`);
  if (record.format !== MANIFEST_FORMAT)
    refuse(
      `has manifest format ${JSON.stringify(record.format)}; this blueprint reads format ${MANIFEST_FORMAT} only (a newer blueprint wrote it?)`,
    );
  if (!check(record))
    refuse('is a damaged blueprint output manifest; remove the directory by hand if it is yours');
  return { state: 'owned', manifest: value as T };
}

const SAFE_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** A relative forward-slash path that stays inside its directory. */
function isInsidePath(relative: string): boolean {
  if (relative === '' || relative.startsWith('/') || relative.includes('\\') || relative.includes('\0'))
    return false;
  return relative.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

export function readRootManifest(outDir: string, shownOut: string): RootManifest | undefined {
  const result = readManifest<RootManifest>(
    path.join(outDir, MANIFEST_FILE),
    path.join(shownOut, MANIFEST_FILE),
    (record) =>
      Array.isArray(record.environments) &&
      record.environments.every((name) => typeof name === 'string' && SAFE_NAME.test(name)),
  );
  return result.state === 'owned' ? result.manifest : undefined;
}

export function readEnvironmentManifest(
  envDir: string,
  shownEnvDir: string,
): EnvironmentManifest | undefined {
  const result = readManifest<EnvironmentManifest>(
    path.join(envDir, MANIFEST_FILE),
    path.join(shownEnvDir, MANIFEST_FILE),
    (record) =>
      typeof record.environment === 'string' &&
      SAFE_NAME.test(record.environment) &&
      typeof record.files === 'object' &&
      record.files !== null &&
      !Array.isArray(record.files) &&
      Object.keys(record.files).every((file) => isInsidePath(file) && file !== MANIFEST_FILE),
  );
  return result.state === 'owned' ? result.manifest : undefined;
}
