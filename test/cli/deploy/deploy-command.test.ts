import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { type DeployDeps, deployCommand } from '../../../cli/commands/deploy';
import { parseManifests } from '../../../cli/deploy/manifests';
import { InputError } from '../../../environments/input-error';
import { type CliResult, TempProject } from '../../support/cli';
import { FakeApiServer } from './fake-api-server';

/** Directories of PATH that hold an executable `name`. */
function whichDirs(name: string, pathVariable = process.env.PATH ?? ''): string[] {
  return pathVariable.split(path.delimiter).filter((dir) => {
    try {
      fs.accessSync(path.join(dir, name), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const HAS_KUBECTL = whichDirs('kubectl').length > 0;
const HAS_TERRAFORM = whichDirs('terraform').length > 0;
const withKubectl = HAS_KUBECTL ? it : it.skip;
const withBoth = HAS_KUBECTL && HAS_TERRAFORM ? it : it.skip;

/** Runs deploy in-process the way `main` does (input errors become exit 2 and `error:` lines). */
async function deploy(
  project: TempProject,
  args: string[],
  deps: Partial<DeployDeps> = {},
): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const io = {
    out: (line: string) => out.push(line),
    err: (line: string) => err.push(line),
    isTty: false,
    cwd: project.root,
  };
  let code: number;
  try {
    code = await deployCommand(args, io, {
      stdinIsTty: false,
      ask: async () => false,
      env: process.env,
      home: os.homedir(),
      ...deps,
    });
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    for (const line of error.message.split('\n')) err.push(`error: ${line}`);
    code = 2;
  }
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

/** A TCP port on 127.0.0.1 that nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function kubeconfigFor(server: string, context = 'test-admin@test'): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `  - name: local`,
    `    cluster: { server: "${server}" }`,
    'contexts:',
    `  - name: ${context}`,
    '    context: { cluster: local, user: local }',
    'users:',
    '  - name: local',
    '    user: {}',
    `current-context: ${context}`,
    '',
  ].join('\n');
}

/**
 * A minimal Kubernetes API on loopback: discovery for the core group and the identity
 * ConfigMap kube-public/platform-blueprint naming `environment`.
 */
async function fakeApiServer(environment: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((request, response) => {
    const send = (code: number, body: unknown) => {
      response.writeHead(code, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    const url = (request.url ?? '').split('?')[0];
    if (url === '/api')
      return send(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
    if (url === '/apis') return send(200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
    if (url === '/api/v1') {
      return send(200, {
        kind: 'APIResourceList',
        groupVersion: 'v1',
        resources: [
          {
            name: 'configmaps',
            singularName: 'configmap',
            namespaced: true,
            kind: 'ConfigMap',
            verbs: ['get'],
          },
        ],
      });
    }
    if (url === '/api/v1/namespaces/kube-public/configmaps/platform-blueprint') {
      return send(200, {
        kind: 'ConfigMap',
        apiVersion: 'v1',
        metadata: { name: 'platform-blueprint', namespace: 'kube-public' },
        data: { environment },
      });
    }
    return send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('blueprint deploy', () => {
  let project: TempProject;
  let original: string;
  beforeEach(() => {
    project = new TempProject();
    original = project.read('environments/test.yaml');
  });
  afterEach(() => project.dispose());

  /** Points environment `test` at a kubeconfig file inside the project. */
  function useKubeconfig(text: string | undefined): string {
    const file = project.path('kubeconfig');
    if (text !== undefined) fs.writeFileSync(file, text);
    project.write(
      'environments/test.yaml',
      original.replace('    context: test-admin@test', `    path: ${file}\n    context: test-admin@test`),
    );
    return file;
  }

  describe('--dry-run', () => {
    it('prints every step and command in order, Terraform before kubectl, and changes nothing', async () => {
      const result = await deploy(project, ['--env', 'test', '--dry-run']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const commands = result.stdout
        .split('\n')
        .filter((line) => line.trim().startsWith('$ '))
        .map((line) => line.trim().slice(2));
      const tools = commands.map((line) => line.replace(/^[A-Z_]+=\S+ /, '').split(' ')[0]);
      expect(commands.length).toBeGreaterThanOrEqual(10);
      const lastTerraform = tools.lastIndexOf('terraform');
      const firstKubectlApply = commands.findIndex(
        (line) => / apply --server-side/.test(line) && line.includes('kubectl'),
      );
      expect(lastTerraform).toBeLessThan(firstKubectlApply);
      expect(commands).toContain(
        'TF_IN_AUTOMATION=1 terraform -chdir=.blueprint/test/terraform init -input=false -no-color',
      );
      expect(commands.find((line) => line.includes('--prune'))).toMatch(
        /^KUBECTL_APPLYSET=true kubectl --kubeconfig=\S+ --context=test-admin@test apply --server-side --field-manager=blueprint --force-conflicts --applyset=applysets\.platform-blueprint\.io\/test --prune( -f \.blueprint\/test\/kubernetes\/manifests\/[a-z0-9-]+\.yaml)+$/,
      );
      expect(commands.find((line) => line.includes('--prune'))).toContain(
        ' -f .blueprint/test/kubernetes/manifests/platform.yaml',
      );
      expect(result.stdout).toContain('(dry run: nothing is run or changed)');
      expect(result.stdout).toContain('host files are not pushed by deploy: copy dist/test/hosts/<host>/');
      // Nothing was written: no work directory, no output directory.
      expect(fs.existsSync(project.path('.blueprint'))).toBe(false);
      expect(fs.existsSync(project.path('dist'))).toBe(false);
    });

    it('--only kubernetes has no terraform command, --only terraform no kubectl apply', async () => {
      const kube = await deploy(project, ['--env', 'test', '--dry-run', '--only', 'kubernetes']);
      expect(kube.code).toBe(0);
      expect(kube.stdout).not.toMatch(/terraform -chdir/);
      expect(kube.stdout).toContain('--prune');
      const terraform = await deploy(project, ['--env', 'test', '--dry-run', '--only', 'terraform']);
      expect(terraform.code).toBe(0);
      expect(terraform.stdout).toContain(
        '$ TF_IN_AUTOMATION=1 terraform -chdir=.blueprint/test/terraform apply',
      );
      expect(terraform.stdout).not.toContain('--prune');
    });

    it('reports committed output that is up to date, and stale output file by file', async () => {
      expect((await project.run(['synth', '--env', 'test', '--out', 'out'])).code).toBe(0);
      const fresh = await deploy(project, ['--env', 'test', '--dry-run', '--out', 'out']);
      expect(fresh.stdout).toContain('out/test is up to date with environments/test.yaml');
      project.write(
        'out/test/kubernetes/platform.yaml',
        `${project.read('out/test/kubernetes/platform.yaml')}# edited\n`,
      );
      const stale = await deploy(project, ['--env', 'test', '--dry-run', '--out', 'out']);
      expect(stale.code).toBe(0);
      expect(stale.stdout).toContain('changed out/test/kubernetes/platform.yaml');
      expect(stale.stdout).toMatch(/warning: out\/test is stale: 1 file differ/);
    });
  });

  describe('refusals (exit 2)', () => {
    it('will not apply without a terminal to ask on unless --yes, and writes nothing', async () => {
      const result = await deploy(project, ['--env', 'test']);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        'error: deploy asks before it applies, but stdin is not a terminal; pass --yes to apply without asking (CI), or --dry-run to see the steps',
      );
      expect(fs.existsSync(project.path('.blueprint'))).toBe(false);
    });

    it('names a bad option and its value', async () => {
      expect((await deploy(project, ['--env', 'test', '--dry-run', '--only', 'helm'])).stderr).toBe(
        'error: --only: "helm" must be terraform or kubernetes',
      );
      expect((await deploy(project, ['--dry-run'])).stderr).toMatch(/^error: --env: is required/);
      expect((await deploy(project, ['--env', 'staging', '--dry-run'])).stderr).toMatch(
        /^error: --env: "staging" is not a known environment/,
      );
      expect((await deploy(project, ['--env', 'test', '--dry-run', '--rollout-timeout', 'soon'])).code).toBe(
        2,
      );
    });

    it('is registered in the CLI', async () => {
      const result = await project.run(['deploy', '--env', 'test', '--dry-run', '--only', 'kubernetes']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('kubectl');
    });
  });

  describe('failures with the real tools (exit 3, one line, partial progress)', () => {
    it('terraform missing from PATH', async () => {
      const withoutTerraform = (process.env.PATH ?? '')
        .split(path.delimiter)
        .filter((dir) => !whichDirs('terraform', dir).length)
        .join(path.delimiter);
      useKubeconfig(kubeconfigFor(`http://127.0.0.1:${await closedPort()}`));
      const result = await deploy(project, ['--env', 'test', '--yes'], {
        env: { ...process.env, PATH: withoutTerraform },
      });
      expect(result.code).toBe(3);
      const lines = result.stderr.split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(
        /^error: terraform is not installed \(not found on PATH\); install Terraform >= 1\.5 \(https:\/\/developer\.hashicorp\.com/,
      );
      expect(lines[1]).toMatch(
        /^deploy of test stopped at step 1\/\d+ \(terraform >= 1\.5 is installed\); nothing was applied before it; not run: /,
      );
      expect(result.stderr).not.toMatch(/\n\s+at /);
    });

    withKubectl('a kubeconfig that points at a closed port on 127.0.0.1', async () => {
      const port = await closedPort();
      // http: over https kubectl would ask for a password for this credential-less user.
      useKubeconfig(kubeconfigFor(`http://127.0.0.1:${port}`));
      const result = await deploy(project, ['--env', 'test', '--yes', '--only', 'kubernetes']);
      expect(result.code).toBe(3);
      const lines = result.stderr.split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toBe(
        `error: cannot reach the cluster of context test-admin@test (The connection to the server 127.0.0.1:${port} was refused - did you specify the right host or port?); check that its API server is up and that ${project.path('kubeconfig')} points at it`,
      );
      expect(lines[1]).toMatch(
        /stopped at step 3\/\d+ \(the cluster is reachable and is environment test\); nothing was applied before it/,
      );
      expect(result.stdout).toContain('kubectl >= 1.27 is installed: ok');
    });

    it('no kubeconfig file', async () => {
      const file = useKubeconfig(undefined);
      const result = await deploy(project, ['--env', 'test', '--yes', '--only', 'kubernetes']);
      if (!HAS_KUBECTL) return;
      expect(result.code).toBe(3);
      expect(result.stderr.split('\n')[0]).toBe(
        `error: no kubeconfig at ${file}; copy the cluster's admin kubeconfig there, or set cluster.kubeconfig.path and cluster.kubeconfig.context in environments/test.yaml`,
      );
    });

    withKubectl('a kubeconfig without the context', async () => {
      const file = useKubeconfig(kubeconfigFor('https://127.0.0.1:1', 'somebody-else'));
      const result = await deploy(project, ['--env', 'test', '--yes', '--only', 'kubernetes']);
      expect(result.code).toBe(3);
      expect(result.stderr.split('\n')[0]).toBe(
        `error: kubeconfig ${file} has no context test-admin@test (it has somebody-else); add the context, or set cluster.kubeconfig.path and cluster.kubeconfig.context in environments/test.yaml`,
      );
    });
  });

  describe('the deploy lock', () => {
    withKubectl(
      'refuses while another live process deploys the environment, takes over a stale lock, and releases it',
      async () => {
        useKubeconfig(kubeconfigFor(`http://127.0.0.1:${await closedPort()}`));
        const lockFile = project.path('.blueprint/test/deploy.lock');
        fs.mkdirSync(path.dirname(lockFile), { recursive: true });
        // The parent of this test process is alive for the whole test.
        fs.writeFileSync(lockFile, `${process.ppid}\n`);
        const held = await deploy(project, ['--env', 'test', '--yes', '--only', 'kubernetes']);
        expect(held.code).toBe(2);
        expect(held.stderr).toBe(
          `error: --env: "test" is being deployed from this project by process ${process.ppid}; wait for it to finish (or remove .blueprint/test/deploy.lock if that process is not a deploy)`,
        );
        // A lock whose process is gone (pid_max on Linux is at most 2^22) is taken over.
        fs.writeFileSync(lockFile, '4194305\n');
        const stale = await deploy(project, ['--env', 'test', '--yes', '--only', 'kubernetes']);
        expect(stale.code).toBe(3);
        expect(fs.existsSync(lockFile)).toBe(false);
      },
    );
  });

  describe('against a fake API server on loopback, with the real kubectl', () => {
    withKubectl(
      'deploys the Kubernetes half of the real test environment: CRDs, objects, rollouts',
      async () => {
        const api = new FakeApiServer();
        try {
          useKubeconfig(kubeconfigFor(await api.start()));
          const result = await deploy(project, ['--env', 'test', '--yes', '--only', 'kubernetes']);
          expect(result.stderr).toBe('');
          expect(result.code).toBe(0);
          expect(result.stdout).toMatch(/^deployed test: apply the CRDs .*, kubectl apply --prune$/m);
          // Every object of the output is there, labelled as a member of the environment's ApplySet.
          const manifests = parseManifests(
            fs.readdirSync(project.path('.blueprint/test/kubernetes/manifests')).map((file) => ({
              path: file,
              content: project.read(`.blueprint/test/kubernetes/manifests/${file}`),
            })),
          );
          expect(manifests.length).toBeGreaterThan(5);
          for (const object of manifests) {
            const kind = object.kind;
            expect(api.names(kind)).toContain(
              object.namespace ? `${object.namespace}/${object.name}` : object.name,
            );
          }
          // The CRDs of crds/ that the output uses were applied; the others were not.
          const crds = api.names('CustomResourceDefinition');
          expect(crds).toContain('httproutes.gateway.networking.k8s.io');
          expect(crds).toContain('applysets.platform-blueprint.io');
          expect(crds).not.toContain('cronhorizontalpodautoscalers.autoscaling.alibabacloud.com');
          expect(result.stdout).toMatch(/rollout of deployment\/\S+ in \S+: ok/);
        } finally {
          await api.close();
        }
      },
    );

    withKubectl(
      'refuses with exit 2 when the cluster says it is another environment, before Terraform',
      async () => {
        const api = await fakeApiServer('prod');
        try {
          useKubeconfig(kubeconfigFor(api.url));
          const result = await deploy(project, ['--env', 'test', '--yes']);
          expect(result.code).toBe(2);
          expect(result.stderr.split('\n')[0]).toMatch(
            /^error: context test-admin@test reaches the cluster of environment "prod" \(ConfigMap kube-public\/platform-blueprint\), not "test"; refusing to deploy/,
          );
          expect(fs.existsSync(project.path('.blueprint/test/terraform/.terraform'))).toBe(false);
        } finally {
          await api.close();
        }
      },
    );

    withBoth('stops at terraform init when providers cannot be installed, with nothing applied', async () => {
      const api = await fakeApiServer('test');
      // A provider mirror on a closed port: init fails the same way on every machine.
      const cliConfig = project.path('terraformrc');
      fs.writeFileSync(
        cliConfig,
        `provider_installation {\n  network_mirror {\n    url = "https://127.0.0.1:${await closedPort()}/"\n  }\n}\n`,
      );
      try {
        useKubeconfig(kubeconfigFor(api.url));
        const result = await deploy(project, ['--env', 'test', '--yes'], {
          env: { ...process.env, TF_CLI_CONFIG_FILE: cliConfig, TF_PLUGIN_CACHE_DIR: '' },
        });
        expect(result.code).toBe(3);
        const lines = result.stderr.split('\n');
        expect(lines[0]).toMatch(
          /^error: terraform init could not install the Terraform providers \(.+\); allow access to registry\.terraform\.io or configure a provider mirror/,
        );
        expect(lines[1]).toMatch(
          /stopped at step \d+\/\d+ \(terraform init\); nothing was applied before it; not run: terraform plan, terraform apply, /,
        );
        expect(result.stdout).toContain(
          'the cluster is reachable and is environment test: ok: cluster is test',
        );
        // The state stays outside the synthesized output: Terraform ran in the work directory.
        expect(fs.existsSync(project.path('.blueprint/test/terraform/cdk.tf.json'))).toBe(true);
        expect(fs.existsSync(project.path('.blueprint/test/kubernetes/applyset-parent.yaml'))).toBe(true);
        expect(fs.readFileSync(project.path('.blueprint/.gitignore'), 'utf8')).toContain('*');
      } finally {
        await api.close();
      }
    });
  });
});
