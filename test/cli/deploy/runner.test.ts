import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type ExecOptions, type ExecResult, exec } from '../../../cli/deploy/exec';
import { type DeployTarget, planDeploy, REHEARSAL_MARKER, type Step } from '../../../cli/deploy/plan';
import { PlainProgress, TtyProgress } from '../../../cli/deploy/progress';
import { kubeconfigProblem, type RunContext, runSteps } from '../../../cli/deploy/runner';
import type { Io } from '../../../cli/io';
import { nodeRoles } from './node-roles';

const TF_VERSION = '{"terraform_version":"1.11.4"}';
const KUBECTL_VERSION = '{"clientVersion":{"gitVersion":"v1.32.4"}}';

function ok(stdout = '', exitCode = 0): ExecResult {
  return { exitCode, stdout, stderr: '', missing: false, timedOut: false, ms: 1 };
}
function fail(stderr: string, exitCode = 1): ExecResult {
  return { exitCode, stdout: '', stderr, missing: false, timedOut: false, ms: 1 };
}

/** A fake exec answering by step: the first matching rule wins; records every command it ran. */
function fakeExec(rules: [RegExp, ExecResult][]) {
  const ran: string[] = [];
  const run = async (argv: readonly string[], _options: ExecOptions): Promise<ExecResult> => {
    const line = argv.join(' ');
    ran.push(line);
    for (const [pattern, result] of rules) if (pattern.test(line)) return result;
    return ok();
  };
  return { ran, run };
}

function bufferIo(isTty = false): Io & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (line) => lines.push(line), err: (line) => lines.push(line), isTty, cwd: '/' };
}

describe('runSteps', () => {
  let dir: string;
  let kubeconfig: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blueprint-runner-'));
    kubeconfig = path.join(dir, 'kubeconfig');
    fs.writeFileSync(
      kubeconfig,
      'apiVersion: v1\nkind: Config\ncontexts:\n  - name: prod-admin@prod\n    context: {cluster: c, user: u}\n',
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const target = (): DeployTarget => ({
    environment: 'prod',
    kubeconfig,
    context: 'prod-admin@prod',
    backendType: 'local',
    workDir: '.blueprint/prod',
    manifests: ['platform.yaml'],
    crds: [],
    rollouts: [{ kind: 'deployment', name: 'orders', namespace: 'commerce' }],
    nodes: ['master-1', 'node-01', 'node-02', 'node-10'],
    nodeRoles: nodeRoles('general', 'database'),
  });

  /** What `kubectl get configmap platform-blueprint platform-blueprint-rehearsal -o jsonpath=...` prints. */
  const identity = (entries: Record<string, string>) =>
    ok(
      Object.entries(entries)
        .map(([name, environment]) => `${name}=${environment}\n`)
        .join(''),
    );

  function context(run: RunContext['exec'], answers: boolean[] = [], env: NodeJS.ProcessEnv = {}) {
    const io = bufferIo();
    const questions: string[] = [];
    return {
      io,
      questions,
      context: {
        cwd: dir,
        env,
        progress: new PlainProgress(io),
        ask: async (question: string) => {
          questions.push(question);
          return answers.shift() ?? false;
        },
        access: { kubeconfig, context: 'prod-admin@prod', environmentFile: 'environments/prod.yaml' },
        exec: run,
      } satisfies RunContext,
    };
  }

  const healthy: [RegExp, ExecResult][] = [
    [/^terraform version/, ok(TF_VERSION)],
    [/^kubectl version/, ok(KUBECTL_VERSION)],
    [/get configmap platform-blueprint/, identity({ 'platform-blueprint': 'prod' })],
    [/ plan /, ok('Plan: 3 to add, 0 to change, 0 to destroy.', 2)],
    [/ diff /, ok('+ kind: ConfigMap', 1)],
    [/ get nodes /, ok('master-1\nnode-01\nnode-02\nnode-10\n')],
  ];

  it('runs every step in order when all goes well and reports what it applied', async () => {
    const fake = fakeExec(healthy);
    const { context: ctx, questions } = context(fake.run, [true, true]);
    const outcome = await runSteps(planDeploy(target()), ctx);
    expect(outcome).toEqual({
      status: 'done',
      applied: [
        'terraform apply',
        'apply the CRDs (0 used by the output, and the ApplySet parent kind)',
        'create the ApplySets applysets.platform-blueprint.io/prod and applysets.platform-blueprint.io/prod-endpoints if absent',
        'kubectl apply --prune',
        'delete the EndpointSlices that left the output',
        'role label node-role.kubernetes.io/general on the joined nodes of pool general',
        'role label node-role.kubernetes.io/database on the joined nodes of pool database',
      ],
    });
    expect(
      fake.ran.map((line) =>
        line
          .split(' ')
          .filter((word) => !word.startsWith('-'))
          .slice(0, 2)
          .join(' '),
      ),
    ).toEqual([
      'terraform version',
      'kubectl version',
      'kubectl get',
      'terraform init',
      'terraform plan',
      'terraform apply',
      'kubectl diff',
      'kubectl apply',
      'kubectl wait',
      'kubectl create',
      'kubectl get',
      'kubectl apply',
      'kubectl delete',
      'kubectl get',
      'kubectl label',
      'kubectl label',
      'kubectl rollout',
    ]);
    expect(questions).toHaveLength(2);
  });

  it('skips the question and terraform apply when the plan has no changes', async () => {
    const fake = fakeExec([[/ plan /, ok('No changes.', 0)], ...healthy]);
    const { context: ctx, questions, io } = context(fake.run, [true]);
    const outcome = await runSteps(planDeploy(target(), { only: 'terraform' }), ctx);
    expect(outcome.status).toBe('done');
    expect(fake.ran.some((line) => line.includes(' apply '))).toBe(false);
    expect(questions).toEqual([]);
    expect(io.lines).toContain('[8/8] terraform apply: skipped: no changes to apply (0.0 s)');
  });

  it('stops at a failed kubectl apply, naming what was applied before and what did not run', async () => {
    const fake = fakeExec([
      [
        /--prune/,
        fail('Error from server (Invalid): error when creating "x": Deployment.apps "orders" is invalid'),
      ],
      ...healthy,
    ]);
    const { context: ctx } = context(fake.run, [true, true]);
    const outcome = await runSteps(planDeploy(target()), ctx);
    expect(outcome.status).toBe('failed');
    if (outcome.status === 'done') return;
    expect(outcome.kind).toBe('tool');
    expect(outcome.step.id).toBe('kubectl-apply');
    expect(outcome.message).toBe(
      'kubectl apply --prune failed (kubectl exit 1): Error from server (Invalid): error when creating "x": Deployment.apps "orders" is invalid',
    );
    expect(outcome.applied).toEqual([
      'terraform apply',
      'apply the CRDs (0 used by the output, and the ApplySet parent kind)',
      'create the ApplySets applysets.platform-blueprint.io/prod and applysets.platform-blueprint.io/prod-endpoints if absent',
    ]);
    expect(outcome.notRun).toEqual([
      'delete the EndpointSlices that left the output',
      "the environment's 4 nodes have joined",
      'role label node-role.kubernetes.io/general on the joined nodes of pool general',
      'role label node-role.kubernetes.io/database on the joined nodes of pool database',
      'rollout of deployment/orders in commerce',
    ]);
    expect(fake.ran.some((line) => line.includes('rollout'))).toBe(false);
    expect(fake.ran.some((line) => line.includes(' label nodes '))).toBe(false);
  });

  it("reports the real error of kubectl apply, not kubectl's ApplySet warning that it resolved itself", async () => {
    const warning =
      'W1201 19:58:51.123456   4242 applyset.go:447] WARNING: failed to update ApplySet: Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using platform-blueprint.io/v1: .metadata.annotations.applyset.kubernetes.io/contains-group-kinds\n' +
      'ApplySet field manager kubectl-applyset should own these fields. Retrying with conflicts forced.\n';
    const invalid =
      'Error from server (Invalid): error when creating "x": Deployment.apps "orders" is invalid';
    const fake = fakeExec([[/--prune/, fail(`${warning}${invalid}`)], ...healthy]);
    const { context: ctx } = context(fake.run, [true, true]);
    const outcome = await runSteps(planDeploy(target()), ctx);
    expect(outcome.status).toBe('failed');
    if (outcome.status === 'done') return;
    expect(outcome.step.id).toBe('kubectl-apply');
    expect(outcome.message).toBe(`kubectl apply --prune failed (kubectl exit 1): ${invalid}`);
    expect(outcome.message).not.toMatch(/ApplySet|owned by another field manager|kubectl-client-side-apply/);

    // A conflict after the warning is still reported, with the manager of that conflict.
    const conflict =
      'error: Apply failed with 1 conflict: conflict with "helm" using apps/v1: .spec.replicas\nPlease review the fields above--they currently have other managers.';
    const again = fakeExec([[/--prune/, fail(`${warning}${conflict}`)], ...healthy]);
    const second = context(again.run, [true, true]);
    const failed = await runSteps(planDeploy(target()), second.context);
    if (failed.status === 'done') throw new Error('expected a failure');
    expect(failed.message).toMatch(
      /^kubectl apply --prune failed: fields are owned by another field manager \(helm\)/,
    );
  });

  it('refuses (input error) when the cluster says it is another environment, before Terraform runs', async () => {
    const fake = fakeExec([
      [/get configmap platform-blueprint/, identity({ 'platform-blueprint': 'test' })],
      ...healthy,
    ]);
    const { context: ctx } = context(fake.run);
    const outcome = await runSteps(planDeploy(target()), ctx);
    expect(outcome.status).toBe('failed');
    if (outcome.status === 'done') return;
    expect(outcome.kind).toBe('input');
    expect(outcome.step.id).toBe('cluster-identity');
    expect(outcome.message).toMatch(
      /^context prod-admin@prod reaches the cluster of environment "test" \(ConfigMap kube-public\/platform-blueprint\), not "prod"; refusing to deploy/,
    );
    expect(outcome.message).toContain('environments/prod.yaml');
    expect(fake.ran.some((line) => line.startsWith('terraform -chdir'))).toBe(false);
  });

  it('asks for both ConfigMaps in one kubectl call and reads one name=environment line each', async () => {
    const fake = fakeExec(healthy);
    const { context: ctx, io } = context(fake.run, [true, true]);
    expect((await runSteps(planDeploy(target()), ctx)).status).toBe('done');
    const call = fake.ran.find((line) => line.includes(' get configmap '));
    expect(call).toContain(`get configmap platform-blueprint ${REHEARSAL_MARKER} --namespace=kube-public`);
    expect(
      io.lines.some((line) =>
        /^\[4\/\d+\] the cluster is reachable and is environment prod: ok: cluster is prod /.test(line),
      ),
    ).toBe(true);
  });

  it('refuses (input error) a rehearsal cluster, before Terraform runs, even when it says it is this environment', async () => {
    const fake = fakeExec([
      [
        /get configmap platform-blueprint/,
        identity({ 'platform-blueprint': 'prod', [REHEARSAL_MARKER]: 'prod' }),
      ],
      ...healthy,
    ]);
    const { context: ctx, io } = context(fake.run, [true, true]);
    const outcome = await runSteps(planDeploy(target()), ctx);
    expect(outcome.status).toBe('failed');
    if (outcome.status === 'done') return;
    expect(outcome.kind).toBe('input');
    expect(outcome.step.id).toBe('cluster-identity');
    expect(outcome.message).toContain('reaches a rehearsal cluster of environment');
    expect(outcome.message).toBe(
      `context prod-admin@prod reaches a rehearsal cluster of environment "prod" (ConfigMap kube-public/${REHEARSAL_MARKER}), not a real one; refusing to deploy. Point ${kubeconfig} at the real cluster, or use \`blueprint rehearse --env prod\` to deploy to the rehearsal`,
    );
    expect(outcome.applied).toEqual([]);
    expect(io.lines.some((line) => /cluster is reachable .*: failed: a rehearsal cluster/.test(line))).toBe(
      true,
    );
    expect(fake.ran.some((line) => line.startsWith('terraform -chdir'))).toBe(false);
    expect(fake.ran.some((line) => line.includes(' apply '))).toBe(false);
  });

  it('refuses a rehearsal cluster that has no platform-blueprint ConfigMap yet', async () => {
    const fake = fakeExec([
      [/get configmap platform-blueprint/, identity({ [REHEARSAL_MARKER]: 'test' })],
      ...healthy,
    ]);
    const { context: ctx } = context(fake.run);
    const outcome = await runSteps(planDeploy(target()), ctx);
    expect(outcome.status).toBe('failed');
    if (outcome.status === 'done') return;
    expect(outcome.kind).toBe('input');
    expect(outcome.message).toMatch(/reaches a rehearsal cluster of environment "test"/);
  });

  it('deploys onto a rehearsal cluster when the target allows it, and still checks its environment', async () => {
    const rehearsal = { ...target(), allowRehearsalCluster: true };
    const marked = fakeExec([
      [
        /get configmap platform-blueprint/,
        identity({ 'platform-blueprint': 'prod', [REHEARSAL_MARKER]: 'prod' }),
      ],
      ...healthy,
    ]);
    const allowed = context(marked.run, [true, true]);
    expect(await runSteps(planDeploy(rehearsal), allowed.context)).toMatchObject({ status: 'done' });
    expect(allowed.io.lines.some((line) => /is environment prod: ok: cluster is prod/.test(line))).toBe(true);

    // A first deploy of the rehearsal: only the marker is there.
    const fresh = fakeExec([
      [/get configmap platform-blueprint/, identity({ [REHEARSAL_MARKER]: 'prod' })],
      ...healthy,
    ]);
    const first = context(fresh.run, [true, true]);
    expect(await runSteps(planDeploy(rehearsal), first.context)).toMatchObject({ status: 'done' });

    // Allowed to be a rehearsal, not to be another environment.
    const other = fakeExec([
      [
        /get configmap platform-blueprint/,
        identity({ 'platform-blueprint': 'test', [REHEARSAL_MARKER]: 'test' }),
      ],
      ...healthy,
    ]);
    const wrong = context(other.run, [true, true]);
    const outcome = await runSteps(planDeploy(rehearsal), wrong.context);
    expect(outcome.status).toBe('failed');
    if (outcome.status === 'done') return;
    expect(outcome.kind).toBe('input');
    expect(outcome.message).toMatch(
      /reaches the cluster of environment "test" .* not "prod"; refusing to deploy/,
    );
  });

  it('accepts a cluster without the identity ConfigMap (a first deploy)', async () => {
    const fake = fakeExec([[/get configmap platform-blueprint/, ok('')], ...healthy]);
    const { context: ctx, io } = context(fake.run, [true, true]);
    expect((await runSteps(planDeploy(target()), ctx)).status).toBe('done');
    expect(io.lines.some((line) => line.includes('no platform-blueprint ConfigMap yet (first deploy)'))).toBe(
      true,
    );
  });

  it('reports nodes that have not joined as a warning and goes on to the role labels and rollouts', async () => {
    const fake = fakeExec([[/ get nodes /, ok('master-1\nnode-02\n')], ...healthy]);
    const { context: ctx, io } = context(fake.run, [true, true]);
    const outcome = await runSteps(planDeploy(target()), ctx);
    expect(outcome.status).toBe('done');
    if (outcome.status !== 'done') return;
    const line = io.lines.find((candidate) => candidate.includes("the environment's 4 nodes have joined:"));
    expect(line).toMatch(/: warning: 2 of 4 joined; not yet: node-01, node-10 /);
    expect(line).toContain("they register with their pool's taints and labels when they join");
    // Never a failure: the role labels and the rollouts still run.
    expect(fake.ran.filter((ran) => ran.includes(' label nodes '))).toHaveLength(2);
    expect(fake.ran.some((ran) => ran.includes(' rollout status '))).toBe(true);
    expect(outcome.applied).toContain(
      'role label node-role.kubernetes.io/general on the joined nodes of pool general',
    );
  });

  it('reports a warning, not a failure, when no node has joined yet', async () => {
    const fake = fakeExec([[/ get nodes /, ok('')], ...healthy]);
    const { context: ctx, io } = context(fake.run, [true, true]);
    expect((await runSteps(planDeploy(target()), ctx)).status).toBe('done');
    expect(io.lines.find((line) => line.includes('have joined:'))).toMatch(
      /warning: 0 of 4 joined; not yet: master-1, node-01, node-02, node-10/,
    );
  });

  it('says ok when every node has joined, and ignores nodes the environment does not name', async () => {
    const fake = fakeExec([
      [/ get nodes /, ok('node-10\nmaster-1\nextra-node\nnode-02\nnode-01\n')],
      ...healthy,
    ]);
    const { context: ctx, io } = context(fake.run, [true, true]);
    expect((await runSteps(planDeploy(target()), ctx)).status).toBe('done');
    expect(io.lines.find((line) => line.includes('have joined:'))).toMatch(/: ok: all 4 joined /);
  });

  it('labels each pool by selector with its role label, and stops when kubectl label fails', async () => {
    const fake = fakeExec([
      [
        / label nodes --selector=platform-blueprint.io\/pool=database /,
        fail('Error from server (Forbidden): nodes is forbidden'),
      ],
      ...healthy,
    ]);
    const { context: ctx } = context(fake.run, [true, true]);
    const outcome = await runSteps(planDeploy(target()), ctx);
    const labels = fake.ran.filter((line) => line.includes(' label nodes '));
    expect(labels).toEqual([
      `kubectl --kubeconfig=${kubeconfig} --context=prod-admin@prod label nodes --selector=platform-blueprint.io/pool=general --field-manager=blueprint --overwrite node-role.kubernetes.io/general=`,
      `kubectl --kubeconfig=${kubeconfig} --context=prod-admin@prod label nodes --selector=platform-blueprint.io/pool=database --field-manager=blueprint --overwrite node-role.kubernetes.io/database=`,
    ]);
    expect(outcome.status).toBe('failed');
    if (outcome.status === 'done') return;
    expect(outcome.kind).toBe('tool');
    expect(outcome.step.id).toBe('node-role-database');
    expect(outcome.applied).toContain(
      'role label node-role.kubernetes.io/general on the joined nodes of pool general',
    );
    expect(outcome.notRun).toEqual(['rollout of deployment/orders in commerce']);
  });

  it('stops with nothing applied when the Terraform plan is declined', async () => {
    const fake = fakeExec(healthy);
    const { context: ctx } = context(fake.run, [false]);
    const outcome = await runSteps(planDeploy(target()), ctx);
    expect(outcome.status).toBe('declined');
    if (outcome.status === 'done') return;
    expect(outcome.kind).toBe('input');
    expect(outcome.applied).toEqual([]);
    expect(fake.ran.some((line) => line.includes(' apply '))).toBe(false);
  });

  it('starts no step after an interruption and says what was applied before it', async () => {
    let interrupted = false;
    const fake = fakeExec(healthy);
    const run = async (argv: readonly string[], options: ExecOptions) => {
      const result = await fake.run(argv, options);
      if (argv.includes('tfplan') && argv.includes('apply')) interrupted = true;
      return result;
    };
    const { context: ctx } = context(run);
    const outcome = await runSteps(planDeploy(target(), { yes: true }), {
      ...ctx,
      interrupted: () => interrupted,
    });
    expect(outcome.status).toBe('declined');
    if (outcome.status === 'done') return;
    expect(outcome.message).toMatch(/^deploy interrupted/);
    expect(outcome.applied).toEqual(['terraform apply']);
    expect(outcome.notRun[0]).toBe('kubectl diff (preview)');
    expect(fake.ran.some((line) => line.startsWith('kubectl') && line.includes(' diff '))).toBe(false);
  });

  it('treats an existing ApplySet parent as fine and a failed preview as a warning', async () => {
    const fake = fakeExec([
      [
        / create -f /,
        fail('Error from server (AlreadyExists): applysets.platform-blueprint.io "prod" already exists'),
      ],
      [/ diff /, fail('error: resource mapping not found for name: "orders" kind: "HTTPRoute"', 2)],
      ...healthy,
    ]);
    const { context: ctx, io } = context(fake.run);
    const outcome = await runSteps(planDeploy(target(), { only: 'kubernetes', yes: true }), ctx);
    expect(outcome.status).toBe('done');
    expect(io.lines.find((line) => line.includes('kubectl diff (preview): warning'))).toMatch(
      /resource mapping not found/,
    );
    expect(io.lines.find((line) => line.includes('if absent: ok'))).toMatch(/already there/);
  });

  it('needs PG_CONN_STR for the pg backend and says where to set it', async () => {
    const fake = fakeExec(healthy);
    const { context: ctx } = context(fake.run);
    const outcome = await runSteps(planDeploy({ ...target(), backendType: 'pg' }), ctx);
    expect(outcome.status).toBe('failed');
    if (outcome.status === 'done') return;
    expect(outcome.message).toMatch(/^PG_CONN_STR is not set: .*export it in the shell that runs deploy/);
    const withVariable = context(fakeExec(healthy).run, [true, true], {
      PG_CONN_STR: 'postgres://db/terraform',
    });
    expect(
      (await runSteps(planDeploy({ ...target(), backendType: 'pg' }), withVariable.context)).status,
    ).toBe('done');
  });

  it('shows the output of plans, diffs and rollouts', async () => {
    const lines: string[] = [];
    const run = async (argv: readonly string[], options: ExecOptions) => {
      if (argv.includes('plan')) options.onLine?.('Plan: 3 to add, 0 to change, 0 to destroy.', 'stdout');
      const rule = healthy.find(([pattern]) => pattern.test(argv.join(' ')));
      return rule ? rule[1] : ok();
    };
    const { context: ctx, io } = context(run, [true]);
    await runSteps(planDeploy(target(), { only: 'terraform' }), ctx);
    lines.push(...io.lines);
    expect(lines).toContain('    Plan: 3 to add, 0 to change, 0 to destroy.');
  });
});

describe('kubeconfigProblem', () => {
  it('says when the file is missing or lacks the context, and how to fix it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blueprint-kubeconfig-'));
    try {
      const file = path.join(dir, 'config');
      expect(kubeconfigProblem(file, 'a', 'environments/prod.yaml')).toBe(
        `no kubeconfig at ${file}; copy the cluster's admin kubeconfig there, or set cluster.kubeconfig.path and cluster.kubeconfig.context in environments/prod.yaml`,
      );
      fs.writeFileSync(file, 'contexts:\n  - name: other\n');
      expect(kubeconfigProblem(file, 'a', 'environments/prod.yaml')).toMatch(
        new RegExp(`^kubeconfig ${file} has no context a \\(it has other\\); add the context`),
      );
      expect(kubeconfigProblem(file, 'other', 'environments/prod.yaml')).toBeUndefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('kubeconfigProblem with the names of kubeadm admin.conf', () => {
  // The shape `kubeadm init phase kubeconfig admin` writes (v1.28): cluster <clusterName>,
  // user kubernetes-admin, context kubernetes-admin@<clusterName>.
  const adminConf = (cluster: string, user = 'kubernetes-admin') => ({
    clusters: [{ name: cluster, cluster: { server: 'https://10.20.0.10:8443' } }],
    contexts: [{ name: `${user}@${cluster}`, context: { cluster, user } }],
    users: [{ name: user, user: { 'client-certificate-data': 'LS0t' } }],
  });
  const merged = (...files: ReturnType<typeof adminConf>[]) => ({
    clusters: files.flatMap((f) => f.clusters),
    contexts: files.flatMap((f) => f.contexts),
    users: files.flatMap((f) => f.users).filter((u, i, all) => all.findIndex((o) => o.name === u.name) === i),
  });
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blueprint-kubeconfig-'));
    file = path.join(dir, 'config');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("says how to rename kubeadm's default context to the environment's", () => {
    fs.writeFileSync(file, JSON.stringify(adminConf('prod')));
    expect(kubeconfigProblem(file, 'prod-admin@prod', 'environments/prod.yaml', 'prod')).toBe(
      `kubeconfig ${file} has no context prod-admin@prod, but kubeadm's default context kubernetes-admin@prod; rename it: ` +
        `kubectl --kubeconfig=${file} config rename-context kubernetes-admin@prod prod-admin@prod ` +
        `(and give its user a name of its own before merging another cluster's admin.conf, see docs/host-provisioning.md, "Kubeconfig names"), ` +
        'or set cluster.kubeconfig.context to kubernetes-admin@prod in environments/prod.yaml',
    );
    // Another cluster's default context is not offered.
    fs.writeFileSync(file, JSON.stringify(adminConf('prod-b')));
    expect(kubeconfigProblem(file, 'prod-admin@prod', 'environments/prod.yaml', 'prod')).toMatch(
      /has no context prod-admin@prod \(it has kubernetes-admin@prod-b\); add the context/,
    );
  });

  it("accepts kubeadm's default names when the environment names that context and no other cluster shares the user", () => {
    fs.writeFileSync(file, JSON.stringify(adminConf('prod')));
    expect(
      kubeconfigProblem(file, 'kubernetes-admin@prod', 'environments/prod.yaml', 'prod'),
    ).toBeUndefined();
  });

  it("refuses two sites merged with the same kubeadm user, which sends one cluster the other one's certificate", () => {
    fs.writeFileSync(file, JSON.stringify(merged(adminConf('prod'), adminConf('prod-b'))));
    expect(kubeconfigProblem(file, 'kubernetes-admin@prod-b', 'environments/prod-b.yaml', 'prod-b')).toBe(
      `kubeconfig ${file}: context kubernetes-admin@prod-b and kubernetes-admin@prod share kubeadm's user kubernetes-admin for different clusters; ` +
        "a merged kubeconfig keeps one kubernetes-admin, so one cluster gets the other's certificate. " +
        'Rename the user in each admin.conf before merging (e.g. prod-b-admin), see docs/host-provisioning.md, "Kubeconfig names"',
    );
    fs.writeFileSync(
      file,
      JSON.stringify(merged(adminConf('prod', 'prod-admin'), adminConf('prod-b', 'prod-b-admin'))),
    );
    expect(
      kubeconfigProblem(file, 'prod-b-admin@prod-b', 'environments/prod-b.yaml', 'prod-b'),
    ).toBeUndefined();
    expect(kubeconfigProblem(file, 'prod-admin@prod', 'environments/prod.yaml', 'prod')).toBeUndefined();
  });
});

describe('exec', () => {
  it('reports a binary missing from PATH without throwing', async () => {
    const result = await exec(['terraform', 'version'], {
      cwd: os.tmpdir(),
      env: { PATH: '/nonexistent' },
      timeoutSeconds: 5,
    });
    expect(result.missing).toBe(true);
  });

  it('stops a command at its timeout and says so', async () => {
    const result = await exec(['sleep', '30'], { cwd: os.tmpdir(), env: process.env, timeoutSeconds: 0.2 });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).not.toBe(0);
  });

  it('passes complete lines of output as they arrive', async () => {
    const lines: string[] = [];
    const result = await exec(['sh', '-c', 'printf "one\\ntwo\\nthree"'], {
      cwd: os.tmpdir(),
      env: process.env,
      timeoutSeconds: 5,
      onLine: (line) => lines.push(line),
    });
    expect(result.exitCode).toBe(0);
    expect(lines).toEqual(['one', 'two', 'three']);
  });
});

describe('progress', () => {
  const step: Step = { id: 'terraform-plan', phase: 'terraform', title: 'terraform plan', kind: 'run' };

  it('prints plain start and end lines in CI', () => {
    const io = bufferIo();
    const progress = new PlainProgress(io);
    progress.begin([step]);
    progress.start(0, step);
    progress.finish(0, step, 'ok', 'changes to apply', 1234);
    expect(io.lines).toEqual([
      '[1/1] terraform plan ...',
      '[1/1] terraform plan: ok: changes to apply (1.2 s)',
    ]);
  });

  it('lists the steps first on a terminal and rewrites the live line in place', () => {
    const io = bufferIo(true);
    const progress = new TtyProgress(io, 60_000);
    progress.begin([step]);
    progress.start(0, step);
    progress.finish(0, step, 'ok', 'no changes', 800);
    expect(io.lines[0]).toBe('steps:');
    expect(io.lines[1]).toBe('  ○  1. terraform plan');
    expect(io.lines).toContain('  ◐ [1/1] terraform plan (0 s)');
    // The final status replaces the live line: cursor up, clear line, new text.
    expect(io.lines[io.lines.length - 1]).toBe(
      '\u001b[1A\u001b[2K  ✓ [1/1] terraform plan — no changes (0.8 s)',
    );
  });

  it('does not rewrite a line that tool output has pushed up', () => {
    const io = bufferIo(true);
    const progress = new TtyProgress(io, 60_000);
    progress.begin([step]);
    progress.start(0, step);
    progress.output('Plan: 1 to add');
    progress.finish(0, step, 'failed', 'exit 1', 100);
    expect(io.lines[io.lines.length - 1]).toBe('  ✗ [1/1] terraform plan — exit 1 (0.1 s)');
  });
});
