import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import {
  Capability,
  ConfigMap,
  Cpu,
  Deployment,
  DeploymentStrategy,
  EnvValue,
  Handler,
  ImagePullPolicy,
  k8s,
  LabelSelector,
  PercentOrAbsolute,
  Probe,
  Protocol,
  SeccompProfileType,
  Secret,
  Service,
  ServiceType,
  Volume,
} from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ValidationError } from '../core/validation-error';
import { type PodPlacement, patchPlacement } from '../scheduling/pod-placement';

/** Seconds a rollout may take to make progress before the Deployment reports it failed. */
const PROGRESS_DEADLINE_SECONDS = 600;

/** A named port of a microservice. */
export interface MicroservicePort {
  /** Port name (IANA service name, at most 15 characters), unique in the service. */
  readonly name: string;
  /** Port the Service exposes. */
  readonly port: number;
  /** Port the container listens on. @default the same as `port` */
  readonly targetPort?: number;
}

/** Settings of one health probe. */
export interface MicroserviceProbe {
  /** HTTP path probed (HTTP services). @default /ready for readiness, /healthz for startup and liveness */
  readonly path?: string;
  /** Name of the probed port. @default the first port */
  readonly port?: string;
  /** Seconds before the first probe. @default 0 */
  readonly initialDelaySeconds?: number;
  /** Seconds between probes. @default 5 */
  readonly periodSeconds?: number;
  /** Seconds one probe may take. @default 2 */
  readonly timeoutSeconds?: number;
  /** Consecutive failures before the probe fails. @default 3 */
  readonly failureThreshold?: number;
}

/** Requests and limits of the container, as Kubernetes quantities. */
export interface MicroserviceResources {
  /** CPU request: millicores (`250m`) or cores (`1`, `0.5`). */
  readonly cpuRequest: string;
  /** CPU limit: millicores or cores; at least the request. */
  readonly cpuLimit: string;
  /** Memory request in `Mi` or `Gi` (`256Mi`). */
  readonly memoryRequest: string;
  /** Memory limit in `Mi` or `Gi`; at least the request. */
  readonly memoryLimit: string;
}

/** Lossless online and offline: warm-up, drain, and never fewer ready pods during a rollout. */
export interface MicroserviceLossless {
  /** Extra pods a rollout may start, a count or a percentage such as `25%`. maxUnavailable is always 0. @default 25% */
  readonly maxSurge?: number | string;
  /** Warm-up: seconds a new pod must stay ready before it counts as available. @default 10 */
  readonly minReadySeconds?: number;
  /** Seconds the preStop hook holds the pod before SIGTERM while endpoints and proxies drop it. @default 15 */
  readonly preStopSeconds?: number;
  /**
   * Path of an HTTP drain endpoint used as the preStop hook instead of `sleep` (for images without a
   * shell); the app stops accepting work and returns after about `preStopSeconds`.
   * @default - exec `sleep <preStopSeconds>`
   */
  readonly preStopPath?: string;
  /** Seconds from the start of termination to SIGKILL; longer than the preStop drain. @default 45 */
  readonly terminationGracePeriodSeconds?: number;
}

/** A value of an environment variable: a literal, or a Secret / ConfigMap key by reference. */
export type MicroserviceEnvValue =
  | string
  | { readonly secret: { readonly name: string; readonly key: string } }
  | { readonly configMap: { readonly name: string; readonly key: string } };

/** Props of {@link Microservice}. */
export interface MicroserviceProps {
  /** Name of the Deployment, the Service and the PodDisruptionBudget. */
  readonly name: string;
  /** Namespace of every object. */
  readonly namespace: string;
  /** Container image, pinned by tag or digest. `:latest` and untagged images are refused. */
  readonly image: string;
  /** The version the pods run: label `app.kubernetes.io/version` and OpenTelemetry `service.version`. */
  readonly version: string;
  /** Environment name, OpenTelemetry `deployment.environment`, e.g. `prod`. */
  readonly environment: string;
  /** Named ports; the first is the main port (probes default to it). */
  readonly ports: readonly MicroservicePort[];
  /** Application name shared by every lane of the service: `app.kubernetes.io/name` and `OTEL_SERVICE_NAME`. @default name */
  readonly appName?: string;
  /** Traffic lane of these pods: `stable`, or a gray lane such as `gray`. @default stable */
  readonly lane?: string;
  /** The application the service belongs to, `app.kubernetes.io/part-of`. @default namespace */
  readonly partOf?: string;
  /** Protocol served on the main port: decides the probe kind and the Service's appProtocol. @default http */
  readonly protocol?: 'http' | 'grpc';
  /** Replicas when no autoscaler manages the Deployment. @default 2 */
  readonly replicas?: number;
  /**
   * Whether an autoscaler will manage the replica count: a PodDisruptionBudget is emitted even for
   * one replica. The autoscaler itself calls `deployment.markHasAutoscaler()`, which drops `spec.replicas`.
   * @default false
   */
  readonly autoscaled?: boolean;
  /** Requests and limits. @default 100m/128Mi requested, 1 CPU/512Mi limit */
  readonly resources?: MicroserviceResources;
  /** Startup probe. @default GET /healthz every 2s, 60 tries (gRPC health for grpc) */
  readonly startupProbe?: MicroserviceProbe;
  /** Readiness probe. @default GET /ready every 5s (gRPC health for grpc) */
  readonly readinessProbe?: MicroserviceProbe;
  /** Liveness probe. @default GET /healthz every 10s (gRPC health for grpc) */
  readonly livenessProbe?: MicroserviceProbe;
  /** Lossless rollout settings. @default maxSurge 25%, 10s warm-up, 15s drain, 45s grace period */
  readonly lossless?: MicroserviceLossless;
  /** Environment variables of the app, after the platform's own (OTEL_*, LANE, GRAY_*). @default {} */
  readonly env?: Readonly<Record<string, MicroserviceEnvValue>>;
  /** Node pool placement. @default - any schedulable node */
  readonly placement?: PodPlacement;
  /** OTLP endpoint the app exports telemetry to (`OTEL_EXPORTER_OTLP_ENDPOINT`). @default - not set; the SDK's default applies */
  readonly otlpEndpoint?: string;
  /** Header that carries the lane mark, given to the app as `GRAY_HEADER`. @default x-gray-tag */
  readonly grayHeader?: string;
  /** PodDisruptionBudget's maxUnavailable. @default 1 */
  readonly maxUnavailableDuringDisruption?: number;
  /**
   * Size limit of the writable `/tmp` (an emptyDir), since the root file system is read-only.
   * @default 256 (MiB)
   */
  readonly tmpSizeMebibytes?: number;
  /** UID and GID the container runs as (never 0). @default 10001 */
  readonly runAsUser?: number;
}

/** Quantities the construct accepts. */
const CPU = /^(?:([1-9][0-9]*)m|([0-9]+(?:\.[0-9]{1,3})?))$/;
const MEMORY = /^([1-9][0-9]*)(Mi|Gi)$/;

/** Environment variables the platform sets on every container; the app's env may not override them. */
export const RESERVED_ENV = [
  'OTEL_SERVICE_NAME',
  'OTEL_RESOURCE_ATTRIBUTES',
  'OTEL_PROPAGATORS',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'LANE',
  'GRAY_HEADER',
  'GRAY_TAG',
] as const;

function millicores(quantity: string, field: string): number {
  const match = CPU.exec(quantity);
  if (!match) {
    throw new ValidationError(
      `Microservice: '${field}' (${JSON.stringify(quantity)}) must be millicores (250m) or cores (1)`,
    );
  }
  return match[1] !== undefined ? Number(match[1]) : Math.round(Number(match[2]) * 1000);
}

function mebibytes(quantity: string, field: string): number {
  const match = MEMORY.exec(quantity);
  if (!match) {
    throw new ValidationError(
      `Microservice: '${field}' (${JSON.stringify(quantity)}) must be a whole number of Mi or Gi`,
    );
  }
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
}

/**
 * A microservice: a cdk8s-plus Deployment and its Service, built to roll out and scale in
 * without losing requests.
 *
 * - `maxUnavailable: 0` with `maxSurge`, so a rollout never has fewer ready pods;
 * - startup, readiness and liveness probes (HTTP GET, or the gRPC health protocol);
 * - a preStop drain (exec `sleep`, or an HTTP drain endpoint, since the `sleep` lifecycle action
 *   only arrived in Kubernetes 1.29) that is shorter than `terminationGracePeriodSeconds`, so
 *   endpoints and gateways stop sending before SIGTERM;
 * - `minReadySeconds` as warm-up before the rollout moves on;
 * - a PodDisruptionBudget when it has more than one replica or is autoscaled;
 * - soft topology spread across zones and nodes, counted per ReplicaSet revision;
 * - a restricted security context (non-root, no privilege escalation, read-only root, all
 *   capabilities dropped, RuntimeDefault seccomp);
 * - OpenTelemetry conventions and the lane's environment for full-link grayscale.
 *
 * Each lane of a service (stable, a gray lane) is its own Microservice with its own Deployment
 * and Service; the Service selects the lane's pods only, so routes decide who gets which lane.
 */
export class Microservice extends Construct {
  /** Label that names the traffic lane of a pod. */
  public static readonly LANE_LABEL = 'platform-blueprint.io/lane';
  /** The lane of the stable version. */
  public static readonly STABLE_LANE = 'stable';

  /** The Deployment; pass it to an autoscaler (it implements IScalable). */
  public readonly deployment: Deployment;
  /** The Service selecting this lane's pods. */
  public readonly service: Service;
  /** The PodDisruptionBudget. @default - none: one replica and not autoscaled */
  public readonly podDisruptionBudget?: k8s.KubePodDisruptionBudget;
  /** Labels that select this lane's pods (name and lane; the version is not part of the selector). */
  public readonly selectorLabels: Readonly<Record<string, string>>;
  /** Name of the Service. */
  public readonly serviceName: string;
  /** Namespace of the objects. */
  public readonly namespace: string;
  /** Service ports, by name. */
  public readonly ports: readonly MicroservicePort[];
  /** The lane of these pods. */
  public readonly lane: string;

  constructor(scope: Construct, id: string, props: MicroserviceProps) {
    super(scope, id);
    const lane = props.lane ?? Microservice.STABLE_LANE;
    const appName = props.appName ?? props.name;
    const protocol = props.protocol ?? 'http';
    const replicas = props.replicas ?? 2;
    const lossless = props.lossless ?? {};
    const preStopSeconds = lossless.preStopSeconds ?? 15;
    const grace = lossless.terminationGracePeriodSeconds ?? 45;
    const user = props.runAsUser ?? 10001;
    validate(props, { replicas, preStopSeconds, grace, user });

    this.lane = lane;
    this.namespace = props.namespace;
    this.serviceName = props.name;
    this.ports = props.ports;
    this.selectorLabels = { 'app.kubernetes.io/name': appName, [Microservice.LANE_LABEL]: lane };
    const labels = {
      ...this.selectorLabels,
      'app.kubernetes.io/instance': props.name,
      'app.kubernetes.io/version': props.version,
      'app.kubernetes.io/part-of': props.partOf ?? props.namespace,
    };
    const metadata = { name: props.name, namespace: props.namespace, labels };
    const mainPort = props.ports[0] as MicroservicePort;
    const containerPort = (portName: string | undefined, field: string): number => {
      if (portName === undefined) return mainPort.targetPort ?? mainPort.port;
      const found = props.ports.find((p) => p.name === portName);
      if (!found) {
        throw new ValidationError(
          `Microservice ${props.name}: '${field}' (${JSON.stringify(portName)}) is not one of the port names (${props.ports.map((p) => p.name).join(', ')})`,
        );
      }
      return found.targetPort ?? found.port;
    };

    const resources = props.resources ?? {
      cpuRequest: '100m',
      cpuLimit: '1',
      memoryRequest: '128Mi',
      memoryLimit: '512Mi',
    };
    const cpu = {
      request: millicores(resources.cpuRequest, 'cpuRequest'),
      limit: millicores(resources.cpuLimit, 'cpuLimit'),
    };
    const memory = {
      request: mebibytes(resources.memoryRequest, 'memoryRequest'),
      limit: mebibytes(resources.memoryLimit, 'memoryLimit'),
    };
    if (cpu.limit < cpu.request) {
      throw new ValidationError(
        `Microservice ${props.name}: 'cpuLimit' (${resources.cpuLimit}) must be >= 'cpuRequest' (${resources.cpuRequest})`,
      );
    }
    if (memory.limit < memory.request) {
      throw new ValidationError(
        `Microservice ${props.name}: 'memoryLimit' (${resources.memoryLimit}) must be >= 'memoryRequest' (${resources.memoryRequest})`,
      );
    }

    const probes = {
      startup: { path: '/healthz', periodSeconds: 2, failureThreshold: 60, ...props.startupProbe },
      readiness: { path: '/ready', ...props.readinessProbe },
      liveness: { path: '/healthz', periodSeconds: 10, ...props.livenessProbe },
    };
    const probeOf = (settings: MicroserviceProbe, field: string): Probe => {
      const options = {
        port: containerPort(settings.port, `${field}.port`),
        initialDelaySeconds: Duration.seconds(settings.initialDelaySeconds ?? 0),
        periodSeconds: Duration.seconds(settings.periodSeconds ?? 5),
        timeoutSeconds: Duration.seconds(settings.timeoutSeconds ?? 2),
        failureThreshold: settings.failureThreshold ?? 3,
      };
      // gRPC probes are patched in below: cdk8s-plus-28 has no gRPC probe; a TCP probe holds the place.
      return protocol === 'grpc'
        ? Probe.fromTcpSocket(options)
        : Probe.fromHttpGet(settings.path ?? '/healthz', options);
    };

    const tmp = Volume.fromEmptyDir(this, 'tmp', 'tmp', {
      sizeLimit: Size.mebibytes(props.tmpSizeMebibytes ?? 256),
    });
    this.deployment = new Deployment(this, 'deployment', {
      metadata,
      select: false,
      podMetadata: { labels },
      // An autoscaled Deployment leaves spec.replicas to its HPA (a fixed count would fight it).
      replicas: props.autoscaled === true ? undefined : replicas,
      minReady: Duration.seconds(lossless.minReadySeconds ?? 10),
      progressDeadline: Duration.seconds(PROGRESS_DEADLINE_SECONDS),
      strategy: DeploymentStrategy.rollingUpdate({
        maxSurge: surge(lossless.maxSurge ?? '25%'),
        maxUnavailable: PercentOrAbsolute.absolute(0),
      }),
      terminationGracePeriod: Duration.seconds(grace),
      automountServiceAccountToken: false,
      securityContext: { ensureNonRoot: true, user, group: user, fsGroup: user },
      containers: [
        {
          name: 'app',
          image: props.image,
          imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
          ports: props.ports.map((p) => ({
            name: p.name,
            number: p.targetPort ?? p.port,
            protocol: Protocol.TCP,
          })),
          resources: {
            cpu: { request: Cpu.millis(cpu.request), limit: Cpu.millis(cpu.limit) },
            memory: { request: Size.mebibytes(memory.request), limit: Size.mebibytes(memory.limit) },
          },
          startup: probeOf(probes.startup, 'startupProbe'),
          readiness: probeOf(probes.readiness, 'readinessProbe'),
          liveness: probeOf(probes.liveness, 'livenessProbe'),
          lifecycle: {
            preStop:
              lossless.preStopPath !== undefined
                ? Handler.fromHttpGet(lossless.preStopPath, { port: mainPort.targetPort ?? mainPort.port })
                : Handler.fromCommand(['sleep', String(preStopSeconds)]),
          },
          securityContext: {
            ensureNonRoot: true,
            user,
            group: user,
            privileged: false,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: [Capability.ALL] },
            seccompProfile: { type: SeccompProfileType.RUNTIME_DEFAULT },
          },
          envVariables: this.environment(props, lane, appName),
          // The root file system is read-only; apps write temporary files here.
          volumeMounts: [{ path: '/tmp', volume: tmp }],
        },
      ],
    });
    this.deployment.select(LabelSelector.of({ labels: { ...this.selectorLabels } }));

    const deploymentObject = ApiObject.of(this.deployment);
    // cdk8s-plus adds its own address label to the pod template; the selector above is the contract.
    deploymentObject.addJsonPatch(JsonPatch.remove('/spec/template/metadata/labels/cdk8s.io~1metadata.addr'));
    // The pod-level seccomp profile makes the namespace's PSA "restricted" level hold for every container.
    deploymentObject.addJsonPatch(
      JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
    );
    deploymentObject.addJsonPatch(
      JsonPatch.add('/spec/template/spec/topologySpreadConstraints', [
        spread('topology.kubernetes.io/zone', this.selectorLabels),
        spread('kubernetes.io/hostname', this.selectorLabels),
      ]),
    );
    patchPlacement(deploymentObject, props.placement);
    if (protocol === 'grpc') {
      const kinds = [
        ['startupProbe', probes.startup, 'startupProbe'],
        ['readinessProbe', probes.readiness, 'readinessProbe'],
        ['livenessProbe', probes.liveness, 'livenessProbe'],
      ] as const;
      for (const [key, settings, field] of kinds) {
        deploymentObject.addJsonPatch(
          JsonPatch.remove(`/spec/template/spec/containers/0/${key}/tcpSocket`),
          JsonPatch.add(`/spec/template/spec/containers/0/${key}/grpc`, {
            port: containerPort(settings.port, `${field}.port`),
          }),
        );
      }
    }

    this.service = new Service(this, 'service', {
      metadata,
      type: ServiceType.CLUSTER_IP,
      ports: props.ports.map((p) => ({
        name: p.name,
        port: p.port,
        targetPort: p.targetPort ?? p.port,
        protocol: Protocol.TCP,
      })),
    });
    for (const [key, value] of Object.entries(this.selectorLabels)) this.service.selectLabel(key, value);
    const serviceObject = ApiObject.of(this.service);
    serviceObject.addJsonPatch(JsonPatch.remove('/spec/externalIPs'));
    // The main port speaks the service's protocol (gRPC is HTTP/2 cleartext), so gateways and meshes
    // pick the right codec; other ports (metrics, admin) are left to protocol detection.
    serviceObject.addJsonPatch(
      JsonPatch.add('/spec/ports/0/appProtocol', protocol === 'grpc' ? 'kubernetes.io/h2c' : 'http'),
    );

    if (replicas > 1 || props.autoscaled === true) {
      this.podDisruptionBudget = new k8s.KubePodDisruptionBudget(this, 'pdb', {
        metadata,
        spec: {
          maxUnavailable: k8s.IntOrString.fromNumber(props.maxUnavailableDuringDisruption ?? 1),
          selector: { matchLabels: { ...this.selectorLabels } },
          // Evicting a pod that is not ready loses no request; never let it block a node drain.
          unhealthyPodEvictionPolicy: 'AlwaysAllow',
        },
      });
    }

    this.node.addValidation({
      validate: () =>
        this.deployment.hasAutoscaler && !this.podDisruptionBudget
          ? [
              `Microservice ${props.name}: the Deployment is autoscaled but has no PodDisruptionBudget; set 'autoscaled: true'`,
            ]
          : [],
    });
  }

  /** The platform's environment (OpenTelemetry, lane), then the app's own. */
  private environment(props: MicroserviceProps, lane: string, appName: string): Record<string, EnvValue> {
    const attributes = [
      `service.namespace=${props.namespace}`,
      `deployment.environment=${props.environment}`,
      `service.version=${props.version}`,
      `lane=${lane}`,
    ].join(',');
    const env: Record<string, EnvValue> = {
      OTEL_SERVICE_NAME: EnvValue.fromValue(appName),
      OTEL_RESOURCE_ATTRIBUTES: EnvValue.fromValue(attributes),
      OTEL_PROPAGATORS: EnvValue.fromValue('tracecontext,baggage'),
    };
    if (props.otlpEndpoint !== undefined)
      env.OTEL_EXPORTER_OTLP_ENDPOINT = EnvValue.fromValue(props.otlpEndpoint);
    env.LANE = EnvValue.fromValue(lane);
    env.GRAY_HEADER = EnvValue.fromValue(props.grayHeader ?? 'x-gray-tag');
    if (lane !== Microservice.STABLE_LANE) env.GRAY_TAG = EnvValue.fromValue(lane);
    for (const [name, value] of Object.entries(props.env ?? {})) {
      if ((RESERVED_ENV as readonly string[]).includes(name)) {
        throw new ValidationError(
          `Microservice ${props.name}: env '${name}' is set by the platform; reserved names: ${RESERVED_ENV.join(', ')}`,
        );
      }
      env[name] = envValue(this, name, value);
    }
    return env;
  }
}

function validate(
  props: MicroserviceProps,
  resolved: { replicas: number; preStopSeconds: number; grace: number; user: number },
): void {
  const where = `Microservice ${props.name}`;
  if (props.ports.length === 0) throw new ValidationError(`${where}: 'ports' must list at least one port`);
  const names = new Set<string>();
  const numbers = new Set<number>();
  for (const p of props.ports) {
    if (names.has(p.name)) throw new ValidationError(`${where}: port name '${p.name}' is used twice`);
    const target = p.targetPort ?? p.port;
    if (numbers.has(target)) throw new ValidationError(`${where}: container port ${target} is used twice`);
    names.add(p.name);
    numbers.add(target);
  }
  const image = props.image;
  const tag = /:([\w][\w.-]*)$/.exec(image.split('@')[0]?.split('/').pop() ?? '')?.[1];
  if (!image.includes('@sha256:') && (tag === undefined || tag === 'latest')) {
    throw new ValidationError(
      `${where}: 'image' (${JSON.stringify(image)}) must be pinned by a version tag or a digest`,
    );
  }
  if (resolved.preStopSeconds >= resolved.grace) {
    throw new ValidationError(
      `${where}: 'preStopSeconds' (${resolved.preStopSeconds}) must be < 'terminationGracePeriodSeconds' (${resolved.grace})`,
    );
  }
  const minReady = props.lossless?.minReadySeconds ?? 10;
  if (minReady >= PROGRESS_DEADLINE_SECONDS)
    throw new ValidationError(
      `${where}: 'minReadySeconds' (${minReady}) must be less than the progress deadline (${PROGRESS_DEADLINE_SECONDS})`,
    );
  if (resolved.replicas < 0)
    throw new ValidationError(`${where}: 'replicas' (${resolved.replicas}) must be >= 0`);
  if (resolved.user === 0) throw new ValidationError(`${where}: 'runAsUser' (0) must not be root`);
}

function surge(value: number | string): PercentOrAbsolute {
  if (typeof value === 'number') return PercentOrAbsolute.absolute(value);
  const match = /^([1-9][0-9]?|100)%$/.exec(value);
  if (!match)
    throw new ValidationError(
      `Microservice: 'maxSurge' (${JSON.stringify(value)}) must be a count or 1%-100%`,
    );
  return PercentOrAbsolute.percent(Number(match[1]));
}

function spread(topologyKey: string, matchLabels: Readonly<Record<string, string>>) {
  return {
    maxSkew: 1,
    topologyKey,
    // Soft: a pool in one zone, or fewer nodes than pods, must not block a surge pod of a rollout.
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels: { ...matchLabels } },
    // Spread each ReplicaSet revision on its own, so that a rollout's new pods spread too.
    matchLabelKeys: ['pod-template-hash'],
  };
}

function envValue(scope: Construct, name: string, value: MicroserviceEnvValue): EnvValue {
  if (typeof value === 'string') return EnvValue.fromValue(value);
  if ('secret' in value) {
    const secret = Secret.fromSecretName(scope, `env-${name}`, value.secret.name);
    return EnvValue.fromSecretValue({ secret, key: value.secret.key });
  }
  const configMap = ConfigMap.fromConfigMapName(scope, `env-${name}`, value.configMap.name);
  return EnvValue.fromConfigMap(configMap, value.configMap.key);
}
