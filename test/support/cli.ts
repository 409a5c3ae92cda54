import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../cli/main';

/** The repository root (tests run from it or below it). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `blueprint <args>` in-process with `cwd` as the working directory. */
export async function runCli(args: readonly string[], cwd: string): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    isTty: false,
    cwd,
  });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

/**
 * A throw-away copy of the project's environments/ (schema, templates and environment files)
 * in a temporary directory, so that a test can edit environment files and synthesize
 * without touching the repository. Removed by `dispose()`.
 */
export class TempProject {
  public readonly root: string;

  constructor(options: { withEnvironments?: boolean } = {}) {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), 'blueprint-test-'));
    fs.cpSync(path.join(REPO_ROOT, 'environments'), path.join(this.root, 'environments'), {
      recursive: true,
      filter: (source) => !source.endsWith('.ts') && !source.includes(`${path.sep}schema${path.sep}`),
    });
    if (options.withEnvironments === false) {
      for (const name of fs.readdirSync(path.join(this.root, 'environments'))) {
        if (name.endsWith('.yaml')) fs.rmSync(path.join(this.root, 'environments', name));
      }
    }
  }

  /** Path inside the project. */
  path(...parts: string[]): string {
    return path.join(this.root, ...parts);
  }

  read(relative: string): string {
    return fs.readFileSync(this.path(relative), 'utf8');
  }

  write(relative: string, text: string): void {
    fs.mkdirSync(path.dirname(this.path(relative)), { recursive: true });
    fs.writeFileSync(this.path(relative), text);
  }

  /** Replaces `search` with `replacement` in a file, failing when `search` is not there. */
  edit(relative: string, search: string | RegExp, replacement: string): void {
    const text = this.read(relative);
    const next = text.replace(search, replacement);
    if (next === text) throw new Error(`edit: ${String(search)} not found in ${relative}`);
    this.write(relative, next);
  }

  run(args: readonly string[]): Promise<CliResult> {
    return runCli(args, this.root);
  }

  dispose(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** Every file under `dir` with its content, keyed by forward-slash relative path. */
export function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (current: string, prefix: string) => {
    if (!fs.existsSync(current)) return;
    for (const entry of fs
      .readdirSync(current, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))) {
      const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full, relative);
      else out.set(relative, fs.readFileSync(full, 'utf8'));
    }
  };
  walk(dir, '');
  return out;
}
