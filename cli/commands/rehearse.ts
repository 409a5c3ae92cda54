import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { InputError } from '../../environments/input-error';
import type { LoadedEnvironment } from '../../environments/load';
import { installed } from '../../stacks/addons/catalog';
import { ExitCode } from '../errors';
import type { Io } from '../io';
import { Project } from '../project';
import { startAddonControllers } from '../rehearsal/addon-controllers';
import {
  auditReport,
  type ClusterLimits,
  type RehearsalRecord,
  rehearsalPaths,
  runningRehearsal,
  startCluster,
  stopCluster,
  stoppedRehearsal,
} from '../rehearsal/cluster';
import { type Components, findComponents } from '../rehearsal/components';
import {
  createStandInCertificates,
  waitGatewaysSettled,
  waitProxiesRolledOut,
} from '../rehearsal/gateway-status';
import { applyObjects, kubectl, kubectlJson } from '../rehearsal/kubectl';
import { nodeObject, rehearsalNodes } from '../rehearsal/nodes';
import { type ClusterObjects, judgeRehearsal, type RehearsalReport } from '../rehearsal/report';
import { rehearsalVolumes } from '../rehearsal/volumes';
import { type DeployDeps, deployEnvironment, parseDuration } from './deploy';
import { synthesizeProject } from './synth';
import { usage } from './usage';

export const REHEARSE_USAGE =
  'blueprint rehearse --env NAME [--keep] [--kubeconfig FILE] [--stop] [--status] [--port N] [--ttl DURATION] [--rollout-timeout DURATION]';

/** A rehearsal's components may use this much resident memory together before it stops itself. */
const MEMORY_LIMIT_BYTES = 4 * 1024 ** 3;

/** Applies objects (nodes, volumes) to the rehearsal cluster, kept in the rehearsal's directory. */
function applyRehearsalObjects(
  dir: string,
  kubeconfig: string,
  objects: readonly Record<string, unknown>[],
  what: string,
): Promise<void> {
  return applyObjects(
    kubeconfig,
    objects,
    { dir, name: what, fieldManager: 'blueprint-rehearse' },
    `creating the rehearsal's ${what}`,
    120,
  );
}

/**
 * `blueprint rehearse`: deploys an environment onto a local cluster with a real control plane
 * and simulated nodes, and reports what became ready, where it landed and what failed.
 */
export async function rehearseCommand(argv: string[], io: Io, deps?: DeployDeps): Promise<number> {
  const { values } = usage(REHEARSE_USAGE, () =>
    parseArgs({
      args: argv,
      options: {
        env: { type: 'string' },
        keep: { type: 'boolean', default: false },
        kubeconfig: { type: 'string' },
        stop: { type: 'boolean', default: false },
        status: { type: 'boolean', default: false },
        port: { type: 'string' },
        ttl: { type: 'string' },
        'rollout-timeout': { type: 'string', default: '3m' },
      },
      strict: true,
      allowPositionals: false,
    }),
  );
  if (values.env === undefined)
    throw new InputError({
      path: '--env',
      message: `is required (a rehearsal runs one environment); usage: ${REHEARSE_USAGE}`,
    });
  const modes = [values.stop, values.status].filter(Boolean).length;
  if (modes > 1 || (modes === 1 && values.keep))
    throw new InputError({ message: '--keep, --stop and --status exclude each other' });
  if (values.kubeconfig !== undefined && !values.keep)
    throw new InputError({
      path: '--kubeconfig',
      value: values.kubeconfig,
      message: 'needs --keep (only a kept rehearsal leaves a cluster to connect to)',
    });
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 1024 && port <= 65535))
    throw new InputError({
      path: '--port',
      value: values.port,
      message: 'must be a port number from 1024 to 65535',
    });
  const rolloutTimeout = parseDuration(values['rollout-timeout'] ?? '3m');
  if (rolloutTimeout === undefined)
    throw new InputError({
      path: '--rollout-timeout',
      value: values['rollout-timeout'],
      message: 'is not a duration (90s, 5m, 1h)',
    });
  const ttl = parseDuration(values.ttl ?? (values.keep ? '8h' : '1h'));
  if (ttl === undefined)
    throw new InputError({ path: '--ttl', value: values.ttl, message: 'is not a duration (90s, 5m, 8h)' });

  const project = Project.find(io.cwd);
  const [name] = project.selectEnvironments([values.env]);
  const environment = name as string;
  const paths = rehearsalPaths(environment);
  const root = project.root;

  if (values.status) return status(root, environment, io);
  if (values.stop) {
    const stopped = await stopCluster(root, environment);
    fs.rmSync(path.join(root, paths.dir), { recursive: true, force: true });
    io.out(
      stopped
        ? `rehearsal of ${environment} stopped; removed ${paths.dir}/`
        : `no rehearsal of ${environment} runs; removed ${paths.dir}/ if it was there`,
    );
    return ExitCode.OK;
  }

  const copyTo = values.kubeconfig === undefined ? undefined : path.resolve(io.cwd, values.kubeconfig);
  const refuseCopy = () =>
    new InputError({
      path: '--kubeconfig',
      value: values.kubeconfig,
      message:
        'exists and is not a rehearsal kubeconfig; rehearse never overwrites your kubeconfig: name a new file',
    });
  // Refused before anything starts.
  if (copyTo && fs.existsSync(copyTo) && !isRehearsalKubeconfig(copyTo)) throw refuseCopy();
  const [env] = project.loadEnvironments([environment]);
  const [output] = synthesizeProject(project, [environment]);
  if (!env || !output) throw new Error(`synthesis of ${environment} returned nothing`);
  const components = findComponents();

  const kubeconfig = path.join(root, paths.kubeconfig);
  const running = runningRehearsal(root, environment);
  // Ctrl-C: a throw-away cluster goes at once (a kept one stays, as asked).
  const onInterrupt = () => {
    if (values.keep) return;
    io.err('rehearsal: interrupted; stopping the rehearsal cluster');
    stopCluster(root, environment).finally(() => {
      fs.rmSync(path.join(root, paths.dir), { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', onInterrupt);
  let record: RehearsalRecord;
  const started = performance.now();
  if (running && values.keep) {
    record = running.record;
    io.out(`rehearsal: deploying ${environment} again onto the kept cluster at ${record.apiServer}`);
  } else {
    if (running) {
      io.out(
        `rehearsal: stopping the kept rehearsal of ${environment} first (rehearse with --keep to deploy onto it)`,
      );
      await stopCluster(root, environment);
    }
    io.out(
      `rehearsal: starting a cluster for ${environment} (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok on 127.0.0.1)`,
    );
    const limits: ClusterLimits = { ttlSeconds: ttl, memoryLimitBytes: MEMORY_LIMIT_BYTES };
    record = await startClusterOrUnhook(() => process.off('SIGINT', onInterrupt))(
      root,
      env,
      components,
      { ...(port === undefined ? {} : { port }), kept: values.keep ?? false, limits },
      io.out,
    );
    io.out(
      `rehearsal: control plane ready in ${Math.round(performance.now() - started)} ms at ${record.apiServer}`,
    );
  }
  const finish = async (code: number): Promise<number> => {
    if (values.keep) {
      if (copyTo) {
        const text = fs.readFileSync(kubeconfig);
        if (fs.existsSync(copyTo) && !fs.readFileSync(copyTo).equals(text) && !isRehearsalKubeconfig(copyTo))
          throw refuseCopy();
        fs.writeFileSync(copyTo, text, { mode: 0o600 });
      }
      io.out(
        `rehearsal: kept; kubeconfig ${copyTo ?? kubeconfig} (context ${record.context}); end it with \`blueprint rehearse --env ${environment} --stop\``,
      );
      return code;
    }
    await stopCluster(root, environment);
    const peak = stoppedRehearsal(root, environment)?.peakResidentMiB;
    fs.rmSync(path.join(root, paths.dir), { recursive: true, force: true });
    io.out(
      `rehearsal: cluster stopped${peak ? ` (its components peaked at ${peak} MiB resident)` : ''} and ${paths.dir}/ removed`,
    );
    return code;
  };

  let code: number;
  try {
    const nodes = rehearsalNodes(env, output);
    if (!running || !values.keep) {
      await applyRehearsalObjects(path.join(root, paths.dir), kubeconfig, nodes.map(nodeObject), 'nodes');
      for (const node of nodes) {
        const { status } = nodeObject(node) as { status: unknown };
        await kubectl(
          kubeconfig,
          [
            'patch',
            'node',
            node.name,
            '--subresource=status',
            '--type=merge',
            `--patch=${JSON.stringify({ status })}`,
          ],
          `setting the status of node ${node.name}`,
          30,
        );
      }
      await kubectl(
        kubeconfig,
        ['wait', '--for=condition=Ready', 'nodes', '--all', '--timeout=90s'],
        'waiting for the simulated nodes to become Ready',
        120,
      );
      io.out(
        `rehearsal: ${nodes.length} nodes registered (${nodes.filter((n) => n.role === 'master').length} masters) and Ready`,
      );
    }
    await applyRehearsalObjects(path.join(root, paths.dir), kubeconfig, rehearsalVolumes(output), 'volumes');
    io.out(
      `rehearsal: Terraform uses hashicorp/kubernetes ${components.providerVersion}, built from source (tools/cluster/README.md says from which commit and why)`,
    );
    const deployStarted = performance.now();
    const deployDeps: DeployDeps = {
      stdinIsTty: false,
      ask: async () => false,
      // Nothing of the user's cluster access reaches the rehearsal's tools.
      env: {
        ...Object.fromEntries(
          Object.entries(process.env).filter(
            ([key]) =>
              !/^(KUBECONFIG|KUBE_.*|TF_CLI_CONFIG_FILE|TF_DATA_DIR|TF_WORKSPACE|PG_CONN_STR|AWS_.*)$/.test(
                key,
              ),
          ),
        ),
        TF_CLI_CONFIG_FILE: components.terraformRc,
      },
      home: '/nonexistent',
      ...deps,
    };
    // What changed, from the deploy's own output: Terraform's plan summary, kubectl's prunes.
    const seen = { plan: '', applied: 0, pruned: [] as string[] };
    const watching: Io = {
      ...io,
      out: (line: string) => {
        const text = line.trim().replace(/^│\s*/, '');
        if (/^Plan: \d+ to add|^No changes\./.test(text)) seen.plan = text;
        if (/ serverside-applied$/.test(text)) seen.applied++;
        if (/ pruned$/.test(text)) seen.pruned.push(text.replace(/ pruned$/, ''));
        io.out(line);
      },
    };
    code = await deployEnvironment(
      {
        env: environment,
        dryRun: false,
        yes: true,
        rolloutTimeoutSeconds: rolloutTimeout,
        rehearsal: {
          workDir: paths.workDir,
          kubeconfig,
          context: record.context,
          providerVersion: components.providerVersion,
        },
      },
      watching,
      deployDeps,
    );
    io.out(
      `rehearsal: changes: Terraform ${seen.plan || '(no plan)'}; Kubernetes ${seen.applied} objects applied, ${seen.pruned.length} pruned${seen.pruned.length > 0 ? ` (${seen.pruned.join(', ')})` : ''}`,
    );
    io.out(
      `rehearsal: deploy finished in ${Math.round(performance.now() - deployStarted)} ms (exit ${code})`,
    );
    // The add-on controllers that are Go programs run for real: Envoy Gateway and MetalLB's.
    const gatewayReport =
      code === ExitCode.OK ? await runAddonControllers(root, env, components, record, io) : undefined;
    const objects: ClusterObjects = {
      workloads: [
        ...(
          await kubectlJson<{ items: ClusterObjects['workloads'] }>(
            kubeconfig,
            ['get', 'deployments', '--all-namespaces'],
            'listing the deployments',
            60,
          )
        ).items.map((item) => ({ ...item, kind: 'Deployment' })),
        ...(
          await kubectlJson<{ items: ClusterObjects['workloads'] }>(
            kubeconfig,
            ['get', 'statefulsets', '--all-namespaces'],
            'listing the statefulsets',
            60,
          )
        ).items.map((item) => ({ ...item, kind: 'StatefulSet' })),
        ...(
          await kubectlJson<{ items: ClusterObjects['workloads'] }>(
            kubeconfig,
            ['get', 'daemonsets', '--all-namespaces'],
            'listing the daemonsets',
            60,
          )
        ).items.map((item) => ({ ...item, kind: 'DaemonSet' })),
      ],
      pods: (
        await kubectlJson<{ items: ClusterObjects['pods'] }>(
          kubeconfig,
          ['get', 'pods', '--all-namespaces'],
          'listing the pods',
          60,
        )
      ).items,
      replicaSets: (
        await kubectlJson<{ items: ClusterObjects['replicaSets'] }>(
          kubeconfig,
          ['get', 'replicasets', '--all-namespaces'],
          'listing the replicasets',
          60,
        )
      ).items,
      events: (
        await kubectlJson<{ items: ClusterObjects['events'] }>(
          kubeconfig,
          ['get', 'events', '--all-namespaces'],
          'listing the events',
          60,
        )
      ).items,
    };
    const workloads = judgeRehearsal(objects, nodes);
    const audit = auditReport(root, environment);
    const report = {
      lines: [...workloads.lines, ...(gatewayReport?.lines ?? []), ...audit.lines],
      problems: [...workloads.problems, ...(gatewayReport?.problems ?? []), ...audit.problems],
    };
    for (const line of report.lines) io.out(line);
    for (const problem of report.problems) io.err(`rehearsal: ${problem}`);
    if (code === ExitCode.OK && report.problems.length > 0) code = ExitCode.TOOL;
    io.out(
      code === ExitCode.OK
        ? `rehearsal of ${environment} passed in ${Math.round(performance.now() - started)} ms`
        : `rehearsal of ${environment} FAILED (${report.problems.length} findings); the cluster's logs are in ${paths.cluster}/logs/${values.keep ? '' : ' (kept only with --keep)'}`,
    );
  } catch (error) {
    await finish(ExitCode.TOOL).catch(() => ExitCode.TOOL);
    throw error;
  } finally {
    process.off('SIGINT', onInterrupt);
  }
  return finish(code);
}

/** How long the Gateways and routes may take to settle once the controllers run. */
const GATEWAY_SETTLE_SECONDS = 120;

/**
 * Runs the add-on controllers the environment installs (Envoy Gateway, MetalLB's controller) as
 * local processes under the cluster's supervisor, once (a kept cluster keeps them), after
 * creating stand-in TLS Secrets for the certificates the Gateways name; then waits for the
 * Gateways and routes to settle and returns their verdict (undefined without Envoy Gateway).
 */
async function runAddonControllers(
  root: string,
  env: LoadedEnvironment,
  components: Components,
  record: RehearsalRecord,
  io: Io,
): Promise<RehearsalReport | undefined> {
  const envoyGateway = installed(env.spec, 'envoyGateway');
  const metallb = installed(env.spec, 'metallb');
  if (!envoyGateway && !metallb) return undefined;
  const paths = rehearsalPaths(env.name);
  const kubeconfig = path.join(root, paths.kubeconfig);
  if (envoyGateway) {
    const standIns = await createStandInCertificates(kubeconfig, path.join(root, paths.dir), 60);
    if (standIns.length > 0)
      io.out(
        `rehearsal: stand-in TLS Secrets (self-signed; the blueprint references the real ones and never carries them): ${standIns.join(', ')}`,
      );
  }
  const running = runningRehearsal(root, env.name)?.state.pids ?? {};
  const wanted = [...(envoyGateway ? ['envoy-gateway'] : []), ...(metallb ? ['metallb-controller'] : [])];
  if (wanted.every((name) => (running[name] ?? 0) > 0))
    io.out(`rehearsal: ${wanted.join(' and ')} already run on the kept cluster at ${record.apiServer}`);
  else
    await startAddonControllers({
      root,
      environment: env.name,
      kubeconfig,
      dir: path.join(root, paths.dir, 'addons'),
      logDir: path.join(root, paths.cluster, 'logs'),
      components,
      envoyGateway,
      metallb,
      log: io.out,
    });
  if (!envoyGateway) return undefined;
  const started = performance.now();
  const report = await waitGatewaysSettled(kubeconfig, metallb, GATEWAY_SETTLE_SECONDS);
  const proxies = await waitProxiesRolledOut(kubeconfig, GATEWAY_SETTLE_SECONDS);
  io.out(`rehearsal: Envoy Gateway's proxies rolled out: ${proxies.join(', ') || '(none)'}`);
  io.out(
    `rehearsal: Gateways and routes ${report.problems.length === 0 ? 'settled' : `not settled after ${GATEWAY_SETTLE_SECONDS} s`} in ${Math.round(performance.now() - started)} ms`,
  );
  return report;
}

function isRehearsalKubeconfig(file: string): boolean {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return /server: https:\/\/127\.0\.0\.1:\d+/.test(text) && text.split('\n- context:').length === 2;
  } catch {
    return false;
  }
}

function status(root: string, environment: string, io: Io): number {
  const running = runningRehearsal(root, environment);
  if (!running) {
    io.out(`no rehearsal of ${environment} runs`);
    return ExitCode.OK;
  }
  const paths = rehearsalPaths(environment);
  io.out(
    `rehearsal of ${environment} runs since ${running.state.startedAt} (stops by itself at ${running.state.stopsAt})`,
  );
  io.out(`  API server  ${running.record.apiServer}`);
  io.out(`  kubeconfig  ${paths.kubeconfig} (context ${running.record.context})`);
  io.out(
    `  memory      ${Math.round(running.memoryBytes / 2 ** 20)} MiB resident (${Object.keys(running.state.pids).join(', ')})`,
  );
  io.out(`  logs        ${paths.cluster}/logs/`);
  return ExitCode.OK;
}

/** startCluster, removing the interrupt handler when it throws (startCluster stops what it started). */
function startClusterOrUnhook(unhook: () => void): typeof startCluster {
  return async (...args) => {
    try {
      return await startCluster(...args);
    } catch (error) {
      unhook();
      throw error;
    }
  };
}
