import { environmentSchema } from '../../environments/schema/index';
import { MINIMAL_ENVIRONMENT } from '../support/minimal-environment';

const GATEWAY = { className: 'envoy-gateway', certificateRefs: [{ name: 'tls' }] };

function parse(services: unknown[], extra: Record<string, unknown> = {}) {
  return environmentSchema.safeParse({
    ...MINIMAL_ENVIRONMENT,
    namespaces: [{ name: 'shop' }, { name: 'gateway' }],
    gateway: GATEWAY,
    services,
    addons: { envoyGateway: { exposure: 'NodePort' } },
    ...extra,
  });
}

function issues(services: unknown[], extra: Record<string, unknown> = {}): string[] {
  const result = parse(services, extra);
  return result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

const api = (route: Record<string, unknown> = {}, more: Record<string, unknown> = {}) => ({
  name: 'api',
  namespace: 'shop',
  image: 'registry.example.com/shop/api:1.0.0',
  route,
  ...more,
});

const JWT = {
  issuer: 'https://sso.example.com',
  jwksUri: 'https://sso.example.com/jwks.json',
  jwksNetworks: ['10.9.0.5/32'],
  claim: 'gray_lane',
};

describe('traffic protection schema', () => {
  it('protects every public route by default: a rate limit, a circuit breaker, outlier detection, timeouts, a fixed response', () => {
    const result = parse([api()]);
    expect(result.success).toBe(true);
    if (!result.success) return;
    const protection = result.data.services[0]?.route?.protection;
    expect(protection).toEqual({
      rateLimits: [{ requests: 1000, unit: 'second' }],
      circuitBreaker: {
        maxConnections: 1024,
        maxPendingRequests: 256,
        maxParallelRequests: 1024,
        maxParallelRetries: 3,
      },
      outlierDetection: {
        consecutive5xxErrors: 5,
        interval: '10s',
        baseEjectionTime: '30s',
        maxEjectionPercent: 50,
      },
      idleTimeout: '1h',
      connectTimeout: '5s',
      degradation: {
        statusCodes: [429, 503],
        contentType: 'application/json',
        body: '{"error":"service temporarily unavailable, retry later"}',
      },
    });
    expect(result.data.services[0]?.route?.timeout).toBe('15s');
    expect(result.data.gateway?.clientTimeouts).toEqual({ idle: '1h', requestReceived: '1m' });
    expect(result.data.grayscale.trustedSources).toEqual([]);
  });

  it('retries only idempotent methods by default', () => {
    const result = parse([api({ protection: { retry: {} } })]);
    expect(result.success).toBe(true);
    if (!result.success) return;
    expect(result.data.services[0]?.route?.protection.retry?.methods).toEqual([
      'GET',
      'HEAD',
      'OPTIONS',
      'PUT',
      'DELETE',
    ]);
  });

  it('refuses a rate limit without a unit, with the field path', () => {
    expect(issues([api({ protection: { rateLimits: [{ requests: 10 }] } })])).toEqual([
      'services.0.route.protection.rateLimits.0.unit: is required: one of second, minute, hour',
    ]);
    expect(issues([api({ protection: { rateLimits: [{ requests: 10, unit: 'day' }] } })])).toEqual([
      'services.0.route.protection.rateLimits.0.unit: is required: one of second, minute, hour',
    ]);
  });

  it('refuses turning rate limits off and two limits without a client', () => {
    expect(issues([api({ protection: { rateLimits: [] } })])).toEqual([
      'services.0.route.protection.rateLimits: must list at least one rate limit: every public route is limited',
    ]);
    expect(
      issues([
        api({
          protection: {
            rateLimits: [
              { requests: 10, unit: 'second' },
              { requests: 100, unit: 'minute' },
            ],
          },
        }),
      ]),
    ).toEqual([
      expect.stringMatching(
        /^services\.0\.route\.protection\.rateLimits\.1: is a second limit without `client`/,
      ),
    ]);
  });

  it('refuses a retry on a non-idempotent method without the explicit opt-in', () => {
    expect(issues([api({ protection: { retry: { methods: ['GET', 'POST'] } } })])).toEqual([
      'services.0.route.protection.retry.methods.1: POST is not idempotent: a retry may do its work twice; set retryNonIdempotent: true to retry it anyway',
    ]);
    expect(
      issues([api({ protection: { retry: { methods: ['GET', 'POST'], retryNonIdempotent: true } } })]),
    ).toEqual([]);
  });

  it('refuses gRPC retries without the opt-in (every gRPC call is a POST)', () => {
    const grpc = {
      protocol: 'grpc',
      ports: [
        { name: 'grpc', port: 9000 },
        { name: 'metrics', port: 9090 },
      ],
    };
    expect(issues([api({ pathPrefixes: ['/'], protection: { retry: {} } }, grpc)])).toEqual([
      expect.stringMatching(
        /^services\.0\.route\.protection\.retry\.retryNonIdempotent: must be true to retry a gRPC route/,
      ),
    ]);
  });

  it('refuses a retry budget of 0', () => {
    expect(issues([api({ protection: { retry: {}, circuitBreaker: { maxParallelRetries: 0 } } })])).toEqual([
      'services.0.route.protection.circuitBreaker.maxParallelRetries: is 0, so no retry would ever run; raise it or remove `retry`',
    ]);
  });
});

describe('trusted sources of gray marks', () => {
  it('takes a JWT claim and a signed cookie (a JWT in a cookie)', () => {
    const result = parse([api()], {
      grayscale: { trustedSources: [{ jwtClaim: JWT }, { signedCookie: { ...JWT, cookie: 'gray' } }] },
    });
    expect(result.success).toBe(true);
    if (!result.success) return;
    expect(result.data.grayscale.trustedSources[0]?.jwtClaim?.header).toBe('x-gray-token');
  });

  it('refuses a trusted source that is not a network, claim or cookie', () => {
    expect(issues([api()], { grayscale: { trustedSources: [{ header: { name: 'x-internal' } }] } })).toEqual(
      expect.arrayContaining([expect.stringMatching(/^grayscale\.trustedSources\.0: /)]),
    );
    const messages = issues([api()], {
      grayscale: { trustedSources: [{ header: { name: 'x-internal' } }] },
    }).join('\n');
    expect(messages).toMatch(/network|jwtClaim|signedCookie/);
    expect(issues([api()], { grayscale: { trustedSources: [{}] } })).toEqual([
      'grayscale.trustedSources.0: must set exactly one of network, jwtClaim, signedCookie (got none)',
    ]);
  });

  it('refuses internal networks with the reason (no per-address header rule in Envoy Gateway v1.2.8)', () => {
    expect(
      issues([api()], { grayscale: { trustedSources: [{ network: { cidrs: ['10.0.0.0/8'] } }] } }),
    ).toEqual([
      expect.stringMatching(
        /^grayscale\.trustedSources\.0\.network: cannot be enforced with Envoy Gateway v1\.2\.8/,
      ),
    ]);
  });

  it('refuses a JWKS without its network and a claim mapped to a header no gray rule uses', () => {
    const { jwksNetworks: _, ...withoutNetworks } = JWT;
    expect(issues([api()], { grayscale: { trustedSources: [{ jwtClaim: withoutNetworks }] } })).toEqual([
      expect.stringMatching(/^grayscale\.trustedSources\.0\.jwtClaim\.jwksNetworks: /),
    ]);
    expect(
      issues([api()], {
        grayscale: {
          trustedSources: [{ jwtClaim: { ...JWT, headerClaims: [{ header: 'x-other', claim: 'g' }] } }],
        },
      }),
    ).toEqual([
      expect.stringMatching(
        /^grayscale\.trustedSources\.0\.jwtClaim\.headerClaims\.0\.header: is not a header of any gray rule/,
      ),
    ]);
  });
});
