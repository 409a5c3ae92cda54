// Writes, prunes and compares synthesized output under <out>, touching only what blueprint can
// prove it wrote (cli/output-manifest.ts). Everything else under <out> is left byte for byte.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError, type InputProblem } from '../environments/input-error';
import type { EnvironmentOutput } from '../stacks/environment';
import type { OutputFile } from '../stacks/output-file';
import {
  DEFAULT_MODE,
  environmentManifestFile,
  MANIFEST_FILE,
  readEnvironmentManifest,
  readRootManifest,
  rootManifestText,
} from './output-manifest';

/** What is at a relative path under a root, judged without following any symbolic link. */
type EntryKind = 'missing' | 'file' | 'directory' | 'foreign';

/**
 * Looks at `root/relative` one component at a time with lstat: a symbolic link, or a
 * component that is not a directory, makes the entry `foreign` (never followed).
 */
function entryKind(root: string, relative: string): EntryKind {
  let current = root;
  const parts = relative.split('/');
  for (let i = 0; i < parts.length; i++) {
    current = path.join(current, parts[i] as string);
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(current);
    } catch {
      return 'missing';
    }
    const last = i === parts.length - 1;
    if (stat.isSymbolicLink()) return 'foreign';
    if (!last && !stat.isDirectory()) return 'foreign';
    if (last) return stat.isFile() ? 'file' : stat.isDirectory() ? 'directory' : 'foreign';
  }
  return 'missing';
}

/** The nearest existing ancestor of `dir` (or `dir` itself). */
function existingAncestor(dir: string): string {
  let current = dir;
  while (!fs.existsSync(current) && path.dirname(current) !== current) current = path.dirname(current);
  return current;
}

function sameDir(a: string, b: string): boolean {
  try {
    return fs.realpathSync(a) === fs.realpathSync(b);
  } catch {
    return path.resolve(a) === path.resolve(b);
  }
}

/**
 * Refuses an output directory blueprint must not write into: the filesystem root, the home
 * directory itself, the project's root or its `.git`, a file, a path through a file, or a
 * directory this user cannot write.
 */
export function checkOutputDirectory(outDir: string, shownOut: string, projectRoot: string): void {
  const refuse = (message: string): never => {
    throw new InputError({ path: '--out', value: shownOut, message });
  };
  const resolved = path.resolve(outDir);
  if (path.dirname(resolved) === resolved || sameDir(resolved, path.parse(resolved).root))
    refuse('is the filesystem root; choose a directory of its own for the output, e.g. dist');
  if (sameDir(resolved, os.homedir()))
    refuse('is your home directory; choose a directory of its own, e.g. ~/blueprint-out');
  if (sameDir(resolved, projectRoot))
    refuse(
      'is the project root, which holds environments/ and the code; choose a directory of its own, e.g. dist',
    );
  const gitDir = path.join(projectRoot, '.git');
  const real = fs.existsSync(existingAncestor(resolved))
    ? fs.realpathSync(existingAncestor(resolved))
    : resolved;
  if (
    fs.existsSync(gitDir) &&
    (real === fs.realpathSync(gitDir) || real.startsWith(fs.realpathSync(gitDir) + path.sep))
  )
    refuse("is inside the project's .git directory");
  const ancestor = existingAncestor(resolved);
  const stat = fs.statSync(ancestor);
  if (!stat.isDirectory()) {
    if (ancestor === resolved) refuse('is a file, not a directory');
    const below = path.relative(ancestor, resolved).split(path.sep).length;
    const shownFile =
      shownOut
        .split(/[\\/]+/)
        .slice(0, -below)
        .join('/') || ancestor;
    refuse(`goes through ${shownFile}, which is a file, not a directory`);
  }
  try {
    fs.accessSync(ancestor, fs.constants.W_OK | fs.constants.X_OK);
  } catch {
    refuse(
      ancestor === resolved
        ? 'is not writable by this user'
        : `cannot be created: ${ancestor} is not writable by this user`,
    );
  }
}

/**
 * The environment directories under `outDir` that blueprint wrote (the root manifest names
 * them and each carries its own manifest) and that no known environment produces any more.
 */
export function staleEnvironmentDirs(outDir: string, shownOut: string, known: readonly string[]): string[] {
  if (!fs.existsSync(outDir)) return [];
  const root = readRootManifest(outDir, shownOut);
  if (!root) return [];
  return root.environments
    .filter((name) => !known.includes(name))
    .filter((name) => entryKind(outDir, name) === 'directory')
    .filter(
      (name) =>
        readEnvironmentManifest(path.join(outDir, name), path.join(shownOut, name))?.environment === name,
    )
    .sort();
}

/** One step of a write, and how to undo it. */
type Step =
  | { readonly kind: 'rename'; readonly from: string; readonly to: string }
  | { readonly kind: 'mkdir'; readonly dir: string }
  | { readonly kind: 'rmdir'; readonly dir: string };

/** What happens to one environment's directory. */
interface EnvironmentPlan {
  readonly name: string;
  /** Files blueprint wrote there before (by its manifest), including the manifest itself when it exists. */
  readonly owned: readonly string[];
  /** The new files, including the manifest; empty when the environment is pruned. */
  readonly files: readonly OutputFile[];
}

function parents(relative: string): string[] {
  const parts = relative.split('/');
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join('/'));
  return out;
}

/**
 * Checks, before anything is written, that every environment's directory is either absent or
 * blueprint's, and that no new file lands on something blueprint did not write. Returns the
 * plan, or throws one input error listing every problem.
 */
function planEnvironments(
  outDir: string,
  shownOut: string,
  outputs: readonly EnvironmentOutput[],
  prune: readonly string[],
): EnvironmentPlan[] {
  const problems: InputProblem[] = [];
  const plans: EnvironmentPlan[] = [];
  const envs = [
    ...outputs.map((output) => ({
      name: output.name,
      files: [...output.files, environmentManifestFile(output)],
    })),
    ...prune.map((name) => ({ name, files: [] as OutputFile[] })),
  ];
  for (const { name, files } of envs) {
    const shownDir = path.join(shownOut, name);
    const kind = entryKind(outDir, name);
    if (kind === 'foreign') {
      problems.push({
        file: shownDir,
        message:
          'is not a directory blueprint wrote (a file or a symbolic link); move it away or choose another --out',
      });
      continue;
    }
    if (kind === 'file') {
      problems.push({
        file: shownDir,
        message: 'is a file, not an environment directory; move it away or choose another --out',
      });
      continue;
    }
    let owned: string[] = [];
    if (kind === 'directory') {
      const envDir = path.join(outDir, name);
      let manifest: ReturnType<typeof readEnvironmentManifest>;
      try {
        manifest = readEnvironmentManifest(envDir, shownDir);
      } catch (error) {
        if (error instanceof InputError) problems.push(...error.problems);
        else throw error;
        continue;
      }
      if (!manifest) {
        problems.push({
          file: shownDir,
          message: `exists and was not written by blueprint (it has no ${MANIFEST_FILE}); blueprint never replaces what it did not write: move it away or choose another --out (output of a blueprint from before manifests has none: remove it yourself once)`,
        });
        continue;
      }
      if (manifest.environment !== name) {
        problems.push({
          file: path.join(shownDir, MANIFEST_FILE),
          value: manifest.environment,
          message: `names another environment than ${JSON.stringify(name)}; move the directory away or choose another --out`,
        });
        continue;
      }
      owned = [...Object.keys(manifest.files), MANIFEST_FILE];
    }
    const ownedSet = new Set(owned);
    for (const file of files) {
      const target = entryKind(path.join(outDir, name), file.path);
      if (target === 'missing') {
        // A parent that exists must be a real directory (entryKind says foreign otherwise).
        continue;
      }
      if (target === 'file' && ownedSet.has(file.path)) continue;
      problems.push({
        file: path.join(shownDir, file.path),
        message:
          target === 'foreign'
            ? 'is in the way: it or a directory above it is a symbolic link or a file blueprint did not write; move it away'
            : 'was not written by blueprint, but the new output writes this path; move it away',
      });
    }
    plans.push({ name, owned, files });
  }
  if (problems.length > 0) throw new InputError(problems);
  return plans;
}

/**
 * Writes environments into `outDir`, touching only what blueprint wrote:
 * - every file is first written to a staging directory inside `outDir`;
 * - then, per environment, blueprint's old files (by the manifest) move out of the way and the
 *   new ones move in by rename; files blueprint did not write stay where they are;
 * - the manifests are written with the files, the root manifest last.
 * On any error every step is undone and `outDir` is left as it was.
 *
 * @param prune names of environment directories to remove: only those `staleEnvironmentDirs`
 *   proved blueprint's; of them only blueprint's files go (the directory stays when other files are in it)
 */
export function writeOutputs(
  outDir: string,
  shownOut: string,
  outputs: readonly EnvironmentOutput[],
  prune: readonly string[] = [],
): void {
  const rootManifest = fs.existsSync(outDir) ? readRootManifest(outDir, shownOut) : undefined;
  const plans = planEnvironments(outDir, shownOut, outputs, prune);
  const rootKind = entryKind(outDir, MANIFEST_FILE);
  if (rootKind === 'foreign' || rootKind === 'directory')
    throw new InputError({
      file: path.join(shownOut, MANIFEST_FILE),
      message: 'is not a regular file blueprint wrote; move it away',
    });
  const listed = new Set(rootManifest?.environments ?? []);
  for (const output of outputs) listed.add(output.name);
  for (const name of prune) listed.delete(name);

  const steps: Step[] = [];
  const createdOut: string[] = [];
  for (let dir = path.resolve(outDir); !fs.existsSync(dir); dir = path.dirname(dir)) createdOut.unshift(dir);
  let staging: string;
  try {
    for (const dir of createdOut) fs.mkdirSync(dir, { mode: 0o755 });
    staging = fs.mkdtempSync(path.join(outDir, '.blueprint-staging-'));
  } catch (error) {
    for (const dir of [...createdOut].reverse()) fs.rmSync(dir, { recursive: true, force: true });
    throw notWritable(error, shownOut);
  }
  const rename = (from: string, to: string) => {
    fs.renameSync(from, to);
    steps.push({ kind: 'rename', from, to });
  };
  const mkdir = (dir: string) => {
    fs.mkdirSync(dir, { mode: 0o755 });
    steps.push({ kind: 'mkdir', dir });
  };
  try {
    for (const plan of plans) writeTree(path.join(staging, 'new', plan.name), plan.files);
    writeTree(path.join(staging, 'new'), [{ path: MANIFEST_FILE, content: rootManifestText(listed) }]);
    fs.mkdirSync(path.join(staging, 'old'));
    for (const plan of plans) {
      const envDir = path.join(outDir, plan.name);
      const incoming = path.join(staging, 'new', plan.name);
      const backup = path.join(staging, 'old', plan.name);
      // 1. Blueprint's old files go out of the way (into the staging area, so they can come back).
      for (const file of plan.owned) {
        if (entryKind(envDir, file) !== 'file') continue;
        const keep = path.join(backup, file);
        fs.mkdirSync(path.dirname(keep), { recursive: true });
        rename(path.join(envDir, file), keep);
      }
      // 2. The new files move in.
      if (plan.files.length > 0 && entryKind(outDir, plan.name) === 'missing') mkdir(envDir);
      for (const file of plan.files) {
        for (const dir of parents(file.path))
          if (entryKind(envDir, dir) === 'missing') mkdir(path.join(envDir, dir));
        rename(path.join(incoming, file.path), path.join(envDir, file.path));
      }
      // 3. Directories that held only blueprint's files and are empty now go (deepest first).
      const newDirs = new Set(plan.files.flatMap((file) => parents(file.path)));
      const oldDirs = [...new Set(plan.owned.flatMap((file) => parents(file)))]
        .filter((dir) => !newDirs.has(dir))
        .sort((a, b) => b.split('/').length - a.split('/').length || (a < b ? 1 : -1));
      for (const dir of oldDirs) removeIfEmpty(path.join(envDir, dir), steps);
      if (plan.files.length === 0) removeIfEmpty(envDir, steps);
    }
    if (entryKind(outDir, MANIFEST_FILE) === 'file')
      rename(path.join(outDir, MANIFEST_FILE), path.join(staging, 'old', MANIFEST_FILE));
    rename(path.join(staging, 'new', MANIFEST_FILE), path.join(outDir, MANIFEST_FILE));
  } catch (error) {
    for (const step of steps.reverse()) undo(step);
    fs.rmSync(staging, { recursive: true, force: true });
    for (const dir of createdOut.reverse()) fs.rmSync(dir, { recursive: true, force: true });
    throw notWritable(error, shownOut);
  }
  // The staging directory holds only what blueprint wrote or moved there; rmSync never follows links.
  fs.rmSync(staging, { recursive: true, force: true });
}

/** A permission or read-only filesystem error while writing is the user's `--out` (exit 2); anything else stays as it was. */
function notWritable(error: unknown, shownOut: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
    return new InputError({
      path: '--out',
      value: shownOut,
      message: `cannot be written (${code}: ${code === 'EROFS' ? 'a read-only filesystem' : 'permission denied'}); nothing was written`,
    });
  return error;
}

function removeIfEmpty(dir: string, steps: Step[]): void {
  try {
    const stat = fs.lstatSync(dir);
    if (!stat.isDirectory() || fs.readdirSync(dir).length > 0) return;
  } catch {
    return;
  }
  fs.rmdirSync(dir);
  steps.push({ kind: 'rmdir', dir });
}

function undo(step: Step): void {
  try {
    if (step.kind === 'rename') {
      fs.mkdirSync(path.dirname(step.from), { recursive: true });
      fs.renameSync(step.to, step.from);
    } else if (step.kind === 'mkdir') fs.rmdirSync(step.dir);
    else fs.mkdirSync(step.dir, { mode: 0o755 });
  } catch {
    // Keep undoing the other steps; a step that cannot be undone leaves its file in staging.
  }
}

function writeTree(root: string, files: readonly OutputFile[]): void {
  for (const file of files) {
    const full = path.join(root, ...file.path.split('/'));
    fs.mkdirSync(path.dirname(full), { recursive: true, mode: 0o755 });
    fs.writeFileSync(full, file.content);
    // chmod after writing, so that the mode does not depend on the user's umask.
    fs.chmodSync(full, file.mode ?? DEFAULT_MODE);
  }
}

/** One difference between a fresh synthesis and an output tree. */
export interface TreeDifference {
  /** Path relative to the output directory, e.g. `prod/terraform/cdk.tf.json`. */
  readonly path: string;
  readonly kind: 'missing' | 'changed' | 'mode' | 'extra';
}

/**
 * Compares fresh outputs with what is on disk under `outDir`, file by file, manifest
 * included. `extra` is a file the manifest on disk lists that the fresh output does not
 * write; files blueprint did not write are not blueprint's business and are not reported.
 */
export function compareOutputs(
  outDir: string,
  outputs: readonly EnvironmentOutput[],
  shownOut = outDir,
): TreeDifference[] {
  const differences: TreeDifference[] = [];
  for (const output of outputs) {
    const root = path.join(outDir, output.name);
    const expected = new Set<string>();
    for (const file of [...output.files, environmentManifestFile(output)]) {
      expected.add(file.path);
      const full = path.join(root, ...file.path.split('/'));
      const where = `${output.name}/${file.path}`;
      if (entryKind(root, file.path) !== 'file') differences.push({ path: where, kind: 'missing' });
      else if (fs.readFileSync(full, 'utf8') !== file.content)
        differences.push({ path: where, kind: 'changed' });
      else if ((fs.lstatSync(full).mode & 0o777) !== (file.mode ?? DEFAULT_MODE))
        differences.push({ path: where, kind: 'mode' });
    }
    if (entryKind(outDir, output.name) !== 'directory') continue;
    for (const existing of ownedOnDisk(root, path.join(shownOut, output.name))) {
      if (!expected.has(existing)) differences.push({ path: `${output.name}/${existing}`, kind: 'extra' });
    }
  }
  return differences;
}

/** The files an environment directory's manifest lists that are still there as regular files. */
function ownedOnDisk(envDir: string, shownEnvDir: string): string[] {
  let manifest: ReturnType<typeof readEnvironmentManifest>;
  try {
    manifest = readEnvironmentManifest(envDir, shownEnvDir);
  } catch (error) {
    // A damaged manifest is reported as the manifest being changed; its files are not listed.
    if (error instanceof InputError) return [];
    throw error;
  }
  return manifest
    ? Object.keys(manifest.files)
        .filter((file) => entryKind(envDir, file) === 'file')
        .sort()
    : [];
}

/**
 * The files of one environment's output directory that blueprint wrote, by its manifest
 * (without the manifest itself). Without a manifest — output of a blueprint older than the
 * manifest, read only by diff — every regular file under the known parts is taken.
 */
export function environmentFiles(envDir: string): string[] | undefined {
  const manifest = readEnvironmentManifest(envDir, envDir);
  if (manifest)
    return Object.keys(manifest.files)
      .filter((file) => entryKind(envDir, file) === 'file')
      .sort();
  if (!LEGACY_PARTS.some((part) => entryKind(envDir, part) !== 'missing')) return undefined;
  return listFiles(envDir).filter((file) => LEGACY_PARTS.includes(file.split('/')[0] as string));
}

/** The parts of an environment's directory before manifests existed (read by diff only, never deleted). */
const LEGACY_PARTS = ['terraform', 'kubernetes', 'hosts', 'ansible', 'topology.md'];

/** Whether a directory is one environment's synthesized output (it has a manifest, or the legacy parts). */
export function isEnvironmentOutput(dir: string): boolean {
  try {
    return environmentFiles(dir) !== undefined;
  } catch (error) {
    if (error instanceof InputError) return false;
    throw error;
  }
}

/** Regular files under `root`, as sorted forward-slash relative paths; symbolic links are not followed. */
export function listFiles(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  const out: string[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path.join(dir, entry.name), relative);
      else if (entry.isFile()) out.push(relative);
    }
  };
  walk(root, '');
  return out.sort();
}

/**
 * The root manifest compared with a fresh synthesis: for a full synthesis it must name exactly
 * `environments`; for a partial one (`partial`) it must at least name them.
 */
export function compareRootManifest(
  outDir: string,
  shownOut: string,
  environments: readonly string[],
  partial: boolean,
): TreeDifference[] {
  const file = path.join(outDir, MANIFEST_FILE);
  if (entryKind(outDir, MANIFEST_FILE) !== 'file') return [{ path: MANIFEST_FILE, kind: 'missing' }];
  if (!partial)
    return fs.readFileSync(file, 'utf8') === rootManifestText(environments)
      ? []
      : [{ path: MANIFEST_FILE, kind: 'changed' }];
  let listed: readonly string[] = [];
  try {
    listed = readRootManifest(outDir, shownOut)?.environments ?? [];
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
  }
  return environments.every((name) => listed.includes(name))
    ? []
    : [{ path: MANIFEST_FILE, kind: 'changed' }];
}
