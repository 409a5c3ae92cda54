import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT, runCli } from '../../support/cli';

/** The parts of the project a base revision needs to synthesize with its own CLI. */
const SOURCES = [
  'cli',
  'stacks',
  'constructs',
  'environments',
  'imports',
  // The vendored add-on releases and the CRDs the add-on lock hashes.
  'addons',
  'crds',
  'bin',
  'package.json',
  'tsconfig.json',
];

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.invalid', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * A temporary git repository holding a copy of the project's sources with node_modules linked,
 * three commits: `good` (the sources as they are), `broken` (an invalid environment file),
 * and a working tree edited on top of `good`.
 */
describe('blueprint diff --base (temporary git repository)', () => {
  let repo: string;
  const read = (relative: string) => fs.readFileSync(path.join(repo, relative), 'utf8');
  const write = (relative: string, text: string) => fs.writeFileSync(path.join(repo, relative), text);
  const worktrees = () => git(repo, 'worktree', 'list', '--porcelain').match(/^worktree /gm)?.length ?? 0;

  beforeAll(() => {
    repo = fs.mkdtempSync(path.join(os.tmpdir(), 'blueprint-diff-repo-'));
    for (const source of SOURCES)
      fs.cpSync(path.join(REPO_ROOT, source), path.join(repo, source), { recursive: true });
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(repo, 'node_modules'), 'dir');
    write('.gitignore', 'node_modules\ndist\n');
    git(repo, 'init', '--quiet', '--initial-branch=main');
    git(repo, 'add', '.');
    git(repo, 'commit', '--quiet', '-m', 'good');
    git(repo, 'tag', 'good');
    const prod = read('environments/prod.yaml');
    write('environments/prod.yaml', prod.replace(/vip: 10\.20\.0\.10\b/, 'vip: 10.20.0.300'));
    git(repo, 'commit', '--quiet', '-am', 'broken');
    git(repo, 'tag', 'broken');
    // The working tree: good, with the VIP moved.
    write('environments/prod.yaml', prod.replace(/vip: 10\.20\.0\.10\b/, 'vip: 10.20.0.99'));
  });
  afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

  it('synthesizes the base in a temporary worktree and reports what the working tree changes', async () => {
    const result = await runCli(['diff', '--base', 'good', '--exit-code'], repo);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    expect(result.stdout.split('\n')[0]).toBe('good → working tree');
    expect(result.stdout).toContain('controlPlaneEndpoint: 10.20.0.10:8443 → 10.20.0.99:8443');
    expect(result.stdout).toContain('test: no changes');
    expect(worktrees()).toBe(1);
    expect(fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith('blueprint-diff-base-'))).toEqual([]);
  });

  it('limits the base and the head to --env', async () => {
    const result = await runCli(['diff', '--base', 'good', '--env', 'test', '--exit-code'], repo);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('test: no changes');
    expect(result.stdout).not.toContain('prod');
  });

  it('exits 3 for an unknown ref', async () => {
    const result = await runCli(['diff', '--base', 'no-such-ref'], repo);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^error: unknown git ref "no-such-ref": no commit of that name in /);
    expect(result.stderr.split('\n')).toHaveLength(1);
    expect(worktrees()).toBe(1);
  });

  it('exits 3 when the base does not synthesize, naming the problem in one line', async () => {
    const result = await runCli(['diff', '--base', 'broken'], repo);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /^error: the base broken does not synthesize \(blueprint synth exited 2\): environments\/prod\.yaml: controlPlane\.vip: "10\.20\.0\.300"/,
    );
    expect(result.stderr.split('\n')).toHaveLength(1);
    expect(worktrees()).toBe(1);
  });

  it('exits 3 outside a git repository', async () => {
    const plain = fs.mkdtempSync(path.join(os.tmpdir(), 'blueprint-diff-nogit-'));
    try {
      fs.cpSync(path.join(repo, 'environments'), path.join(plain, 'environments'), { recursive: true });
      const result = await runCli(['diff', '--base', 'HEAD'], plain);
      expect(result.code).toBe(3);
      expect(result.stderr).toContain('--base needs a git repository');
    } finally {
      fs.rmSync(plain, { recursive: true, force: true });
    }
  });
});
