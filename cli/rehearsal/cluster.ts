// The rehearsal cluster of one environment: etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler and kwok on loopback, under one supervisor, with its PKI and kubeconfigs made
// by the real kubeadm. Everything lives in `.blueprint-rehearsal/<env>/`, which deploy never reads.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { AUDIT_POLICY_HOST_FILE, isSensitiveResource } from '../../constructs/control-plane/audit-policy';
import { InputError } from '../../environments/input-error';
import type { LoadedEnvironment } from '../../environments/load';
import { auditPolicyOf } from '../../stacks/hosts/control-plane';
import { exec } from '../deploy/exec';
import { REHEARSAL_MARKER } from '../deploy/plan';
import { isAlive } from '../deploy/workdir';
import { ToolError } from '../errors';
import { nodeArguments, ownModule } from '../own-module';
import type { Components } from './components';
import { KWOK_NODE_ANNOTATION } from './nodes';
import { type ComponentPlan, residentBytes, type SupervisorPlan, type SupervisorState } from './supervisor';

/** The root of every rehearsal's directory, at the project root (deploy uses `.blueprint/`). */
export const REHEARSAL_ROOT = '.blueprint-rehearsal';

/** The files of one environment's rehearsal, relative to the project root. */
export interface RehearsalPaths {
  /** `.blueprint-rehearsal/<env>` */
  readonly dir: string;
  /** The cluster's own files: PKI, etcd data, logs, supervisor plan and state. */
  readonly cluster: string;
  /** The admin kubeconfig, with the environment's context name. */
  readonly kubeconfig: string;
  /** The deploy work directory: Terraform state and plans, the applied manifests. */
  readonly workDir: string;
  /** What `--status` and a second `--keep` read: {@link RehearsalRecord}. */
  readonly record: string;
}

export function rehearsalPaths(environment: string): RehearsalPaths {
  const dir = `${REHEARSAL_ROOT}/${environment}`;
  return {
    dir,
    cluster: `${dir}/cluster`,
    kubeconfig: `${dir}/kubeconfig`,
    workDir: `${dir}/deploy`,
    record: `${dir}/rehearsal.json`,
  };
}

/** A rehearsal cluster as it was started. */
export interface RehearsalRecord {
  readonly environment: string;
  readonly context: string;
  readonly apiServer: string;
  readonly kept: boolean;
}

/** Limits every rehearsal runs under. */
export interface ClusterLimits {
  readonly ttlSeconds: number;
  readonly memoryLimitBytes: number;
}

/** A free TCP port on 127.0.0.1 (the kernel's choice). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Whether something listens on 127.0.0.1:port. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** What the supervisor wrote when the cluster of `environment` stopped, if it did. */
export function stoppedRehearsal(
  root: string,
  environment: string,
): { reason: string; peakResidentMiB?: number } | undefined {
  return readJson(path.join(root, rehearsalPaths(environment).cluster, 'stopped.json'));
}

/** The running rehearsal of an environment, or undefined when none runs. */
export function runningRehearsal(
  root: string,
  environment: string,
): { record: RehearsalRecord; state: SupervisorState; memoryBytes: number } | undefined {
  const paths = rehearsalPaths(environment);
  const record = readJson<RehearsalRecord>(path.join(root, paths.record));
  const state = readJson<SupervisorState>(path.join(root, paths.cluster, 'state.json'));
  if (!record || !state || !isAlive(state.supervisorPid)) return undefined;
  const memoryBytes = Object.values(state.pids).reduce((sum, pid) => sum + residentBytes(pid), 0);
  return { record, state, memoryBytes };
}

async function run(argv: readonly string[], what: string, cwd: string, timeoutSeconds = 60): Promise<string> {
  const result = await exec(argv, { cwd, env: process.env, timeoutSeconds });
  if (result.missing) throw new ToolError(`${what}: ${argv[0]} is not installed`);
  if (result.timedOut || result.exitCode !== 0)
    throw new ToolError(
      `${what} failed (${result.timedOut ? `timed out after ${timeoutSeconds} s` : `exit ${result.exitCode}`}): ${(result.stderr || result.stdout).trim().split('\n').slice(-3).join(' / ')}`,
    );
  return result.stdout;
}

/** The rehearsal's audit policy and log, in its cluster directory. */
export const REHEARSAL_AUDIT_POLICY = 'audit-policy.yaml';
export const REHEARSAL_AUDIT_LOG = 'logs/audit.log';

/**
 * kube-apiserver's audit flags for a rehearsal: the environment's own policy (the same text as
 * every master's `hosts/<master>/audit-policy.yaml`), written into `clusterDir`, and its log
 * rotation, with the log in `clusterDir/logs/audit.log` instead of the masters' path.
 */
export function rehearsalAuditArgs(env: LoadedEnvironment, clusterDir: string): string[] {
  const policy = auditPolicyOf(env.spec);
  const policyFile = path.join(clusterDir, REHEARSAL_AUDIT_POLICY);
  fs.writeFileSync(policyFile, policy.render(env.name));
  const args = policy.apiServerArgs({ policyFile, logFile: path.join(clusterDir, REHEARSAL_AUDIT_LOG) });
  return Object.entries(args).map(([name, value]) => `--${name}=${value}`);
}

/**
 * What the rehearsal's audit log shows: how many events at which level, and a finding when the
 * API server wrote none, or logged a credential (Secret, ConfigMap, token) at another level than
 * Metadata, i.e. with its content.
 */
export function auditReport(root: string, environment: string): { lines: string[]; problems: string[] } {
  const file = path.join(root, rehearsalPaths(environment).cluster, REHEARSAL_AUDIT_LOG);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return {
      lines: [],
      problems: [`the API server wrote no audit log (${path.relative(root, file)} is missing)`],
    };
  }
  const levels = new Map<string, number>();
  const leaked = new Set<string>();
  let events = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let event: { level?: string; objectRef?: { apiGroup?: string; resource?: string; subresource?: string } };
    try {
      event = JSON.parse(line);
    } catch {
      continue; // a line being written as the log is read
    }
    events++;
    levels.set(event.level ?? '?', (levels.get(event.level ?? '?') ?? 0) + 1);
    const ref = event.objectRef;
    const resource = ref?.subresource ? `${ref.resource}/${ref.subresource}` : (ref?.resource ?? '');
    if (event.level !== 'Metadata' && isSensitiveResource(ref?.apiGroup ?? '', resource))
      leaked.add(resource);
  }
  const counts = [...levels.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([level, count]) => `${level} ${count}`)
    .join(', ');
  return {
    lines: [
      `rehearsal: the API server ran the environment's audit policy (hosts/<master>/${AUDIT_POLICY_HOST_FILE}): ${events} events (${counts || 'none'}) in ${path.relative(root, file)}`,
    ],
    problems: [
      ...(events === 0 ? ['the API server wrote no audit event during the rehearsal'] : []),
      ...[...leaked].map(
        (resource) => `the audit log holds ${resource} events above Metadata (with their content)`,
      ),
    ],
  };
}

/** The kubeadm configuration of the rehearsal's own PKI and kubeconfigs. */
function kubeadmConfig(env: LoadedEnvironment, pki: string, port: number): string {
  const networking = env.spec.cluster;
  return [
    'apiVersion: kubeadm.k8s.io/v1beta3',
    'kind: InitConfiguration',
    // kubeadm refuses a loopback advertise address; the first master's address only goes into
    // the certificates (with 127.0.0.1), the API server itself listens on 127.0.0.1.
    'localAPIEndpoint:',
    `  advertiseAddress: ${env.spec.controlPlane.masters[0]?.address ?? '192.0.2.1'}`,
    `  bindPort: ${port}`,
    'nodeRegistration:',
    `  name: ${env.name}-rehearsal`,
    '  criSocket: unix:///var/run/containerd/containerd.sock',
    '---',
    'apiVersion: kubeadm.k8s.io/v1beta3',
    'kind: ClusterConfiguration',
    `clusterName: ${env.name}`,
    `kubernetesVersion: v${env.spec.kubernetesVersion}`,
    `certificatesDir: ${pki}`,
    `controlPlaneEndpoint: 127.0.0.1:${port}`,
    'apiServer:',
    '  certSANs: [127.0.0.1, localhost]',
    'networking:',
    `  serviceSubnet: ${networking.serviceSubnet}`,
    `  podSubnet: ${networking.podSubnet}`,
    '',
  ].join('\n');
}

/**
 * Starts the rehearsal cluster of `env`: PKI and kubeconfigs by kubeadm, then the supervisor,
 * which starts etcd, the API server, the controller manager, the scheduler and kwok. Returns
 * once the API server is ready. On any failure everything started is stopped.
 */
export async function startCluster(
  root: string,
  env: LoadedEnvironment,
  components: Components,
  options: { readonly port?: number; readonly kept: boolean; readonly limits: ClusterLimits },
  log: (line: string) => void,
): Promise<RehearsalRecord> {
  const paths = rehearsalPaths(env.name);
  const dir = path.join(root, paths.dir);
  const cluster = path.join(root, paths.cluster);
  if (options.port !== undefined && (await portInUse(options.port)))
    throw new InputError({
      path: '--port',
      value: options.port,
      message:
        'is in use on 127.0.0.1; choose another port for the rehearsal API server, or leave --port out',
    });
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(cluster, 'logs'), { recursive: true });
  fs.mkdirSync(path.join(root, REHEARSAL_ROOT), { recursive: true });
  fs.writeFileSync(
    path.join(root, REHEARSAL_ROOT, '.gitignore'),
    '# blueprint rehearse: local clusters\n*\n',
  );
  const apiPort = options.port ?? (await freePort());
  const [etcdPort, etcdPeer, cmPort, schedPort, kwokPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const pki = path.join(cluster, 'pki');
  const config = path.join(cluster, 'kubeadm.yaml');
  fs.writeFileSync(config, kubeadmConfig(env, pki, apiPort));
  await run(
    [components.kubeadm, 'init', 'phase', 'certs', 'all', `--config=${config}`],
    'kubeadm init phase certs',
    root,
  );
  for (const conf of ['admin', 'controller-manager', 'scheduler'])
    await run(
      [
        components.kubeadm,
        'init',
        'phase',
        'kubeconfig',
        conf,
        `--config=${config}`,
        `--kubeconfig-dir=${cluster}`,
      ],
      `kubeadm init phase kubeconfig ${conf}`,
      root,
    );
  // kubeadm points the components' kubeconfigs at the local endpoint (the first master's
  // address, used for the certificates only); the rehearsal API server listens on 127.0.0.1.
  for (const conf of ['admin', 'controller-manager', 'scheduler'])
    await run(
      [
        'kubectl',
        `--kubeconfig=${path.join(cluster, `${conf}.conf`)}`,
        'config',
        'set-cluster',
        env.name,
        `--server=https://127.0.0.1:${apiPort}`,
      ],
      'kubectl config set-cluster',
      root,
    );
  // The admin kubeconfig under the environment's own context name, so that deploy finds it.
  const kubeconfig = path.join(root, paths.kubeconfig);
  fs.copyFileSync(path.join(cluster, 'admin.conf'), kubeconfig);
  fs.chmodSync(kubeconfig, 0o600);
  const context = env.spec.cluster.kubeconfig.context;
  await run(
    [
      'kubectl',
      `--kubeconfig=${kubeconfig}`,
      'config',
      'rename-context',
      `kubernetes-admin@${env.name}`,
      context,
    ],
    'kubectl config rename-context',
    root,
  );

  const p = (file: string) => path.join(pki, file);
  const conf = (file: string) => path.join(cluster, file);
  const common = (kubeconfigFile: string) => [
    `--kubeconfig=${kubeconfigFile}`,
    `--authentication-kubeconfig=${kubeconfigFile}`,
    `--authorization-kubeconfig=${kubeconfigFile}`,
    '--bind-address=127.0.0.1',
    '--leader-elect=false',
  ];
  const networking = env.spec.cluster;
  const plan: SupervisorPlan = {
    logDir: path.join(cluster, 'logs'),
    stateFile: path.join(cluster, 'state.json'),
    stoppedFile: path.join(cluster, 'stopped.json'),
    ttlSeconds: options.limits.ttlSeconds,
    memoryLimitBytes: options.limits.memoryLimitBytes,
    lateComponentsFile: path.join(cluster, LATE_COMPONENTS_FILE),
    components: [
      {
        name: 'etcd',
        argv: [
          components.etcd,
          `--name=${env.name}-rehearsal`,
          `--data-dir=${path.join(cluster, 'etcd')}`,
          `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
          `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
          `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
          `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
          `--initial-cluster=${env.name}-rehearsal=http://127.0.0.1:${etcdPeer}`,
          '--quota-backend-bytes=536870912',
          '--unsafe-no-fsync',
        ],
        env: { GOMEMLIMIT: '512MiB', ETCD_UNSUPPORTED_ARCH: process.arch === 'x64' ? '' : process.arch },
        readyPort: etcdPort,
      },
      {
        name: 'kube-apiserver',
        argv: [
          components.kubeApiserver,
          '--advertise-address=127.0.0.1',
          '--bind-address=127.0.0.1',
          `--secure-port=${apiPort}`,
          `--etcd-servers=http://127.0.0.1:${etcdPort}`,
          '--allow-privileged=true',
          '--authorization-mode=Node,RBAC',
          '--enable-admission-plugins=NodeRestriction',
          '--enable-bootstrap-token-auth=true',
          `--client-ca-file=${p('ca.crt')}`,
          `--tls-cert-file=${p('apiserver.crt')}`,
          `--tls-private-key-file=${p('apiserver.key')}`,
          `--kubelet-client-certificate=${p('apiserver-kubelet-client.crt')}`,
          `--kubelet-client-key=${p('apiserver-kubelet-client.key')}`,
          '--kubelet-preferred-address-types=InternalIP',
          `--proxy-client-cert-file=${p('front-proxy-client.crt')}`,
          `--proxy-client-key-file=${p('front-proxy-client.key')}`,
          `--requestheader-client-ca-file=${p('front-proxy-ca.crt')}`,
          '--requestheader-allowed-names=front-proxy-client',
          '--requestheader-extra-headers-prefix=X-Remote-Extra-',
          '--requestheader-group-headers=X-Remote-Group',
          '--requestheader-username-headers=X-Remote-User',
          '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
          `--service-account-key-file=${p('sa.pub')}`,
          `--service-account-signing-key-file=${p('sa.key')}`,
          `--service-cluster-ip-range=${networking.serviceSubnet}`,
          // The `kubernetes` Endpoints may not hold a loopback address; nothing in a rehearsal dials it.
          '--endpoint-reconciler-type=none',
          '--profiling=false',
          ...rehearsalAuditArgs(env, cluster),
        ],
        env: { GOMEMLIMIT: '1GiB' },
        readyPort: apiPort,
      },
      {
        name: 'kube-controller-manager',
        argv: [
          components.kubeControllerManager,
          ...common(conf('controller-manager.conf')),
          `--secure-port=${cmPort}`,
          `--cluster-name=${env.name}`,
          `--client-ca-file=${p('ca.crt')}`,
          `--requestheader-client-ca-file=${p('front-proxy-ca.crt')}`,
          `--cluster-signing-cert-file=${p('ca.crt')}`,
          `--cluster-signing-key-file=${p('ca.key')}`,
          `--root-ca-file=${p('ca.crt')}`,
          `--service-account-private-key-file=${p('sa.key')}`,
          '--use-service-account-credentials=true',
          '--controllers=*,bootstrapsigner,tokencleaner',
          `--cert-dir=${path.join(cluster, 'controller-manager-certs')}`,
          '--profiling=false',
        ],
        env: { GOMEMLIMIT: '512MiB' },
      },
      {
        name: 'kube-scheduler',
        argv: [
          components.kubeScheduler,
          ...common(conf('scheduler.conf')),
          `--secure-port=${schedPort}`,
          `--cert-dir=${path.join(cluster, 'scheduler-certs')}`,
          '--profiling=false',
        ],
        env: { GOMEMLIMIT: '512MiB' },
      },
      {
        name: 'kwok',
        argv: [
          components.kwok,
          // Its own configuration and kwok's default stages, never ~/.kwok of the user.
          `--config=${conf('kwok.yaml')}`,
          `--config=${path.join(__dirname, 'kwok-stages.yaml')}`,
          `--kubeconfig=${conf('admin.conf')}`,
          '--node-lease-duration-seconds=40',
          '--manage-all-nodes=false',
          `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=fake`,
          `--cidr=${networking.podSubnet}`,
          '--node-ip=127.0.0.1',
          `--server-address=127.0.0.1:${kwokPort}`,
        ],
        env: { GOMEMLIMIT: '512MiB' },
      },
    ],
  };
  fs.writeFileSync(
    conf('kwok.yaml'),
    [
      'apiVersion: config.kwok.x-k8s.io/v1alpha1',
      'kind: KwokConfiguration',
      'options:',
      '  podPlayStageParallelism: 4',
      '  nodePlayStageParallelism: 4',
      '  nodeLeaseParallelism: 4',
      '  podsOnNodeSyncParallelism: 1',
      '  enablePodsOnNodeSyncListPager: true',
      '  enablePodsOnNodeSyncStreamWatch: false',
      '  enableDebuggingHandlers: false',
      '  enableProfilingHandler: false',
      '',
    ].join('\n'),
  );
  const planFile = path.join(cluster, 'plan.json');
  fs.writeFileSync(planFile, `${JSON.stringify(plan, null, 2)}\n`);
  const supervisorLog = fs.openSync(path.join(cluster, 'logs', 'supervisor.log'), 'a');
  const supervisor = spawn(
    process.execPath,
    [...nodeArguments(ownModule(__dirname, 'supervisor')), planFile],
    { detached: true, stdio: ['ignore', supervisorLog, supervisorLog], cwd: root },
  );
  fs.closeSync(supervisorLog);
  supervisor.unref();
  const record: RehearsalRecord = {
    environment: env.name,
    context,
    apiServer: `https://127.0.0.1:${apiPort}`,
    kept: options.kept,
  };
  fs.writeFileSync(path.join(root, paths.record), `${JSON.stringify(record, null, 2)}\n`);
  try {
    await waitReady(root, env.name, kubeconfig, log);
    // The marker that makes a real deploy refuse this cluster (cli/deploy/runner.ts).
    await run(
      [
        'kubectl',
        `--kubeconfig=${kubeconfig}`,
        'create',
        'configmap',
        REHEARSAL_MARKER,
        '--namespace=kube-public',
        `--from-literal=environment=${env.name}`,
        `--from-literal=rehearsalDirectory=${paths.dir}`,
      ],
      'creating the rehearsal marker',
      root,
    );
  } catch (error) {
    await stopCluster(root, env.name);
    throw error;
  }
  return record;
}

/** Waits until the API server answers /readyz, or the supervisor reports that it stopped. */
async function waitReady(
  root: string,
  environment: string,
  kubeconfig: string,
  log: (line: string) => void,
): Promise<void> {
  const cluster = path.join(root, rehearsalPaths(environment).cluster);
  const deadline = Date.now() + 90_000;
  let lastError = '';
  while (Date.now() < deadline) {
    const stopped = readJson<{ reason: string }>(path.join(cluster, 'stopped.json'));
    if (stopped)
      throw new ToolError(
        `the rehearsal cluster did not start: ${stopped.reason} (logs in ${path.relative(root, cluster)}/logs/)`,
      );
    if (fs.existsSync(path.join(cluster, 'state.json'))) {
      const result = await exec(['kubectl', `--kubeconfig=${kubeconfig}`, 'get', '--raw=/readyz'], {
        cwd: root,
        env: process.env,
        timeoutSeconds: 10,
      });
      if (result.exitCode === 0) {
        log('rehearsal: the API server is ready');
        return;
      }
      lastError = (result.stderr || result.stdout).trim();
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new ToolError(`the rehearsal API server was not ready within 90 s: ${lastError}`);
}

/** The file (in the cluster directory) that hands the supervisor components to start late. */
const LATE_COMPONENTS_FILE = 'late-components.json';

/**
 * Has the running cluster's supervisor start `components` next to the others (the add-on
 * controllers, once the deploy installed what they need): they stop with the cluster, at its
 * time or memory limit, and a death of one stops it. Returns their pids once each started (its
 * `readyPort` open, when it has one); names already running are refused.
 */
export async function startLateComponents(
  root: string,
  environment: string,
  components: readonly ComponentPlan[],
  timeoutSeconds: number,
): Promise<Record<string, number>> {
  const cluster = path.join(root, rehearsalPaths(environment).cluster);
  const file = path.join(cluster, LATE_COMPONENTS_FILE);
  const before = readJson<SupervisorState>(path.join(cluster, 'state.json'))?.pids ?? {};
  const taken = components.filter((component) => (before[component.name] ?? 0) > 0);
  if (taken.length > 0)
    throw new ToolError(
      `the rehearsal's supervisor refused to start ${components.map((c) => c.name).join(', ')}: already running: ${taken.map((c) => c.name).join(', ')}`,
    );
  for (const old of [file, `${file}.started`, `${file}.refused`]) fs.rmSync(old, { force: true });
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify({ components }, null, 2)}\n`);
  fs.renameSync(`${file}.tmp`, file);
  const names = components.map((component) => component.name);
  const deadline = Date.now() + timeoutSeconds * 1000;
  while (Date.now() < deadline) {
    const stopped = readJson<{ reason: string }>(path.join(cluster, 'stopped.json'));
    if (stopped) throw new ToolError(`the rehearsal cluster stopped: ${stopped.reason}`);
    if (fs.existsSync(`${file}.refused`))
      throw new ToolError(
        `the rehearsal's supervisor refused to start ${names.join(', ')}: ${fs.readFileSync(`${file}.refused`, 'utf8').trim()}`,
      );
    const pids = readJson<SupervisorState>(path.join(cluster, 'state.json'))?.pids ?? {};
    if (names.every((name) => (pids[name] ?? 0) > 0))
      return Object.fromEntries(names.map((name) => [name, pids[name] as number]));
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new ToolError(
    `the rehearsal's supervisor did not start ${names.join(', ')} within ${timeoutSeconds} s (logs in ${path.relative(root, cluster)}/logs/)`,
  );
}

/** Stops the rehearsal cluster of `environment` (if it runs) and waits until every component is gone. */
export async function stopCluster(root: string, environment: string): Promise<boolean> {
  const cluster = path.join(root, rehearsalPaths(environment).cluster);
  const state = readJson<SupervisorState>(path.join(cluster, 'state.json'));
  const plan = readJson<SupervisorPlan>(path.join(cluster, 'plan.json'));
  let supervisorPid = state?.supervisorPid;
  // A supervisor that is still starting has no state file yet: find it by its plan file.
  if (supervisorPid === undefined && plan) supervisorPid = findSupervisor(path.join(cluster, 'plan.json'));
  const pids = [supervisorPid, ...Object.values(state?.pids ?? {})].filter(
    (pid): pid is number => typeof pid === 'number' && pid > 0,
  );
  if (!pids.some(isAlive)) return false;
  if (supervisorPid !== undefined && isAlive(supervisorPid)) process.kill(supervisorPid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && pids.some(isAlive))
    await new Promise((resolve) => setTimeout(resolve, 100));
  for (const pid of pids.filter(isAlive)) process.kill(pid, 'SIGKILL');
  return true;
}

/** The pid of the supervisor running `planFile`, from /proc. */
function findSupervisor(planFile: string): number | undefined {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (cmdline.includes(planFile) && cmdline.some((arg) => arg.endsWith('supervisor.ts')))
        return Number(entry);
    } catch {
      // gone
    }
  }
  return undefined;
}
