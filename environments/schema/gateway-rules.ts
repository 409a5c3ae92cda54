import { type Rule, report, reportDuplicates } from './rules';

/** Whether a route host name is accepted by a listener host name (exact, or `*.suffix` wildcard). */
export function hostnameAccepted(listener: string, route: string): boolean {
  if (listener === route) return true;
  if (listener.startsWith('*.'))
    return route.endsWith(listener.slice(1)) && route.length > listener.length - 1;
  if (route.startsWith('*.')) return listener.endsWith(route.slice(1));
  return false;
}

/** Milliseconds of a Gateway API duration such as `1m30s` or `500ms`. */
export function durationMillis(duration: string): number {
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let total = 0;
  for (const match of duration.matchAll(/([0-9]+)(ms|h|m|s)/g))
    total += Number(match[1]) * (unit[match[2] as string] ?? 0);
  return total;
}

/** The gateway lives in a namespace the platform creates, on two distinct ports, with distinct certificates. */
export const gatewayConsistent: Rule = (spec, ctx) => {
  const gateway = spec.gateway;
  if (!gateway) return;
  const known = spec.namespaces.map((namespace) => namespace.name);
  if (!known.includes(gateway.namespace)) {
    report(
      ctx,
      ['gateway', 'namespace'],
      gateway.namespace,
      `is not one of namespaces[].name (${known.length > 0 ? known.join(', ') : 'none declared'}); add it there`,
    );
  }
  if (gateway.httpPort === gateway.httpsPort) {
    report(ctx, ['gateway', 'httpsPort'], gateway.httpsPort, 'must differ from gateway.httpPort');
  }
  reportDuplicates(
    ctx,
    gateway.certificateRefs,
    (ref) => `${ref.namespace ?? gateway.namespace}/${ref.name}`,
    (i) => ['gateway', 'certificateRefs', i, 'name'],
    'the certificate',
  );
  reportDuplicates(
    ctx,
    gateway.hostnames,
    (h) => h,
    (i) => ['gateway', 'hostnames', i],
    'the host name',
  );
};

/** A routed service needs a gateway whose listeners accept its host names; no two services claim the same host and path. */
export const routesAttach: Rule = (spec, ctx) => {
  const gateway = spec.gateway;
  const claims = new Map<string, number>();
  spec.services.forEach((service, index) => {
    const route = service.route;
    if (!route) return;
    if (!gateway) {
      report(
        ctx,
        ['services', index, 'route'],
        service.name,
        'exposes the service through the gateway, but the environment has no `gateway`',
      );
      return;
    }
    if (gateway.hostnames.length > 0) {
      route.hostnames.forEach((hostname, i) => {
        if (!gateway.hostnames.some((listener) => hostnameAccepted(listener, hostname))) {
          report(
            ctx,
            ['services', index, 'route', 'hostnames', i],
            hostname,
            `is not accepted by any gateway listener (gateway.hostnames: ${gateway.hostnames.join(', ')})`,
          );
        }
      });
    }
    if (
      route.backendTimeout !== undefined &&
      durationMillis(route.backendTimeout) > durationMillis(route.timeout)
    ) {
      report(
        ctx,
        ['services', index, 'route', 'backendTimeout'],
        route.backendTimeout,
        `must not exceed route.timeout (${route.timeout}), which covers every attempt of the request`,
      );
    }
    const hosts = route.hostnames.length > 0 ? route.hostnames : ['*'];
    const paths = service.protocol === 'grpc' ? [`grpc:${service.name}`] : route.pathPrefixes;
    paths.forEach((path, pathIndex) => {
      for (const host of hosts) {
        const key = `${host} ${path}`;
        const first = claims.get(key);
        if (first !== undefined && first !== index) {
          report(
            ctx,
            ['services', index, 'route', 'pathPrefixes', pathIndex],
            path,
            `on host ${host} is already routed to services[${first}] (${spec.services[first]?.name}); a host and path prefix go to one service`,
          );
        } else claims.set(key, index);
      }
    });
  });
};

/** Whether two host names (each possibly `*` or `*.suffix`) can match the same request. */
function hostsOverlap(a: string, b: string): boolean {
  return a === '*' || b === '*' || hostnameAccepted(a, b) || hostnameAccepted(b, a);
}

/**
 * An HTTPRoute and a GRPCRoute must not share a host name on the gateway: the Gateway API has
 * implementations reject one of them (gRPC is HTTP/2 and both would match its requests).
 */
export const grpcHostsSeparate: Rule = (spec, ctx) => {
  const gateway = spec.gateway;
  if (!gateway) return;
  const effectiveHosts = (hostnames: readonly string[]) =>
    hostnames.length > 0 ? hostnames : gateway.hostnames.length > 0 ? gateway.hostnames : ['*'];
  const http = spec.services
    .map((service, index) => ({ service, index }))
    .filter(({ service }) => service.route && service.protocol === 'http');
  spec.services.forEach((service, index) => {
    if (!service.route || service.protocol !== 'grpc') return;
    const own = service.route.hostnames;
    effectiveHosts(own).forEach((host, i) => {
      const clash = http.find(({ service: other }) =>
        effectiveHosts(other.route?.hostnames ?? []).some((otherHost) => hostsOverlap(host, otherHost)),
      );
      if (!clash) return;
      report(
        ctx,
        own.length > 0
          ? ['services', index, 'route', 'hostnames', i]
          : ['services', index, 'route', 'hostnames'],
        own.length > 0 ? host : own,
        `shares host ${host} with the HTTP route of services[${clash.index}] (${clash.service.name}); give gRPC services their own host name`,
      );
    });
  });
};

/** The rules of the gateway area, in the order they run. */
export const gatewayRules: readonly Rule[] = [gatewayConsistent, routesAttach, grpcHostsSeparate];
