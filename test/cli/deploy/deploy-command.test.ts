import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { type DeployDeps, deployCommand, deployEnvironment } from '../../../cli/commands/deploy';
import { parseManifests } from '../../../cli/deploy/manifests';
import { REHEARSAL_MARKER } from '../../../cli/deploy/plan';
import { loadLockedCrds } from '../../../cli/deploy/workdir';
import { Project } from '../../../cli/project';
import { InputError } from '../../../environments/input-error';
import { synthesizeEnvironment } from '../../../stacks/environment';
import { type CliResult, TempProject } from '../../support/cli';
import { itNeeding } from '../../support/requirements';
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
const withKubectl = (name: string, fn: jest.ProvidesCallback) =>
  itNeeding(name, [HAS_KUBECTL ? undefined : 'kubectl'], fn);
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
 * A minimal Kubernetes API on loopback: discovery for the core group, the identity ConfigMap
 * kube-public/platform-blueprint naming `environment` and, when `rehearsalOf` is given, the
 * rehearsal marker kube-public/platform-blueprint-rehearsal naming that environment. Each
 * ConfigMap is its own GET (kubectl gets named objects one by one); an absent one is a 404,
 * which `--ignore-not-found` accepts. Records every request as `METHOD path`.
 */
async function fakeApiServer(
  environment: string | undefined,
  rehearsalOf?: string,
): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const configMaps: Record<string, string | undefined> = {
    'platform-blueprint': environment,
    [REHEARSAL_MARKER]: rehearsalOf,
  };
  const server = http.createServer((request, response) => {
    const send = (code: number, body: unknown) => {
      response.writeHead(code, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    const url = (request.url ?? '').split('?')[0] ?? '';
    requests.push(`${request.method} ${url}`);
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
    const configMap = /^\/api\/v1\/namespaces\/kube-public\/configmaps\/([^/]+)$/.exec(url)?.[1];
    const value = configMap === undefined ? undefined : configMaps[configMap];
    if (configMap !== undefined && value !== undefined) {
      return send(200, {
        kind: 'ConfigMap',
        apiVersion: 'v1',
        metadata: { name: configMap, namespace: 'kube-public' },
        data: { environment: value },
      });
    }
    return send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface FakeNode {
  apiVersion: 'v1';
  kind: 'Node';
  metadata: { name: string; uid: string; resourceVersion: string; labels: Record<string, string> };
}

/**
 * Nodes in front of {@link FakeApiServer}, which has none: a proxy on loopback that serves
 * `nodes` in the core group's discovery, lists them (with equality label selectors, as
 * `kubectl label --selector` does before it patches each match), gets one, and takes the JSON
 * merge or strategic merge patches of their labels that `kubectl label` sends. Every other
 * request goes to the fake API server. Records the node requests as `METHOD path?query`.
 */
class FakeNodes {
  readonly nodes = new Map<string, FakeNode>();
  readonly requests: string[] = [];
  private readonly server: http.Server;
  private backend = '';
  private version = 1;

  constructor(names: Record<string, Record<string, string>>) {
    for (const [name, labels] of Object.entries(names)) {
      this.nodes.set(name, {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name, uid: `uid-${name}`, resourceVersion: String(this.version++), labels },
      });
    }
    this.server = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      request.on('end', () => void this.handle(request, body, response));
    });
  }

  /** Starts in front of the API server at `backend`; returns the proxy's URL. */
  async start(backend: string): Promise<string> {
    this.backend = backend;
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  private async handle(request: http.IncomingMessage, body: string, response: http.ServerResponse) {
    const url = new URL(request.url ?? '/', 'http://fake');
    const method = request.method ?? 'GET';
    const send = (code: number, value: unknown) => {
      response.writeHead(code, { 'content-type': 'application/json' });
      response.end(JSON.stringify(value));
    };
    if (url.pathname === '/api/v1' && method === 'GET') {
      const list = JSON.parse(await this.forward(request, body)) as { resources: unknown[] };
      list.resources.push({
        name: 'nodes',
        singularName: 'node',
        namespaced: false,
        kind: 'Node',
        shortNames: ['no'],
        verbs: ['get', 'list', 'patch', 'watch'],
      });
      return send(200, list);
    }
    const node = /^\/api\/v1\/nodes(?:\/([^/]+))?$/.exec(url.pathname);
    if (!node) {
      await this.forward(request, body, response);
      return;
    }
    this.requests.push(`${method} ${url.pathname}${url.search}`);
    const name = node[1];
    if (name === undefined && method === 'GET') {
      const selector = url.searchParams.get('labelSelector') ?? '';
      const items = [...this.nodes.values()].filter((candidate) =>
        selector
          .split(',')
          .filter(Boolean)
          .every((term) => {
            const [key, value] = term.split(/==?/) as [string, string | undefined];
            return value === undefined
              ? key in candidate.metadata.labels
              : candidate.metadata.labels[key] === value;
          }),
      );
      return send(200, {
        kind: 'NodeList',
        apiVersion: 'v1',
        metadata: { resourceVersion: String(this.version) },
        items,
      });
    }
    const existing = name === undefined ? undefined : this.nodes.get(name);
    if (!existing) {
      return send(404, {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        reason: 'NotFound',
        message: `nodes "${name}" not found`,
        code: 404,
      });
    }
    if (method === 'GET') return send(200, existing);
    if (
      method === 'PATCH' &&
      /merge-patch|strategic-merge-patch/.test(request.headers['content-type'] ?? '')
    ) {
      const patch = JSON.parse(body) as { metadata?: { labels?: Record<string, string | null> } };
      for (const [key, value] of Object.entries(patch.metadata?.labels ?? {})) {
        if (value === null) delete existing.metadata.labels[key];
        else existing.metadata.labels[key] = value;
      }
      existing.metadata.resourceVersion = String(this.version++);
      return send(200, existing);
    }
    return send(405, {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'MethodNotAllowed',
      code: 405,
    });
  }

  /** Passes a request to the API server; answers it when `response` is given, else returns the body. */
  private forward(
    request: http.IncomingMessage,
    body: string,
    response?: http.ServerResponse,
  ): Promise<string> {
    return new Promise((resolve, reject) => {
      const upstream = http.request(
        `${this.backend}${request.url ?? '/'}`,
        { method: request.method, headers: { ...request.headers, host: new URL(this.backend).host } },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (response) {
              response.writeHead(answer.statusCode ?? 502, answer.headers);
              response.end(text);
            }
            resolve(text);
          });
        },
      );
      upstream.on('error', reject);
      upstream.end(body);
    });
  }
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
      // After the apply: which nodes joined, then the role label of each pool, then the rollouts.
      const labelNodes = commands.findIndex((line) => line.includes(' label nodes '));
      expect(commands[labelNodes]).toMatch(
        /^kubectl --kubeconfig=\S+ --context=test-admin@test label nodes --selector=platform-blueprint\.io\/pool=general --field-manager=blueprint --overwrite node-role\.kubernetes\.io\/general=$/,
      );
      expect(commands.filter((line) => line.includes(' label nodes '))).toHaveLength(1);
      const getNodes = commands.findIndex((line) => / get nodes /.test(line));
      expect(getNodes).toBeGreaterThan(commands.findIndex((line) => line.includes('--prune')));
      expect(labelNodes).toBeGreaterThan(getNodes);
      expect(commands.findIndex((line) => line.includes(' rollout status '))).toBeGreaterThan(labelNodes);
      expect(commands.find((line) => line.includes(' get configmap '))).toContain(
        'get configmap platform-blueprint platform-blueprint-rehearsal --namespace=kube-public',
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

    withKubectl("kubeadm's admin.conf names: says what to rename", async () => {
      const file = useKubeconfig(kubeconfigFor('https://127.0.0.1:1', 'kubernetes-admin@test'));
      const result = await deploy(project, ['--env', 'test', '--yes', '--only', 'kubernetes']);
      expect(result.code).toBe(3);
      expect(result.stderr.split('\n')[0]).toBe(
        `error: kubeconfig ${file} has no context test-admin@test, but kubeadm's default context kubernetes-admin@test; rename it: kubectl --kubeconfig=${file} config rename-context kubernetes-admin@test test-admin@test (and give its user a name of its own before merging another cluster's admin.conf, see docs/host-provisioning.md, "Kubeconfig names"), or set cluster.kubeconfig.context to kubernetes-admin@test in environments/test.yaml`,
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
      'deploys the Kubernetes half of the real test environment: CRDs, objects, node roles, rollouts',
      async () => {
        const api = new FakeApiServer();
        // Two workers of pool general and one master have joined; test-node-03 and the other
        // masters have not. A node outside the environment carries another pool's label.
        const nodes = new FakeNodes({
          'test-master-1': { 'node-role.kubernetes.io/control-plane': '' },
          'test-node-01': { 'platform-blueprint.io/pool': 'general', tier: 'general' },
          'test-node-02': { 'platform-blueprint.io/pool': 'general', tier: 'general' },
          'stray-node': { 'platform-blueprint.io/pool': 'batch' },
        });
        try {
          useKubeconfig(kubeconfigFor(await nodes.start(await api.start())));
          const result = await deploy(project, ['--env', 'test', '--yes', '--only', 'kubernetes']);
          expect(result.stderr).toBe('');
          expect(result.code).toBe(0);
          expect(result.stdout).toMatch(
            // The API server scrapes' Endpoints are applied with the EndpointSlices, in their own ApplySet.
            /^deployed test: apply the CRDs .*, kubectl apply --prune, kubectl apply --prune of the EndpointSlices \(1 file\), role label node-role\.kubernetes\.io\/general on the joined nodes of pool general$/m,
          );
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
          // Every CRD of the output's add-on lock was applied (an operator needs all the CRDs of its
          // release, used by the output or not), with the ApplySet parent kind, and no other.
          const crds = api.names('CustomResourceDefinition');
          const [test] = new Project(project.root).loadEnvironments(['test']);
          const locked = test ? (loadLockedCrds(synthesizeEnvironment(test)) ?? []) : [];
          expect(locked.length).toBeGreaterThan(10);
          expect(crds).toEqual([...locked.map((crd) => crd.name), 'applysets.platform-blueprint.io'].sort());
          expect(crds).toContain('httproutes.gateway.networking.k8s.io');
          expect(crds).toContain('ipaddresspools.metallb.io');
          expect(crds).toContain('cronhorizontalpodautoscalers.autoscaling.alibabacloud.com');
          expect(result.stdout).toMatch(/rollout of deployment\/\S+ in \S+: ok/);

          // The nodes that have not joined are a warning, not a failure.
          expect(result.stdout).toContain(
            "the environment's 6 nodes have joined: warning: 3 of 6 joined; not yet: test-master-2, test-master-3, test-node-03 (they register with their pool's taints and labels when they join; deploy again for their role label)",
          );
          // The role label went on the joined nodes of the pool, by selector, and on no other node;
          // their other labels are untouched.
          expect(result.stdout).toMatch(
            /role label node-role\.kubernetes\.io\/general on the joined nodes of pool general: ok/,
          );
          const labels = (name: string) => nodes.nodes.get(name)?.metadata.labels;
          for (const name of ['test-node-01', 'test-node-02']) {
            expect(labels(name)).toEqual({
              'platform-blueprint.io/pool': 'general',
              tier: 'general',
              'node-role.kubernetes.io/general': '',
            });
          }
          expect(labels('test-master-1')).toEqual({ 'node-role.kubernetes.io/control-plane': '' });
          expect(labels('stray-node')).toEqual({ 'platform-blueprint.io/pool': 'batch' });
          const patched = nodes.requests
            .filter((line) => line.startsWith('PATCH'))
            .map((line) => line.split('?')[0])
            .sort();
          expect(patched).toEqual(['PATCH /api/v1/nodes/test-node-01', 'PATCH /api/v1/nodes/test-node-02']);
          expect(nodes.requests).toContainEqual(
            expect.stringMatching(
              /^GET \/api\/v1\/nodes\?.*labelSelector=platform-blueprint\.io%2Fpool%3Dgeneral/,
            ),
          );
        } finally {
          await nodes.close();
          await api.close();
        }
      },
    );

    withKubectl('labels nothing and still succeeds when no node has joined yet', async () => {
      const api = new FakeApiServer();
      const nodes = new FakeNodes({});
      try {
        useKubeconfig(kubeconfigFor(await nodes.start(await api.start())));
        const result = await deploy(project, ['--env', 'test', '--yes', '--only', 'kubernetes']);
        expect(result.stderr).toBe('');
        expect(result.code).toBe(0);
        expect(result.stdout).toContain(
          "the environment's 6 nodes have joined: warning: 0 of 6 joined; not yet: test-master-1, test-master-2, test-master-3, test-node-01, test-node-02, test-node-03",
        );
        expect(result.stdout).toMatch(
          /role label node-role\.kubernetes\.io\/general on the joined nodes of pool general: ok/,
        );
        expect(nodes.requests.filter((line) => line.startsWith('PATCH'))).toEqual([]);
      } finally {
        await nodes.close();
        await api.close();
      }
    });

    withKubectl(
      'refuses with exit 2 a rehearsal cluster (ConfigMap kube-public/platform-blueprint-rehearsal), before Terraform',
      async () => {
        const api = await fakeApiServer('test', 'test');
        try {
          useKubeconfig(kubeconfigFor(api.url));
          const result = await deploy(project, ['--env', 'test', '--yes']);
          expect(result.code).toBe(2);
          const [first, second] = result.stderr.split('\n');
          expect(first).toBe(
            `error: context test-admin@test reaches a rehearsal cluster of environment "test" (ConfigMap kube-public/${REHEARSAL_MARKER}), not a real one; refusing to deploy. Point ${project.path('kubeconfig')} at the real cluster, or use \`blueprint rehearse --env test\` to deploy to the rehearsal`,
          );
          expect(second).toMatch(
            /stopped at step \d+\/\d+ \(the cluster is reachable and is environment test\); nothing was applied before it/,
          );
          // kubectl asked for both ConfigMaps, one GET each.
          expect(api.requests).toEqual(
            expect.arrayContaining([
              'GET /api/v1/namespaces/kube-public/configmaps/platform-blueprint',
              `GET /api/v1/namespaces/kube-public/configmaps/${REHEARSAL_MARKER}`,
            ]),
          );
          expect(fs.existsSync(project.path('.blueprint/test/terraform/.terraform'))).toBe(false);
        } finally {
          await api.close();
        }
      },
    );

    withKubectl('refuses a rehearsal cluster that has only the marker (no deploy yet)', async () => {
      const api = await fakeApiServer(undefined, 'test');
      try {
        useKubeconfig(kubeconfigFor(api.url));
        const result = await deploy(project, ['--env', 'test', '--yes', '--only', 'kubernetes']);
        expect(result.code).toBe(2);
        expect(result.stderr.split('\n')[0]).toMatch(
          /^error: context test-admin@test reaches a rehearsal cluster of environment "test" /,
        );
      } finally {
        await api.close();
      }
    });

    withKubectl('deploys onto a rehearsal cluster when blueprint rehearse asks for it', async () => {
      const api = new FakeApiServer();
      const nodes = new FakeNodes({});
      try {
        const url = await nodes.start(await api.start());
        // The rehearsal cluster is marked; it has not been deployed to yet.
        api.seed({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: REHEARSAL_MARKER, namespace: 'kube-public' },
          data: { environment: 'test' },
        });
        const kubeconfig = project.path('rehearsal-kubeconfig');
        fs.writeFileSync(kubeconfig, kubeconfigFor(url, 'rehearsal'));
        // A deploy of the real environment holds its lock: the rehearsal has its own.
        const realLock = project.path('.blueprint/test/deploy.lock');
        fs.mkdirSync(path.dirname(realLock), { recursive: true });
        fs.writeFileSync(realLock, `${process.ppid}\n`);
        const out: string[] = [];
        const err: string[] = [];
        const code = await deployEnvironment(
          {
            env: 'test',
            dryRun: false,
            yes: true,
            only: 'kubernetes',
            rolloutTimeoutSeconds: 60,
            rehearsal: { workDir: '.blueprint-rehearsal/test/deploy', kubeconfig, context: 'rehearsal' },
          },
          { out: (line) => out.push(line), err: (line) => err.push(line), isTty: false, cwd: project.root },
          { stdinIsTty: false, ask: async () => false, env: process.env, home: os.homedir() },
        );
        expect(err).toEqual([]);
        expect(code).toBe(0);
        expect(out).toContainEqual(
          expect.stringMatching(
            /the cluster is reachable and is environment test: ok: no platform-blueprint ConfigMap yet/,
          ),
        );
        // The rehearsal has its own work directory and lock; the real one is untouched.
        const workDir = project.path('.blueprint-rehearsal/test/deploy');
        expect(fs.existsSync(path.join(workDir, 'kubernetes/manifests'))).toBe(true);
        expect(fs.existsSync(path.join(workDir, 'deploy.lock'))).toBe(false);
        expect(fs.readdirSync(project.path('.blueprint/test'))).toEqual(['deploy.lock']);
        expect(fs.readFileSync(realLock, 'utf8')).toBe(`${process.ppid}\n`);
        // Its Terraform keeps state locally and talks to the rehearsal cluster only.
        const tf = JSON.parse(fs.readFileSync(path.join(workDir, 'terraform/cdk.tf.json'), 'utf8'));
        expect(tf.terraform.backend).toEqual({ local: { path: 'terraform.tfstate' } });
        for (const provider of tf.provider.kubernetes) {
          expect(provider).toMatchObject({ config_path: kubeconfig, config_context: 'rehearsal' });
        }
      } finally {
        await nodes.close();
        await api.close();
      }
    });

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
