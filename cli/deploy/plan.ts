import { APPLYSET_PART_OF_LABEL, applySetId, applySetRef, endpointsApplySetName } from './applyset';
import type { RolloutTarget } from './manifests';
import { TOOLS, type ToolName } from './tools';

/**
 * The deploy step planner. Pure: from plain data about one environment it returns the exact
 * ordered steps and command lines, which `--dry-run` prints and the runner executes. Paths in
 * command lines are relative to the project root, where the runner runs every command.
 */

/** Which half of the deploy to run. */
export type DeployPart = 'terraform' | 'kubernetes';

/** The field manager of every server-side apply, so that ownership conflicts name the blueprint. */
export const FIELD_MANAGER = 'blueprint';

/** Everything the planner needs to know about the environment and its synthesized files. */
export interface DeployTarget {
  /** Environment name, e.g. `prod`. */
  readonly environment: string;
  /** Kubeconfig file as the tools get it (`~` already expanded). */
  readonly kubeconfig: string;
  /** Kubeconfig context of the environment's cluster. */
  readonly context: string;
  /** Terraform backend type; `pg` needs PG_CONN_STR in the environment. */
  readonly backendType: string;
  /** Work directory of this environment, relative to the project root, e.g. `.blueprint/prod`. */
  readonly workDir: string;
  /** Manifest files, relative to `<workDir>/kubernetes/manifests/`, in apply order (no EndpointSlices). */
  readonly manifests: readonly string[];
  /** Files with the output's EndpointSlices, relative to `<workDir>/kubernetes/endpoints/`; their own ApplySet. @default [] */
  readonly endpointManifests?: readonly string[];
  /** CRD files the manifests use, relative to `<workDir>/kubernetes/crds/`. */
  readonly crds: readonly string[];
  /** Workloads whose rollout to wait for. */
  readonly rollouts: readonly RolloutTarget[];
  /** The masters and fixed pool nodes the environment names, which should have joined. @default [] */
  readonly nodes?: readonly string[];
  /** Per pool, the role label deploy sets on the pool's nodes that have joined. @default [] */
  readonly nodeRoles?: readonly NodeRole[];
  /** Deploy onto a cluster that carries the rehearsal marker (only `blueprint rehearse` does). @default false */
  readonly allowRehearsalCluster?: boolean;
}

/**
 * The labels of one pool that a kubelet may not set on itself (NodeRestriction): the role label
 * and any restricted pool label. Deploy sets them on every joined node of the pool.
 */
export interface NodeRole {
  readonly pool: string;
  /** The label selector of the pool's nodes, e.g. `platform-blueprint.io/pool=general`. */
  readonly selector: string;
  /** The role label key, e.g. `node-role.kubernetes.io/general` (its value is empty). */
  readonly label: string;
  /** Further labels of the pool that only an administrator may set. @default {} */
  readonly restrictedLabels?: Readonly<Record<string, string>>;
}

/** The ConfigMap in kube-public that marks a rehearsal cluster (cli/rehearsal). */
export const REHEARSAL_MARKER = 'platform-blueprint-rehearsal';

/** Options of one deploy run. */
export interface PlanOptions {
  /** Run only one half. @default - both, Terraform first */
  readonly only?: DeployPart;
  /** Skip the confirmation questions. @default false */
  readonly yes?: boolean;
  /** Whether the tools may print colour (stdout is a terminal). @default false */
  readonly color?: boolean;
  /** How long each rollout may take. @default 300 */
  readonly rolloutTimeoutSeconds?: number;
}

/** How the runner judges a finished step, beyond its exit code. */
export type StepCheck =
  | { readonly type: 'tool'; readonly tool: ToolName }
  | {
      readonly type: 'kubeconfig';
      readonly path: string;
      readonly context: string;
      /** kubeadm's clusterName (the environment's name), to recognise its default context. @default - not known */
      readonly clusterName?: string;
    }
  | { readonly type: 'env'; readonly variable: string; readonly why: string }
  | { readonly type: 'identity'; readonly environment: string; readonly allowRehearsal: boolean }
  | { readonly type: 'nodes-joined'; readonly expected: readonly string[] }
  | { readonly type: 'controller-fields'; readonly kind: string; readonly manifestsDir: string }
  | { readonly type: 'terraform-plan' };

/** One step of a deploy. */
export interface Step {
  /** Stable id, e.g. `terraform-plan`. */
  readonly id: string;
  readonly phase: 'preflight' | 'terraform' | 'kubernetes';
  /** Short title shown in the progress list. */
  readonly title: string;
  /**
   * `run`: a command; `check`: a check without a command (a file or a variable);
   * `confirm`: a question that must be answered yes.
   */
  readonly kind: 'run' | 'check' | 'confirm';
  /** The command and its arguments. @default - no command (check and confirm steps) */
  readonly argv?: readonly string[];
  /** Variables added to the runner's environment for the command. @default - none */
  readonly env?: Readonly<Record<string, string>>;
  /** The question of a confirm step. @default - not a confirm step */
  readonly question?: string;
  /** The command is killed after this many seconds. @default - no command */
  readonly timeoutSeconds?: number;
  /** Exit codes that count as success. @default [0] */
  readonly okExitCodes?: readonly number[];
  /** A failure whose stderr matches this counts as success (e.g. AlreadyExists). @default - none */
  readonly tolerate?: RegExp;
  /** A failure only warns and the deploy goes on (previews). @default false */
  readonly optional?: boolean;
  /** Stream the command's output to the user (plans, diffs, rollouts). @default false */
  readonly show?: boolean;
  /** The step changes the cluster or the state; the failure report lists it as applied. @default false */
  readonly changes?: boolean;
  /** Run only when the step with this id found changes (the Terraform plan). @default - always */
  readonly onlyIfChanges?: string;
  /** How the runner judges the result. @default - by exit code */
  readonly check?: StepCheck;
}

/** Seconds the first cluster contact may take: an unreachable cluster fails within them. */
export const REQUEST_TIMEOUT_SECONDS = 5;
const DEFAULT_ROLLOUT_TIMEOUT_SECONDS = 300;

/** The ordered steps of `blueprint deploy` for one environment. */
export function planDeploy(target: DeployTarget, options: PlanOptions = {}): Step[] {
  const parts: DeployPart[] = options.only ? [options.only] : ['terraform', 'kubernetes'];
  return [
    ...preflightSteps(target, parts),
    ...(parts.includes('terraform') ? terraformSteps(target, options) : []),
    ...(parts.includes('kubernetes') ? kubernetesSteps(target, options) : []),
  ];
}

/** `kubectl --kubeconfig=<path> --context=<context>`: every kubectl command targets the environment's cluster. */
export function kubectl(target: DeployTarget): string[] {
  return ['kubectl', `--kubeconfig=${target.kubeconfig}`, `--context=${target.context}`];
}

function preflightSteps(target: DeployTarget, parts: readonly DeployPart[]): Step[] {
  const steps: Step[] = [];
  // kubectl is needed even for `--only terraform`: the identity check below guards both halves.
  const tools: ToolName[] = parts.includes('terraform') ? ['terraform', 'kubectl'] : ['kubectl'];
  for (const tool of tools) {
    steps.push({
      id: `tool-${tool}`,
      phase: 'preflight',
      title: `${tool} >= ${TOOLS[tool].minimum.replace(/\.0$/, '')} is installed`,
      kind: 'run',
      argv: [...TOOLS[tool].versionArgv],
      timeoutSeconds: 15,
      check: { type: 'tool', tool },
    });
  }
  steps.push({
    id: 'kubeconfig',
    phase: 'preflight',
    title: `kubeconfig ${target.kubeconfig} has context ${target.context}`,
    kind: 'check',
    check: {
      type: 'kubeconfig',
      path: target.kubeconfig,
      context: target.context,
      clusterName: target.environment,
    },
  });
  if (parts.includes('terraform') && target.backendType === 'pg') {
    steps.push({
      id: 'backend-credentials',
      phase: 'preflight',
      title: 'PG_CONN_STR is set for the pg backend',
      kind: 'check',
      check: {
        type: 'env',
        variable: 'PG_CONN_STR',
        why: 'the pg Terraform backend reads its connection string from it',
      },
    });
  }
  steps.push({
    id: 'cluster-identity',
    phase: 'preflight',
    title: `the cluster is reachable and is environment ${target.environment}`,
    kind: 'run',
    argv: [
      ...kubectl(target),
      'get',
      'configmap',
      'platform-blueprint',
      REHEARSAL_MARKER,
      '--namespace=kube-public',
      '--ignore-not-found',
      `--request-timeout=${REQUEST_TIMEOUT_SECONDS}s`,
      '--output=jsonpath={range .items[*]}{.metadata.name}={.data.environment}{"\\n"}{end}',
    ],
    timeoutSeconds: REQUEST_TIMEOUT_SECONDS * 3,
    check: {
      type: 'identity',
      environment: target.environment,
      allowRehearsal: target.allowRehearsalCluster ?? false,
    },
  });
  return steps;
}

/** Terraform drops its "run terraform apply next" advice: deploy runs the next step itself. */
const TERRAFORM_ENV = { TF_IN_AUTOMATION: '1' };
/** How long plan and apply wait for a state lock that another run holds. */
const LOCK_TIMEOUT = '120s';

function terraformSteps(target: DeployTarget, options: PlanOptions): Step[] {
  const terraform = ['terraform', `-chdir=${target.workDir}/terraform`];
  const noColor = options.color ? [] : ['-no-color'];
  const steps: Step[] = [
    {
      id: 'terraform-init',
      phase: 'terraform',
      title: 'terraform init',
      kind: 'run',
      env: TERRAFORM_ENV,
      argv: [...terraform, 'init', '-input=false', ...noColor],
      timeoutSeconds: 600,
    },
    {
      id: 'terraform-plan',
      phase: 'terraform',
      title: 'terraform plan',
      kind: 'run',
      env: TERRAFORM_ENV,
      argv: [
        ...terraform,
        'plan',
        '-input=false',
        `-lock-timeout=${LOCK_TIMEOUT}`,
        '-detailed-exitcode',
        '-out=tfplan',
        ...noColor,
      ],
      timeoutSeconds: 900,
      // -detailed-exitcode: 0 no changes, 2 changes; 1 is an error.
      okExitCodes: [0, 2],
      show: true,
      check: { type: 'terraform-plan' },
    },
  ];
  if (!options.yes) {
    steps.push({
      id: 'confirm-terraform',
      phase: 'terraform',
      title: 'confirm the Terraform plan',
      kind: 'confirm',
      question: `Apply this Terraform plan to ${target.environment} (context ${target.context})?`,
      onlyIfChanges: 'terraform-plan',
    });
  }
  steps.push({
    id: 'terraform-apply',
    phase: 'terraform',
    title: 'terraform apply',
    kind: 'run',
    env: TERRAFORM_ENV,
    argv: [...terraform, 'apply', '-input=false', `-lock-timeout=${LOCK_TIMEOUT}`, ...noColor, 'tfplan'],
    timeoutSeconds: 1800,
    show: true,
    changes: true,
    onlyIfChanges: 'terraform-plan',
  });
  return steps;
}

function kubernetesSteps(target: DeployTarget, options: PlanOptions): Step[] {
  const dir = `${target.workDir}/kubernetes`;
  const files = (paths: readonly string[]) => paths.flatMap((file) => ['-f', file]);
  const manifests = files(target.manifests.map((file) => `${dir}/manifests/${file}`));
  // The preview compares what the apply will leave: the same objects with the ApplySet's
  // part-of label, which kubectl adds at apply time (and refuses in its input).
  const endpointFiles = target.endpointManifests ?? [];
  const endpoints = files(endpointFiles.map((file) => `${dir}/endpoints/${file}`));
  const previews = files([
    ...target.manifests.map((file) => `${dir}/preview/${file}`),
    ...endpointFiles.map((file) => `${dir}/preview-endpoints/${file}`),
  ]);
  // The ApplySet parent's own CRD is applied with the CRDs of the output.
  const crds = files([...target.crds.map((file) => `${dir}/crds/${file}`), `${dir}/applyset-crd.yaml`]);
  const serverSide = ['--server-side', `--field-manager=${FIELD_MANAGER}`, '--force-conflicts'];
  const steps: Step[] = [];
  if (target.manifests.length > 0) {
    steps.push({
      id: 'kubectl-diff',
      phase: 'kubernetes',
      title: 'kubectl diff (preview)',
      kind: 'run',
      argv: [...kubectl(target), 'diff', ...serverSide, ...previews],
      timeoutSeconds: 300,
      // kubectl diff: 0 no differences, 1 differences, >1 an error. Custom resources of a CRD
      // that is not installed yet cannot be previewed; the preview is then skipped, not fatal.
      okExitCodes: [0, 1],
      optional: true,
      show: true,
    });
  }
  if (!options.yes) {
    steps.push({
      id: 'confirm-kubernetes',
      phase: 'kubernetes',
      title: 'confirm the Kubernetes apply',
      kind: 'confirm',
      question: `Apply ${plural(target.manifests.length, 'manifest file')} to ${target.environment} (context ${target.context}), deleting objects that left the output?`,
    });
  }
  steps.push(
    {
      id: 'crds-apply',
      phase: 'kubernetes',
      title: `apply the CRDs (${target.crds.length} used by the output, and the ApplySet parent kind)`,
      kind: 'run',
      // No --force-conflicts here: CRDs another tool installed (a Helm chart, an operator) stay
      // its own, and the conflict stops the deploy with the name of that field manager.
      argv: [...kubectl(target), 'apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, ...crds],
      timeoutSeconds: 120,
      changes: true,
    },
    {
      id: 'crds-established',
      phase: 'kubernetes',
      title: 'wait until the CRDs are established',
      kind: 'run',
      argv: [...kubectl(target), 'wait', '--for=condition=Established', '--timeout=60s', ...crds],
      timeoutSeconds: 90,
    },
    {
      id: 'applyset-parent',
      phase: 'kubernetes',
      title: `create the ApplySets ${applySetRef(target.environment)} and ${applySetRef(endpointsApplySetName(target.environment))} if absent`,
      kind: 'run',
      // `create`, not `apply`: kubectl owns the parent's annotations after the first apply.
      argv: [...kubectl(target), 'create', '-f', `${dir}/applyset-parent.yaml`],
      timeoutSeconds: 60,
      tolerate: /AlreadyExists|already exists/,
      changes: true,
    },
  );
  if (target.manifests.length > 0) {
    steps.push({
      id: 'controller-owned-fields',
      phase: 'kubernetes',
      title: 'leave fields that platform controllers own to them (an HPA minReplicas a CronHPA raised)',
      kind: 'run',
      argv: [
        ...kubectl(target),
        'get',
        'horizontalpodautoscalers.autoscaling',
        '--all-namespaces',
        '--show-managed-fields',
        '--output=json',
      ],
      timeoutSeconds: 60,
      check: { type: 'controller-fields', kind: 'HorizontalPodAutoscaler', manifestsDir: `${dir}/manifests` },
    });
    steps.push({
      id: 'kubectl-apply',
      phase: 'kubernetes',
      title: 'kubectl apply --prune',
      kind: 'run',
      // ApplySet pruning is alpha in kubectl 1.27-1.3x and needs this gate.
      env: { KUBECTL_APPLYSET: 'true' },
      argv: [
        ...kubectl(target),
        'apply',
        ...serverSide,
        `--applyset=${applySetRef(target.environment)}`,
        '--prune',
        ...manifests,
      ],
      timeoutSeconds: 600,
      show: true,
      changes: true,
    });
  }
  if (target.manifests.length > 0 || endpointFiles.length > 0) {
    // Always run, also with no EndpointSlices left: then it prunes the ones that left the output.
    steps.push({
      id: 'kubectl-apply-endpoints',
      phase: 'kubernetes',
      title:
        endpointFiles.length > 0
          ? `kubectl apply --prune of the EndpointSlices (${plural(endpointFiles.length, 'file')})`
          : 'delete the EndpointSlices that left the output',
      kind: 'run',
      ...(endpointFiles.length > 0 ? { env: { KUBECTL_APPLYSET: 'true' } } : {}),
      argv:
        endpointFiles.length > 0
          ? [
              ...kubectl(target),
              'apply',
              ...serverSide,
              `--applyset=${applySetRef(endpointsApplySetName(target.environment))}`,
              '--prune',
              ...endpoints,
            ]
          : [
              ...kubectl(target),
              'delete',
              'endpointslices.discovery.k8s.io',
              '--all-namespaces',
              `--selector=${APPLYSET_PART_OF_LABEL}=${applySetId(endpointsApplySetName(target.environment))}`,
              '--ignore-not-found',
            ],
      timeoutSeconds: 300,
      show: true,
      changes: true,
    });
  }
  steps.push(...nodeSteps(target));
  const timeout = options.rolloutTimeoutSeconds ?? DEFAULT_ROLLOUT_TIMEOUT_SECONDS;
  for (const rollout of target.rollouts) {
    steps.push({
      id: `rollout-${rollout.kind}-${rollout.namespace}-${rollout.name}`,
      phase: 'kubernetes',
      title: `rollout of ${rollout.kind}/${rollout.name} in ${rollout.namespace}`,
      kind: 'run',
      argv: [
        ...kubectl(target),
        'rollout',
        'status',
        `${rollout.kind}/${rollout.name}`,
        `--namespace=${rollout.namespace}`,
        `--timeout=${timeout}s`,
      ],
      timeoutSeconds: timeout + 30,
      show: true,
    });
  }
  return steps;
}

/**
 * Which of the environment's nodes have joined (a node that has not is reported, never an
 * error: it registers with its pool's taints and labels when it joins), then the role label of
 * every pool on its joined nodes, by selector and key by key: `kubectl label` patches only that
 * key, so the labels and taints that kubeadm, the kubelet and controllers set stay theirs.
 */
function nodeSteps(target: DeployTarget): Step[] {
  const steps: Step[] = [];
  if ((target.nodes ?? []).length > 0) {
    steps.push({
      id: 'nodes-joined',
      phase: 'kubernetes',
      title: `the environment's ${plural(target.nodes?.length ?? 0, 'node')} have joined`,
      kind: 'run',
      argv: [
        ...kubectl(target),
        'get',
        'nodes',
        '--output=jsonpath={range .items[*]}{.metadata.name}{"\\n"}{end}',
      ],
      timeoutSeconds: 60,
      check: { type: 'nodes-joined', expected: target.nodes ?? [] },
    });
  }
  for (const role of target.nodeRoles ?? []) {
    const restricted = Object.entries(role.restrictedLabels ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
    steps.push({
      id: `node-role-${role.pool}`,
      phase: 'kubernetes',
      title: `role label ${role.label}${restricted.length > 0 ? ` and ${plural(restricted.length, 'restricted label')}` : ''} on the joined nodes of pool ${role.pool}`,
      kind: 'run',
      argv: [
        ...kubectl(target),
        'label',
        'nodes',
        `--selector=${role.selector}`,
        `--field-manager=${FIELD_MANAGER}`,
        '--overwrite',
        `${role.label}=`,
        ...restricted.map(([key, value]) => `${key}=${value}`),
      ],
      timeoutSeconds: 60,
      changes: true,
    });
  }
  return steps;
}

/** A command line as a POSIX shell would take it, with variables in front. */
export function commandLine(step: Pick<Step, 'argv' | 'env'>): string {
  const env = Object.entries(step.env ?? {}).map(([key, value]) => `${key}=${shellQuote(value)}`);
  return [...env, ...(step.argv ?? []).map(shellQuote)].join(' ');
}

/** Quotes a word for a POSIX shell when it needs it. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `1 file`, `2 files`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
