// The add-on controllers of a rehearsal: Envoy Gateway (the Gateway API implementation the
// environments install, add-on envoyGateway) and MetalLB's controller (addresses for
// LoadBalancer Services, add-on metallb), run as local processes against the rehearsal's API
// server, so that the blueprint's GatewayClass, EnvoyProxy, Gateways, routes and address pools
// are judged by the real implementations: Accepted, Programmed, an address from the pool.
// Built by tools/cluster/build.sh (components envoy-gateway and metallb-controller) at the
// releases the add-ons pin; Envoy Gateway with tools/cluster/envoy-gateway/rehearsal.patch,
// which moves the listeners and the certificate directory it hard-codes for a Pod into the
// environment.
//
// They start after the deploy (which installs their CRDs from the lock, their namespaces with
// Pod Security labels, the GatewayClass, EnvoyProxy and IPAddressPool), handed to the cluster's
// supervisor, so that they stop with the cluster (`--stop`, its time and memory limits) and a
// crash of one fails the rehearsal. Every listener is on 127.0.0.1 and a free port, except
// where noted:
//   envoy-gateway server --config-path=<dir>/envoy-gateway/config.yaml
//     the blueprint's own EnvoyGateway configuration (ConfigMap envoy-gateway-config, as the
//     deploy applied it) with what a local process needs instead of a Pod: leader election off,
//     the admin server on 127.0.0.1, its Prometheus listener off. xDS server and health probe on
//     free ports (ENVOY_GATEWAY_XDS_ADDRESS, ENVOY_GATEWAY_HEALTH_PROBE_ADDRESS),
//     controller-runtime's metrics off; its xDS certificate from the Secret `envoy-gateway` that
//     `envoy-gateway certgen` creates in envoy-gateway-system (as the chart's certgen Job would,
//     with `envoy`, `envoy-rate-limit`, `envoy-oidc-hmac`), copied to <dir>/envoy-gateway/certs
//     (ENVOY_GATEWAY_CERTS_DIR). Its Wasm cache stays off (it reads /certs): it logs "failed to
//     start wasm cache", which only matters to EnvoyExtensionPolicies with Wasm.
//   metallb-controller --namespace=metallb-system --pod-name=<pod> --webhook-mode=disabled
//     its health probe (`:<port>`, every interface: upstream builds the address from the port)
//     and its metrics (0.0.0.0:<port>, HTTPS with authn/authz) on free ports; no memberlist
//     secret (that is for speakers), no webhook, so no certificate rotation. It needs a Pod of
//     its own to exist (it owns the ConfigurationState `controller`): the blueprint's simulated
//     MetalLB controller pod, or a stand-in.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { exec } from '../deploy/exec';
import { ToolError } from '../errors';
import { freePort, startLateComponents } from './cluster';
import type { Components } from './components';
import { applyObjects, kubectl, lastLines } from './kubectl';
import type { ComponentPlan } from './supervisor';

/** The namespace Envoy Gateway runs in and creates the proxies' Deployments and Services in. */
export const ENVOY_GATEWAY_NAMESPACE = 'envoy-gateway-system';
/** The controllerName of Envoy Gateway's GatewayClasses (its default configuration's). */
export const ENVOY_GATEWAY_CONTROLLER_NAME = 'gateway.envoyproxy.io/gatewayclass-controller';
/** The namespace MetalLB reads its IPAddressPools and L2Advertisements from. */
export const METALLB_NAMESPACE = 'metallb-system';
/** The ConfigMap of the envoyGateway add-on that holds Envoy Gateway's configuration. */
const ENVOY_GATEWAY_CONFIG_MAP = 'envoy-gateway-config';

const FIELD_MANAGER = 'blueprint-rehearse-addons';

/** How to start the add-on controllers. */
export interface AddonControllersOptions {
  /** The project root and environment of the running rehearsal cluster. */
  readonly root: string;
  readonly environment: string;
  /** The rehearsal cluster's admin kubeconfig. */
  readonly kubeconfig: string;
  /** Where their configuration and certificates go; made when missing. */
  readonly dir: string;
  /** The supervisor's log directory: each controller logs to `<logDir>/<name>.log`. */
  readonly logDir: string;
  /** The built programs ({@link findComponents}). */
  readonly components: Pick<Components, 'envoyGateway' | 'metallbController'>;
  /** Run Envoy Gateway (the environment installs the envoyGateway add-on). */
  readonly envoyGateway: boolean;
  /** Run MetalLB's controller (the environment installs the metallb add-on). */
  readonly metallb: boolean;
  /** How long certificates and each controller's readiness may take, in seconds. @default 120 */
  readonly timeoutSeconds?: number;
  readonly log?: (line: string) => void;
}

/** One add-on controller's command line: a supervisor {@link ComponentPlan} plus its readiness URL. */
export interface AddonControllerPlan extends ComponentPlan {
  /** The log file the process writes to. */
  readonly logFile: string;
  /** An HTTP URL that answers 200 once the controller's caches are synced. */
  readonly readyUrl: string;
  /** A regular expression (source, multiline) of the log line that says it failed although it still runs. */
  readonly failPattern: string;
}

/** The add-on controllers a rehearsal runs, as started. */
export interface StartedAddonControllers {
  readonly plans: readonly AddonControllerPlan[];
  readonly pids: Readonly<Record<string, number>>;
}

/** Server-side applies `objects` (written to `<dir>/<what>.json`, for the curious). */
function applyAddonObjects(
  options: AddonControllersOptions,
  what: string,
  objects: readonly Record<string, unknown>[],
  timeoutSeconds: number,
): Promise<void> {
  return applyObjects(
    options.kubeconfig,
    objects,
    { dir: options.dir, name: what, fieldManager: FIELD_MANAGER },
    `applying the add-on controllers' ${what}`,
    timeoutSeconds,
  );
}

/**
 * Envoy Gateway's configuration for a local process: the blueprint's own (the add-on's
 * ConfigMap as deployed; upstream's defaults fill in the rest, as in a Pod), with leader election
 * off (no other replica runs), the admin server on 127.0.0.1 and its Prometheus listener off (it
 * would take :19001 on every interface).
 */
export function localEnvoyGatewayConfig(deployed: string, adminPort: number): string {
  const config = YAML.parse(deployed) as Record<string, unknown> | null;
  if (config === null || typeof config !== 'object' || config.kind !== 'EnvoyGateway')
    throw new ToolError(`the ConfigMap ${ENVOY_GATEWAY_CONFIG_MAP} holds no EnvoyGateway configuration`);
  const object = (value: unknown): Record<string, unknown> =>
    value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  const provider = object(config.provider);
  const kubernetes = object(provider.kubernetes);
  const telemetry = object(config.telemetry);
  const metrics = object(telemetry.metrics);
  return YAML.stringify({
    ...config,
    provider: {
      ...provider,
      kubernetes: { ...kubernetes, leaderElection: { ...object(kubernetes.leaderElection), disable: true } },
    },
    admin: { ...object(config.admin), address: { host: '127.0.0.1', port: adminPort } },
    telemetry: {
      ...telemetry,
      metrics: { ...metrics, prometheus: { ...object(metrics.prometheus), disable: true } },
    },
  });
}

/**
 * Prepares the add-on controllers without starting them: checks their CRDs are there, has
 * `envoy-gateway certgen` create the control plane's certificates, and writes Envoy Gateway's
 * configuration. Returns their command lines (their env holds KUBECONFIG; ports are chosen free
 * now). Run it after the deploy.
 */
export async function prepareAddonControllers(
  options: AddonControllersOptions,
): Promise<AddonControllerPlan[]> {
  const timeout = options.timeoutSeconds ?? 120;

  const crds = [
    ...(options.envoyGateway
      ? [
          'gatewayclasses.gateway.networking.k8s.io',
          'gateways.gateway.networking.k8s.io',
          'httproutes.gateway.networking.k8s.io',
          'envoyproxies.gateway.envoyproxy.io',
        ]
      : []),
    ...(options.metallb ? ['ipaddresspools.metallb.io', 'l2advertisements.metallb.io'] : []),
  ];
  if (crds.length === 0) return [];
  // Without them the controllers fail half-way (MetalLB) or skip what they watch (Envoy Gateway).
  await kubectl(
    options.kubeconfig,
    ['get', 'crd', ...crds, '--output=name'],
    "checking the add-on controllers' CRDs (installed by the deploy from kubernetes/addons.lock.json)",
    timeout,
  );
  fs.mkdirSync(options.dir, { recursive: true });
  const plans: AddonControllerPlan[] = [];
  if (options.envoyGateway) plans.push(await prepareEnvoyGateway(options, timeout));
  if (options.metallb) plans.push(await prepareMetallb(options, timeout));
  return plans;
}

async function prepareEnvoyGateway(
  options: AddonControllersOptions,
  timeout: number,
): Promise<AddonControllerPlan> {
  const { components, kubeconfig } = options;
  const egDir = path.join(options.dir, 'envoy-gateway');
  const certs = path.join(egDir, 'certs');
  fs.mkdirSync(certs, { recursive: true, mode: 0o700 });
  // The control plane's certificates, as the Helm chart's certgen Job makes them: Secrets in the
  // controller namespace (kept when they exist). The proxies mount `envoy`; the xDS server reads
  // `envoy-gateway`, which a Pod gets mounted at /certs and this process reads from `certs`.
  const certgen = await exec([components.envoyGateway, 'certgen'], {
    cwd: egDir,
    env: { ...process.env, KUBECONFIG: kubeconfig, ENVOY_GATEWAY_NAMESPACE },
    timeoutSeconds: timeout,
  });
  fs.writeFileSync(path.join(egDir, 'certgen.log'), certgen.stdout + certgen.stderr);
  if (certgen.exitCode !== 0)
    throw new ToolError(
      `envoy-gateway certgen failed (${certgen.timedOut ? `timed out after ${timeout} s` : `exit ${certgen.exitCode}`}): ${lastLines(certgen.stderr || certgen.stdout, 3)}`,
    );
  const secret = JSON.parse(
    await kubectl(
      kubeconfig,
      ['get', 'secret', 'envoy-gateway', `--namespace=${ENVOY_GATEWAY_NAMESPACE}`, '--output=json'],
      'reading the Secret envoy-gateway made by envoy-gateway certgen',
      timeout,
    ),
  ) as { data?: Record<string, string> };
  for (const file of ['ca.crt', 'tls.crt', 'tls.key']) {
    const data = secret.data?.[file];
    if (!data) throw new ToolError(`the Secret ${ENVOY_GATEWAY_NAMESPACE}/envoy-gateway has no ${file}`);
    fs.writeFileSync(path.join(certs, file), Buffer.from(data, 'base64'), { mode: 0o600 });
  }
  const configMap = JSON.parse(
    await kubectl(
      kubeconfig,
      [
        'get',
        'configmap',
        ENVOY_GATEWAY_CONFIG_MAP,
        `--namespace=${ENVOY_GATEWAY_NAMESPACE}`,
        '--output=json',
      ],
      `reading Envoy Gateway's configuration (ConfigMap ${ENVOY_GATEWAY_NAMESPACE}/${ENVOY_GATEWAY_CONFIG_MAP}, from the envoyGateway add-on)`,
      timeout,
    ),
  ) as { data?: Record<string, string> };
  const deployed = configMap.data?.['envoy-gateway.yaml'];
  if (!deployed)
    throw new ToolError(`the ConfigMap ${ENVOY_GATEWAY_CONFIG_MAP} has no key envoy-gateway.yaml`);
  const [xdsPort, healthPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const config = path.join(egDir, 'config.yaml');
  fs.writeFileSync(config, localEnvoyGatewayConfig(deployed, adminPort));
  return {
    name: 'envoy-gateway',
    argv: [components.envoyGateway, 'server', `--config-path=${config}`],
    env: {
      KUBECONFIG: kubeconfig,
      ENVOY_GATEWAY_NAMESPACE,
      ENVOY_GATEWAY_CERTS_DIR: certs,
      ENVOY_GATEWAY_XDS_ADDRESS: `127.0.0.1:${xdsPort}`,
      ENVOY_GATEWAY_HEALTH_PROBE_ADDRESS: `127.0.0.1:${healthPort}`,
      ENVOY_GATEWAY_CONTROLLER_METRICS_ADDRESS: '0',
      GOMEMLIMIT: '512MiB',
    },
    readyPort: healthPort,
    readySeconds: timeout,
    readyUrl: `http://127.0.0.1:${healthPort}/readyz`,
    // Envoy Gateway logs a runner that fails after start and keeps running without it.
    failPattern: '^.*\\terror\\t.*(unable to start provider|failed to start runners).*$',
    logFile: path.join(options.logDir, 'envoy-gateway.log'),
  };
}

async function prepareMetallb(
  options: AddonControllersOptions,
  timeout: number,
): Promise<AddonControllerPlan> {
  const pod = await metallbControllerPod(options, timeout);
  const [healthPort, metricsPort] = [await freePort(), await freePort()];
  return {
    name: 'metallb-controller',
    argv: [
      options.components.metallbController,
      `--kubeconfig=${options.kubeconfig}`,
      `--namespace=${METALLB_NAMESPACE}`,
      `--pod-name=${pod}`,
      '--webhook-mode=disabled',
      '--disable-cert-rotation',
      `--health-probe-port=${healthPort}`,
      `--port=${metricsPort}`,
      '--log-level=info',
    ],
    env: { KUBECONFIG: options.kubeconfig, METALLB_NAMESPACE, GOMEMLIMIT: '256MiB' },
    readyPort: healthPort,
    readySeconds: timeout,
    readyUrl: `http://127.0.0.1:${healthPort}/readyz`,
    failPattern: '^\\{.*"level":"error".*"op":"startup".*$',
    logFile: path.join(options.logDir, 'metallb-controller.log'),
  };
}

/** The pod of the blueprint's MetalLB controller, else a stand-in Pod made for the purpose. */
async function metallbControllerPod(options: AddonControllersOptions, timeout: number): Promise<string> {
  const pods = JSON.parse(
    await kubectl(
      options.kubeconfig,
      [
        'get',
        'pods',
        `--namespace=${METALLB_NAMESPACE}`,
        '--selector=app=metallb,component=controller',
        '--output=json',
      ],
      "looking for MetalLB's controller pod",
      timeout,
    ),
  ) as { items: { metadata: { name: string; deletionTimestamp?: string } }[] };
  const pod = pods.items.find((item) => !item.metadata.deletionTimestamp);
  if (pod) return pod.metadata.name;
  const name = 'rehearsal-metallb-controller';
  await applyAddonObjects(
    options,
    'metallb-pod',
    [
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name,
          namespace: METALLB_NAMESPACE,
          labels: { 'app.kubernetes.io/managed-by': FIELD_MANAGER },
          annotations: {
            'platform-blueprint.io/purpose':
              'stands in for the pod of the MetalLB controller that runs as a local process',
          },
        },
        spec: {
          schedulingGates: [{ name: 'platform-blueprint.io/never' }],
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 65534,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'controller',
              image: 'registry.invalid/rehearsal/stand-in:0',
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            },
          ],
        },
      },
    ],
    timeout,
  );
  return name;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: 2000 }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.once('timeout', () => request.destroy());
    request.once('error', () => resolve(0));
  });
}

function readLog(plan: AddonControllerPlan): string {
  try {
    return fs.readFileSync(plan.logFile, 'utf8');
  } catch {
    return '';
  }
}

/** Why a started controller is not healthy, or undefined while it may still become so. */
function unhealthy(plan: AddonControllerPlan, pid: number): string | undefined {
  if (!alive(pid)) return 'exited';
  const failed = new RegExp(plan.failPattern, 'm').exec(readLog(plan));
  return failed ? `failed: ${failed[0].slice(0, 300)}` : undefined;
}

function failure(plan: AddonControllerPlan, why: string): ToolError {
  return new ToolError(`${plan.name} ${why}; see ${plan.logFile}: ${lastLines(readLog(plan), 3)}`);
}

/**
 * Waits until `plan.readyUrl` answered 200 three times in a row, 500 ms apart (Envoy Gateway's
 * /readyz can answer 200 once just before its provider gives up), failing as soon as the process
 * exits, logs its failure line or time runs out.
 */
async function waitHealthy(plan: AddonControllerPlan, pid: number): Promise<void> {
  const deadline = Date.now() + (plan.readySeconds ?? 120) * 1000;
  let status = 0;
  let streak = 0;
  while (Date.now() < deadline) {
    const why = unhealthy(plan, pid);
    if (why) throw failure(plan, why);
    status = await httpStatus(plan.readyUrl);
    streak = status === 200 ? streak + 1 : 0;
    if (streak >= 3) return;
    await new Promise((resolve) => setTimeout(resolve, streak > 0 ? 500 : 250));
  }
  throw failure(
    plan,
    `was not ready within ${plan.readySeconds ?? 120} s (${plan.readyUrl} answered ${status === 0 ? 'nothing' : status})`,
  );
}

/**
 * Prepares ({@link prepareAddonControllers}) and has the cluster's supervisor start Envoy
 * Gateway and MetalLB's controller (those the environment installs), each logging to
 * `<logDir>/<name>.log`. Returns once each is healthy (its /readyz: caches synced, three times
 * in a row) and, with Envoy Gateway, every GatewayClass of its controllerName is Accepted. On a
 * failure a ToolError names the controller, why, and the end of its log; the caller stops the
 * cluster, and the controllers with it.
 */
export async function startAddonControllers(
  options: AddonControllersOptions,
): Promise<StartedAddonControllers> {
  const log = options.log ?? (() => {});
  const plans = await prepareAddonControllers(options);
  if (plans.length === 0) return { plans, pids: {} };
  const started = Date.now();
  const timeout = options.timeoutSeconds ?? 120;
  const pids = await startLateComponents(options.root, options.environment, plans, timeout + 10);
  await Promise.all(plans.map((plan) => waitHealthy(plan, pids[plan.name] ?? 0)));
  log(
    `rehearsal: ${plans.map((plan) => `${plan.name} (pid ${pids[plan.name]})`).join(' and ')} ready in ${Date.now() - started} ms`,
  );
  const envoyGateway = plans.find((plan) => plan.name === 'envoy-gateway');
  if (envoyGateway) await waitGatewayClassesAccepted(options, envoyGateway, pids[envoyGateway.name] ?? 0);
  for (const plan of plans) {
    const why = unhealthy(plan, pids[plan.name] ?? 0);
    if (why) throw failure(plan, why);
  }
  return { plans, pids };
}

interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
}

/** Waits until every GatewayClass that names Envoy Gateway's controllerName is Accepted. */
async function waitGatewayClassesAccepted(
  options: AddonControllersOptions,
  plan: AddonControllerPlan,
  pid: number,
): Promise<void> {
  const timeout = options.timeoutSeconds ?? 120;
  const deadline = Date.now() + timeout * 1000;
  let pending: string[] = [];
  let names: string[] = [];
  while (Date.now() < deadline) {
    const why = unhealthy(plan, pid);
    if (why) throw failure(plan, why);
    const list = JSON.parse(
      await kubectl(
        options.kubeconfig,
        ['get', 'gatewayclasses', '--output=json'],
        'reading the GatewayClasses',
        30,
      ),
    ) as {
      items: {
        metadata: { name: string };
        spec: { controllerName: string };
        status?: { conditions?: Condition[] };
      }[];
    };
    const ours = list.items.filter((item) => item.spec.controllerName === ENVOY_GATEWAY_CONTROLLER_NAME);
    names = ours.map((item) => item.metadata.name);
    pending = ours
      .filter((item) => !item.status?.conditions?.some((c) => c.type === 'Accepted' && c.status === 'True'))
      .map((item) => item.metadata.name);
    if (pending.length === 0) {
      if (names.length > 0)
        options.log?.(`rehearsal: GatewayClass ${names.join(', ')} accepted by Envoy Gateway`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw failure(plan, `did not accept the GatewayClass ${pending.join(', ')} within ${timeout} s`);
}
