import { TempProject } from '../support/cli';

const MAP_IMAGE = '    namespace: vehicle\n    image: registry.example.com/vehicle/map:3.1.9\n';
const REASON = 'the map key is a public browser key, restricted by referrer';

describe('blueprint validate', () => {
  let project: TempProject;
  beforeEach(() => {
    project = new TempProject();
  });
  afterEach(() => project.dispose());

  it('passes every shipped environment, saying what it checked', async () => {
    const result = await project.run(['validate']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/validate: \d+ environments valid$/);
    for (const env of ['prod', 'test'])
      expect(result.stdout).toMatch(
        new RegExp(
          `^${env}: 0 findings; \\d+ objects checked \\(\\d+ against Kubernetes 1\\.28 schemas, \\d+ against CRDs\\), [1-9]\\d* alert expressions parsed`,
          'm',
        ),
      );
    expect(result.code).toBe(0);
  });

  it('exits 1 with a policy finding naming the object and the rule', async () => {
    project.edit('environments/prod.yaml', MAP_IMAGE, `${MAP_IMAGE}    env: { MAP_API_KEY: abc123 }\n`);
    const result = await project.run(['validate', '--env', 'prod']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'prod: Deployment vehicle/map (kubernetes/workloads.yaml): [policy] breaks "no-secret-values": container "app" sets MAP_API_KEY to a literal value',
    );
    expect(result.stdout).toMatch(/validate: \d+ findings in 1 of 1 environments$/);
  });

  it('shows waived findings with their reason, and reports waivers that match nothing', async () => {
    project.edit('environments/prod.yaml', MAP_IMAGE, `${MAP_IMAGE}    env: { MAP_API_KEY: abc123 }\n`);
    project.write(
      'environments/prod.yaml',
      [
        project.read('environments/prod.yaml'),
        'policy:',
        '  waivers:',
        `    - { rule: no-secret-values, kind: Deployment, namespace: vehicle, name: map, reason: "${REASON}" }`,
        `    - { rule: no-secret-values, kind: Deployment, namespace: vehicle, name: map-gray, reason: "${REASON}" }`,
        `    - { rule: pdb, kind: Deployment, namespace: vehicle, name: retired, reason: "kept while the retired service drains" }`,
        '',
      ].join('\n'),
    );
    const result = await project.run(['validate', '--env', 'prod']);
    expect(result.stdout).toContain(
      `prod: waived "no-secret-values" for Deployment vehicle/map (kubernetes/workloads.yaml): ${REASON}`,
    );
    expect(result.stdout).toContain(
      'prod: environments/prod.yaml: policy.waivers[2]: [waiver] waives "pdb" for Deployment vehicle/retired, which breaks no such rule',
    );
    expect(result.code).toBe(1);
  });

  it('exits 2 on bad input, like every command', async () => {
    expect((await project.run(['validate', '--env', 'nope'])).code).toBe(2);
    expect((await project.run(['validate', '--bogus'])).code).toBe(2);
    project.edit('environments/test.yaml', 'podSecurity: restricted', 'podSecurity: privileged');
    const result = await project.run(['validate', '--env', 'test']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'environments/test.yaml: namespaces[0].podSecurity: "privileged" must be one of restricted, baseline',
    );
  });
});
