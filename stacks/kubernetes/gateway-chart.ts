import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { Gateway } from '../../constructs/gateway/gateway';
import { GrpcServiceRoute } from '../../constructs/gateway/grpc-service-route';
import { HttpServiceRoute } from '../../constructs/gateway/http-service-route';
import { type GrayLane, LaneSplit } from '../../constructs/gateway/lane-split';
import { LanesGateway } from '../../constructs/gateway/lanes-gateway';
import type { LoadedEnvironment } from '../../environments/load';
import type { ServiceSpec } from '../../environments/schema/services';
import { envoyProxyName } from '../addons/addons-chart';
import { installed } from '../addons/catalog';
import { MANAGED_BY_LABELS } from '../labels';
import {
  isLaned,
  LANES_GATEWAY_NAME,
  lanedServices,
  lanesGatewayEnabled,
  lanesProxySettings,
  routedPort,
  stableServiceName,
} from './lanes';
import {
  guardPublicListeners,
  plainHttpRefusal,
  protectPublicRoute,
  protectsRoutes,
} from './traffic-protection';
import { grayName } from './workloads-chart';

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
    // The lanes Gateway of in-cluster calls needs the north-south gateway's namespace and class.
    spec.gateway !== undefined
  );
}

/**
 * Traffic of an environment on the Gateway API v1: the north-south Gateway, one HTTPRoute or
 * GRPCRoute per exposed service (stable and gray split by weight and by the mark), and, while
 * services have gray releases (`grayscale.inCluster: lanesGateway`), the in-cluster `lanes`
 * Gateway with a lane route per such service, so that service-to-service calls carrying the mark
 * stay in the lane (docs/gateway-and-grayscale.md, "In-cluster lanes").
 */
export class GatewayChart extends Chart {
  /** The Gateway. @default - none when the environment has no `gateway` */
  public readonly gateway?: Gateway;

  constructor(scope: Construct, id: string, env: LoadedEnvironment) {
    super(scope, id, { disableResourceNameHashes: true, labels: { ...MANAGED_BY_LABELS } });
    const { spec } = env;
    const markHeader = spec.grayscale.header;
    const routed = spec.services.filter((service) => service.route !== undefined);
    // Envoy Gateway binds a backendRef's filter to a weighted-cluster entry, not to the backend
    // (see LaneSplit.markWeightedShare): under it, the gray pods mark their own calls instead.
    const markWeightedShare = !(
      installed(spec, 'envoyGateway') && spec.gateway?.className === spec.addons.envoyGateway.className
    );

    if (spec.gateway) {
      const gateway = spec.gateway;
      const refusal = plainHttpRefusal(this, spec);
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
        ...(refusal ? { plainHttpRefusal: refusal } : {}),
      });
      // Lane headers only from trusted sources; client timeouts (docs/gateway-and-grayscale.md).
      if (protectsRoutes(spec)) guardPublicListeners(this, spec, { ...MANAGED_BY_LABELS });
    }

    const lanes =
      spec.gateway && lanesGatewayEnabled(spec)
        ? new LanesGateway(this, 'lanes', {
            name: LANES_GATEWAY_NAME,
            namespace: spec.gateway.namespace,
            className: spec.gateway.className,
            dnsDomain: spec.cluster.dnsDomain,
            services: lanedServices(spec),
            proxy: lanesProxySettings(spec),
            infrastructureLabels: { 'platform-blueprint.io/gateway': LANES_GATEWAY_NAME },
          })
        : undefined;

    for (const service of spec.services) {
      const port = routedPort(service);
      const stable = { name: stableServiceName(spec, service), port };
      const gray = grayLane(service, port);
      const labels = { 'app.kubernetes.io/name': service.name };
      if (service.route && this.gateway) {
        const split = new LaneSplit({ stable, markHeader, markWeightedShare, ...(gray ? { gray } : {}) });
        const common = {
          name: service.name,
          namespace: service.namespace,
          parents: this.gateway.routeParents(service.route.hostnames),
          split,
          hostnames: service.route.hostnames,
          labels,
        };
        if (service.protocol === 'grpc') {
          new GrpcServiceRoute(this, `${service.name}-route`, common);
          if (protectsRoutes(spec)) protectPublicRoute(this, service, undefined, labels);
        } else {
          const http = {
            ...common,
            pathPrefixes: service.route.pathPrefixes,
            timeouts: {
              request: service.route.timeout,
              ...(service.route.backendTimeout !== undefined
                ? { backendRequest: service.route.backendTimeout }
                : {}),
            },
          };
          new HttpServiceRoute(this, `${service.name}-route`, http);
          if (protectsRoutes(spec)) protectPublicRoute(this, service, http, labels);
        }
      }
      if (gray && lanes && isLaned(spec, service)) {
        // Calls inside the cluster reach the lanes Gateway under the service's own name and follow
        // the mark. A service the gateway exposes was split at the edge already; an internal-only
        // service splits unmarked calls by weight here.
        const laned = { name: service.name, namespace: service.namespace, port };
        const split = new LaneSplit({
          stable,
          gray,
          markHeader,
          markWeightedShare,
          splitByWeight: service.route === undefined,
        });
        const common = {
          name: `${service.name}-lanes`,
          namespace: service.namespace,
          parents: lanes.routeParents(laned),
          split,
          hostnames: lanes.hostnames(laned),
          labels,
        };
        if (service.protocol === 'grpc') new GrpcServiceRoute(this, `${service.name}-lanes`, common);
        else new HttpServiceRoute(this, `${service.name}-lanes`, common);
      }
    }
  }
}
