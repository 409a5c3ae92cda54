import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { isKubeletSettableLabel } from '../../constructs/kubeadm/node-registration';
import { InputError } from '../../environments/input-error';
import type { EnvironmentOutput } from '../../stacks/environment';
import { POOL_LABEL } from '../../stacks/kubernetes/placement';
import { describeOutput, describeSteps, hostsNote } from '../deploy/describe';
import type { ExecOptions, ExecResult } from '../deploy/exec';
import { parseManifests, rolloutTargets, usedCrds } from '../deploy/manifests';
import { type DeployPart, type DeployTarget, planDeploy } from '../deploy/plan';
import { PlainProgress, type Progress, TtyProgress } from '../deploy/progress';
import { runSteps } from '../deploy/runner';
import {
  acquireDeployLock,
  CRDS_DIR,
  crdFileName,
  inEndpointsApplySet,
  loadCrdCatalog,
  loadLockedCrds,
  prepareWorkDir,
  workDirOf,
} from '../deploy/workdir';
import { ExitCode } from '../errors';
import type { Io } from '../io';
import { compareOutputs } from '../output-tree';
import { Project } from '../project';
import { synthesizeProject } from './synth';
import { usage } from './usage';

export const DEPLOY_USAGE =
  'blueprint deploy --env NAME [--dry-run] [--yes] [--only terraform|kubernetes] [--out DIR] [--rollout-timeout DURATION]';

/** What deploy takes from the process; tests pass their own. */
export interface DeployDeps {
  /** Whether stdin is a terminal, so that a confirmation can be asked. */
  readonly stdinIsTty: boolean;
  /** Asks a yes/no question on the terminal. */
  readonly ask: (question: string) => Promise<boolean>;
  /** The environment the tools inherit: PATH, PG_CONN_STR, AWS_*, ... */
  readonly env: NodeJS.ProcessEnv;
  /** The deploying user's home, for `~` in the kubeconfig path. */
  readonly home: string;
  /** The CRDs the blueprint ships. @default crds/ of the blueprint */
  readonly crdsDir?: string;
  /** Runs a command. @default the real exec */
  readonly exec?: (argv: readonly string[], options: ExecOptions) => Promise<ExecResult>;
  /** Progress display. @default a live step list on a TTY, plain lines otherwise */
  readonly progress?: Progress;
}

function processDeps(): DeployDeps {
  return {
    stdinIsTty: Boolean(process.stdin.isTTY),
    ask: async (question) => {
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      try {
        const answer = await rl.question(`${question} Only "yes" is accepted: `);
        return answer.trim().toLowerCase() === 'yes';
      } finally {
        rl.close();
      }
    },
    env: process.env,
    home: os.homedir(),
  };
}

/** Parses `90`, `90s`, `5m` or `1h` into seconds. */
export function parseDuration(value: string): number | undefined {
  const match = /^(\d+)(s|m|h)?$/.exec(value);
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = match[2] === 'h' ? 3600 : match[2] === 'm' ? 60 : 1;
  return amount > 0 ? amount * unit : undefined;
}

/** `~` and `~/...` become the home directory; a relative path is taken from the project root. */
export function resolveKubeconfig(file: string, home: string, root: string): string {
  if (file === '~') return home;
  if (file.startsWith('~/')) return path.join(home, file.slice(2));
  return path.resolve(root, file);
}

/**
 * Builds what the planner needs from a fresh synthesis: manifests in file order, the CRDs they
 * use, the rollouts to wait for.
 */
export function deployTarget(
  output: EnvironmentOutput,
  access: { readonly kubeconfig: string; readonly context: string; readonly backendType: string },
  catalog: ReturnType<typeof loadCrdCatalog>,
  applyAll = false,
): { target: DeployTarget; crds: ReturnType<typeof loadCrdCatalog> } {
  const manifestFiles = output.files
    .filter((file) => file.path.startsWith('kubernetes/') && file.path.endsWith('.yaml'))
    .map((file) => ({ path: file.path.slice('kubernetes/'.length), content: file.content }));
  const objects = parseManifests(manifestFiles);
  // Locked add-on CRDs are applied whole (an operator needs every CRD of its release); a CRD
  // from crds/ only where the manifests use its kind.
  const used = applyAll ? [...catalog] : usedCrds(objects, catalog);
  const crds = catalog.filter((entry) => used.some((crd) => crd.file === entry.file));
  return {
    target: {
      environment: output.name,
      kubeconfig: access.kubeconfig,
      context: access.context,
      backendType: access.backendType,
      workDir: workDirOf(output.name),
      manifests: manifestFiles
        .map((file) => file.path)
        .filter((file) =>
          objects.some((object) => object.file === file && !inEndpointsApplySet(object.kind)),
        ),
      endpointManifests: manifestFiles
        .map((file) => file.path)
        .filter((file) => objects.some((object) => object.file === file && inEndpointsApplySet(object.kind))),
      crds: used.map(crdFileName),
      rollouts: rolloutTargets(objects),
    },
    crds,
  };
}

/**
 * `blueprint deploy`: synthesize one environment, report stale committed output, then run
 * Terraform (init, plan, apply) and kubectl (CRDs, server-side apply with ApplySet pruning,
 * rollouts) against its cluster, in that order, asking before each apply unless `--yes`.
 */
export async function deployCommand(
  argv: string[],
  io: Io,
  deps: DeployDeps = processDeps(),
): Promise<number> {
  const { values } = usage(DEPLOY_USAGE, () =>
    parseArgs({
      args: argv,
      options: {
        env: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        yes: { type: 'boolean', default: false },
        only: { type: 'string' },
        out: { type: 'string' },
        'rollout-timeout': { type: 'string', default: '5m' },
      },
      strict: true,
      allowPositionals: false,
    }),
  );
  if (values.env === undefined) {
    throw new InputError({
      path: '--env',
      message: `is required (deploy runs one environment); usage: ${DEPLOY_USAGE}`,
    });
  }
  const only = values.only;
  if (only !== undefined && only !== 'terraform' && only !== 'kubernetes') {
    throw new InputError({ path: '--only', value: only, message: 'must be terraform or kubernetes' });
  }
  const rolloutTimeout = parseDuration(values['rollout-timeout'] ?? '5m');
  if (rolloutTimeout === undefined) {
    throw new InputError({
      path: '--rollout-timeout',
      value: values['rollout-timeout'],
      message: 'is not a duration (a positive whole number of seconds, or with s, m or h: 90s, 5m, 1h)',
    });
  }
  return deployEnvironment(
    {
      env: values.env,
      dryRun: values['dry-run'] ?? false,
      yes: values.yes ?? false,
      ...(only ? { only: only as DeployPart } : {}),
      ...(values.out ? { out: values.out } : {}),
      rolloutTimeoutSeconds: rolloutTimeout,
    },
    io,
    deps,
  );
}

/** One deploy, as `blueprint deploy` asks for it or `blueprint rehearse` runs it. */
export interface DeployRequest {
  readonly env: string;
  readonly dryRun: boolean;
  readonly yes: boolean;
  /** @default - both halves */
  readonly only?: DeployPart;
  /** The output directory compared for staleness. @default dist */
  readonly out?: string;
  readonly rolloutTimeoutSeconds: number;
  /**
   * Where and against what a rehearsal deploys: its own work directory, kubeconfig and context,
   * Terraform with a local backend in that directory whatever the environment configures, and
   * the rehearsal marker accepted. @default - the environment's own cluster and `.blueprint/<env>/`
   */
  readonly rehearsal?: RehearsalTarget;
}

/** The isolated target of a rehearsal deploy (cli/rehearsal). */
export interface RehearsalTarget {
  /** Work directory, relative to the project root, e.g. `.blueprint-rehearsal/prod/deploy`. */
  readonly workDir: string;
  /** Absolute path of the rehearsal's kubeconfig. */
  readonly kubeconfig: string;
  readonly context: string;
  /** The hashicorp/kubernetes version the rehearsal built (it replaces the environment's pin). @default - the pin */
  readonly providerVersion?: string;
}

/** Synthesizes one environment and deploys it (see {@link deployCommand}). */
export async function deployEnvironment(request: DeployRequest, io: Io, deps: DeployDeps): Promise<number> {
  const values = { env: request.env, out: request.out };
  const only = request.only;
  const rolloutTimeout = request.rolloutTimeoutSeconds;
  const dryRun = request.dryRun;
  const yes = request.yes;
  if (!dryRun && !yes && !deps.stdinIsTty) {
    throw new InputError({
      message:
        'deploy asks before it applies, but stdin is not a terminal; pass --yes to apply without asking (CI), or --dry-run to see the steps',
    });
  }

  const project = Project.find(io.cwd);
  const [output] = synthesizeProject(project, [values.env]);
  const [env] = project.loadEnvironments([values.env]);
  if (!output || !env) throw new Error(`synthesis of ${values.env} returned nothing`);
  const outDir = values.out ? path.resolve(io.cwd, values.out) : path.join(project.root, 'dist');
  const shownOut = path.relative(io.cwd, outDir) || '.';

  const rehearsal = request.rehearsal;
  const kubeconfig =
    rehearsal?.kubeconfig ?? resolveKubeconfig(env.spec.cluster.kubeconfig.path, deps.home, project.root);
  const context = rehearsal?.context ?? env.spec.cluster.kubeconfig.context;
  // The add-ons' CRDs, all of them, from the output's add-on lock; crds/ is for validation
  // and code generation (and for output without a lock).
  const locked = deps.crdsDir === undefined ? loadLockedCrds(output) : undefined;
  const catalog = locked ?? loadCrdCatalog(deps.crdsDir ?? CRDS_DIR);
  const built = deployTarget(
    output,
    { kubeconfig, context, backendType: rehearsal ? 'local' : env.spec.terraform.backend.type },
    catalog,
    locked !== undefined,
  );
  const crds = built.crds;
  const target: DeployTarget = {
    ...built.target,
    ...(rehearsal ? { workDir: rehearsal.workDir, allowRehearsalCluster: true } : {}),
    nodes: [
      ...env.spec.controlPlane.masters.map((master) => master.name),
      ...env.spec.nodePools.flatMap((pool) => (pool.nodes ?? []).map((node) => node.name)),
    ],
    nodeRoles: env.spec.nodePools.map((pool) => ({
      pool: pool.name,
      selector: `${POOL_LABEL}=${pool.name}`,
      label: `node-role.kubernetes.io/${pool.name}`,
      restrictedLabels: Object.fromEntries(
        Object.entries(pool.labels).filter(([key]) => !isKubeletSettableLabel(key)),
      ),
    })),
  };
  const steps = planDeploy(target, {
    ...(only ? { only: only as DeployPart } : {}),
    yes,
    color: io.isTty,
    rolloutTimeoutSeconds: rolloutTimeout,
  });

  io.out(
    `deploy ${output.name}: context ${context}, kubeconfig ${kubeconfig}${dryRun ? ' (dry run: nothing is run or changed)' : ''}`,
  );
  for (const line of describeOutput(output, compareOutputs(outDir, [output]), shownOut, env.file))
    io.out(line);
  const backend = rehearsal ? { type: 'local', path: 'terraform.tfstate' } : env.spec.terraform.backend;
  io.out(
    `work directory: ${target.workDir}/ (Terraform runs in ${target.workDir}/terraform/${backend.type === 'local' ? `, state in ${target.workDir}/terraform/${backend.path}` : `, state in the ${backend.type} backend`})`,
  );

  if (dryRun) {
    for (const line of describeSteps(steps)) io.out(line);
    if (only !== 'terraform') io.out(hostsNote(output, shownOut));
    return ExitCode.OK;
  }

  const lock = acquireDeployLock(project.root, target.workDir);
  if (typeof lock !== 'function') {
    throw new InputError({
      path: '--env',
      value: output.name,
      message: `is being deployed from this project by process ${lock.heldBy}; wait for it to finish (or remove ${target.workDir}/deploy.lock if that process is not a deploy)`,
    });
  }
  let outcome: Awaited<ReturnType<typeof runSteps>>;
  // Ctrl-C reaches the running terraform or kubectl too (same process group); deploy lets it
  // finish stopping, starts nothing more, and reports what was applied.
  let interrupted = false;
  const onInterrupt = () => {
    interrupted = true;
    io.err('interrupted: stopping after the running step');
  };
  process.on('SIGINT', onInterrupt);
  try {
    prepareWorkDir(
      project.root,
      target.workDir,
      output,
      crds,
      rehearsal ? { kubeconfig, context, providerVersion: rehearsal.providerVersion } : undefined,
    );
    outcome = await runSteps(steps, {
      cwd: project.root,
      env: deps.env,
      progress: deps.progress ?? (io.isTty ? new TtyProgress(io) : new PlainProgress(io)),
      ask: deps.ask,
      access: { kubeconfig, context, environmentFile: env.file },
      ...(deps.exec ? { exec: deps.exec } : {}),
      interrupted: () => interrupted,
    });
  } finally {
    process.off('SIGINT', onInterrupt);
    lock();
  }
  if (outcome.status === 'done') {
    io.out(
      `deployed ${output.name}${outcome.applied.length > 0 ? `: ${outcome.applied.join(', ')}` : ': nothing needed applying'}`,
    );
    if (only !== 'terraform') io.out(hostsNote(output, shownOut));
    return ExitCode.OK;
  }
  io.err(`error: ${outcome.message}`);
  const appliedText =
    outcome.applied.length > 0
      ? `applied before it: ${outcome.applied.join(', ')}`
      : 'nothing was applied before it';
  io.err(
    `deploy of ${output.name} stopped at step ${outcome.index + 1}/${steps.length} (${outcome.step.title}); ${appliedText}; not run: ${outcome.notRun.length > 0 ? outcome.notRun.join(', ') : 'none'}`,
  );
  return outcome.kind === 'input' ? ExitCode.INPUT : ExitCode.TOOL;
}
