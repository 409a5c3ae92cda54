import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { controllerOwnedFields, yieldFields } from './controller-fields';
import { exec as defaultExec, type ExecOptions, type ExecResult } from './exec';
import { type ClusterAccess, explainFailure } from './failures';
import { REHEARSAL_MARKER, type Step } from './plan';
import type { Progress, StepStatus } from './progress';
import { judgeTool } from './tools';

/** What the runner needs from the outside world; tests replace parts of it. */
export interface RunContext {
  /** Where every command runs: the project root. */
  readonly cwd: string;
  /** The environment the commands inherit (the deploying user's credentials live here). */
  readonly env: NodeJS.ProcessEnv;
  readonly progress: Progress;
  /** Asks a yes/no question; true means yes. */
  readonly ask: (question: string) => Promise<boolean>;
  readonly access: ClusterAccess;
  /** Runs one command. @default exec */
  readonly exec?: (argv: readonly string[], options: ExecOptions) => Promise<ExecResult>;
  /** Whether the user interrupted (Ctrl-C): the running step ends, no further step starts. @default never */
  readonly interrupted?: () => boolean;
}

/** How a deploy run ended. */
export type RunOutcome =
  | { readonly status: 'done'; readonly applied: readonly string[] }
  | {
      readonly status: 'failed' | 'declined';
      /** 'input': a refused request (exit 2); 'tool': a tool or the cluster failed (exit 3). */
      readonly kind: 'input' | 'tool';
      readonly message: string;
      readonly step: Step;
      readonly index: number;
      /** Titles of the steps that changed something before the failure. */
      readonly applied: readonly string[];
      /** Titles of the steps that did not run. */
      readonly notRun: readonly string[];
    };

interface Verdict {
  readonly status: StepStatus;
  readonly detail: string;
  /** Set when the step failed. */
  readonly failure?: { readonly kind: 'input' | 'tool'; readonly message: string };
  /** For a plan: whether it found changes. */
  readonly changes?: boolean;
}

/** Runs the steps in order, stopping at the first failure or a declined question. */
export async function runSteps(steps: readonly Step[], context: RunContext): Promise<RunOutcome> {
  const run = context.exec ?? defaultExec;
  const changed = new Map<string, boolean>();
  const applied: string[] = [];
  context.progress.begin(steps);
  for (const [index, step] of steps.entries()) {
    if (context.interrupted?.()) {
      return {
        status: 'declined',
        kind: 'input',
        message: 'deploy interrupted (Ctrl-C); the step that was running finished or stopped first',
        step,
        index,
        applied,
        notRun: steps.slice(index).map((next) => next.title),
      };
    }
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    if (step.onlyIfChanges !== undefined && changed.get(step.onlyIfChanges) === false) {
      context.progress.start(index, step);
      context.progress.finish(index, step, 'skipped', 'no changes to apply', elapsed());
      continue;
    }
    context.progress.start(index, step);
    let verdict: Verdict;
    if (step.kind === 'confirm') {
      context.progress.note('');
      const yes = await context.ask(step.question ?? `${step.title}?`);
      verdict = yes
        ? { status: 'ok', detail: 'confirmed' }
        : {
            status: 'failed',
            detail: 'declined',
            failure: { kind: 'input', message: 'deploy cancelled: the answer was not yes' },
          };
    } else if (step.kind === 'check') {
      verdict = judgeCheck(step, context);
    } else {
      const result = await run(step.argv ?? [], {
        cwd: context.cwd,
        env: { ...context.env, ...step.env },
        timeoutSeconds: step.timeoutSeconds ?? 60,
        ...(step.show ? { onLine: (line: string) => context.progress.output(line) } : {}),
      });
      verdict = judgeRun(step, result, context.access, context.cwd);
    }
    if (verdict.changes !== undefined) changed.set(step.id, verdict.changes);
    context.progress.finish(index, step, verdict.status, verdict.detail, elapsed());
    if (verdict.failure) {
      return {
        status: step.kind === 'confirm' ? 'declined' : 'failed',
        kind: verdict.failure.kind,
        message: verdict.failure.message,
        step,
        index,
        applied,
        notRun: steps.slice(index + 1).map((next) => next.title),
      };
    }
    if (step.changes && verdict.status === 'ok') applied.push(step.title);
  }
  return { status: 'done', applied };
}

function judgeRun(step: Step, result: ExecResult, access: ClusterAccess, cwd: string): Verdict {
  const check = step.check;
  if (check?.type === 'tool') {
    const problem = judgeTool(check.tool, result);
    if (problem)
      return { status: 'failed', detail: 'missing or too old', failure: { kind: 'tool', message: problem } };
    return { status: 'ok', detail: firstLine(result.stdout, check.tool) };
  }
  const okCodes = step.okExitCodes ?? [0];
  const ok = !result.missing && !result.timedOut && okCodes.includes(result.exitCode);
  if (!ok) {
    if (step.tolerate && !result.timedOut && step.tolerate.test(result.stderr)) {
      return { status: 'ok', detail: 'already there' };
    }
    const message = explainFailure(step, result, access);
    if (step.optional)
      return { status: 'warning', detail: message.replace(`${step.title} failed `, 'failed ') };
    return { status: 'failed', detail: `exit ${result.exitCode}`, failure: { kind: 'tool', message } };
  }
  if (check?.type === 'controller-fields') {
    const items = (
      JSON.parse(result.stdout || '{"items":[]}') as { items: Parameters<typeof controllerOwnedFields>[0] }
    ).items;
    const removed = yieldFields(path.join(cwd, check.manifestsDir), controllerOwnedFields(items, check.kind));
    if (removed.length === 0) return { status: 'ok', detail: 'none' };
    return {
      status: 'ok',
      detail: `left to their controllers: ${removed.map((field) => `${field.namespace}/${field.name} ${field.field} (${field.manager})`).join(', ')}`,
    };
  }
  if (check?.type === 'nodes-joined') {
    const joined = new Set(
      result.stdout
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean),
    );
    const missing = check.expected.filter((name) => !joined.has(name));
    if (missing.length === 0) return { status: 'ok', detail: `all ${check.expected.length} joined` };
    return {
      status: 'warning',
      detail: `${check.expected.length - missing.length} of ${check.expected.length} joined; not yet: ${missing.join(', ')} (they register with their pool's taints and labels when they join; deploy again for their role label)`,
    };
  }
  if (check?.type === 'identity') {
    const markers = new Map(
      result.stdout
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean)
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const),
    );
    if (markers.has(REHEARSAL_MARKER) && !check.allowRehearsal) {
      return {
        status: 'failed',
        detail: 'a rehearsal cluster',
        failure: {
          kind: 'input',
          message: `context ${access.context} reaches a rehearsal cluster of environment ${JSON.stringify(markers.get(REHEARSAL_MARKER))} (ConfigMap kube-public/${REHEARSAL_MARKER}), not a real one; refusing to deploy. Point ${access.kubeconfig} at the real cluster, or use \`blueprint rehearse --env ${check.environment}\` to deploy to the rehearsal`,
        },
      };
    }
    const found = markers.get('platform-blueprint') ?? '';
    if (found === '') return { status: 'ok', detail: 'no platform-blueprint ConfigMap yet (first deploy)' };
    if (found !== check.environment) {
      return {
        status: 'failed',
        detail: `cluster is ${found}`,
        failure: {
          kind: 'input',
          message: `context ${access.context} reaches the cluster of environment ${JSON.stringify(found)} (ConfigMap kube-public/platform-blueprint), not ${JSON.stringify(check.environment)}; refusing to deploy. Fix cluster.kubeconfig.context in ${access.environmentFile} or the kubeconfig ${access.kubeconfig}`,
        },
      };
    }
    return { status: 'ok', detail: `cluster is ${found}` };
  }
  if (check?.type === 'terraform-plan') {
    const changes = result.exitCode === 2;
    return { status: 'ok', detail: changes ? 'changes to apply' : 'no changes', changes };
  }
  if (step.id === 'kubectl-diff')
    return { status: 'ok', detail: result.exitCode === 1 ? 'differences shown above' : 'no differences' };
  return { status: 'ok', detail: '' };
}

function judgeCheck(step: Step, context: RunContext): Verdict {
  const check = step.check;
  if (check?.type === 'kubeconfig') {
    const problem = kubeconfigProblem(
      check.path,
      check.context,
      context.access.environmentFile,
      check.clusterName,
    );
    return problem
      ? { status: 'failed', detail: 'missing', failure: { kind: 'tool', message: problem } }
      : { status: 'ok', detail: '' };
  }
  if (check?.type === 'env') {
    if ((context.env[check.variable] ?? '') !== '') return { status: 'ok', detail: '' };
    return {
      status: 'failed',
      detail: `${check.variable} is not set`,
      failure: {
        kind: 'tool',
        message: `${check.variable} is not set: ${check.why}; export it in the shell that runs deploy (never in the environment file)`,
      },
    };
  }
  return { status: 'ok', detail: '' };
}

/** The user kubeadm's admin.conf names; its context is `kubernetes-admin@<clusterName>`. */
export const KUBEADM_ADMIN_USER = 'kubernetes-admin';

interface KubeconfigContext {
  readonly name: string;
  readonly cluster?: string;
  readonly user?: string;
}

/**
 * Why a kubeconfig cannot reach the context, or undefined when it can. Besides a missing file or
 * context, it recognises kubeadm's admin.conf names: a context still called
 * `kubernetes-admin@<clusterName>` (it says what to rename), and kubeadm's user
 * `kubernetes-admin` shared by contexts of different clusters, which is what merging two sites'
 * admin.conf files leaves: one entry, the first file's certificate, sent to both clusters.
 */
export function kubeconfigProblem(
  file: string,
  context: string,
  environmentFile: string,
  clusterName?: string,
): string | undefined {
  const fix = `set cluster.kubeconfig.path and cluster.kubeconfig.context in ${environmentFile}`;
  const docs = 'docs/host-provisioning.md, "Kubeconfig names"';
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return `no kubeconfig at ${file}; copy the cluster's admin kubeconfig there, or ${fix}`;
  }
  let contexts: KubeconfigContext[];
  try {
    const parsed = parse(text) as {
      contexts?: { name?: unknown; context?: { cluster?: unknown; user?: unknown } }[];
    } | null;
    contexts = (parsed?.contexts ?? []).flatMap((entry) =>
      typeof entry?.name === 'string'
        ? [
            {
              name: entry.name,
              ...(typeof entry.context?.cluster === 'string' ? { cluster: entry.context.cluster } : {}),
              ...(typeof entry.context?.user === 'string' ? { user: entry.context.user } : {}),
            },
          ]
        : [],
    );
  } catch {
    return `kubeconfig ${file} is not valid YAML; repair it, or ${fix}`;
  }
  const mine = contexts.find((entry) => entry.name === context);
  if (mine === undefined) {
    const kubeadmDefault = clusterName === undefined ? undefined : `${KUBEADM_ADMIN_USER}@${clusterName}`;
    if (kubeadmDefault !== undefined && contexts.some((entry) => entry.name === kubeadmDefault)) {
      return (
        `kubeconfig ${file} has no context ${context}, but kubeadm's default context ${kubeadmDefault}; rename it: ` +
        `kubectl --kubeconfig=${file} config rename-context ${kubeadmDefault} ${context} ` +
        `(and give its user a name of its own before merging another cluster's admin.conf, see ${docs}), or set cluster.kubeconfig.context to ${kubeadmDefault} in ${environmentFile}`
      );
    }
    const names = contexts.map((entry) => entry.name);
    const known = names.length > 0 ? `it has ${names.join(', ')}` : 'it has no contexts';
    return `kubeconfig ${file} has no context ${context} (${known}); add the context, or ${fix}`;
  }
  if (mine.user === KUBEADM_ADMIN_USER) {
    const others = contexts.filter(
      (entry) =>
        entry.user === KUBEADM_ADMIN_USER && entry.cluster !== mine.cluster && entry.name !== mine.name,
    );
    if (others.length > 0) {
      return (
        `kubeconfig ${file}: context ${context} and ${others.map((entry) => entry.name).join(', ')} share kubeadm's user ${KUBEADM_ADMIN_USER} for different clusters; ` +
        `a merged kubeconfig keeps one ${KUBEADM_ADMIN_USER}, so one cluster gets the other's certificate. ` +
        `Rename the user in each admin.conf before merging (e.g. ${clusterName ?? 'prod'}-admin), see ${docs}`
      );
    }
  }
  return undefined;
}

function firstLine(stdout: string, tool: string): string {
  const match = /"(?:terraform_version|gitVersion)":\s*"v?([^"]+)"/.exec(stdout);
  return match ? `${tool} ${match[1]}` : '';
}
