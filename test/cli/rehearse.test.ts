import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { rehearsalPaths } from '../../cli/rehearsal/cluster';
import { findComponents } from '../../cli/rehearsal/components';
import { REPO_ROOT, TempProject } from '../support/cli';
import { describeWithCluster, kubectl, processesMentioning } from '../support/rehearsal';

// The rehearsal cluster is real: etcd, kube-apiserver, kube-controller-manager, kube-scheduler
// and kwok, built from source; Terraform runs with the real hashicorp/kubernetes provider from
// a filesystem mirror. Each test starts and stops its own cluster on loopback.
jest.setTimeout(15 * 60_000);

const BLUEPRINT = path.join(REPO_ROOT, 'bin', 'blueprint.js');

/** Fails with what the rehearsal printed when it did not pass. */
function expectPassed(result: { code: number; stdout: string; stderr: string }): void {
  if (result.code !== 0)
    throw new Error(
      `rehearse exited ${result.code}:\n${result.stderr}\n${result.stdout.split('\n').slice(-40).join('\n')}`,
    );
}

/** Every process of a project's rehearsals (their paths hold the project's temporary root). */
function leftRunning(project: TempProject): number[] {
  return processesMentioning(path.join(project.root, '.blueprint-rehearsal'));
}

describeWithCluster('blueprint rehearse: every shipped environment on a real control plane', () => {
  let project: TempProject;
  beforeAll(() => {
    project = new TempProject();
  });
  afterAll(async () => {
    for (const env of ['test', 'prod', 'prod-b']) await project.run(['rehearse', '--env', env, '--stop']);
    expect(leftRunning(project)).toEqual([]);
    project.dispose();
  });

  it.each(['test', 'prod-b'])(
    'deploys %s: Terraform, CRDs, every manifest, every rollout, placement',
    async (env) => {
      if (env === 'test') {
        // A remote backend: the rehearsal must not use it (no PG_CONN_STR here: using it would fail).
        project.write(
          'environments/test.yaml',
          `${project.read('environments/test.yaml')}terraform:\n  backend:\n    type: pg\n`,
        );
      }
      const result = await project.run(['rehearse', '--env', env]);
      expect(result.stderr).not.toMatch(/internal error/);
      // First, so that a failure shows the findings (stderr), not only the report.
      expectPassed(result);
      expect(result.stdout).toMatch(
        /rehearsal: changes: Terraform Plan: \d+ to add, 0 to change, 0 to destroy\.; Kubernetes \d+ objects applied, 0 pruned$/m,
      );
      expect(result.stdout).toContain(`rehearsal of ${env} passed`);
      // The real Envoy Gateway and MetalLB controller took the blueprint's objects: the Gateway
      // has an address from the environment's MetalLB pool, every route is accepted.
      expect(result.stdout).toMatch(
        /^rehearsal: envoy-gateway \(pid \d+\) and metallb-controller \(pid \d+\) ready in \d+ ms$/m,
      );
      expect(result.stdout).toContain('rehearsal: GatewayClass envoy-gateway accepted by Envoy Gateway');
      const pool = env === 'test' ? '10\\.30\\.1\\.24\\d' : '10\\.21\\.2\\.24\\d';
      expect(result.stdout).toMatch(new RegExp(`^ {2}programmed Gateway {5}gateway/public +${pool}$`, 'm'));
      const routes = result.stdout
        .split('\n')
        .filter((line) => /^ {2}\S+ +(HTTPRoute|GRPCRoute) /.test(line));
      // test: the redirect and api; prod-b: the public routes (a -retry twin for vehicle-control)
      // and the two lane routes on the in-cluster lanes Gateway, which is Programmed too.
      expect(routes.length).toBe(env === 'test' ? 2 : 8);
      if (env === 'prod-b')
        expect(result.stdout).toMatch(/^ {2}programmed Gateway {5}gateway\/lanes +\d+\.\d+\.\d+\.\d+$/m);
      expect(result.stdout).not.toMatch(/mesh routes .* not judged/);
      // The API server ran the environment's audit policy and wrote events (docs/audit.md).
      expect(result.stdout).toMatch(
        /^rehearsal: the API server ran the environment's audit policy \(hosts\/<master>\/audit-policy\.yaml\): [1-9]\d* events \(Metadata \d+, Request \d+, RequestResponse \d+\)/m,
      );
      expect(routes.filter((line) => !line.startsWith('  accepted '))).toEqual([]);
      expect(result.stdout).toMatch(/Apply complete! Resources: \d+ added, 0 changed, 0 destroyed/);
      expect(result.stdout).toMatch(
        new RegExp(
          `rehearsal: cluster stopped \\(its components peaked at \\d+ MiB resident\\) and \\.blueprint-rehearsal/${env}/ removed`,
        ),
      );
      expect(fs.existsSync(project.path('.blueprint-rehearsal', env))).toBe(false);
      expect(leftRunning(project)).toEqual([]);
    },
  );

  describe('prod, kept: a second deploy changes nothing, taints survive, controller fields stay, a removed service is pruned', () => {
    let kubeconfig: string;
    const realState = () => project.path('.blueprint', 'prod');
    const userKubeconfig = () => path.join(os.homedir(), '.kube', 'config');
    let userKubeconfigBefore: Buffer | undefined;

    beforeAll(async () => {
      // A real deploy's state and the user's kubeconfig, which no rehearsal may touch.
      fs.mkdirSync(path.join(realState(), 'terraform'), { recursive: true });
      fs.writeFileSync(
        path.join(realState(), 'terraform', 'terraform.tfstate'),
        '{"version": 4, "serial": 7}\n',
      );
      userKubeconfigBefore = fs.existsSync(userKubeconfig()) ? fs.readFileSync(userKubeconfig()) : undefined;
      const result = await project.run(['rehearse', '--env', 'prod', '--keep']);
      expect(result.stdout).toContain('rehearsal of prod passed');
      expectPassed(result);
      kubeconfig = project.path(rehearsalPaths('prod').kubeconfig);
    });

    it('landed every workload on its pool, none on a master (node agents excepted), spread over the zones', () => {
      const nodes = JSON.parse(kubectl(kubeconfig, ['get', 'nodes', '-o', 'json'])).items as {
        metadata: { name: string; labels: Record<string, string> };
      }[];
      const poolOf = new Map(
        nodes.map((node) => [node.metadata.name, node.metadata.labels['platform-blueprint.io/pool']]),
      );
      const pods = JSON.parse(kubectl(kubeconfig, ['get', 'pods', '-A', '-o', 'json'])).items as {
        metadata: { name: string; ownerReferences?: { kind: string }[] };
        spec: { nodeName?: string; nodeSelector?: Record<string, string> };
        status: { phase: string };
      }[];
      expect(pods.length).toBeGreaterThan(10);
      for (const pod of pods) {
        // A Job's pod (Envoy Gateway's certgen) runs to completion; every other pod keeps running.
        const job = pod.metadata.ownerReferences?.[0]?.kind === 'Job';
        expect([pod.metadata.name, pod.status.phase]).toEqual([
          pod.metadata.name,
          job ? 'Succeeded' : 'Running',
        ]);
        const wanted = pod.spec.nodeSelector?.['platform-blueprint.io/pool'];
        const onMaster = nodes.some(
          (node) => node.metadata.name === pod.spec.nodeName && poolOf.get(node.metadata.name) === undefined,
        );
        // Node agents (DaemonSets that tolerate every taint, such as node-exporter) run on the
        // masters too; every other pod runs on a pool's node, the one it selects.
        if (onMaster) {
          expect([pod.metadata.name, pod.metadata.ownerReferences?.[0]?.kind, wanted]).toEqual([
            pod.metadata.name,
            'DaemonSet',
            undefined,
          ]);
          continue;
        }
        expect([pod.metadata.name, poolOf.get(pod.spec.nodeName ?? '')]).toEqual([
          pod.metadata.name,
          wanted ?? expect.any(String),
        ]);
      }
      const failed = kubectl(kubeconfig, [
        'get',
        'events',
        '-A',
        '--field-selector=reason=FailedCreate',
        '-o',
        'name',
      ]);
      expect(failed.trim()).toBe('');
    });

    it('scheduled one log collector on every node: the control-plane one on each master, the other on every worker', () => {
      const nodes = JSON.parse(kubectl(kubeconfig, ['get', 'nodes', '-o', 'json'])).items as {
        metadata: { labels: Record<string, string> };
      }[];
      const masters = nodes.filter((node) => 'node-role.kubernetes.io/control-plane' in node.metadata.labels);
      const sets = JSON.parse(kubectl(kubeconfig, ['get', 'daemonsets', '-n', 'logging', '-o', 'json']))
        .items as {
        metadata: { name: string };
        status: { desiredNumberScheduled: number; numberReady: number };
      }[];
      const status = Object.fromEntries(
        sets.map((ds) => [ds.metadata.name, [ds.status.desiredNumberScheduled, ds.status.numberReady]]),
      );
      expect(masters.length).toBeGreaterThanOrEqual(3);
      expect(status).toEqual({
        'fluent-bit': [nodes.length - masters.length, nodes.length - masters.length],
        'fluent-bit-control-plane': [masters.length, masters.length],
      });
    });

    it('never touched the real state or the user kubeconfig', () => {
      expect(fs.readFileSync(path.join(realState(), 'terraform', 'terraform.tfstate'), 'utf8')).toBe(
        '{"version": 4, "serial": 7}\n',
      );
      expect(fs.readdirSync(realState())).toEqual(['terraform']);
      if (userKubeconfigBefore === undefined) expect(fs.existsSync(userKubeconfig())).toBe(false);
      else expect(fs.readFileSync(userKubeconfig())).toEqual(userKubeconfigBefore);
    });

    it('a second deploy: an empty Terraform plan and an empty kubectl diff', () => {
      const work = project.path(rehearsalPaths('prod').workDir);
      const plan = spawnSync(
        'terraform',
        [`-chdir=${path.join(work, 'terraform')}`, 'plan', '-detailed-exitcode', '-input=false', '-no-color'],
        { encoding: 'utf8', env: { ...process.env, TF_CLI_CONFIG_FILE: findComponents().terraformRc } },
      );
      expect([plan.status, plan.stdout.split('\n').filter((line) => /will be|must be/.test(line))]).toEqual([
        0,
        [],
      ]);
      const diff = spawnSync(
        'kubectl',
        [
          `--kubeconfig=${kubeconfig}`,
          'diff',
          '--server-side',
          '--field-manager=blueprint',
          '--force-conflicts',
          '-f',
          path.join(work, 'kubernetes', 'preview'),
        ],
        { encoding: 'utf8' },
      );
      expect([diff.status, diff.stdout]).toEqual([0, '']);
    });

    it('a deploy keeps the taints and the cordon that kubeadm, controllers or people set', async () => {
      kubectl(kubeconfig, ['taint', 'node', 'node-10', 'example.com/maintenance=true:NoSchedule']);
      kubectl(kubeconfig, ['cordon', 'node-02']);
      const nodeSpec = (name: string) =>
        JSON.parse(kubectl(kubeconfig, ['get', 'node', name, '-o', 'json'])).spec;
      // The node lifecycle controller taints a cordoned node itself.
      const deadline = Date.now() + 30_000;
      while (
        Date.now() < deadline &&
        !JSON.stringify(nodeSpec('node-02').taints ?? []).includes('node.kubernetes.io/unschedulable')
      )
        await new Promise((resolve) => setTimeout(resolve, 500));
      const before = Object.fromEntries(
        ['master-1', 'node-02', 'node-10'].map((name) => [name, nodeSpec(name).taints]),
      );
      expect(JSON.stringify(before['node-02'])).toContain('node.kubernetes.io/unschedulable');
      expect(before['master-1']).toEqual([
        { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
      ]);
      expect(before['node-10']).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ key: 'dedicated', effect: 'NoSchedule' }),
          expect.objectContaining({ key: 'example.com/maintenance', effect: 'NoSchedule' }),
        ]),
      );
      const again = await project.run(['rehearse', '--env', 'prod', '--keep']);
      expect(again.stdout).toContain('deploying prod again onto the kept cluster');
      expect(again.stdout).toContain('No changes.');
      // The add-on controllers run on with the kept cluster, and still accept the Gateway.
      expect(again.stdout).toMatch(
        /^rehearsal: envoy-gateway and metallb-controller already run on the kept cluster at /m,
      );
      expect(again.stdout).toMatch(/^ {2}programmed Gateway {5}gateway\/public +10\.20\.2\.24\d$/m);
      // Nothing is pruned: not even the EndpointSlices the controller copies the ApplySet label onto.
      expect(again.stdout).toMatch(
        /rehearsal: changes: Terraform No changes\.[^;]*; Kubernetes \d+ objects applied, 0 pruned$/m,
      );
      expectPassed(again);
      for (const name of ['master-1', 'node-02', 'node-10'])
        expect([name, nodeSpec(name).taints]).toEqual([name, before[name]]);
      expect(nodeSpec('node-02').unschedulable).toBe(true);
      kubectl(kubeconfig, ['taint', 'node', 'node-10', 'example.com/maintenance:NoSchedule-']);
      kubectl(kubeconfig, ['uncordon', 'node-02']);
    });

    it("a deploy leaves the HPA minReplicas that the CronHPA controller raised, and takes back a person's edit", async () => {
      const hpa = ['--namespace=vehicle', 'horizontalpodautoscaler', 'vehicle-control'];
      const minReplicas = () => kubectl(kubeconfig, ['get', ...hpa, '-o', 'jsonpath={.spec.minReplicas}']);
      expect(minReplicas()).toBe('3');
      // What kubernetes-cronhpa-controller does at the launch-warmup job: an update of the HPA under its own name.
      kubectl(kubeconfig, [
        'patch',
        ...hpa,
        '--type=merge',
        '--patch={"spec":{"minReplicas":10}}',
        '--field-manager=kubernetes-cronhpa-controller',
      ]);
      const during = await project.run(['rehearse', '--env', 'prod', '--keep']);
      expectPassed(during);
      expect(during.stdout).toContain(
        'left to their controllers: vehicle/vehicle-control spec.minReplicas (kubernetes-cronhpa-controller)',
      );
      expect(minReplicas()).toBe('10');
      // The window ends: the controller sets the baseline back; a person's edit is drift and is taken back.
      kubectl(kubeconfig, [
        'patch',
        ...hpa,
        '--type=merge',
        '--patch={"spec":{"minReplicas":3}}',
        '--field-manager=kubernetes-cronhpa-controller',
      ]);
      kubectl(kubeconfig, [
        'patch',
        ...hpa,
        '--type=merge',
        '--patch={"spec":{"maxReplicas":40}}',
        '--field-manager=kubectl-edit',
      ]);
      const after = await project.run(['rehearse', '--env', 'prod', '--keep']);
      expectPassed(after);
      expect(kubectl(kubeconfig, ['get', ...hpa, '-o', 'jsonpath={.spec.maxReplicas}'])).not.toBe('40');
      expect(minReplicas()).toBe('3');
    });

    it('iterates: changed replicas show, a removed service is pruned with exactly its objects', async () => {
      const names = () =>
        kubectl(kubeconfig, [
          'get',
          'deployments,services,poddisruptionbudgets,horizontalpodautoscalers',
          '-A',
          '-o',
          'name',
        ])
          .trim()
          .split('\n')
          .sort();
      const before = names();
      expect(before.filter((name) => name.endsWith('/mall'))).not.toEqual([]);
      project.edit('environments/prod.yaml', /\n {2}- name: mall\n(?: {4}.*\n)+/, '\n');
      // The gray lane of vehicle-control runs 2 replicas; make it 3.
      project.edit(
        'environments/prod.yaml',
        /(name: vehicle-control[\s\S]*?gray:[\s\S]*?replicas: )2/,
        '$13',
      );
      const result = await project.run(['rehearse', '--env', 'prod', '--keep']);
      expectPassed(result);
      const pruned =
        /rehearsal: changes: Terraform No changes\.[^;]*; Kubernetes \d+ objects applied, \d+ pruned \((.*)\)$/m
          .exec(result.stdout)?.[1]
          ?.split(', ') ?? [];
      expect(pruned).toEqual(
        expect.arrayContaining([
          'deployment.apps/mall',
          'service/mall',
          'httproute.gateway.networking.k8s.io/mall',
        ]),
      );
      expect(pruned.filter((name) => !name.endsWith('/mall') && !name.endsWith('-mall'))).toEqual([]);
      const after = names();
      expect(before.filter((name) => !after.includes(name)).every((name) => name.endsWith('/mall'))).toBe(
        true,
      );
      expect(before.filter((name) => !after.includes(name)).length).toBeGreaterThanOrEqual(2);
      expect(after.filter((name) => !before.includes(name))).toEqual([]);
      const replicas = kubectl(kubeconfig, [
        'get',
        'deployment',
        'vehicle-control-gray',
        '-n',
        'vehicle',
        '-o',
        'jsonpath={.spec.replicas}',
      ]);
      expect(replicas).toBe('3');
    });

    it('a node of the environment that has not joined neither blocks the deploy nor leaves it half applied', async () => {
      kubectl(kubeconfig, ['delete', 'node', 'node-05', '--wait=true']);
      const result = await project.run(['rehearse', '--env', 'prod', '--keep']);
      expectPassed(result);
      expect(result.stdout).toContain('No changes.');
      expect(result.stdout).toMatch(
        /the environment's 18 nodes have joined: warning: 17 of 18 joined; not yet: node-05 \(/,
      );
      expect(result.stdout).toMatch(
        /role label node-role\.kubernetes\.io\/general on the joined nodes of pool general: ok/,
      );
    });

    it('a real deploy pointed at the rehearsal is refused', async () => {
      const home = fs.mkdtempSync(path.join(os.tmpdir(), 'blueprint-home-'));
      fs.mkdirSync(path.join(home, '.kube'));
      fs.copyFileSync(kubeconfig, path.join(home, '.kube', 'config'));
      const env = { ...process.env, HOME: home };
      const result = spawnSync(
        process.execPath,
        [BLUEPRINT, 'deploy', '--env', 'prod', '--yes', '--only', 'kubernetes'],
        {
          cwd: project.root,
          env,
          encoding: 'utf8',
        },
      );
      fs.rmSync(home, { recursive: true, force: true });
      expect(result.stderr).toContain('reaches a rehearsal cluster of environment "prod"');
      expect(result.status).toBe(2);
    });

    it('--status says where the kept cluster is and what it uses', async () => {
      const result = await project.run(['rehearse', '--env', 'prod', '--status']);
      expectPassed(result);
      expect(result.stdout).toMatch(/rehearsal of prod runs since \d{4}-/);
      expect(result.stdout).toMatch(/API server {2}https:\/\/127\.0\.0\.1:\d+/);
      expect(result.stdout).toMatch(/memory {6}\d+ MiB resident/);
    });

    it('--stop ends it and removes its directory; --status then says none runs', async () => {
      const stopped = await project.run(['rehearse', '--env', 'prod', '--stop']);
      expect(stopped.stdout).toContain('rehearsal of prod stopped');
      expect(fs.existsSync(project.path('.blueprint-rehearsal', 'prod'))).toBe(false);
      expect((await project.run(['rehearse', '--env', 'prod', '--status'])).stdout).toBe(
        'no rehearsal of prod runs',
      );
      expect(leftRunning(project)).toEqual([]);
    });
  });
});

describeWithCluster('blueprint rehearse: bad input, and nothing left running', () => {
  let project: TempProject;
  beforeAll(() => {
    project = new TempProject();
  });
  afterAll(() => project.dispose());

  it('refuses an unknown environment (exit 2)', async () => {
    const result = await project.run(['rehearse', '--env', 'nope']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--env: "nope" is not a known environment');
  });

  it('refuses a port that is in use (exit 2) and starts nothing', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const result = await project.run(['rehearse', '--env', 'test', '--port', String(port)]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`--port: ${port} is in use on 127.0.0.1`);
    } finally {
      server.close();
    }
    expect(leftRunning(project)).toEqual([]);
  });

  it('says how to build missing components (exit 3)', () => {
    const result = spawnSync(process.execPath, [BLUEPRINT, 'rehearse', '--env', 'test'], {
      cwd: project.root,
      env: { ...process.env, BLUEPRINT_CACHE: path.join(project.root, 'no-cache') },
      encoding: 'utf8',
    });
    expect(result.status).toBe(3);
    expect(result.stderr).toContain('npm run cluster:build');
    expect(leftRunning(project)).toEqual([]);
  });

  it("never writes --kubeconfig over the user's own kubeconfig (exit 2, before anything starts)", async () => {
    const mine = project.path('my-kubeconfig');
    fs.writeFileSync(mine, 'apiVersion: v1\nkind: Config\n');
    const result = await project.run(['rehearse', '--env', 'test', '--keep', '--kubeconfig', mine]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('exists and is not a rehearsal kubeconfig');
    expect(fs.readFileSync(mine, 'utf8')).toBe('apiVersion: v1\nkind: Config\n');
    expect(leftRunning(project)).toEqual([]);
  });

  it('--status without a kept rehearsal', async () => {
    const result = await project.run(['rehearse', '--env', 'test', '--status']);
    expect(result.stdout).toBe('no rehearsal of test runs');
    expectPassed(result);
  });

  it('leaves no process of the supervisor tree behind', () => {
    expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain(
      path.join(project.root, '.blueprint-rehearsal'),
    );
  });
});
