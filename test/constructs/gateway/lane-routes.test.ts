import { Testing } from 'cdk8s';
import fc from 'fast-check';
import { GrpcServiceRoute } from '../../../constructs/gateway/grpc-service-route';
import { HttpServiceRoute } from '../../../constructs/gateway/http-service-route';
import { LaneSplit, type LaneSplitProps } from '../../../constructs/gateway/lane-split';
import { RouteParent } from '../../../constructs/gateway/route-parent';
import { validateAgainstCrd } from '../../support/crd-schema';

// biome-ignore lint/suspicious/noExplicitAny: manifests are untyped JSON
type Manifest = any;

const stable = { name: 'map', port: 8080 };
const grayBackend = { name: 'map-gray', port: 8080 };
const gateway = RouteParent.gateway('public', 'gateway', 'https');

function httpRoute(split: LaneSplitProps, extra: { pathPrefixes?: string[]; mesh?: boolean } = {}): Manifest {
  const chart = Testing.chart();
  new HttpServiceRoute(chart, 'route', {
    name: 'map',
    namespace: 'vehicle',
    parents: extra.mesh ? [RouteParent.service('map', 8080)] : [gateway],
    split: new LaneSplit(split),
    hostnames: ['api.example.com'],
    pathPrefixes: extra.pathPrefixes ?? ['/map'],
    timeouts: { request: '10s', backendRequest: '5s' },
  });
  const [route] = Testing.synth(chart);
  expect(validateAgainstCrd(route)).toEqual([]);
  return route;
}

const targets = (rule: Manifest) => rule.backendRefs.map((b: Manifest) => [b.name, b.weight]);

describe('lane routes', () => {
  it('without a gray release, sends everything to stable and names no gray object', () => {
    const route = httpRoute({ stable });
    expect(route.spec.rules).toHaveLength(1);
    expect(targets(route.spec.rules[0])).toEqual([['map', undefined]]);
    expect(JSON.stringify(route)).not.toContain('gray');
  });

  it('splits unmarked requests by weight and marks those that enter the gray lane', () => {
    const route = httpRoute({ stable, gray: { lane: 'gray', backend: grayBackend, weight: 20 } });
    const byName = Object.fromEntries(route.spec.rules.map((r: Manifest) => [r.name, r]));
    expect(Object.keys(byName)).toEqual(['lane-gray-mark', 'default']);
    expect(byName['lane-gray-mark'].matches).toEqual([
      {
        path: { type: 'PathPrefix', value: '/map' },
        headers: [{ type: 'Exact', name: 'x-gray-tag', value: 'gray' }],
      },
    ]);
    expect(targets(byName['lane-gray-mark'])).toEqual([['map-gray', undefined]]);
    expect(targets(byName.default)).toEqual([
      ['map', 80],
      ['map-gray', 20],
    ]);
    expect(byName.default.backendRefs[1].filters).toEqual([
      {
        type: 'RequestHeaderModifier',
        requestHeaderModifier: { set: [{ name: 'x-gray-tag', value: 'gray' }] },
      },
    ]);
    expect(byName.default.backendRefs[0].filters).toBeUndefined();
    expect(byName.default.timeouts).toEqual({ request: '10s', backendRequest: '5s' });
  });

  it('sends requests with the lane headers to gray and sets the mark on them', () => {
    const route = httpRoute(
      {
        stable,
        markHeader: 'x-lane',
        gray: { lane: 'beta', backend: grayBackend, headers: [{ name: 'x-user-group', value: 'beta' }] },
      },
      { pathPrefixes: ['/map', '/poi'] },
    );
    const headersRule = route.spec.rules.find((r: Manifest) => r.name === 'lane-beta-headers');
    expect(headersRule.matches).toHaveLength(2);
    expect(headersRule.matches[1]).toEqual({
      path: { type: 'PathPrefix', value: '/poi' },
      headers: [{ type: 'Exact', name: 'x-user-group', value: 'beta' }],
    });
    expect(headersRule.filters).toEqual([
      { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-lane', value: 'beta' }] } },
    ]);
    expect(targets(headersRule)).toEqual([['map-gray', undefined]]);
    // weight 0: unmarked requests stay stable.
    expect(targets(route.spec.rules.find((r: Manifest) => r.name === 'default'))).toEqual([
      ['map', undefined],
    ]);
  });

  it('sends everything to gray at weight 100, marked', () => {
    const route = httpRoute({ stable, gray: { lane: 'gray', backend: grayBackend, weight: 100 } });
    const rule = route.spec.rules.find((r: Manifest) => r.name === 'default');
    expect(targets(rule)).toEqual([['map-gray', undefined]]);
    expect(rule.filters[0].requestHeaderModifier.set).toEqual([{ name: 'x-gray-tag', value: 'gray' }]);
  });

  it('builds GAMMA mesh routes on the Service that keep marked calls in the lane', () => {
    const route = httpRoute(
      { stable, gray: { lane: 'gray', backend: grayBackend, weight: 30 }, splitByWeight: false },
      { mesh: true, pathPrefixes: ['/'] },
    );
    expect(route.spec.parentRefs).toEqual([{ group: '', kind: 'Service', name: 'map', port: 8080 }]);
    expect(targets(route.spec.rules[0])).toEqual([['map-gray', undefined]]);
    expect(targets(route.spec.rules[1])).toEqual([['map', undefined]]);
  });

  it('builds GRPCRoutes with the same lane rules, matched on metadata', () => {
    const chart = Testing.chart();
    new GrpcServiceRoute(chart, 'route', {
      name: 'points',
      namespace: 'commerce',
      parents: [gateway],
      hostnames: ['grpc.example.com'],
      split: new LaneSplit({
        stable: { name: 'points', port: 9000 },
        gray: { lane: 'gray', backend: { name: 'points-gray', port: 9000 }, weight: 5 },
      }),
    });
    const [route] = Testing.synth(chart);
    expect(route.kind).toBe('GRPCRoute');
    expect(validateAgainstCrd(route)).toEqual([]);
    expect(route.spec.rules[0].matches).toEqual([
      { headers: [{ type: 'Exact', name: 'x-gray-tag', value: 'gray' }] },
    ]);
    expect(targets(route.spec.rules[1])).toEqual([
      ['points', 95],
      ['points-gray', 5],
    ]);
  });

  it.each([
    [
      { stable, gray: { lane: 'gray', backend: grayBackend, weight: 101 } },
      /'gray.weight' \(101\) must be a whole number between 0 and 100/,
    ],
    [{ stable, gray: { lane: 'gray', backend: grayBackend, weight: -1 } }, /'gray.weight' \(-1\)/],
    [{ stable, gray: { lane: 'gray', backend: stable } }, /must differ from the stable backend/],
  ] as [LaneSplitProps, RegExp][])('refuses a bad split %#', (props, message) => {
    expect(() => new LaneSplit(props)).toThrow(message);
  });

  it('refuses more matches than an HTTPRoute holds', () => {
    const chart = Testing.chart();
    const split = new LaneSplit({ stable, gray: { lane: 'gray', backend: grayBackend, weight: 5 } });
    const pathPrefixes = Array.from({ length: 64 }, (_, i) => `/p${i}`);
    expect(
      () =>
        new HttpServiceRoute(chart, 'r', {
          name: 'r',
          namespace: 'n',
          parents: [gateway],
          split,
          pathPrefixes,
        }),
    ).toThrow(/128 matches across the rules; an HTTPRoute holds fewer than 128/);
  });

  it('refuses a route without parents or with a bad timeout', () => {
    const chart = Testing.chart();
    const split = new LaneSplit({ stable });
    expect(() => new HttpServiceRoute(chart, 'a', { name: 'a', namespace: 'n', parents: [], split })).toThrow(
      /'parents' must name at least one parent/,
    );
    expect(
      () =>
        new HttpServiceRoute(chart, 'b', {
          name: 'b',
          namespace: 'n',
          parents: [gateway],
          split,
          timeouts: { request: '10 seconds' },
        }),
    ).toThrow(/'timeouts.request' \("10 seconds"\) is not a Gateway API duration/);
  });

  it('for any weight and headers: marked requests reach gray, shares add up to 100, only gray traffic is marked', () => {
    const header = fc.record({
      name: fc.constantFrom('x-user-group', 'x-region', 'x-app-version'),
      value: fc.stringMatching(/^[a-z0-9]{1,8}$/),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.uniqueArray(header, { selector: (h) => h.name, maxLength: 3 }),
        fc.boolean(),
        (weight, headers, splitByWeight) => {
          const split = new LaneSplit({
            stable,
            gray: { lane: 'gray', backend: grayBackend, weight, headers },
            splitByWeight,
          });
          const [first, ...rest] = split.rules;
          expect(first?.headers).toEqual([{ name: 'x-gray-tag', value: 'gray' }]);
          expect(first?.backends.map((b) => b.name)).toEqual(['map-gray']);
          const names = split.rules.map((r) => r.name);
          expect(new Set(names).size).toBe(names.length);
          const last = rest[rest.length - 1];
          expect(last?.name).toBe('default');
          expect(last?.headers).toEqual([]);
          const effective = splitByWeight ? weight : 0;
          const share = (name: string) =>
            last?.backends
              .filter((b) => b.name === name)
              .reduce((sum, b) => sum + (b.weight ?? (last.backends.length === 1 ? 100 : 0)), 0) ?? 0;
          expect(share('map') + share('map-gray')).toBe(100);
          expect(share('map-gray')).toBe(effective);
          for (const rule of split.rules) {
            for (const backend of rule.backends) {
              const marked = backend.setMark ?? rule.setMark;
              if (backend.name === 'map') expect(marked).toBeUndefined();
              if (marked) expect(marked).toEqual({ name: 'x-gray-tag', value: 'gray' });
            }
          }
          expect(split.rules.some((r) => r.name === 'lane-gray-headers')).toBe(headers.length > 0);
        },
      ),
    );
  });
});
