import * as fs from 'node:fs';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { findComponents } from '../../../cli/rehearsal/components';
import type { LoadedEnvironment } from '../../../environments/load';
import type { ServiceSpec } from '../../../environments/schema/services';
import { synthesizeEnvironment } from '../../../stacks/environment';
import {
  type KubeObject,
  scratchDir,
  type Translation,
  type TranslationInput,
  translate,
  translationInput,
} from '../../support/egctl';
import { describeWithCluster } from '../../support/rehearsal';
import { loadRepoEnvironment } from '../../support/repo-environment';
import {
  claimHeaders,
  probabilityOf,
  XdsGateway,
  type XdsOutcome,
  type XdsRequest,
} from '../../support/xds-routing';

// biome-ignore lint/suspicious/noExplicitAny: egctl's JSON output
type Json = any;

const ENV = 'prod';
const LANE_LABEL = 'platform-blueprint.io/lane';

const load = loadRepoEnvironment;

/** The Envoy container port of a Gateway listener port (Envoy Gateway shifts privileged ports by 10000). */
const containerPort = (port: number): number => (port < 1024 ? port + 10000 : port);

/** `[kind, namespace/name]` of the Kubernetes objects an xDS route or virtual host was made from. */
function sources(entry: Json): { kind: string; key: string; sectionName?: string }[] {
  return (entry.metadata?.filterMetadata?.['envoy-gateway']?.resources ?? []).map((resource: Json) => ({
    kind: resource.kind,
    key: `${resource.namespace}/${resource.name}`,
    sectionName: resource.sectionName,
  }));
}

/**
 * Envoy Gateway's own translation of prod's gateway objects (`egctl experimental translate`,
 * v1.2.8, built with the controller by `npm run cluster:build`), asserted on the resulting
 * Envoy configuration: statuses, route configurations, clusters and endpoints; and the lane
 * behaviour of the whole call graph followed through that configuration.
 */
describeWithCluster('Envoy Gateway v1.2.8 translation of prod (egctl x translate)', () => {
  let env: LoadedEnvironment;
  let objects: KubeObject[];
  let input: TranslationInput;
  let result: Translation;
  let gateways: Map<string, XdsGateway>;
  let scratch: string;

  beforeAll(() => {
    env = load(ENV);
    objects = synthesizeEnvironment(env)
      .files.filter((file) => file.path.startsWith('kubernetes/') && file.path.endsWith('.yaml'))
      .flatMap((file) => parseAllDocuments(file.content).map((doc) => doc.toJS()))
      .filter((doc) => doc !== null);
    const proxy = env.spec.gateway?.parametersRef?.name ?? `${env.spec.gateway?.name}-proxy`;
    input = translationInput(objects, proxy);
    scratch = scratchDir();
    result = translate(findComponents().egctl, input.objects, scratch);
    gateways = new Map(
      Object.entries(result.xds).map(([key, dump]) => [key, new XdsGateway(dump, input.serviceAddresses)]),
    );
  }, 120_000);

  afterAll(() => {
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  const gatewayKey = (name: string) => `${env.spec.gateway?.namespace}/${name}`;
  const publicGateway = () => {
    const gateway = gateways.get(gatewayKey(env.spec.gateway?.name ?? 'public'));
    if (!gateway) throw new Error('no xDS for the public Gateway');
    return gateway;
  };
  const lanesGateway = () => {
    const gateway = gateways.get(gatewayKey('lanes'));
    if (!gateway) throw new Error('no xDS for the lanes Gateway');
    return gateway;
  };
  const routes = (): Json[] => [...(result as Json).httpRoutes, ...((result as Json).grpcRoutes ?? [])];
  const serviceObject = (key: string): KubeObject | undefined =>
    objects.find(
      (object) => object.kind === 'Service' && `${object.metadata.namespace}/${object.metadata.name}` === key,
    );
  const laneOf = (key: string): string => {
    const lane = serviceObject(key)?.spec.selector?.[LANE_LABEL];
    if (!lane) throw new Error(`Service ${key} selects no lane`);
    return lane;
  };

  it('accepts the GatewayClass, programs every listener of every Gateway, and accepts every route with ResolvedRefs', () => {
    const failed = (conditions: Json[] | undefined) =>
      (conditions ?? []).filter(
        (c) => ['Accepted', 'Programmed', 'ResolvedRefs'].includes(c.type) && c.status !== 'True',
      );
    expect(failed((result as Json).gatewayClass.status.conditions)).toEqual([]);
    const gatewayObjects: Json[] = (result as Json).gateways;
    expect(gatewayObjects.map((g) => g.metadata.name).sort()).toEqual(['lanes', 'public']);
    for (const gateway of gatewayObjects) {
      const declared = objects.find((o) => o.kind === 'Gateway' && o.metadata.name === gateway.metadata.name);
      expect(gateway.status.listeners.map((l: Json) => l.name)).toEqual(
        declared?.spec.listeners.map((l: Json) => l.name),
      );
      for (const listener of gateway.status.listeners)
        expect({ listener: listener.name, failed: failed(listener.conditions) }).toEqual({
          listener: listener.name,
          failed: [],
        });
    }
    const all = routes();
    // Every route of the output is in the translation, attached to every parent it names.
    const declaredRoutes = objects.filter((o) => o.kind === 'HTTPRoute' || o.kind === 'GRPCRoute');
    expect(all.length).toBe(declaredRoutes.length);
    for (const route of all) {
      const declared = declaredRoutes.find(
        (o) =>
          o.kind === route.kind &&
          o.metadata.name === route.metadata.name &&
          o.metadata.namespace === route.metadata.namespace,
      );
      const name = `${route.metadata.namespace}/${route.metadata.name}`;
      expect({ name, parents: route.status.parents.length }).toEqual({
        name,
        parents: declared?.spec.parentRefs.length,
      });
      for (const parent of route.status.parents) {
        const where = `${name} on ${parent.parentRef.name}/${parent.parentRef.sectionName ?? '*'}`;
        expect({ where, failed: failed(parent.conditions) }).toEqual({ where, failed: [] });
        expect({ where, types: parent.conditions.map((c: Json) => c.type).sort() }).toEqual({
          where,
          types: ['Accepted', 'ResolvedRefs'],
        });
      }
    }
    // prod: the redirect, the edge routes of vehicle-control, map, mall and points, and the lane
    // routes of the two services with a gray release.
    expect(all.map((r) => r.metadata.name)).toEqual(
      expect.arrayContaining([
        'map',
        'map-lanes',
        'mall',
        'points',
        'public-https-redirect',
        'vehicle-control',
        'vehicle-control-lanes',
      ]),
    );
  });

  it("attaches routes only from the namespaces the listeners' selectors admit", () => {
    expect(input.selectors.length).toBeGreaterThan(0);
    for (const route of routes())
      for (const parent of route.status.parents) {
        const selector = input.selectors.find(
          (s) => s.gateway === parent.parentRef.name && s.listener === parent.parentRef.sectionName,
        );
        if (selector) expect(selector.namespaces).toContain(route.metadata.namespace);
      }
  });

  it('splits unmarked /vehicle calls 90/10 between the stable and the gray Service, and sends the mark and the beta users to gray', () => {
    const edge = publicGateway();
    const request = (headers: Record<string, string>): XdsRequest => ({
      host: 'api.app.example.com',
      path: '/vehicle/trips',
      headers,
    });
    const https = containerPort(env.spec.gateway?.httpsPort ?? 443);
    const unmarked = edge.evaluate(https, request({}));
    expect(probabilityOf(unmarked, (o) => o.service === 'vehicle/vehicle-control-stable')).toBeCloseTo(0.9);
    expect(probabilityOf(unmarked, (o) => o.service === 'vehicle/vehicle-control-gray')).toBeCloseTo(0.1);
    // One cluster whose two localities (the two Services) carry the weights.
    const cluster = unmarked[0].cluster ?? '';
    expect(unmarked.every((o) => o.cluster === cluster)).toBe(true);
    expect(edge.endpoints.get(cluster).endpoints.map((l: Json) => l.loadBalancingWeight)).toEqual([90, 10]);
    const entering: Record<string, string>[] = [{ 'x-gray-tag': 'gray' }, { 'x-user-group': 'beta' }];
    for (const headers of entering) {
      // Sent by the client, the lane headers are removed before routing (no trusted source) ...
      const forged = edge.evaluate(https, request(headers));
      expect(probabilityOf(forged, (o) => o.service === 'vehicle/vehicle-control-gray')).toBeCloseTo(0.1);
      for (const outcome of forged) expect(Object.keys(outcome.request.headers)).toEqual([]);
      // ... set by a trusted source, they select the gray version.
      const outcomes = edge.evaluate(https, { ...request({}), verified: headers });
      expect(probabilityOf(outcomes, (o) => o.service === 'vehicle/vehicle-control-gray')).toBe(1);
      // Whoever entered by the beta header is marked for every later hop.
      for (const outcome of outcomes) expect(outcome.request.headers['x-gray-tag']).toBe('gray');
    }
    // map has no weight: unmarked calls all go to stable; the mark to gray.
    const map = edge.evaluate(https, { host: 'api.app.example.com', path: '/map/tiles', headers: {} });
    expect(probabilityOf(map, (o) => o.service === 'vehicle/map-stable')).toBe(1);
    const plain = edge.evaluate(
      containerPort(env.spec.gateway?.httpPort ?? 80),
      request({ ':method': 'GET' }),
    );
    expect(plain.map((o) => o.answer)).toEqual(['redirect']);
  });

  it('never sets the mark on a share of a weighted split (Envoy Gateway would set it independently of the backend)', () => {
    for (const gateway of gateways.values())
      for (const { route } of gateway.routes())
        for (const entry of route.route?.weightedClusters?.clusters ?? [])
          expect((entry.requestHeadersToAdd ?? []).map((h: Json) => h.header.key)).not.toContain(
            env.spec.grayscale.header,
          );
  });

  it('routes in-cluster calls of every laned service by the mark under every name of the service', () => {
    const lanes = lanesGateway();
    const laned = env.spec.services.filter((s) => s.gray);
    expect(laned.map((s) => s.name)).toEqual(['vehicle-control', 'map']);
    for (const service of laned) {
      const port = service.ports.find((p) => p.name === service.route?.port) ?? service.ports[0];
      for (const host of [
        service.name,
        `${service.name}.${service.namespace}`,
        `${service.name}.${service.namespace}.svc`,
        `${service.name}.${service.namespace}.svc.${env.spec.cluster.dnsDomain}:${port.port}`,
      ]) {
        const marked = lanes.evaluate(containerPort(port.port), {
          host,
          path: '/x',
          headers: { 'x-gray-tag': 'gray' },
        });
        expect(probabilityOf(marked, (o) => o.service === `${service.namespace}/${service.name}-gray`)).toBe(
          1,
        );
        const unmarked = lanes.evaluate(containerPort(port.port), { host, path: '/x', headers: {} });
        // Exposed services were split at the edge: in-cluster, unmarked calls stay stable.
        expect(
          probabilityOf(unmarked, (o) => o.service === `${service.namespace}/${service.name}-stable`),
        ).toBe(1);
      }
      // The caller-facing name resolves to the lanes proxies' Service, which the EnvoyProxy names.
      const own = serviceObject(`${service.namespace}/${service.name}`);
      expect(own?.spec).toMatchObject({
        type: 'ExternalName',
        externalName: `lanes.envoy-gateway-system.svc.${env.spec.cluster.dnsDomain}`,
      });
    }
    const proxy = input.objects.find((o) => o.kind === 'EnvoyProxy');
    expect(proxy).toBeDefined();
    const lanesProxy = objects.find((o) => o.kind === 'EnvoyProxy' && o.metadata.name === 'lanes');
    expect(lanesProxy?.spec.provider.kubernetes.envoyService).toEqual({ type: 'ClusterIP', name: 'lanes' });
  });

  it("carries the settings of every Envoy Gateway policy in the output into its targets' xDS", () => {
    const policies = input.objects.filter((o) =>
      ['BackendTrafficPolicy', 'ClientTrafficPolicy', 'SecurityPolicy'].includes(o.kind),
    );
    const translated: Json[] = [
      ...((result as Json).backendTrafficPolicies ?? []),
      ...((result as Json).clientTrafficPolicies ?? []),
      ...((result as Json).securityPolicies ?? []),
    ];
    for (const policy of policies) {
      const name = `${policy.kind} ${policy.metadata.namespace}/${policy.metadata.name}`;
      const status = translated.find(
        (t) =>
          t.kind === policy.kind &&
          t.metadata.name === policy.metadata.name &&
          t.metadata.namespace === policy.metadata.namespace,
      )?.status;
      const conditions = (status?.ancestors ?? []).flatMap((a: Json) => a.conditions);
      expect({
        name,
        accepted:
          conditions.length > 0 &&
          conditions.every((c: Json) => c.type !== 'Accepted' || c.status === 'True'),
      }).toEqual({
        name,
        accepted: true,
      });
      expect({
        name,
        conflicts: conditions.filter((c: Json) => c.type === 'Overridden' && c.status === 'True'),
      }).toEqual({ name, conflicts: [] });
      if (policy.kind !== 'BackendTrafficPolicy') continue;
      // The xDS routes made from the policy's targets.
      const targets: Json[] =
        policy.spec.targetRefs ?? (policy.spec.targetRef ? [policy.spec.targetRef] : []);
      const xdsRoutes = [...gateways.values()].flatMap((gateway) =>
        [...gateway.routes()]
          .filter(({ route, virtualHost }) =>
            targets.some((target) =>
              [...sources(route), ...sources(virtualHost)].some(
                (s) =>
                  s.kind === target.kind &&
                  (s.key === `${policy.metadata.namespace}/${target.name}` ||
                    (target.kind === 'Gateway' && s.key === `${policy.metadata.namespace}/${target.name}`)) &&
                  (target.sectionName === undefined || s.sectionName === target.sectionName),
              ),
            ),
          )
          .map(({ route }) => ({ gateway, route })),
      );
      expect({ name, targeted: xdsRoutes.length > 0 }).toEqual({ name, targeted: true });
      const spec = policy.spec;
      for (const { gateway, route } of xdsRoutes) {
        const where = `${name} on ${route.name}`;
        if (spec.rateLimit?.type === 'Local' || spec.rateLimit?.local)
          expect({
            where,
            localRateLimit: Object.keys(route.typedPerFilterConfig ?? {}).some((k) =>
              k.includes('local_ratelimit'),
            ),
          }).toEqual({
            where,
            localRateLimit: true,
          });
        if (spec.rateLimit?.global)
          expect({ where, rateLimits: (route.route?.rateLimits ?? []).length > 0 }).toEqual({
            where,
            rateLimits: true,
          });
        if (spec.retry) {
          expect({ where, retry: route.route?.retryPolicy !== undefined }).toEqual({ where, retry: true });
          if (spec.retry.numRetries !== undefined)
            expect(route.route.retryPolicy.numRetries).toBe(spec.retry.numRetries);
        }
        if (spec.timeout?.http?.requestTimeout)
          expect(route.route?.timeout).toBe(durationSeconds(spec.timeout.http.requestTimeout));
        const clusters: string[] = route.route?.weightedClusters
          ? route.route.weightedClusters.clusters.map((c: Json) => c.name)
          : route.route?.cluster
            ? [route.route.cluster]
            : [];
        for (const clusterName of clusters) {
          const cluster = gateway.clusters.get(clusterName);
          if (spec.circuitBreaker) {
            const thresholds = cluster?.circuitBreakers?.thresholds?.[0] ?? {};
            for (const [field, xds] of [
              ['maxConnections', 'maxConnections'],
              ['maxPendingRequests', 'maxPendingRequests'],
              ['maxParallelRequests', 'maxRequests'],
              ['maxParallelRetries', 'maxRetries'],
            ])
              if (spec.circuitBreaker[field] !== undefined)
                expect({ where, [xds]: thresholds[xds] }).toEqual({
                  where,
                  [xds]: spec.circuitBreaker[field],
                });
          }
          if (spec.healthCheck?.passive)
            expect({ where, outlier: Object.keys(cluster?.outlierDetection ?? {}).length > 0 }).toEqual({
              where,
              outlier: true,
            });
        }
      }
    }
  });

  it('removes the headers that route filters remove', () => {
    for (const route of input.objects.filter((o) => o.kind === 'HTTPRoute' || o.kind === 'GRPCRoute'))
      route.spec.rules.forEach((rule: Json, index: number) => {
        const removed: string[] = (rule.filters ?? []).flatMap(
          (f: Json) => f.requestHeaderModifier?.remove ?? [],
        );
        if (removed.length === 0) return;
        const prefix = `${route.kind.toLowerCase()}/${route.metadata.namespace}/${route.metadata.name}/rule/${index}/`;
        const xds = [...gateways.values()]
          .flatMap((g) => [...g.routes()])
          .filter(({ route: r }) => String(r.name).startsWith(prefix));
        expect(xds.length).toBeGreaterThan(0);
        for (const { route: r } of xds)
          expect(r.requestHeadersToRemove).toEqual(expect.arrayContaining(removed));
      });
  });

  describe('lane behaviour along every declared dependency chain (fast-check)', () => {
    interface Hop {
      readonly service: string;
      readonly lane: string;
    }
    interface Path {
      readonly hops: readonly Hop[];
      readonly probability: number;
    }
    const byName = (name: string) => env.spec.services.find((s) => s.name === name);

    /** Where a pod's call to `target` lands: through the lanes proxies when its name points there. */
    function call(target: ServiceSpec, headers: Record<string, string>): XdsOutcome[] {
      const port = target.ports.find((p) => p.name === target.route?.port) ?? target.ports[0];
      const own = serviceObject(`${target.namespace}/${target.name}`);
      const host = `${target.name}.${target.namespace}.svc.${env.spec.cluster.dnsDomain}:${port.port}`;
      if (own?.spec.type === 'ExternalName') {
        expect(own.spec.externalName).toBe(`lanes.envoy-gateway-system.svc.${env.spec.cluster.dnsDomain}`);
        return lanesGateway().evaluate(containerPort(port.port), { host, path: '/call', headers });
      }
      return [
        {
          service: `${target.namespace}/${target.name}`,
          probability: 1,
          request: { host, path: '/call', headers },
        },
      ];
    }

    /**
     * What a pod sends on (docs/gateway-and-grayscale.md, "What a service must forward"): a stable
     * pod forwards the incoming mark unchanged (lane fallback); a pod of lane L sends L, whatever
     * came in (it serves the lane, also for requests that reached it by weight).
     */
    function outgoing(incoming: Readonly<Record<string, string>>, lane: string): Record<string, string> {
      const mark = env.spec.grayscale.header;
      const method = { ':method': incoming[':method'] ?? 'GET' };
      if (lane !== 'stable') return { ...method, [mark]: lane };
      return incoming[mark] !== undefined ? { ...method, [mark]: incoming[mark] } : method;
    }

    function follow(outcome: XdsOutcome, hops: Hop[], probability: number, paths: Path[]): void {
      if (!outcome.service) {
        paths.push({ hops, probability: probability * outcome.probability });
        return;
      }
      const [, name] = outcome.service.split('/');
      const spec = env.spec.services.find(
        (s) =>
          name === s.name || name === `${s.name}-stable` || (s.gray && name === `${s.name}-${s.gray.lane}`),
      );
      if (!spec) throw new Error(`no service for ${outcome.service}`);
      const hop = { service: spec.name, lane: laneOf(outcome.service) };
      const next = [...hops, hop];
      const p = probability * outcome.probability;
      const callees = spec.uses.map(byName).filter((s): s is ServiceSpec => s !== undefined);
      if (callees.length === 0 || next.length > 8) {
        paths.push({ hops: next, probability: p });
        return;
      }
      for (const callee of callees)
        for (const result of call(callee, outgoing(outcome.request.headers, hop.lane)))
          follow(result, next, p / callees.length, paths);
    }

    function pathsFrom(request: XdsRequest): Path[] {
      const https = containerPort(env.spec.gateway?.httpsPort ?? 443);
      const paths: Path[] = [];
      for (const outcome of publicGateway().evaluate(https, request)) follow(outcome, [], 1, paths);
      return paths;
    }

    const hasGray = (service: string) => byName(service)?.gray !== undefined;
    const entries = () => env.spec.services.filter((s) => s.route);

    const sample = () =>
      fc.record({
        entry: fc.nat(),
        mark: fc.constantFrom(undefined, 'gray', 'canary', 'GRAY', ''),
        group: fc.constantFrom(undefined, 'beta', 'alpha'),
        source: fc.constantFrom('internet', 'trusted', 'cluster'),
        method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'HEAD'),
        suffix: fc.stringMatching(/^[a-z0-9/]{0,12}$/),
      });
    type Sample = {
      entry: number;
      mark?: string;
      group?: string;
      source: string;
      method: string;
      suffix: string;
    };
    const entersLane = (s: Sample, entry: ServiceSpec) =>
      s.mark === 'gray' ||
      (s.group === 'beta' && entry.gray?.headers.some((h) => h.value === 'beta') === true);

    /** The paths of a sample: from the internet or a trusted source through the edge, or an in-cluster call. */
    function pathsOf(s: Sample): { entry: ServiceSpec; paths: Path[] } | undefined {
      const list = s.source === 'cluster' ? env.spec.services : entries();
      const entry = list[s.entry % list.length];
      const headers: Record<string, string> = { ':method': s.method };
      if (s.mark !== undefined) headers[env.spec.grayscale.header] = s.mark;
      if (s.group !== undefined) headers['x-user-group'] = s.group;
      if (s.source === 'cluster') {
        // A pod (a tester's job, another service) calling the service by its name.
        const paths: Path[] = [];
        for (const outcome of call(entry, { ...headers })) follow(outcome, [], 1, paths);
        return { entry, paths };
      }
      const host = entry.route?.hostnames?.[0] ?? env.spec.gateway?.hostnames[0] ?? 'localhost';
      const prefix =
        entry.protocol === 'grpc' ? '/points.v1.Points' : (entry.route?.pathPrefixes?.[0] ?? '/');
      const request: XdsRequest = { host, path: `${prefix.replace(/\/$/, '')}/${s.suffix}`, headers };
      if (s.source === 'internet') return { entry, paths: pathsFrom(request) };
      // A trusted source: a verified token whose claims carry the lane headers.
      const claimed = claimHeaders(publicGateway(), containerPort(env.spec.gateway?.httpsPort ?? 443));
      if (claimed.size === 0) return undefined;
      const claims = Object.fromEntries(
        [...claimed]
          .filter(([header]) => headers[header] !== undefined)
          .map(([header, claim]) => [claim, headers[header]]),
      );
      return { entry, paths: pathsFrom({ ...request, headers: { ':method': s.method }, claims }) };
    }

    const grayShare = (paths: readonly Path[]) =>
      paths
        .filter((p) => p.hops.some((hop) => hop.lane !== 'stable'))
        .reduce((sum, p) => sum + p.probability, 0);

    it('marked requests from a trusted source or inside the cluster stay gray end to end', () => {
      fc.assert(
        fc.property(sample(), (s) => {
          const result = pathsOf(s);
          fc.pre(result !== undefined);
          const { entry, paths } = result as NonNullable<typeof result>;
          expect(paths.length).toBeGreaterThan(0);
          expect(paths.reduce((sum, p) => sum + p.probability, 0)).toBeCloseTo(1);
          for (const p of paths) expect(p.hops.length).toBeGreaterThan(0);
          if (s.source !== 'internet' && entersLane(s, entry))
            for (const p of paths)
              for (const hop of p.hops)
                if (hasGray(hop.service)) expect(hop).toEqual({ ...hop, lane: 'gray' });
          // On every path, once in gray, every later service with a gray version is gray.
          for (const p of paths) {
            const first = p.hops.findIndex((hop) => hop.lane !== 'stable');
            if (first >= 0)
              for (const hop of p.hops.slice(first))
                if (hasGray(hop.service)) expect(hop).toEqual({ ...hop, lane: 'gray' });
          }
        }),
        { numRuns: 300 },
      );
    });

    it('unmarked requests, and forged marks from the internet, reach gray only as the gray share of the entry service', () => {
      fc.assert(
        fc.property(sample(), (s) => {
          const forged = s.source === 'internet';
          const result = pathsOf(
            forged
              ? s
              : {
                  ...s,
                  mark: s.mark === 'gray' ? undefined : s.mark,
                  group: s.group === 'beta' ? undefined : s.group,
                },
          );
          fc.pre(result !== undefined);
          const { entry, paths } = result as NonNullable<typeof result>;
          // In-cluster calls to an exposed service were split at the edge: unmarked, they stay stable.
          const share = s.source === 'cluster' && entry.route ? 0 : (entry.gray?.weight ?? 0);
          expect(grayShare(paths)).toBeCloseTo(share / 100);
          // The share that entered stable never reaches gray downstream.
          for (const p of paths)
            if (p.hops[0].lane === 'stable') expect(p.hops.every((hop) => hop.lane === 'stable')).toBe(true);
        }),
        { numRuns: 300 },
      );
    });

    it('follows vehicle-control -> map in the lane: the gray share of vehicle-control calls gray map, the stable share stable map', () => {
      const paths = pathsFrom({ host: 'api.app.example.com', path: '/vehicle/trips', headers: {} });
      const chains = paths.map(
        (p) => `${p.hops.map((h) => `${h.service}:${h.lane}`).join(' > ')} ${p.probability.toFixed(2)}`,
      );
      expect(chains.sort()).toEqual([
        'vehicle-control:gray > map:gray 0.10',
        'vehicle-control:stable > map:stable 0.90',
      ]);
    });
  });
});

/** A Gateway API duration (`10s`, `500ms`, `1m`) as Envoy's JSON duration (`10s`, `0.500s`). */
function durationSeconds(duration: string): string {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  for (const [, value, unit] of duration.matchAll(/(\d+)(h|ms|m|s)/g)) total += Number(value) * units[unit];
  return Number.isInteger(total) ? `${total}s` : `${total.toFixed(3)}s`;
}
