import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { exec } from '../../../cli/deploy/exec';
import { FakeApiServer } from '../../cli/deploy/fake-api-server';
import { TempProject } from '../../support/cli';
import { describeNeeding } from '../../support/requirements';

/**
 * The kubernetes backend block with the real Terraform against the fake API server on
 * 127.0.0.1 (test/cli/deploy/fake-api-server.ts): the backend reaches the cluster through
 * cluster.kubeconfig alone and keeps each workspace's state in a Secret of the configured
 * namespace. Skipped where terraform is not installed.
 */

const hasTerraform = (process.env.PATH ?? '')
  .split(path.delimiter)
  .some((dir) => fs.existsSync(path.join(dir, 'terraform')));

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describeNeeding('the kubernetes backend with terraform', [hasTerraform ? undefined : 'terraform'], () => {
  let api: FakeApiServer;
  let project: TempProject;
  beforeEach(() => {
    api = new FakeApiServer();
    project = new TempProject();
  });
  afterEach(async () => {
    await api.close();
    project.dispose();
  });

  it('stores the state in Secrets tfstate-<workspace>-blueprint-<env> of kube-system', async () => {
    const url = await api.start();
    const kubeconfig = project.path('kubeconfig');
    fs.writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters:\n  - name: fake\n    cluster: { server: "${url}" }\ncontexts:\n  - name: test-admin@test\n    context: { cluster: fake, user: fake }\nusers:\n  - name: fake\n    user: {}\n`,
    );
    const original = project.read('environments/test.yaml');
    project.write(
      'environments/test.yaml',
      `${original.replace('    context: test-admin@test', `    path: ${kubeconfig}\n    context: test-admin@test`)}\nterraform:\n  backend: { type: kubernetes }\n`,
    );
    expect((await project.run(['synth', '--env', 'test', '--out', 'out'])).code).toBe(0);
    fs.mkdirSync(project.path('work'));
    fs.copyFileSync(project.path('out/test/terraform/cdk.tf.json'), project.path('work/cdk.tf.json'));
    // Providers come from a mirror on a closed port: only the backend part of init can succeed.
    const cliConfig = project.path('terraformrc');
    fs.writeFileSync(
      cliConfig,
      `provider_installation {\n  network_mirror {\n    url = "https://127.0.0.1:${await closedPort()}/"\n  }\n}\n`,
    );
    const env = { ...process.env, TF_CLI_CONFIG_FILE: cliConfig, TF_IN_AUTOMATION: '1', KUBECONFIG: '' };
    // Asynchronous: the fake API server answers from this process's event loop.
    const terraform = async (args: string[]) => {
      const result = await exec(['terraform', '-chdir=work', ...args, '-no-color'], {
        cwd: project.root,
        env,
        timeoutSeconds: 60,
      });
      return `${result.stdout}${result.stderr}`;
    };
    expect(await terraform(['init', '-input=false'])).toContain(
      'Successfully configured the backend "kubernetes"!',
    );
    expect(await terraform(['workspace', 'new', 'staging'])).toContain(
      'Created and switched to workspace "staging"!',
    );
    expect(await terraform(['workspace', 'list'])).toMatch(/^\* staging$/m);
    expect(api.names('Secret')).toContain('kube-system/tfstate-staging-blueprint-test');
  }, 120_000);
});
