import * as fs from 'node:fs';
import * as path from 'node:path';
import { Chart, Testing } from 'cdk8s';
import { DirectResponseFilter } from '../../../constructs/gateway/direct-response-filter';
import { ListenerTrafficPolicy } from '../../../constructs/gateway/listener-traffic-policy';
import {
  RouteTrafficPolicy,
  type RouteTrafficPolicyProps,
} from '../../../constructs/gateway/route-traffic-policy';
import { TrustedMarkPolicy } from '../../../constructs/gateway/trusted-mark-policy';
import { CrdSchemas } from '../../../stacks/policy/crd-schemas';
import { REPO_ROOT } from '../../support/cli';

// biome-ignore lint/suspicious/noExplicitAny: manifests are plain JSON
type Manifest = Record<string, any>;

const egCrds = CrdSchemas.fromYaml([
  fs.readFileSync(path.join(REPO_ROOT, 'addons', 'envoy-gateway', 'crds.yaml'), 'utf8'),
]);

function synth(build: (chart: Chart) => void): Manifest[] {
  const chart = new Chart(Testing.app(), 'test');
  build(chart);
  return Testing.synth(chart) as Manifest[];
}

const ROUTE: RouteTrafficPolicyProps = {
  route: { kind: 'HTTPRoute', name: 'api', namespace: 'shop' },
  rateLimits: [
    { requests: 100, unit: 'second' },
    { requests: 10, unit: 'minute', clientHeader: { name: 'x-api-key', value: 'partner' } },
    { requests: 50, unit: 'hour', clientCidr: '10.1.0.0/16' },
  ],
  circuitBreaker: {
    maxConnections: 100,
    maxPendingRequests: 10,
    maxParallelRequests: 100,
    maxParallelRetries: 2,
  },
  outlierDetection: {
    consecutive5xxErrors: 3,
    interval: '5s',
    baseEjectionTime: '30s',
    maxEjectionPercent: 50,
  },
  retry: {
    attempts: 2,
    on: ['connect-failure', 'retriable-status-codes'],
    statusCodes: [503],
    backOff: { baseInterval: '100ms', maxInterval: '1s' },
  },
  idleTimeout: '1h',
  connectTimeout: '5s',
  fixedResponse: { statusCodes: [429, 503], contentType: 'application/json', body: '{"error":"busy"}' },
};

describe('RouteTrafficPolicy', () => {
  const [policy] = synth((chart) => new RouteTrafficPolicy(chart, 'p', ROUTE));

  it('is a BackendTrafficPolicy on the route, named like it, that the v1.2.8 CRD accepts', () => {
    expect(policy?.kind).toBe('BackendTrafficPolicy');
    expect(policy?.metadata).toMatchObject({ name: 'api', namespace: 'shop' });
    expect(policy?.spec.targetRefs).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'api' },
    ]);
    expect(egCrds.validate(policy as { apiVersion: string; kind: string })).toEqual([]);
  });

  it('renders the limits per route and per client with their units', () => {
    expect(policy?.spec.rateLimit).toEqual({
      type: 'Local',
      local: {
        rules: [
          { limit: { requests: 100, unit: 'Second' } },
          {
            clientSelectors: [{ headers: [{ type: 'Exact', name: 'x-api-key', value: 'partner' }] }],
            limit: { requests: 10, unit: 'Minute' },
          },
          {
            clientSelectors: [{ sourceCIDR: { type: 'Exact', value: '10.1.0.0/16' } }],
            limit: { requests: 50, unit: 'Hour' },
          },
        ],
      },
    });
  });

  it('renders circuit breaker, outlier detection, retries with a budget, timeouts and the fixed response', () => {
    expect(policy?.spec.circuitBreaker.maxParallelRetries).toBe(2);
    expect(policy?.spec.healthCheck.passive).toEqual({
      consecutive5XxErrors: 3,
      interval: '5s',
      baseEjectionTime: '30s',
      maxEjectionPercent: 50,
    });
    expect(policy?.spec.retry).toEqual({
      numRetries: 2,
      retryOn: { triggers: ['connect-failure', 'retriable-status-codes'], httpStatusCodes: [503] },
      perRetry: { backOff: { baseInterval: '100ms', maxInterval: '1s' } },
    });
    expect(policy?.spec.timeout).toEqual({
      tcp: { connectTimeout: '5s' },
      http: { connectionIdleTimeout: '1h' },
    });
    expect(policy?.spec.responseOverride[0].match.statusCodes).toEqual([
      { type: 'Value', value: 429 },
      { type: 'Value', value: 503 },
    ]);
  });

  it('refuses no limit, two limits without a client and a bad duration', () => {
    expect(() => synth((chart) => new RouteTrafficPolicy(chart, 'p', { ...ROUTE, rateLimits: [] }))).toThrow(
      "RouteTrafficPolicy shop/api: 'rateLimits' must hold at least one limit",
    );
    expect(() =>
      synth(
        (chart) =>
          new RouteTrafficPolicy(chart, 'p', {
            ...ROUTE,
            rateLimits: [
              { requests: 1, unit: 'second' },
              { requests: 2, unit: 'second' },
            ],
          }),
      ),
    ).toThrow('2 rate limits without a client; a local rate limit holds at most one');
    expect(() =>
      synth((chart) => new RouteTrafficPolicy(chart, 'p', { ...ROUTE, idleTimeout: '1 hour' })),
    ).toThrow(`RouteTrafficPolicy shop/api: 'idleTimeout' ("1 hour") is not a duration`);
  });
});

describe('ListenerTrafficPolicy, TrustedMarkPolicy and DirectResponseFilter', () => {
  const gateway = { name: 'public', namespace: 'gateway' };
  const manifests = synth((chart) => {
    new ListenerTrafficPolicy(chart, 'l', {
      gateway,
      removeRequestHeaders: ['X-User-Group', 'x-gray-tag', 'x-gray-tag'],
      idleTimeout: '15m',
      requestReceivedTimeout: '30s',
    });
    new TrustedMarkPolicy(chart, 't', {
      gateway,
      issuers: [
        {
          name: 'sso',
          issuer: 'https://sso.example.com',
          jwksUri: 'https://sso.example.com/jwks.json',
          from: { cookie: 'gray-session' },
          claimToHeaders: [{ header: 'x-gray-tag', claim: 'lane' }],
        },
      ],
    });
    new DirectResponseFilter(chart, 'f', {
      name: 'busy',
      namespace: 'gateway',
      statusCode: 503,
      body: 'busy',
    });
  });
  const byKind = Object.fromEntries(manifests.map((manifest) => [manifest.kind, manifest]));

  it('removes the lane headers (lowercase, once, sorted) before routing, on every listener of the Gateway', () => {
    expect(byKind.ClientTrafficPolicy?.spec).toEqual({
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public' }],
      headers: { earlyRequestHeaders: { remove: ['x-gray-tag', 'x-user-group'] } },
      timeout: { http: { idleTimeout: '15m', requestReceivedTimeout: '30s' } },
    });
  });

  it('reads a signed cookie as a JWT and sets the mark from its claim, then routes again', () => {
    const [provider] = byKind.SecurityPolicy?.spec.jwt.providers ?? [];
    expect(byKind.SecurityPolicy?.spec.jwt.optional).toBe(true);
    expect(provider).toMatchObject({
      extractFrom: { cookies: ['gray-session'] },
      claimToHeaders: [{ header: 'x-gray-tag', claim: 'lane' }],
      recomputeRoute: true,
      remoteJWKS: { uri: 'https://sso.example.com/jwks.json' },
    });
  });

  it('writes objects the v1.2.8 CRDs accept', () => {
    for (const manifest of manifests)
      expect([manifest.kind, egCrds.validate(manifest as { apiVersion: string; kind: string })]).toEqual([
        manifest.kind,
        [],
      ]);
  });

  it('refuses an issuer whose keys are not fetched over https', () => {
    expect(() =>
      synth(
        (chart) =>
          new TrustedMarkPolicy(chart, 't', {
            gateway,
            issuers: [
              {
                name: 'sso',
                issuer: 'https://sso.example.com',
                jwksUri: 'http://sso.example.com/jwks.json',
                from: { header: 'x-gray-token' },
                claimToHeaders: [{ header: 'x-gray-tag', claim: 'lane' }],
              },
            ],
          }),
      ),
    ).toThrow(`'jwksUri' ("http://sso.example.com/jwks.json") must be an https:// URL`);
  });
});
