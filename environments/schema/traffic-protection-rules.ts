import { type Rule, report } from './rules';

/** The name of the method-matched HTTPRoute that carries a service's retries. */
export function retryRouteName(service: string): string {
  return `${service}-retry`;
}

/**
 * Retries: every gRPC call is a POST, so a gRPC route retries only with `retryNonIdempotent`;
 * a retry needs a retry budget; the method-matched retry route stays within the HTTPRoute
 * match limits and its name is free.
 */
export const retriesSafe: Rule = (spec, ctx) => {
  const names = new Set(spec.services.map((service) => service.name));
  spec.services.forEach((service, index) => {
    const protection = service.route?.protection;
    const retry = protection?.retry;
    if (!service.route || !protection || !retry) return;
    const at = ['services', index, 'route', 'protection'];
    if (service.protocol === 'grpc' && !retry.retryNonIdempotent) {
      report(
        ctx,
        [...at, 'retry', 'retryNonIdempotent'],
        retry.retryNonIdempotent,
        'must be true to retry a gRPC route: every gRPC call is a POST, and the gateway cannot tell which methods are idempotent',
      );
    }
    if (protection.circuitBreaker.maxParallelRetries === 0) {
      report(
        ctx,
        [...at, 'circuitBreaker', 'maxParallelRetries'],
        0,
        'is 0, so no retry would ever run; raise it or remove `retry`',
      );
    }
    if (service.protocol === 'grpc') return;
    const paths = service.route.pathPrefixes.length;
    const methods = retry.methods.length;
    const laneRules = 1 + (service.gray ? 1 + (service.gray.headers.length > 0 ? 1 : 0) : 0);
    if (paths * methods > 64 || laneRules * paths * methods >= 128) {
      report(
        ctx,
        [...at, 'retry', 'methods'],
        retry.methods,
        `${methods} methods x ${paths} path prefixes x ${laneRules} lane rules make ${laneRules * paths * methods} matches in the retry route; an HTTPRoute holds at most 64 per rule and fewer than 128 in all`,
      );
    }
    if (names.has(retryRouteName(service.name))) {
      report(
        ctx,
        [...at, 'retry'],
        service.name,
        `needs the route name ${retryRouteName(service.name)}, which is another service's name`,
      );
    }
  });
};

/** A local rate limit holds one limit for the whole route (without a client); the others are per client. */
export const rateLimitsDistinct: Rule = (spec, ctx) => {
  spec.services.forEach((service, index) => {
    const limits = service.route?.protection.rateLimits ?? [];
    const unscoped = limits.flatMap((limit, i) => (limit.client ? [] : [i]));
    for (const i of unscoped.slice(1)) {
      report(
        ctx,
        ['services', index, 'route', 'protection', 'rateLimits', i],
        limits[i],
        `is a second limit without \`client\` (the first is rateLimits[${unscoped[0]}]); a route has one limit for all its requests, the others name a client`,
      );
    }
  });
};

/** A trusted source sets only lane headers: the mark, or a header some gray rule matches. */
export const trustedSourcesSetLaneHeaders: Rule = (spec, ctx) => {
  const grayHeaders = new Set(
    spec.services.flatMap((service) =>
      (service.gray?.headers ?? []).map((header) => header.name.toLowerCase()),
    ),
  );
  spec.grayscale.trustedSources.forEach((source, index) => {
    const kind = source.jwtClaim ? 'jwtClaim' : source.signedCookie ? 'signedCookie' : undefined;
    const jwt = source.jwtClaim ?? source.signedCookie;
    if (!kind || !jwt) return;
    if (!spec.gateway) {
      report(ctx, ['grayscale', 'trustedSources', index], kind, 'needs a `gateway` that verifies the token');
    }
    jwt.headerClaims.forEach((mapping, i) => {
      const name = mapping.header.toLowerCase();
      if (name === spec.grayscale.header || !grayHeaders.has(name)) {
        report(
          ctx,
          ['grayscale', 'trustedSources', index, kind, 'headerClaims', i, 'header'],
          mapping.header,
          `is not a header of any gray rule (services[].gray.headers[].name: ${grayHeaders.size > 0 ? [...grayHeaders].join(', ') : 'none'}); the mark itself comes from \`claim\``,
        );
      }
    });
  });
};

/** The rules of the traffic protection and trusted marks, in the order they run. */
export const trafficProtectionRules: readonly Rule[] = [
  rateLimitsDistinct,
  retriesSafe,
  trustedSourcesSetLaneHeaders,
];
