import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { findComponents } from '../../../cli/rehearsal/components';
import { IDEMPOTENT_METHODS } from '../../../environments/schema/traffic-protection';
import { synthesizeEnvironment } from '../../../stacks/environment';
import { CrdSchemas } from '../../../stacks/policy/crd-schemas';
import { REPO_ROOT } from '../../support/cli';
import { scratchDir, translate, translationInput } from '../../support/egctl';
import { describeWithCluster } from '../../support/rehearsal';
import { loadRepoEnvironment, synthesizedDocuments } from '../../support/repo-environment';

// biome-ignore lint/suspicious/noExplicitAny: manifests are untyped JSON
type Manifest = any;

const egCrds = CrdSchemas.fromYaml([
  fs.readFileSync(path.join(REPO_ROOT, 'addons', 'envoy-gateway', 'crds.yaml'), 'utf8'),
]);

describe('traffic protection and trusted marks in prod (Envoy Gateway v1.2.8 policies)', () => {
  const docs: Manifest[] = synthesizedDocuments(loadRepoEnvironment('prod'), 'kubernetes/gateway.yaml');
  const ofKind = (kind: string) => docs.filter((doc) => doc.kind === kind);
  const publicRoutes = [...ofKind('HTTPRoute'), ...ofKind('GRPCRoute')].filter((route) =>
    route.spec.parentRefs.some((ref: Manifest) => ref.name === 'public' && ref.kind === 'Gateway'),
  );
  const serviceRoutes = publicRoutes.filter((route) => !route.metadata.name.startsWith('public-'));
  const policyOf = (route: Manifest) =>
    ofKind('BackendTrafficPolicy').find((policy) =>
      policy.spec.targetRefs.some(
        (ref: Manifest) =>
          ref.kind === route.kind &&
          ref.name === route.metadata.name &&
          policy.metadata.namespace === route.metadata.namespace,
      ),
    );

  it('gives every public service route rate limits, timeouts and circuit breaking', () => {
    expect(serviceRoutes.length).toBeGreaterThanOrEqual(5);
    for (const route of serviceRoutes) {
      const policy = policyOf(route);
      const where = `${route.kind} ${route.metadata.namespace}/${route.metadata.name}`;
      expect([where, policy?.spec.rateLimit?.type]).toEqual([where, 'Local']);
      expect(policy.spec.rateLimit.local.rules.length).toBeGreaterThan(0);
      expect(policy.spec.circuitBreaker.maxPendingRequests).toBeGreaterThan(0);
      expect(policy.spec.healthCheck.passive.consecutive5XxErrors).toBeGreaterThan(0);
      expect(policy.spec.timeout.tcp.connectTimeout).toBeDefined();
      const requestTimeout =
        route.kind === 'GRPCRoute'
          ? policy.spec.timeout.http.requestTimeout
          : route.spec.rules.every((rule: Manifest) => rule.timeouts?.request)
            ? 'on every rule'
            : undefined;
      expect([where, requestTimeout]).not.toEqual([where, undefined]);
    }
  });

  it('retries only on a route whose every match names an idempotent method', () => {
    const retried = ofKind('BackendTrafficPolicy').filter((policy) => policy.spec.retry);
    expect(retried.map((policy) => policy.metadata.name)).toEqual(['vehicle-control-retry']);
    const route = ofKind('HTTPRoute').find(
      (candidate) => candidate.metadata.name === 'vehicle-control-retry',
    );
    const methods = route.spec.rules.flatMap((rule: Manifest) =>
      rule.matches.map((match: Manifest) => match.method),
    );
    expect(methods.length).toBeGreaterThan(0);
    for (const method of methods) expect(IDEMPOTENT_METHODS).toContain(method);
    // The base route holds the same rules for every method, without retries.
    const base = ofKind('HTTPRoute').find((candidate) => candidate.metadata.name === 'vehicle-control');
    expect(base.spec.rules.map((rule: Manifest) => rule.name)).toEqual(
      route.spec.rules.map((rule: Manifest) => rule.name),
    );
    expect(policyOf(base).spec.retry).toBeUndefined();
    expect(retried[0].spec.circuitBreaker.maxParallelRetries).toBeGreaterThan(0);
  });

  it('removes every lane header at the public listeners before routing', () => {
    const [policy] = ofKind('ClientTrafficPolicy');
    expect(policy.spec.targetRefs).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public' },
    ]);
    expect(policy.spec.headers.earlyRequestHeaders.remove).toEqual(['x-gray-tag', 'x-user-group']);
    expect(policy.spec.timeout.http).toEqual({ idleTimeout: '1h', requestReceivedTimeout: '1m' });
    // The lanes Gateway carries marks between services: nothing strips them there.
    expect(
      ofKind('ClientTrafficPolicy').some((p) =>
        p.spec.targetRefs.some((ref: Manifest) => ref.name === 'lanes'),
      ),
    ).toBe(false);
  });

  it('sets the mark only from a verified JWT claim (JWKS by URL, token optional)', () => {
    const [policy] = ofKind('SecurityPolicy');
    expect(policy.spec.jwt.optional).toBe(true);
    const [provider] = policy.spec.jwt.providers;
    expect(provider.remoteJWKS.uri).toMatch(/^https:\/\//);
    expect(provider.claimToHeaders).toContainEqual({ claim: 'gray_lane', header: 'x-gray-tag' });
    expect(provider.recomputeRoute).toBe(true);
    expect(provider.extractFrom).toEqual({ headers: [{ name: 'x-gray-token' }] });
  });

  it('redirects plain GET and HEAD and refuses the other methods instead of a 301 that turns a POST into a GET', () => {
    const redirect = ofKind('HTTPRoute').find((route) => route.metadata.name === 'public-https-redirect');
    const [get, rest] = redirect.spec.rules;
    expect(get.matches).toEqual([{ method: 'GET' }, { method: 'HEAD' }]);
    expect(get.filters[0].requestRedirect.statusCode).toBe(301);
    expect(rest.matches).toBeUndefined();
    expect(rest.filters[0].extensionRef).toEqual({
      group: 'gateway.envoyproxy.io',
      kind: 'HTTPRouteFilter',
      name: 'public-plain-http-refused',
    });
    const [filter] = ofKind('HTTPRouteFilter');
    expect(filter.spec.directResponse.statusCode).toBe(403);
  });

  it('writes policies the Envoy Gateway v1.2.8 CRDs accept', () => {
    const kinds = ['BackendTrafficPolicy', 'ClientTrafficPolicy', 'SecurityPolicy', 'HTTPRouteFilter'];
    for (const kind of kinds) {
      expect(ofKind(kind).length).toBeGreaterThan(0);
      for (const doc of ofKind(kind)) expect([kind, egCrds.validate(doc)]).toEqual([kind, []]);
    }
  });
});

// biome-ignore lint/suspicious/noExplicitAny: egctl's JSON output
type Xds = any;

/** Every route of every route configuration in one Gateway's xDS dump. */
function xdsRoutes(dump: Xds): Xds[] {
  return (dump.configs ?? []).flatMap((config: Xds) =>
    (config.dynamicRouteConfigs ?? []).flatMap((dynamic: Xds) =>
      (dynamic.routeConfig.virtualHosts ?? []).flatMap((host: Xds) => host.routes ?? []),
    ),
  );
}

describeWithCluster('traffic protection as Envoy Gateway v1.2.8 translates it (egctl x translate)', () => {
  let translation: Xds;
  let scratch: string;
  beforeAll(() => {
    const env = loadRepoEnvironment('prod');
    const objects = synthesizeEnvironment(env)
      .files.filter((file) => file.path.startsWith('kubernetes/') && file.path.endsWith('.yaml'))
      .flatMap((file) => parseAllDocuments(file.content).map((doc) => doc.toJS()))
      .filter((doc) => doc !== null);
    scratch = scratchDir();
    const input = translationInput(objects, env.spec.gateway?.parametersRef?.name ?? 'gateway-pool');
    translation = translate(findComponents().egctl, input.objects, scratch);
  }, 120_000);
  afterAll(() => {
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('accepts every policy', () => {
    const policies = ['backendTrafficPolicies', 'clientTrafficPolicies', 'securityPolicies'].flatMap(
      (key) => translation[key] ?? [],
    );
    expect(policies.length).toBeGreaterThanOrEqual(7);
    for (const policy of policies) {
      const conditions = policy.status.ancestors.flatMap((ancestor: Xds) => ancestor.conditions);
      expect([policy.metadata.name, conditions.map((c: Xds) => `${c.type}=${c.status}`)]).toEqual([
        policy.metadata.name,
        ['Accepted=True'],
      ]);
    }
  });

  it('removes the lane headers early and sets them only from a verified claim', () => {
    const dump = JSON.stringify(translation.xds['gateway/public']);
    expect(dump).toContain('"mutations":[{"remove":"x-gray-tag"},{"remove":"x-user-group"}]');
    expect(dump).toContain('"claimToHeaders":[{"claimName":"gray_lane","headerName":"x-gray-tag"}');
    expect(JSON.stringify(translation.xds['gateway/lanes'])).not.toContain('earlyHeaderMutation');
  });

  it('rate-limits every public route, and retries only where the match names an idempotent method', () => {
    const routes = xdsRoutes(translation.xds['gateway/public']).filter(
      (route: Xds) => !route.name.includes('https-redirect'),
    );
    expect(routes.length).toBeGreaterThan(5);
    for (const route of routes) {
      expect([route.name, Object.keys(route.typedPerFilterConfig ?? {})]).toEqual([
        route.name,
        expect.arrayContaining(['envoy.filters.http.local_ratelimit']),
      ]);
      const methods = (route.match.headers ?? [])
        .filter((header: Xds) => header.name === ':method')
        .map((header: Xds) => header.stringMatch.exact);
      if (route.route?.retryPolicy) {
        expect(methods).toHaveLength(1);
        expect(IDEMPOTENT_METHODS).toContain(methods[0]);
        expect(route.route.retryPolicy.numRetries).toBe(2);
      } else expect([route.name, methods]).toEqual([route.name, []]);
    }
    expect(routes.some((route: Xds) => route.route?.retryPolicy)).toBe(true);
  });

  it('gives every route cluster a circuit breaker and outlier detection', () => {
    const clusters = (translation.xds['gateway/public'].configs ?? [])
      .flatMap((config: Xds) => config.dynamicActiveClusters ?? [])
      .map((entry: Xds) => entry.cluster)
      .filter((cluster: Xds) => /^(http|grpc)route\//.test(cluster.name));
    expect(clusters.length).toBeGreaterThan(5);
    for (const cluster of clusters) {
      expect([cluster.name, cluster.circuitBreakers.thresholds[0]]).toEqual([
        cluster.name,
        { maxConnections: 1024, maxPendingRequests: 256, maxRequests: 1024, maxRetries: 3 },
      ]);
      expect(cluster.outlierDetection.consecutive5xx).toBe(5);
    }
  });
});
