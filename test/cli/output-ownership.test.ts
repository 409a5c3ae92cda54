import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { MANIFEST_FILE } from '../../cli/output-manifest';
import { REPO_ROOT, TempProject } from '../support/cli';

/**
 * Every entry under `root` without following links: files with their bytes and mode, links
 * with their target, directories. Equal snapshots mean nothing under `root` changed.
 */
function snapshot(root: string, skip: (relative: string) => boolean = () => false): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string, prefix: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const relative = prefix ? `${prefix}/${name}` : name;
      if (skip(relative)) continue;
      const full = path.join(dir, name);
      const stat = fs.lstatSync(full);
      if (stat.isSymbolicLink()) out.set(relative, `link -> ${fs.readlinkSync(full)}`);
      else if (stat.isDirectory()) {
        out.set(relative, `dir ${(stat.mode & 0o777).toString(8)}`);
        walk(full, relative);
      } else out.set(relative, `file ${(stat.mode & 0o777).toString(8)} ${fs.readFileSync(full, 'base64')}`);
    }
  };
  if (fs.existsSync(root)) walk(root, '');
  return out;
}

/** The entries of `all` that are foreign: not in an environment blueprint wrote, by the manifests. */
function foreignOnly(all: Map<string, string>, owned: Set<string>): Map<string, string> {
  return new Map([...all].filter(([relative, value]) => !owned.has(relative) && !value.startsWith('dir')));
}

/** The files under `out` that the manifests say blueprint wrote, manifests included. */
function ownedPaths(out: string): Set<string> {
  const owned = new Set<string>();
  const root = path.join(out, MANIFEST_FILE);
  if (!fs.existsSync(root)) return owned;
  owned.add(MANIFEST_FILE);
  for (const env of JSON.parse(fs.readFileSync(root, 'utf8')).environments as string[]) {
    const file = path.join(out, env, MANIFEST_FILE);
    if (!fs.existsSync(file)) continue;
    owned.add(`${env}/${MANIFEST_FILE}`);
    for (const relative of Object.keys(JSON.parse(fs.readFileSync(file, 'utf8')).files))
      owned.add(`${env}/${relative}`);
  }
  return owned;
}

describe('synth owns only what it wrote', () => {
  let project: TempProject;
  let outside: string;
  beforeEach(() => {
    project = new TempProject();
    outside = fs.mkdtempSync(path.join(os.tmpdir(), 'blueprint-outside-'));
    fs.writeFileSync(path.join(outside, 'precious'), 'do not touch\n');
  });
  afterEach(() => {
    project.dispose();
    fs.rmSync(outside, { recursive: true, force: true });
  });

  /** A tree that looks like environments to a careless tool: foreign dirs, files and links. */
  function foreignTree(out: string): void {
    const put = (relative: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(out, relative)), { recursive: true });
      fs.writeFileSync(path.join(out, relative), text);
    };
    put('etc/hosts', '127.0.0.1 localhost\n');
    put('infra/terraform/main.tf', 'resource "null_resource" "x" {}\n');
    put('apps/kubernetes/app.yaml', 'kind: ConfigMap\n');
    put('notes/topology.md', '# mine\n');
    put('README.md', 'my output folder\n');
    fs.symlinkSync(outside, path.join(out, 'linked'));
    fs.symlinkSync(path.join(outside, 'precious'), path.join(out, 'precious-link'));
  }

  it('writes beside foreign directories, files and links and leaves every foreign byte as it was', async () => {
    const out = project.path('out');
    foreignTree(out);
    const before = snapshot(out);
    expect((await project.run(['synth', '--out', 'out'])).code).toBe(0);
    const after = snapshot(out);
    for (const [relative, value] of before)
      expect([relative, after.get(relative)]).toEqual([relative, value]);
    expect(snapshot(outside).get('precious')).toContain(Buffer.from('do not touch\n').toString('base64'));
    expect(fs.existsSync(path.join(out, 'prod', MANIFEST_FILE))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(out, MANIFEST_FILE), 'utf8')).environments).toEqual([
      'prod',
      'prod-b',
      'test',
    ]);
  });

  it('keeps foreign files inside an environment directory across synth, --check, diff and pruning', async () => {
    const out = project.path('out');
    expect((await project.run(['synth', '--out', 'out'])).code).toBe(0);
    fs.writeFileSync(path.join(out, 'test', 'operator-notes.txt'), 'mine\n');
    fs.mkdirSync(path.join(out, 'test', 'kubernetes', 'extra'));
    fs.writeFileSync(path.join(out, 'test', 'kubernetes', 'extra', 'mine.yaml'), 'kind: Mine\n');
    fs.symlinkSync(outside, path.join(out, 'test', 'hosts', 'link-out'));
    const owned = ownedPaths(out);
    const foreign = foreignOnly(snapshot(out), owned);
    expect(foreign.size).toBe(3);

    expect((await project.run(['synth', '--out', 'out'])).code).toBe(0);
    expect((await project.run(['synth', '--out', 'out', '--check'])).code).toBe(0);
    expect((await project.run(['diff', '--against', 'out', '--exit-code'])).code).toBe(0);
    // Remove the environment: its files go, the foreign ones (and the folders that hold them) stay.
    fs.rmSync(project.path('environments', 'test.yaml'));
    const pruned = await project.run(['synth', '--out', 'out']);
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toContain('removed test');
    expect(foreignOnly(snapshot(out), new Set())).toEqual(
      expect.objectContaining({ size: expect.any(Number) }),
    );
    const left = snapshot(path.join(out, 'test'));
    expect([...left.keys()].filter((key) => !left.get(key)?.startsWith('dir')).sort()).toEqual([
      'hosts/link-out',
      'kubernetes/extra/mine.yaml',
      'operator-notes.txt',
    ]);
    for (const [relative, value] of foreign) expect(snapshot(out).get(relative)).toBe(value);
    expect(snapshot(outside).size).toBe(1);
    expect(JSON.parse(fs.readFileSync(path.join(out, MANIFEST_FILE), 'utf8')).environments).toEqual([
      'prod',
      'prod-b',
    ]);
  });

  it('refuses an environment directory it did not write, names it, and writes nothing', async () => {
    const out = project.path('out');
    fs.mkdirSync(path.join(out, 'prod', 'terraform'), { recursive: true });
    fs.writeFileSync(path.join(out, 'prod', 'terraform', 'main.tf'), 'mine\n');
    fs.symlinkSync(outside, path.join(out, 'test'));
    const before = snapshot(out);
    const result = await project.run(['synth', '--out', 'out']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('out/prod: exists and was not written by blueprint');
    expect(result.stderr).toContain('out/test: is not a directory blueprint wrote');
    expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(snapshot(out)).toEqual(before);
  });

  it('never prunes a directory the root manifest names unless it carries its own manifest', async () => {
    const out = project.path('out');
    expect((await project.run(['synth', '--out', 'out'])).code).toBe(0);
    // A user replaces blueprint's test/ with their own folder of the same name.
    fs.rmSync(path.join(out, 'test'), { recursive: true });
    fs.mkdirSync(path.join(out, 'test', 'hosts'), { recursive: true });
    fs.writeFileSync(path.join(out, 'test', 'hosts', 'mine'), 'mine\n');
    fs.rmSync(project.path('environments', 'test.yaml'));
    const before = snapshot(path.join(out, 'test'));
    expect((await project.run(['synth', '--out', 'out'])).code).toBe(0);
    expect(snapshot(path.join(out, 'test'))).toEqual(before);
  });

  it('refuses a new file that would land on a foreign file, and leaves the tree as it was', async () => {
    const out = project.path('out');
    expect((await project.run(['synth', '--out', 'out', '--env', 'test'])).code).toBe(0);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'test', MANIFEST_FILE), 'utf8'));
    const victim = Object.keys(manifest.files)[0] as string;
    delete manifest.files[victim];
    fs.writeFileSync(path.join(out, 'test', MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    fs.writeFileSync(path.join(out, 'test', victim), 'the user wrote this\n');
    const before = snapshot(out);
    const result = await project.run(['synth', '--out', 'out', '--env', 'test']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`out/test/${victim}: was not written by blueprint`);
    expect(snapshot(out)).toEqual(before);
  });

  it('property: any tree of foreign entries survives synth and pruning byte for byte', async () => {
    const names = ['prod', 'test', 'hosts', 'terraform', 'kubernetes', 'topology.md', 'x', MANIFEST_FILE];
    const entry = fc.record({
      dir: fc.constantFrom('', ...names.slice(0, 6)),
      name: fc.constantFrom(...names),
      kind: fc.constantFrom('file', 'dir', 'link'),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { maxLength: 6 }), async (entries) => {
        const out = fs.mkdtempSync(path.join(project.root, 'prop-'));
        for (const { dir, name, kind } of entries) {
          const full = path.join(out, dir, name);
          try {
            fs.mkdirSync(path.dirname(full), { recursive: true });
            if (fs.existsSync(full)) continue;
            if (kind === 'file') fs.writeFileSync(full, `${dir}/${name}\n`);
            else if (kind === 'dir') fs.mkdirSync(full);
            else fs.symlinkSync(outside, full);
          } catch {
            // A parent is a file or a link: that entry is simply not made.
          }
        }
        const before = snapshot(out);
        const relative = path.relative(project.root, out);
        const first = await project.run(['synth', '--out', relative, '--env', 'test']);
        expect(first.stderr).not.toContain('internal error');
        if (first.code !== 0) {
          expect(first.code).toBe(2);
          expect(snapshot(out)).toEqual(before);
          return;
        }
        const owned = ownedPaths(out);
        for (const [key, value] of before)
          if (!owned.has(key)) expect([key, snapshot(out).get(key)]).toEqual([key, value]);
        expect(snapshot(outside).size).toBe(1);
      }),
      { numRuns: 25, seed: 14 },
    );
  });
});

describe('bad output targets and inputs: exit 2, a clear message, nothing written', () => {
  let project: TempProject;
  beforeAll(() => {
    project = new TempProject();
  });
  afterAll(() => project.dispose());

  it.each([
    ['the filesystem root', '/', 'is the filesystem root'],
    ['the home directory', os.homedir(), 'is your home directory'],
    ['the project root', '.', 'is the project root'],
    ['a file', 'environments/test.yaml', 'is a file, not a directory'],
    [
      'a path through a file',
      'environments/test.yaml/out',
      'goes through environments/test.yaml, which is a file',
    ],
  ])('refuses --out at %s', async (_label, out, message) => {
    const before = snapshot(project.root);
    const result = await project.run(['synth', '--env', 'test', '--out', out]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--out');
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(snapshot(project.root)).toEqual(before);
  });

  it("refuses the project's .git directory", async () => {
    fs.mkdirSync(project.path('.git'), { recursive: true });
    const result = await project.run(['synth', '--env', 'test', '--out', '.git/out']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("inside the project's .git directory");
    expect(fs.readdirSync(project.path('.git'))).toEqual([]);
    fs.rmSync(project.path('.git'), { recursive: true });
  });

  it('refuses an unwritable directory (run as an unprivileged user when the tests run as root)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blueprint-ro-'));
    fs.chmodSync(dir, 0o555);
    const root = process.getuid?.() === 0;
    // Root writes anywhere; the real check is made as `nobody`, which may read the repository.
    const projectCopy = fs.mkdtempSync(path.join(os.tmpdir(), 'blueprint-ro-project-'));
    fs.cpSync(project.path('environments'), path.join(projectCopy, 'environments'), { recursive: true });
    fs.chmodSync(projectCopy, 0o755);
    const argv = [
      path.join(REPO_ROOT, 'bin', 'blueprint.js'),
      'synth',
      '--env',
      'test',
      '--out',
      path.join(dir, 'out'),
    ];
    const command = root ? 'setpriv' : process.execPath;
    const args = root
      ? ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...argv]
      : argv;
    const result = spawnSync(command, args, {
      cwd: projectCopy,
      encoding: 'utf8',
      env: { ...process.env, HOME: projectCopy },
    });
    try {
      expect(result.stderr).toContain('is not writable by this user');
      expect(result.status).toBe(2);
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      fs.chmodSync(dir, 0o755);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(projectCopy, { recursive: true, force: true });
    }
  });
});
