import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EnvironmentOutput } from '../stacks/environment';
import type { OutputFile } from '../stacks/output-file';

const DEFAULT_MODE = 0o644;

/** The parts of one environment's output directory (the contract layout). */
const OUTPUT_PARTS = ['terraform', 'kubernetes', 'hosts', 'topology.md'];

/** Whether a directory looks like one environment's synthesized output. */
export function isEnvironmentOutput(dir: string): boolean {
  return OUTPUT_PARTS.some((part) => fs.existsSync(path.join(dir, part)));
}

/**
 * Writes environments into `outDir` atomically: everything is written into a staging
 * directory beside `outDir` first, and each environment's directory is swapped in by rename
 * only when all of them were written. On any error `outDir` is left as it was.
 *
 * @param prune names of environment directories to remove (environments that no longer exist)
 */
export function writeOutputs(
  outDir: string,
  outputs: readonly EnvironmentOutput[],
  prune: readonly string[] = [],
): void {
  const parent = path.dirname(path.resolve(outDir));
  fs.mkdirSync(parent, { recursive: true });
  const staging = fs.mkdtempSync(path.join(parent, `.${path.basename(outDir)}.staging-`));
  const swapped: { target: string; backup?: string }[] = [];
  try {
    for (const output of outputs) writeTree(path.join(staging, 'new', output.name), output.files);
    fs.mkdirSync(outDir, { recursive: true });
    fs.mkdirSync(path.join(staging, 'old'));
    const moves = [
      ...outputs.map((output) => ({ name: output.name, incoming: path.join(staging, 'new', output.name) })),
      ...prune.map((name) => ({ name, incoming: undefined })),
    ];
    for (const { name, incoming } of moves) {
      const target = path.join(outDir, name);
      const step: { target: string; backup?: string } = { target };
      if (fs.existsSync(target)) {
        step.backup = path.join(staging, 'old', name);
        fs.renameSync(target, step.backup);
      }
      swapped.push(step);
      if (incoming) fs.renameSync(incoming, target);
    }
  } catch (error) {
    for (const step of swapped.reverse()) {
      fs.rmSync(step.target, { recursive: true, force: true });
      if (step.backup) fs.renameSync(step.backup, step.target);
    }
    throw error;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
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

/** The environment directories under `outDir` that no known environment produces. */
export function staleEnvironmentDirs(outDir: string, known: readonly string[]): string[] {
  if (!fs.existsSync(outDir)) return [];
  return fs
    .readdirSync(outDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && !known.includes(entry.name))
    .filter((entry) => isEnvironmentOutput(path.join(outDir, entry.name)))
    .map((entry) => entry.name)
    .sort();
}

/** One difference between a fresh synthesis and an output tree. */
export interface TreeDifference {
  /** Path relative to the output directory, e.g. `prod/terraform/cdk.tf.json`. */
  readonly path: string;
  readonly kind: 'missing' | 'changed' | 'mode' | 'extra';
}

/** Compares fresh outputs with what is on disk under `outDir`, file by file. */
export function compareOutputs(outDir: string, outputs: readonly EnvironmentOutput[]): TreeDifference[] {
  const differences: TreeDifference[] = [];
  for (const output of outputs) {
    const root = path.join(outDir, output.name);
    const expected = new Set<string>();
    for (const file of output.files) {
      expected.add(file.path);
      const full = path.join(root, ...file.path.split('/'));
      const where = `${output.name}/${file.path}`;
      if (!fs.existsSync(full)) differences.push({ path: where, kind: 'missing' });
      else if (fs.readFileSync(full, 'utf8') !== file.content)
        differences.push({ path: where, kind: 'changed' });
      else if ((fs.statSync(full).mode & 0o777) !== (file.mode ?? DEFAULT_MODE))
        differences.push({ path: where, kind: 'mode' });
    }
    for (const existing of listFiles(root)) {
      if (!expected.has(existing)) differences.push({ path: `${output.name}/${existing}`, kind: 'extra' });
    }
  }
  return differences;
}

/** Files under `root`, as sorted forward-slash relative paths. */
export function listFiles(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  const out: string[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path.join(dir, entry.name), relative);
      else out.push(relative);
    }
  };
  walk(root, '');
  return out.sort();
}
