import { TempProject } from '../../support/cli';

describe('blueprint diff --against', () => {
  let project: TempProject;
  beforeAll(async () => {
    project = new TempProject();
    const synth = await project.run(['synth', '--out', 'out']);
    expect(synth.code).toBe(0);
  });
  afterAll(() => project.dispose());

  it('exits 0 and says so when nothing changed, also with --exit-code', async () => {
    const result = await project.run(['diff', '--against', 'out', '--exit-code']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('prod: no changes');
    expect(result.stdout).toMatch(/no changes in \d+ environments/);
  });

  describe('after an environment edit', () => {
    beforeAll(() => {
      // The virtual IP is a fixed key of the contract; it reaches Kubernetes objects and host files.
      project.edit('environments/prod.yaml', /vip: 10\.20\.0\.10\b/, 'vip: 10.20.0.99');
    });
    afterAll(() => {
      project.edit('environments/prod.yaml', 'vip: 10.20.0.99', 'vip: 10.20.0.10');
    });

    it('reports the changed resource and field, exiting 0 without --exit-code', async () => {
      const result = await project.run(['diff', '--against', 'out']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^prod: 0 added, [1-9]\d* changed, 0 removed, 0 renamed/m);
      expect(result.stdout).toContain('controlPlaneEndpoint: 10.20.0.10:8443 → 10.20.0.99:8443');
      expect(result.stdout).toContain('test: no changes');
    });

    it('exits 1 with --exit-code', async () => {
      expect((await project.run(['diff', '--against', 'out', '--exit-code'])).code).toBe(1);
    });

    it('limits the comparison with --env', async () => {
      const result = await project.run(['diff', '--against', 'out', '--env', 'test', '--exit-code']);
      expect(result.code).toBe(0);
      expect(result.stdout).not.toContain('prod');
    });

    it('writes markdown and json', async () => {
      const md = await project.run(['diff', '--against', 'out', '--format', 'markdown']);
      expect(md.stdout).toMatch(/^\| prod \| 0 \| [1-9]\d* \| 0 \| 0 \| 0 \|$/m);
      expect(md.stdout).toMatch(/^\| test \| 0 \| 0 \| 0 \| 0 \| 0 \|$/m);
      expect(md.stdout).toContain('+ data.controlPlaneEndpoint: 10.20.0.99:8443');
      const json = JSON.parse((await project.run(['diff', '--against', 'out', '--format', 'json'])).stdout);
      expect(json.changed).toBe(true);
      const status = Object.fromEntries(
        json.environments.map((e: { name: string; status: string }) => [e.name, e.status]),
      );
      expect(status).toMatchObject({ prod: 'changed', test: 'unchanged' });
    });
  });

  it('exits 2 for bad input, naming the problem', async () => {
    const cases: [string[], RegExp][] = [
      [['--format', 'xml'], /--format: "xml" is not a format \(text, markdown, json\)/],
      [['--env', 'nope'], /--env: "nope" is not a known environment/],
      [['--base', 'HEAD'], /give --base REF or --against DIR, not both/],
      [['--colour'], /Unknown option '--colour'.*usage: blueprint diff/],
    ];
    for (const [args, message] of cases) {
      const result = await project.run(['diff', '--against', 'out', ...args]);
      expect([args, result.code]).toEqual([args, 2]);
      expect(result.stderr).toMatch(message);
    }
    const missing = await project.run(['diff', '--against', 'no-such-dir']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--against: "no-such-dir" is not a directory');
    const oneEnv = await project.run(['diff', '--against', 'out/prod']);
    expect(oneEnv.code).toBe(2);
    expect(oneEnv.stderr).toContain(
      `--against: "out/prod" is one environment's output; give the directory above it (out)`,
    );
    const noDefault = await project.run(['diff']);
    expect(noDefault.code).toBe(2);
    expect(noDefault.stderr).toContain('nothing to compare with: dist/ does not exist');
  });

  it('exits 2 when an environment file is invalid', async () => {
    const original = project.read('environments/test.yaml');
    try {
      project.edit('environments/test.yaml', /vip: [0-9.]+/, 'vip: 10.0.0.300');
      const result = await project.run(['diff', '--against', 'out']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/environments\/test\.yaml: controlPlane\.vip: "10\.0\.0\.300"/);
      expect(result.stdout).toBe('');
    } finally {
      project.write('environments/test.yaml', original);
    }
  });
});
