import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type ExecOptions, type ExecResult, exec } from '../../../cli/deploy/exec';
import { type DeployTarget, planDeploy, type Step } from '../../../cli/deploy/plan';
import { PlainProgress, TtyProgress } from '../../../cli/deploy/progress';
import { kubeconfigProblem, type RunContext, runSteps } from '../../../cli/deploy/runner';
import type { Io } from '../../../cli/io';

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
  });

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
    [/get configmap platform-blueprint/, ok('prod')],
    [/ plan /, ok('Plan: 3 to add, 0 to change, 0 to destroy.', 2)],
    [/ diff /, ok('+ kind: ConfigMap', 1)],
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
        'create the ApplySet applysets.platform-blueprint.io/prod if absent',
        'kubectl apply --prune',
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
      'kubectl apply',
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
      'create the ApplySet applysets.platform-blueprint.io/prod if absent',
    ]);
    expect(outcome.notRun).toEqual(['rollout of deployment/orders in commerce']);
    expect(fake.ran.some((line) => line.includes('rollout'))).toBe(false);
  });

  it('refuses (input error) when the cluster says it is another environment, before Terraform runs', async () => {
    const fake = fakeExec([[/get configmap platform-blueprint/, ok('test')], ...healthy]);
    const { context: ctx } = context(fake.run);
    const outcome = await runSteps(planDeploy(target()), ctx);
    expect(outcome.status).toBe('failed');
    if (outcome.status === 'done') return;
    expect(outcome.kind).toBe('input');
    expect(outcome.message).toMatch(
      /^context prod-admin@prod reaches the cluster of environment "test" .* not "prod"; refusing to deploy/,
    );
    expect(fake.ran.some((line) => line.startsWith('terraform -chdir'))).toBe(false);
  });

  it('accepts a cluster without the identity ConfigMap (a first deploy)', async () => {
    const fake = fakeExec([[/get configmap platform-blueprint/, ok('')], ...healthy]);
    const { context: ctx } = context(fake.run, [true, true]);
    expect((await runSteps(planDeploy(target()), ctx)).status).toBe('done');
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
