import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT, readTree, TempProject } from '../support/cli';

/** Snapshot of a directory: every file's content and mode. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [file, content] of readTree(dir)) {
    out.set(file, `${(fs.statSync(path.join(dir, file)).mode & 0o777).toString(8)}:${content}`);
  }
  return out;
}

describe('blueprint synth', () => {
  let project: TempProject;
  beforeEach(() => {
    project = new TempProject();
  });
  afterEach(() => project.dispose());

  it('writes terraform, kubernetes and host output for every environment', async () => {
    const result = await project.run(['synth', '--out', 'out']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^prod: \d+ objects, \d+ resources, \d+ files, \d+ ms$/m);
    for (const env of ['prod', 'test']) {
      const tf = JSON.parse(project.read(`out/${env}/terraform/cdk.tf.json`));
      expect(tf.provider.kubernetes[0].config_context).toBe(`${env}-admin@${env}`);
      expect(tf.terraform.backend.local.path).not.toMatch(/^\//);
      // Manifests, the add-ons' first, and the add-on lock beside them.
      const kubernetes = fs.readdirSync(project.path(`out/${env}/kubernetes`));
      expect(kubernetes).toContain('addons.yaml');
      expect(kubernetes.filter((f) => !f.endsWith('.yaml'))).toEqual(['addons.lock.json']);
    }
  });

  it('is deterministic: two syntheses are byte-identical and hold no absolute path', async () => {
    expect((await project.run(['synth', '--out', 'one'])).code).toBe(0);
    // A second copy of the project somewhere else, synthesized by the CLI in a process with a home
    // directory of its own: the output must depend neither on where the project lives nor on
    // whose home the run has. (The home of this process may be a path that upstream manifests
    // hold for their own reasons, such as /root inside an image, so it is not a needle.)
    const other = new TempProject();
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'blueprint-home-'));
    try {
      execFileSync(process.execPath, [path.join(REPO_ROOT, 'bin/blueprint.js'), 'synth', '--out', 'two'], {
        cwd: other.root,
        env: { ...process.env, HOME: home },
        stdio: 'pipe',
        timeout: 120_000,
      });
      const one = snapshot(project.path('one'));
      const two = snapshot(other.path('two'));
      expect([...two.keys()]).toEqual([...one.keys()]);
      for (const [file, content] of one) expect(two.get(file)).toBe(content);
      // The places these runs live in (a bare /tmp is legitimate content, e.g. a mountPath).
      const forbidden = [project.root, other.root, REPO_ROOT, home];
      for (const [file, content] of two) {
        for (const needle of forbidden) {
          if (content.includes(needle)) throw new Error(`${file} contains the absolute path ${needle}`);
        }
      }
    } finally {
      other.dispose();
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('sets file modes deliberately: nothing group- or world-writable, scripts executable', async () => {
    expect((await project.run(['synth', '--out', 'out'])).code).toBe(0);
    for (const file of readTree(project.path('out')).keys()) {
      const mode = fs.statSync(project.path('out', file)).mode & 0o777;
      expect([file, mode & 0o022]).toEqual([file, 0]);
      const isScript = file.endsWith('.sh');
      expect([file, mode]).toEqual([file, isScript ? 0o755 : 0o644]);
    }
  });

  it('writes only the named environments and leaves the others alone', async () => {
    expect((await project.run(['synth', '--out', 'out', '--env', 'test'])).code).toBe(0);
    expect(fs.existsSync(project.path('out/test/terraform/cdk.tf.json'))).toBe(true);
    expect(fs.existsSync(project.path('out/prod'))).toBe(false);
  });

  it('removes the output of an environment that no longer exists, on a full synth only', async () => {
    expect((await project.run(['synth', '--out', 'out'])).code).toBe(0);
    fs.rmSync(project.path('environments/test.yaml'));
    expect((await project.run(['synth', '--out', 'out', '--env', 'prod'])).code).toBe(0);
    expect(fs.existsSync(project.path('out/test'))).toBe(true);
    const result = await project.run(['synth', '--out', 'out']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('removed test');
    expect(fs.existsSync(project.path('out/test'))).toBe(false);
  });

  describe('--check', () => {
    it('exits 0 right after synth and 1 after an environment file is edited, writing nothing', async () => {
      expect((await project.run(['synth', '--out', 'out'])).code).toBe(0);
      const clean = await project.run(['synth', '--out', 'out', '--check']);
      expect(clean.code).toBe(0);
      expect(clean.stdout).toContain('up to date');
      const before = snapshot(project.path('out'));
      project.edit('environments/prod.yaml', 'context: prod-admin@prod', 'context: prod-ops@prod');
      const stale = await project.run(['synth', '--out', 'out', '--check']);
      expect(stale.code).toBe(1);
      expect(stale.stdout).toMatch(/changed\s+out\/prod\/terraform\/cdk\.tf\.json/);
      expect(stale.stdout).not.toMatch(/out\/test\//);
      expect(snapshot(project.path('out'))).toEqual(before);
    });

    it('reports missing, extra and mode-changed files, and the manifest like any output file', async () => {
      expect((await project.run(['synth', '--out', 'out'])).code).toBe(0);
      fs.rmSync(project.path('out/test/terraform/cdk.tf.json'));
      fs.chmodSync(project.path('out/prod/terraform/cdk.tf.json'), 0o600);
      // A file an older synthesis wrote and this one does not: on disk and in the manifest on disk.
      fs.writeFileSync(project.path('out/test/kubernetes/stray.yaml'), 'kind: List\n');
      const manifestPath = 'out/test/.blueprint-manifest.json';
      const manifest = JSON.parse(project.read(manifestPath));
      manifest.files['kubernetes/stray.yaml'] = {
        sha256: createHash('sha256').update('kind: List\n').digest('hex'),
        mode: '0644',
      };
      project.write(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
      // The user's own files: blueprint did not write them, so they are not its business.
      fs.writeFileSync(project.path('out/test/kubernetes/my-notes.yaml'), 'kind: List\n');
      fs.writeFileSync(project.path('out/prod/README.local'), 'ours\n');

      const result = await project.run(['synth', '--out', 'out', '--check']);
      expect(result.code).toBe(1);
      const differences = result.stdout
        .split('\n')
        .filter((line) => /^(missing|changed|mode|extra) /.test(line))
        .map((line) => line.replace(/\s+/, ' '))
        .sort();
      expect(differences).toEqual(
        [
          'changed out/test/.blueprint-manifest.json',
          'extra out/test/kubernetes/stray.yaml',
          'missing out/test/terraform/cdk.tf.json',
          'mode out/prod/terraform/cdk.tf.json',
        ].sort(),
      );
      expect(result.stdout).toContain('out is stale: 4 files differ');
      expect(result.stdout).not.toContain('my-notes.yaml');
      expect(result.stdout).not.toContain('README.local');
      // --check writes nothing: the user's files and the edited manifest stay.
      expect(project.read('out/test/kubernetes/my-notes.yaml')).toBe('kind: List\n');
      expect(JSON.parse(project.read(manifestPath)).files).toHaveProperty(['kubernetes/stray.yaml']);
    });

    it("reports a missing or changed manifest, and does not report the user's own files", async () => {
      expect((await project.run(['synth', '--out', 'out'])).code).toBe(0);
      fs.writeFileSync(project.path('out/test/kubernetes/extra-by-hand.yaml'), 'kind: List\n');
      fs.mkdirSync(project.path('out/prod/local'));
      fs.writeFileSync(project.path('out/prod/local/notes.txt'), 'ours\n');
      const clean = await project.run(['synth', '--out', 'out', '--check']);
      expect(clean.stdout.split('\n').at(-1)).toBe('out is up to date (3 environments)');
      expect(clean.stdout).not.toMatch(/^(missing|changed|mode|extra) /m);
      expect(clean.code).toBe(0);

      fs.rmSync(project.path('out/prod/.blueprint-manifest.json'));
      project.write(
        'out/test/.blueprint-manifest.json',
        project.read('out/test/.blueprint-manifest.json').replace('"mode": "0644"', '"mode": "0600"'),
      );
      const result = await project.run(['synth', '--out', 'out', '--check']);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/^missing\s+out\/prod\/\.blueprint-manifest\.json$/m);
      expect(result.stdout).toMatch(/^changed\s+out\/test\/\.blueprint-manifest\.json$/m);
      expect(result.stdout).toContain('out is stale: 2 files differ');
      // Without its manifest prod owns nothing on disk, so nothing there is extra.
      expect(result.stdout).not.toMatch(/^extra/m);
    });

    it('exits 1 when the output directory does not exist yet', async () => {
      const result = await project.run(['synth', '--out', 'never', '--check']);
      expect(result.code).toBe(1);
      expect(fs.existsSync(project.path('never'))).toBe(false);
    });
  });

  describe('bad input: exit 2, the file, the field path and the value, output untouched', () => {
    const cases: { name: string; file: string; edit: [string | RegExp, string]; expected: RegExp }[] = [
      {
        name: 'an unknown key',
        file: 'environments/prod.yaml',
        edit: ['  virtualRouterId: 51', '  virtualRouterId: 51\n  virtualRouterID: 52'],
        expected:
          /^error: environments\/prod\.yaml: controlPlane\.virtualRouterID: is not a known field \(allowed here: .*virtualRouterId.*\) \(line \d+\)$/m,
      },
      {
        name: 'a wrong type',
        file: 'environments/prod.yaml',
        edit: ['virtualRouterId: 51', 'virtualRouterId: fifty-one'],
        expected:
          /^error: environments\/prod\.yaml: controlPlane\.virtualRouterId: "fifty-one" must be a number/m,
      },
      {
        name: 'an invalid address',
        file: 'environments/prod.yaml',
        edit: ['{ name: master-2, address: 10.20.0.12 }', '{ name: master-2, address: 10.0.0.300 }'],
        expected:
          /^error: environments\/prod\.yaml: controlPlane\.masters\[1\]\.address: "10\.0\.0\.300" is not an IPv4 address/m,
      },
      {
        name: 'a missing required field',
        file: 'environments/prod.yaml',
        edit: [/ {2}vip: 10\.20\.0\.10\n/, ''],
        expected: /^error: environments\/prod\.yaml: controlPlane\.vip: is required/m,
      },
      {
        name: 'a YAML syntax error',
        file: 'environments/prod.yaml',
        edit: ['  virtualRouterId: 51', '  virtualRouterId: [51'],
        expected: /^error: environments\/prod\.yaml: YAML syntax error at line \d+, column \d+/m,
      },
      {
        name: 'an unknown template',
        file: 'environments/prod.yaml',
        edit: ['template: idc-ha', 'template: idc-hx'],
        expected:
          /^error: environments\/prod\.yaml: template: "idc-hx" is not a known template \(known: .*idc-ha.*\)/m,
      },
    ];

    for (const { name, file, edit, expected } of cases) {
      it(`${name}`, async () => {
        expect((await project.run(['synth', '--out', 'out'])).code).toBe(0);
        const before = snapshot(project.path('out'));
        project.edit(file, edit[0], edit[1]);
        const result = await project.run(['synth', '--out', 'out']);
        expect(result.code).toBe(2);
        expect(result.stderr).toMatch(expected);
        expect(result.stderr).not.toMatch(/\n\s+at /);
        expect(snapshot(project.path('out'))).toEqual(before);
      });
    }

    it('reports every problem of a file together, one line each', async () => {
      project.edit('environments/prod.yaml', 'virtualRouterId: 51', 'virtualRouterId: 300');
      project.edit('environments/prod.yaml', 'address: 10.20.0.13', 'address: 10.20.0.999');
      project.edit('environments/prod.yaml', 'port: 8443', 'port: eighty');
      const result = await project.run(['synth', '--out', 'out']);
      expect(result.code).toBe(2);
      const lines = result.stderr.split('\n');
      expect(lines.some((line) => line.includes('controlPlane.virtualRouterId: 300'))).toBe(true);
      expect(lines.some((line) => line.includes('controlPlane.masters[2].address: "10.20.0.999"'))).toBe(
        true,
      );
      expect(lines.some((line) => line.includes('controlPlane.port: "eighty"'))).toBe(true);
      expect(fs.existsSync(project.path('out'))).toBe(false);
    });

    it('an unknown --env lists the known environments', async () => {
      const result = await project.run(['synth', '--out', 'out', '--env', 'staging']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--env: "staging" is not a known environment \(known: .*prod.*test.*\)/);
      expect(fs.existsSync(project.path('out'))).toBe(false);
    });

    it('an unknown option is a usage error', async () => {
      const result = await project.run(['synth', '--outt', 'x']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('usage: blueprint synth');
    });

    it('leaves the output untouched when several environments are synthesized and only one is bad', async () => {
      expect((await project.run(['synth', '--out', 'out'])).code).toBe(0);
      const before = snapshot(project.path('out'));
      // Make the good environment's output change, so that a partial write would show.
      project.edit('environments/prod.yaml', 'context: prod-admin@prod', 'context: prod-ops@prod');
      project.edit('environments/test.yaml', 'virtualRouterId: 61', 'virtualRouterId: 0');
      const result = await project.run(['synth', '--out', 'out']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('environments/test.yaml: controlPlane.virtualRouterId: 0');
      expect(snapshot(project.path('out'))).toEqual(before);
      expect(fs.readdirSync(project.root).filter((name) => name.includes('staging'))).toEqual([]);
    });

    it('shows the stack trace only with --verbose', async () => {
      project.edit('environments/prod.yaml', 'virtualRouterId: 51', 'virtualRouterId: 0');
      const quiet = await project.run(['synth', '--out', 'out']);
      const verbose = await project.run(['synth', '--out', 'out', '--verbose']);
      expect(quiet.stderr).not.toMatch(/\n\s+at /);
      expect(verbose.code).toBe(2);
      expect(verbose.stderr).toMatch(/\n\s+at /);
    });
  });

  describe('the cdktf and cdk8s entry points', () => {
    it('produce the same Terraform and Kubernetes content as blueprint synth', async () => {
      expect((await project.run(['synth', '--out', 'out'])).code).toBe(0);
      // Run the real CLIs in the temporary project, with the repository's entry points.
      fs.writeFileSync(
        project.path('cdktf.json'),
        JSON.stringify({
          language: 'typescript',
          app: `node ${path.join(REPO_ROOT, 'bin/cdktf-app.js')}`,
          sendCrashReports: 'false',
        }),
      );
      fs.writeFileSync(
        project.path('cdk8s.yaml'),
        `language: typescript\napp: node ${path.join(REPO_ROOT, 'bin/cdk8s-app.js')}\n`,
      );
      const env = { ...process.env, CHECKPOINT_DISABLE: '1', CI: 'true', FORCE_COLOR: '0' };
      execFileSync(path.join(REPO_ROOT, 'node_modules/.bin/cdktf'), ['synth'], {
        cwd: project.root,
        env,
        stdio: 'pipe',
        timeout: 120_000,
      });
      execFileSync(path.join(REPO_ROOT, 'node_modules/.bin/cdk8s'), ['synth', '--output', 'cdk8s.out'], {
        cwd: project.root,
        env,
        stdio: 'pipe',
        timeout: 120_000,
      });
      for (const envName of ['prod', 'test']) {
        const ours = JSON.parse(project.read(`out/${envName}/terraform/cdk.tf.json`));
        const theirs = JSON.parse(project.read(`cdktf.out/stacks/${envName}/cdk.tf.json`));
        expect(ours).toEqual(theirs);
        // The charts; the add-on lock beside them is blueprint's, not a chart's.
        const charts = fs
          .readdirSync(project.path(`out/${envName}/kubernetes`))
          .filter((f) => f.endsWith('.yaml'));
        const cdk8sCharts = fs
          .readdirSync(project.path(`cdk8s.out/${envName}`))
          .map((f) => f.replace(/\.k8s\.yaml$/, '.yaml'));
        expect(cdk8sCharts.sort()).toEqual(charts.sort());
        for (const chart of charts) {
          // The same documents; blueprint writes them with js-yaml (faster), cdk8s with `yaml`.
          // Both are read as YAML 1.1, as kubectl reads them.
          const docs = (text: string) => parseAllDocuments(text, { version: '1.1' }).map((doc) => doc.toJS());
          const ours8 = docs(project.read(`out/${envName}/kubernetes/${chart}`));
          const theirs8 = docs(project.read(`cdk8s.out/${envName}/${chart.replace(/\.yaml$/, '.k8s.yaml')}`));
          expect(ours8.length).toBeGreaterThan(0);
          expect(ours8).toEqual(theirs8);
        }
      }
    });
  });
});
