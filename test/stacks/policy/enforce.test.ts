import { TempProject } from '../../support/cli';

/**
 * Policy at synth: a violation is an input error (exit 2) naming the environment file, the
 * object and the rule; a waiver with a reason lets synth through; nothing is written on failure.
 */
describe('policy checks at synth', () => {
  let project: TempProject;
  beforeEach(() => {
    project = new TempProject();
  });
  afterEach(() => project.dispose());

  it('passes the shipped environments', async () => {
    const result = await project.run(['synth', '--out', 'out']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it("lets the control plane's static pods use hostPath", async () => {
    project.edit(
      'environments/test.yaml',
      '  loadBalancer:\n',
      '  loadBalancer:\n    type: keepalived\n    runAs: staticPod\n',
    );
    const result = await project.run(['synth', '--env', 'test', '--out', 'out']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(project.read('out/test/hosts/test-master-1/manifests/keepalived.yaml')).toContain('hostPath');
  });

  it('fails with exit 2 naming the object and the rule, and writes nothing', async () => {
    project.edit(
      'environments/prod.yaml',
      '    namespace: vehicle\n    image: registry.example.com/vehicle/map:3.1.9\n',
      '    namespace: vehicle\n    image: registry.example.com/vehicle/map:3.1.9\n    env: { MAP_API_KEY: abc123 }\n',
    );
    const result = await project.run(['synth', '--env', 'prod', '--out', 'out']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'error: environments/prod.yaml: policy "no-secret-values": Deployment vehicle/map',
    );
    expect(result.stderr).toContain('sets MAP_API_KEY to a literal value');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(() => project.read('out/prod/terraform/cdk.tf.json')).toThrow();
  });

  it('lets a waived object through', async () => {
    project.edit(
      'environments/prod.yaml',
      '    namespace: vehicle\n    image: registry.example.com/vehicle/map:3.1.9\n',
      '    namespace: vehicle\n    image: registry.example.com/vehicle/map:3.1.9\n    env: { MAP_API_KEY: abc123 }\n',
    );
    project.write(
      'environments/prod.yaml',
      [
        project.read('environments/prod.yaml'),
        'policy:',
        '  waivers:',
        '    - { rule: no-secret-values, kind: Deployment, namespace: vehicle, name: map, reason: "the map key is a public browser key, restricted by referrer" }',
        // The gray version (if a gray release is in progress) carries the same variable.
        '    - { rule: no-secret-values, kind: Deployment, namespace: vehicle, name: map-gray, reason: "the map key is a public browser key, restricted by referrer" }',
        '',
      ].join('\n'),
    );
    const result = await project.run(['synth', '--env', 'prod', '--out', 'out']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('refuses a waiver without a real reason, naming the field', async () => {
    project.write(
      'environments/test.yaml',
      `${project.read('environments/test.yaml')}policy:\n  waivers:\n    - { rule: pdb, kind: Deployment, namespace: app, name: web, reason: todo }\n    - { rule: no-latest, kind: Deployment, name: web, reason: we always deploy the newest build here }\n`,
    );
    const result = await project.run(['synth', '--env', 'test', '--out', 'out']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'environments/test.yaml: policy.waivers[0].reason: "todo" is too short: say why the rule does not apply (at least 20 characters)',
    );
    expect(result.stderr).toContain(
      'environments/test.yaml: policy.waivers[1].rule: "no-latest" must be one of resources,',
    );
  });
});
