import { ApiObject, Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { PodAutoscaling } from '../../constructs/autoscaling/pod-autoscaling';
import { ValidationError } from '../../constructs/core/validation-error';
import { LaneEntryService } from '../../constructs/gateway/lanes-entry';
import {
  Microservice,
  type MicroserviceProbe,
  type MicroserviceProps,
} from '../../constructs/workloads/microservice';
import type { LoadedEnvironment } from '../../environments/load';
import type { EnvironmentSpec } from '../../environments/schema/index';
import { imageTag, type ProbeSpec, type ServiceSpec } from '../../environments/schema/services';
import { MANAGED_BY_LABELS } from '../labels';
import { isLaned, lanesProxyHost, stableServiceName } from './lanes';
import { placementFor } from './placement';

/** The version label of an image: its tag, else the first 12 hex digits of its digest. */
export function versionOf(image: string, explicit: string | undefined): string {
  if (explicit !== undefined) return explicit;
  const tag = imageTag(image);
  if (tag !== undefined) return tag;
  const digest = /@sha256:([a-f0-9]{12})/.exec(image);
  if (!digest)
    throw new ValidationError(`versionOf: image ${JSON.stringify(image)} has neither tag nor digest`);
  return `sha256-${digest[1]}`;
}

/** The name of a service's objects in a gray lane: `<service>-<lane>`. */
export function grayName(service: ServiceSpec): string {
  if (!service.gray) throw new ValidationError(`grayName: service ${service.name} has no gray release`);
  return `${service.name}-${service.gray.lane}`;
}

/** The Deployments and Services of one service: stable, and the gray version when released. */
export interface ServiceWorkloads {
  readonly spec: ServiceSpec;
  readonly stable: Microservice;
  readonly gray?: Microservice;
  readonly autoscaling?: PodAutoscaling;
  /** The gray version's autoscaling (when the service is autoscaled). */
  readonly grayAutoscaling?: PodAutoscaling;
}

function probe(spec: ProbeSpec): MicroserviceProbe {
  return {
    ...(spec.path !== undefined ? { path: spec.path } : {}),
    ...(spec.port !== undefined ? { port: spec.port } : {}),
    initialDelaySeconds: spec.initialDelaySeconds,
    periodSeconds: spec.periodSeconds,
    timeoutSeconds: spec.timeoutSeconds,
    failureThreshold: spec.failureThreshold,
  };
}

/** Microservice props shared by the stable and the gray version of a service. */
function commonProps(
  env: LoadedEnvironment,
  service: ServiceSpec,
): Omit<MicroserviceProps, 'name' | 'image' | 'version'> {
  const spec: EnvironmentSpec = env.spec;
  const placement = placementFor(spec, service.pool);
  const otlpEndpoint = spec.observability?.otlpEndpoint;
  return {
    namespace: service.namespace,
    environment: env.name,
    appName: service.name,
    protocol: service.protocol,
    ports: service.ports,
    resources: {
      cpuRequest: service.resources.requests.cpu,
      cpuLimit: service.resources.limits.cpu,
      memoryRequest: service.resources.requests.memory,
      memoryLimit: service.resources.limits.memory,
    },
    startupProbe: probe(service.probes.startup),
    readinessProbe: probe(service.probes.readiness),
    livenessProbe: probe(service.probes.liveness),
    lossless: { ...service.lossless },
    env: service.env,
    grayHeader: spec.grayscale.header,
    ...(placement ? { placement } : {}),
    ...(otlpEndpoint !== undefined ? { otlpEndpoint } : {}),
  };
}

/**
 * The microservices of an environment: for every service a lossless {@link Microservice}
 * (Deployment, Service, PodDisruptionBudget), its autoscaling, and, while a gray release is in
 * progress, a second Microservice in the gray lane (`<service>-<lane>`). Routes are in the
 * gateway chart.
 */
export class WorkloadsChart extends Chart {
  /** Per service name. */
  public readonly workloads: ReadonlyMap<string, ServiceWorkloads>;

  constructor(scope: Construct, id: string, env: LoadedEnvironment) {
    super(scope, id, { disableResourceNameHashes: true, labels: { ...MANAGED_BY_LABELS } });
    const workloads = new Map<string, ServiceWorkloads>();
    for (const service of env.spec.services) {
      const common = commonProps(env, service);
      const stable = new Microservice(this, service.name, {
        ...common,
        name: service.name,
        image: service.image,
        version: versionOf(service.image, service.version),
        replicas: service.replicas,
        autoscaled: service.autoscaling !== undefined,
      });
      const autoscaling = service.autoscaling
        ? new PodAutoscaling(this, `${service.name}-autoscaling`, {
            ...service.autoscaling,
            target: stable.deployment,
          })
        : undefined;
      let gray: Microservice | undefined;
      let grayAutoscaling: PodAutoscaling | undefined;
      if (service.gray) {
        gray = new Microservice(this, grayName(service), {
          ...common,
          name: grayName(service),
          lane: service.gray.lane,
          image: service.gray.image,
          version: versionOf(service.gray.image, service.gray.version),
          replicas: service.gray.replicas,
          autoscaled: service.autoscaling !== undefined,
          env: { ...service.env, ...service.gray.env },
        });
        // The gray lane scales like its stable twin (same targets and behaviour), from
        // gray.replicas up to gray.maxReplicas, so neither its weighted share nor a flood of
        // marked requests overruns it. No schedules: launch-day floors are the stable lane's.
        if (service.autoscaling) {
          const { schedules: _schedules, excludeDates: _excludeDates, ...scaling } = service.autoscaling;
          grayAutoscaling = new PodAutoscaling(this, `${grayName(service)}-autoscaling`, {
            ...scaling,
            minReplicas: service.gray.replicas,
            maxReplicas:
              service.gray.maxReplicas ?? Math.max(service.autoscaling.maxReplicas, service.gray.replicas),
            target: gray.deployment,
          });
        }
      }
      if (isLaned(env.spec, service)) {
        // Callers keep dialling <service>: it now resolves to the lanes proxies, which pick the lane.
        new LaneEntryService(this, `${service.name}-lane-entry`, {
          service: ApiObject.of(stable.service),
          stableName: stableServiceName(env.spec, service),
          proxyHost: lanesProxyHost(env.spec),
        });
      }
      workloads.set(service.name, {
        spec: service,
        stable,
        ...(gray ? { gray } : {}),
        ...(autoscaling ? { autoscaling } : {}),
        ...(grayAutoscaling ? { grayAutoscaling } : {}),
      });
    }
    this.workloads = workloads;
  }
}
