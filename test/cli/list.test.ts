import { templateDescription } from '../../cli/commands/list';
import { TempProject } from '../support/cli';

describe('blueprint list', () => {
  let project: TempProject;
  beforeEach(() => {
    project = new TempProject();
  });
  afterEach(() => project.dispose());

  it('shows each environment with its template, site, masters, pools and services, then the templates', async () => {
    const result = await project.run(['list']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^ENVIRONMENT +TEMPLATE +SITE +MASTERS +POOLS +SERVICES +CONTEXT$/);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^prod +idc-ha +dc1 +3 +general\(5\),general-b\(4\),database\(4\),gateway\(2\) +\d+ +prod-admin@prod$/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^prod-b +idc-ha +dc2 +3 +general\(5\),.* +prod-b-admin@prod-b$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^test +idc-ha +dc1 +3 +general\(3\) +\d+ +test-admin@test$/),
    );
    const templates = lines.findIndex((line) => /^TEMPLATE +DESCRIPTION$/.test(line));
    expect(templates).toBeGreaterThan(0);
    expect(lines.slice(templates + 1)).toEqual([
      expect.stringMatching(/^cloud +a cluster in a cloud \(seed 000\): /),
      expect.stringMatching(/^idc-ha +a self-built data centre \(seed 004\)\.$/),
    ]);
  });

  it('counts the services of an environment', async () => {
    const services = (await project.run(['list'])).stdout.match(/^prod +\S+ +\S+ +\S+ +\S+ +(\d+)/m)?.[1];
    const count = (project.read('environments/prod.yaml').split('\nservices:')[1] ?? '')
      .split('\n')
      .filter((line) => line.startsWith('  - name:')).length;
    expect(Number(services)).toBe(count);
  });

  it('lists an invalid environment as such, reports its problems and exits 2', async () => {
    project.edit('environments/test.yaml', 'vip: 10.30.0.10', 'vip: 10.30.0.300');
    const result = await project.run(['list']);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/^test +- +- +- +invalid: \d+ problems? +- +-$/m);
    expect(result.stdout).toMatch(/^prod +idc-ha /m);
    expect(result.stderr).toMatch(
      /^error: environments\/test\.yaml: controlPlane\.vip: "10\.30\.0\.300" is not an IPv4 address/m,
    );
  });

  it('reports conflicts between environments, still listing them', async () => {
    project.edit('environments/test.yaml', 'context: test-admin@test', 'context: prod-admin@prod');
    const result = await project.run(['list']);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/^test +idc-ha +dc1 /m);
    expect(result.stderr).toBe(
      'error: environments/test.yaml: cluster.kubeconfig.context: "prod-admin@prod" is also the context of environments/prod.yaml (cluster.kubeconfig.context); every environment needs its own kubeconfig context, or a deploy could reach the wrong cluster',
    );
  });

  it("a template's description is the first sentence of its header comment", () => {
    expect(
      templateDescription(
        '# yaml-language-server: $schema=./schema.json\n# edge: small sites. More text.\nkey: 1\n',
        'edge',
      ),
    ).toBe('small sites.');
    expect(templateDescription('kubernetesVersion: 1.28.15\n', 'bare')).toBe('-');
  });
});
