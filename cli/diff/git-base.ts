// I/O: synthesizes the environments of another git revision, for `blueprint diff --base`.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ToolError } from '../errors';
import type { OutputTrees } from './model';
import { readOutputTrees } from './tree-reader';

/** How long the base's synthesis may take. @default 5 minutes */
const SYNTH_TIMEOUT_MS = 5 * 60_000;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[], cwd: string, timeout = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd, timeout, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1', CI: 'true' } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({
          code,
          stdout: String(stdout),
          stderr: String(stderr || (error && !error.code ? error.message : '')),
        });
      },
    );
  });
}

function git(args: readonly string[], cwd: string): Promise<Run> {
  return run('git', args, cwd);
}

/** The first line worth showing of a failed command's output. */
function firstLine(result: Run): string {
  const lines = `${result.stderr}\n${result.stdout}`.split('\n').map((line) => line.trim());
  const line =
    lines.find((l) => l.startsWith('error:')) ??
    lines.find((l) => /^[A-Za-z]*Error\b/.test(l)) ??
    lines.find((l) => l !== '') ??
    'no output';
  return line.replace(/^error:\s*/, '');
}

/** The nearest node_modules at or above `dir`. */
function findNodeModules(dir: string): string | undefined {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const candidate = path.join(current, 'node_modules');
    if (fs.existsSync(candidate)) return fs.realpathSync(candidate);
    if (path.dirname(current) === current) return undefined;
  }
}

/** The base's result: its environments' trees and the commit they came from. */
export interface BaseSynthesis {
  readonly trees: OutputTrees;
  readonly commit: string;
}

/**
 * Synthesizes the environments at git revision `ref` with that revision's own CLI: a
 * detached worktree in a temporary directory, the installed node_modules linked into it,
 * `node bin/blueprint.js synth --out <tmp>` in a child process. The worktree is removed
 * (and pruned) whatever happens.
 *
 * @param projectRoot the project's root in the working tree (holds environments/)
 * @param envs environments to synthesize; those the base does not have are skipped. Empty: all.
 * @throws ToolError (exit 3) for an unknown ref, a failed git command or a base that does not synthesize
 */
export async function synthesizeAtRef(
  projectRoot: string,
  ref: string,
  envs: readonly string[],
): Promise<BaseSynthesis> {
  if (ref.startsWith('-')) throw new ToolError(`unknown git ref "${ref}" (a ref cannot start with "-")`);
  const top = await git(['rev-parse', '--show-toplevel'], projectRoot);
  if (top.code !== 0) throw new ToolError(`--base needs a git repository, and ${projectRoot} is not in one`);
  const toplevel = top.stdout.trim();
  const resolved = await git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], projectRoot);
  if (resolved.code !== 0)
    throw new ToolError(`unknown git ref "${ref}": no commit of that name in ${toplevel}`);
  const commit = resolved.stdout.trim();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'blueprint-diff-base-'));
  const worktree = path.join(tmp, 'worktree');
  let added = false;
  try {
    const add = await git(['worktree', 'add', '--detach', worktree, commit], toplevel);
    if (add.code !== 0) throw new ToolError(`git worktree add for ${ref} failed: ${firstLine(add)}`);
    added = true;
    const project = path.join(worktree, path.relative(toplevel, fs.realpathSync(projectRoot)));
    const modules = findNodeModules(projectRoot);
    const link = path.join(project, 'node_modules');
    if (modules && !fs.existsSync(link)) fs.symlinkSync(modules, link, 'dir');
    const bin = path.join(project, 'bin', 'blueprint.js');
    if (!fs.existsSync(bin))
      throw new ToolError(`the base ${ref} cannot be synthesized: it has no bin/blueprint.js`);
    const envDir = path.join(project, 'environments');
    const known = fs.existsSync(envDir)
      ? fs
          .readdirSync(envDir)
          .filter((name) => name.endsWith('.yaml'))
          .map((name) => name.slice(0, -5))
      : [];
    const selected = envs.length === 0 ? known : envs.filter((name) => known.includes(name));
    const out = path.join(tmp, 'out');
    if (selected.length === 0) return { trees: new Map(), commit };
    const args = [
      bin,
      'synth',
      '--out',
      out,
      ...(envs.length > 0 ? selected.flatMap((name) => ['--env', name]) : []),
    ];
    const synth = await run(process.execPath, args, project, SYNTH_TIMEOUT_MS);
    if (synth.code !== 0) {
      throw new ToolError(
        `the base ${ref} does not synthesize (blueprint synth exited ${synth.code}): ${firstLine(synth)}`,
      );
    }
    return { trees: fs.existsSync(out) ? readOutputTrees(out) : new Map(), commit };
  } finally {
    if (added) await git(['worktree', 'remove', '--force', worktree], toplevel);
    fs.rmSync(tmp, { recursive: true, force: true });
    await git(['worktree', 'prune'], toplevel);
  }
}
