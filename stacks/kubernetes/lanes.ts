import { mirroredImage } from '../../constructs/addons/upstream-objects';
import { ValidationError } from '../../constructs/core/validation-error';
import type { LanedService, LanesProxySettings } from '../../constructs/gateway/lanes-gateway';
import type { PodPlacement } from '../../constructs/scheduling/pod-placement';
import type { EnvironmentSpec } from '../../environments/schema';
import type { ServiceSpec } from '../../environments/schema/services';
import { ADDON_IMAGES } from '../addons/addons-chart';
import { ADDON_NAMESPACES, installed } from '../addons/catalog';
import { placementFor } from './placement';

/** Name of the in-cluster lanes Gateway, its EnvoyProxy and its proxies' ClusterIP Service. */
export const LANES_GATEWAY_NAME = 'lanes';

/** The Service port a service's routes send to: `route.port` by name, else the first port. */
export function routedPort(service: ServiceSpec): number {
  const name = service.route?.port;
  const port = name === undefined ? service.ports[0] : service.ports.find((p) => p.name === name);
  if (!port)
    throw new ValidationError(`routedPort: service ${service.name} has no port ${JSON.stringify(name)}`);
  return port.port;
}

/** Whether in-cluster calls of the environment go through the lanes Gateway. */
export function lanesGatewayEnabled(spec: EnvironmentSpec): boolean {
  return (
    spec.grayscale.inCluster === 'lanesGateway' &&
    spec.gateway !== undefined &&
    installed(spec, 'envoyGateway') &&
    spec.services.some((service) => service.gray !== undefined)
  );
}

/** Whether a service's in-cluster calls go through the lanes Gateway: it has a gray release. */
export function isLaned(spec: EnvironmentSpec, service: ServiceSpec): boolean {
  return service.gray !== undefined && lanesGatewayEnabled(spec);
}

/** The services routed by the lanes Gateway, with the port callers call. */
export function lanedServices(spec: EnvironmentSpec): LanedService[] {
  return spec.services
    .filter((service) => isLaned(spec, service))
    .map((service) => ({ name: service.name, namespace: service.namespace, port: routedPort(service) }));
}

/**
 * The Service of a service's stable pods: `<service>-stable` while it is laned (its own name
 * then resolves to the lanes proxy), else `<service>`.
 */
export function stableServiceName(spec: EnvironmentSpec, service: ServiceSpec): string {
  return isLaned(spec, service) ? `${service.name}-stable` : service.name;
}

/**
 * Where Envoy Gateway runs the lanes proxies and their Service: its own namespace (v1.2.8's
 * default `ControllerNamespace` deploy type, which the add-on's configuration keeps), not the
 * Gateway's.
 */
export function lanesProxyNamespace(): string {
  return ADDON_NAMESPACES.envoyGateway;
}

/** `lanes.<proxy namespace>.svc.<cluster domain>`: the lanes proxies' Service. */
export function lanesProxyHost(spec: EnvironmentSpec): string {
  return `${LANES_GATEWAY_NAME}.${lanesProxyNamespace()}.svc.${spec.cluster.dnsDomain}`;
}

/** The lanes proxies: as many, as large and where the edge proxies of the add-on are. */
export function lanesProxySettings(spec: EnvironmentSpec): LanesProxySettings {
  const eg = spec.addons.envoyGateway;
  const placement: PodPlacement | undefined = eg.proxyPool ? placementFor(spec, eg.proxyPool) : undefined;
  return {
    replicas: eg.proxyReplicas,
    resources: eg.proxyResources,
    ...(placement ? { placement } : {}),
    image: mirroredImage(ADDON_IMAGES.envoy, spec.addons.imageRegistry),
  };
}
