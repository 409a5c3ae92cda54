import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { ValidationError } from '../../constructs/core/validation-error';
import { Gateway } from '../../constructs/gateway/gateway';
import { GrpcServiceRoute } from '../../constructs/gateway/grpc-service-route';
import { HttpServiceRoute } from '../../constructs/gateway/http-service-route';
import { type GrayLane, LaneSplit } from '../../constructs/gateway/lane-split';
import { RouteParent } from '../../constructs/gateway/route-parent';
import type { LoadedEnvironment } from '../../environments/load';
import type { ServiceSpec } from '../../environments/schema/services';
import { envoyProxyName } from '../addons/addons-chart';
import { installed } from '../addons/catalog';
import { MANAGED_BY_LABELS } from '../labels';
import { grayName } from './workloads-chart';

/** The Service port a service's routes send to: `route.port` by name, else the first port. */
function routedPort(service: ServiceSpec): number {
  const name = service.route?.port;
  const port = name === undefined ? service.ports[0] : service.ports.find((p) => p.name === name);
  if (!port)
    throw new ValidationError(`routedPort: service ${service.name} has no port ${JSON.stringify(name)}`);
  return port.port;
}

function grayLane(service: ServiceSpec, port: number): GrayLane | undefined {
  if (!service.gray) return undefined;
  return {
    lane: service.gray.lane,
    backend: { name: grayName(service), port },
    weight: service.gray.weight,
    headers: service.gray.headers,
  };
}

/**
 * The Gateway's parametersRef: the one the environment names, else the EnvoyProxy of the
 * Envoy Gateway add-on (which pins the proxies to their pool).
 */
export function gatewayParameters(
  env: LoadedEnvironment,
): { group: string; kind: string; name: string } | undefined {
  const { spec } = env;
  if (spec.gateway?.parametersRef) return spec.gateway.parametersRef;
  if (!installed(spec, 'envoyGateway')) return undefined;
  return { group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', name: envoyProxyName(spec) };
}

/** Whether the environment needs the gateway chart at all. */
export function needsGatewayChart(env: LoadedEnvironment): boolean {
  const { spec } = env;
  return (
    spec.gateway !== undefined ||
    (spec.grayscale.meshRoutes && spec.services.some((service) => service.gray !== undefined))
  );
}

/**
 * Traffic of an environment on the Gateway API v1: the north-south Gateway, one HTTPRoute or
 * GRPCRoute per exposed service (stable and gray split by weight and by the mark), and, for
 * every service with a gray release, an in-cluster route (GAMMA: the stable Service is the
 * parent) so that service-to-service calls carrying the mark stay in the lane.
 */
export class GatewayChart extends Chart {
  /** The Gateway. @default - none when the environment has no `gateway` */
  public readonly gateway?: Gateway;

  constructor(scope: Construct, id: string, env: LoadedEnvironment) {
    super(scope, id, { disableResourceNameHashes: true, labels: { ...MANAGED_BY_LABELS } });
    const { spec } = env;
    const markHeader = spec.grayscale.header;
    const routed = spec.services.filter((service) => service.route !== undefined);

    if (spec.gateway) {
      const gateway = spec.gateway;
      this.gateway = new Gateway(this, 'gateway', {
        name: gateway.name,
        namespace: gateway.namespace,
        className: gateway.className,
        hostnames: gateway.hostnames,
        httpPort: gateway.httpPort,
        httpsPort: gateway.httpsPort,
        certificates: gateway.certificateRefs,
        redirectHttpToHttps: gateway.redirectHttpToHttps,
        routeNamespaces: routed.map((service) => service.namespace),
        infrastructureLabels: { 'platform-blueprint.io/gateway': gateway.name },
        ...(gatewayParameters(env) ? { parametersRef: gatewayParameters(env) } : {}),
      });
    }

    for (const service of spec.services) {
      const port = routedPort(service);
      const stable = { name: service.name, port };
      const gray = grayLane(service, port);
      const labels = { 'app.kubernetes.io/name': service.name };
      if (service.route && this.gateway) {
        const split = new LaneSplit({ stable, markHeader, ...(gray ? { gray } : {}) });
        const common = {
          name: service.name,
          namespace: service.namespace,
          parents: this.gateway.routeParents(service.route.hostnames),
          split,
          hostnames: service.route.hostnames,
          labels,
        };
        if (service.protocol === 'grpc') new GrpcServiceRoute(this, `${service.name}-route`, common);
        else {
          new HttpServiceRoute(this, `${service.name}-route`, {
            ...common,
            pathPrefixes: service.route.pathPrefixes,
            timeouts: {
              request: service.route.timeout,
              ...(service.route.backendTimeout !== undefined
                ? { backendRequest: service.route.backendTimeout }
                : {}),
            },
          });
        }
      }
      if (gray && spec.grayscale.meshRoutes) {
        // Calls inside the cluster follow the mark. A service the gateway exposes was split at the
        // edge already; an internal-only service splits unmarked calls by weight here.
        const split = new LaneSplit({ stable, gray, markHeader, splitByWeight: service.route === undefined });
        const common = {
          name: `${service.name}-mesh`,
          namespace: service.namespace,
          parents: [RouteParent.service(service.name, port)],
          split,
          labels,
        };
        if (service.protocol === 'grpc') new GrpcServiceRoute(this, `${service.name}-mesh`, common);
        else new HttpServiceRoute(this, `${service.name}-mesh`, common);
      }
    }
  }
}
