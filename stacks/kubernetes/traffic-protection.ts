import type { Construct } from 'constructs';
import { DirectResponseFilter } from '../../constructs/gateway/direct-response-filter';
import { HttpServiceRoute, type HttpServiceRouteProps } from '../../constructs/gateway/http-service-route';
import { ListenerTrafficPolicy } from '../../constructs/gateway/listener-traffic-policy';
import {
  RouteTrafficPolicy,
  type RouteTrafficPolicyProps,
} from '../../constructs/gateway/route-traffic-policy';
import { TrustedMarkPolicy, type TrustedTokenIssuer } from '../../constructs/gateway/trusted-mark-policy';
import type { EnvironmentSpec } from '../../environments/schema';
import type { ServiceSpec } from '../../environments/schema/services';
import type { TrafficProtectionSpec } from '../../environments/schema/traffic-protection';
import { retryRouteName } from '../../environments/schema/traffic-protection-rules';
import type { HttpRouteSpecRulesMatchesMethod } from '../../imports/httproute-gateway.networking.k8s.io';
import { installed } from '../addons/catalog';

/** Whether the environment's gateway is Envoy Gateway's, whose policy CRDs the add-on installs. */
export function protectsRoutes(spec: EnvironmentSpec): boolean {
  return installed(spec, 'envoyGateway');
}

/** The lane headers a client must not set: the mark and every header a gray rule matches. */
export function laneHeaders(spec: EnvironmentSpec): string[] {
  const names = new Set<string>([spec.grayscale.header]);
  for (const service of spec.services)
    for (const header of service.gray?.headers ?? []) names.add(header.name.toLowerCase());
  return [...names].sort();
}

function policyProps(
  protection: TrafficProtectionSpec,
): Omit<RouteTrafficPolicyProps, 'route' | 'retry' | 'requestTimeout'> {
  return {
    rateLimits: protection.rateLimits.map((limit) => ({
      requests: limit.requests,
      unit: limit.unit,
      ...(limit.client?.header ? { clientHeader: limit.client.header } : {}),
      ...(limit.client?.sourceCidr ? { clientCidr: limit.client.sourceCidr } : {}),
    })),
    circuitBreaker: protection.circuitBreaker,
    outlierDetection: protection.outlierDetection,
    idleTimeout: protection.idleTimeout,
    connectTimeout: protection.connectTimeout,
  };
}

/**
 * The traffic protection of a service's public route. An HTTP route gets a BackendTrafficPolicy
 * without retries; with `retry`, a second HTTPRoute `<service>-retry` holds the same rules
 * matched on the retried (idempotent) methods only, and its own policy carries the retries, since
 * Envoy Gateway v1.2 attaches a policy to a whole route (no `sectionName`) and Envoy's retry
 * policy does not look at the method. A gRPC route gets one policy with the request timeout and,
 * opted in, the retries; no JSON fixed response (gRPC clients read grpc-status).
 */
export function protectPublicRoute(
  scope: Construct,
  service: ServiceSpec,
  http: HttpServiceRouteProps | undefined,
  labels: Readonly<Record<string, string>>,
): void {
  const route = service.route;
  if (!route) return;
  const protection = route.protection;
  const retry = protection.retry
    ? {
        attempts: protection.retry.attempts,
        on: protection.retry.on,
        statusCodes: protection.retry.statusCodes,
        backOff: protection.retry.backOff,
      }
    : undefined;
  const target = { name: service.name, namespace: service.namespace };
  if (!http) {
    new RouteTrafficPolicy(scope, `${service.name}-protection`, {
      route: { kind: 'GRPCRoute', ...target },
      ...policyProps(protection),
      requestTimeout: route.timeout,
      ...(retry ? { retry } : {}),
      labels,
    });
    return;
  }
  const fixedResponse = { ...protection.degradation };
  new RouteTrafficPolicy(scope, `${service.name}-protection`, {
    route: { kind: 'HTTPRoute', ...target },
    ...policyProps(protection),
    fixedResponse,
    labels,
  });
  if (!retry || !protection.retry) return;
  const name = retryRouteName(service.name);
  new HttpServiceRoute(scope, `${service.name}-retry-route`, {
    ...http,
    name,
    methods: protection.retry.methods as HttpRouteSpecRulesMatchesMethod[],
  });
  new RouteTrafficPolicy(scope, `${service.name}-retry-protection`, {
    route: { kind: 'HTTPRoute', name, namespace: service.namespace },
    ...policyProps(protection),
    retry,
    fixedResponse,
    labels,
  });
}

/**
 * Trusted marks at the public listeners: a ClientTrafficPolicy that removes every lane header
 * before routing (and sets the client timeouts), and, when the environment trusts token issuers,
 * a SecurityPolicy that sets the lane headers again from their verified claims.
 */
export function guardPublicListeners(
  scope: Construct,
  spec: EnvironmentSpec,
  labels: Readonly<Record<string, string>>,
): void {
  const gateway = spec.gateway;
  if (!gateway) return;
  const target = { name: gateway.name, namespace: gateway.namespace };
  new ListenerTrafficPolicy(scope, 'public-listeners', {
    gateway: target,
    removeRequestHeaders: laneHeaders(spec),
    idleTimeout: gateway.clientTimeouts.idle,
    requestReceivedTimeout: gateway.clientTimeouts.requestReceived,
    labels,
  });
  const issuers: TrustedTokenIssuer[] = spec.grayscale.trustedSources.flatMap((source, index) => {
    const jwt = source.jwtClaim ?? source.signedCookie;
    const from = source.signedCookie
      ? { cookie: source.signedCookie.cookie }
      : source.jwtClaim
        ? { header: source.jwtClaim.header }
        : undefined;
    if (!jwt || !from) return [];
    return [
      {
        name: `trusted-${index}`,
        issuer: jwt.issuer,
        jwksUri: jwt.jwksUri,
        audiences: jwt.audiences,
        from,
        claimToHeaders: [
          { header: spec.grayscale.header, claim: jwt.claim },
          ...jwt.headerClaims.map((mapping) => ({
            header: mapping.header.toLowerCase(),
            claim: mapping.claim,
          })),
        ],
      },
    ];
  });
  if (issuers.length > 0) new TrustedMarkPolicy(scope, 'trusted-marks', { gateway: target, issuers, labels });
}

/**
 * The answer of the plain-HTTP listeners to methods other than GET and HEAD: a 403 pointing to
 * HTTPS. Envoy Gateway v1.2 redirects only with 301 or 302, with which clients may re-send a
 * POST as a GET; a body sent in clear text is refused instead of silently changed.
 */
export function plainHttpRefusal(
  scope: Construct,
  spec: EnvironmentSpec,
): { group: string; kind: string; name: string } | undefined {
  const gateway = spec.gateway;
  if (!gateway?.redirectHttpToHttps || !protectsRoutes(spec)) return undefined;
  return new DirectResponseFilter(scope, 'plain-http-refused', {
    name: `${gateway.name}-plain-http-refused`,
    namespace: gateway.namespace,
    statusCode: 403,
    body: 'Plain HTTP serves only GET and HEAD (redirected to HTTPS); send this request to https:// instead.\n',
  }).ref;
}
