import { ApiObject, Testing } from 'cdk8s';
import { LaneSplit } from '../../../constructs/gateway/lane-split';
import { LaneEntryService } from '../../../constructs/gateway/lanes-entry';
import { LanesGateway, serviceHostnames } from '../../../constructs/gateway/lanes-gateway';
import { validateAgainstCrd } from '../../support/crd-schema';

// biome-ignore lint/suspicious/noExplicitAny: manifests are untyped JSON
type Manifest = any;

const proxy = { replicas: 2, resources: { requests: { cpu: '500m' }, limits: { cpu: '2' } } };
const map = { name: 'map', namespace: 'vehicle', port: 8080 };
const points = { name: 'points', namespace: 'commerce', port: 9000 };

function lanes(services = [map, points]) {
  const chart = Testing.chart();
  const gateway = new LanesGateway(chart, 'lanes', {
    name: 'lanes',
    namespace: 'gateway',
    className: 'envoy-gateway',
    dnsDomain: 'cluster.local',
    services,
    proxy,
  });
  return { gateway, objects: Testing.synth(chart) as Manifest[] };
}

describe('LanesGateway', () => {
  it('puts its proxies behind a ClusterIP Service of a fixed name', () => {
    const { objects } = lanes();
    const envoyProxy = objects.find((o) => o.kind === 'EnvoyProxy');
    expect(envoyProxy.spec.provider.kubernetes.envoyService).toEqual({ type: 'ClusterIP', name: 'lanes' });
    const gateway = objects.find((o) => o.kind === 'Gateway');
    expect(gateway.spec.infrastructure.parametersRef).toEqual({
      group: 'gateway.envoyproxy.io',
      kind: 'EnvoyProxy',
      name: 'lanes',
    });
    expect(validateAgainstCrd(gateway)).toEqual([]);
  });

  it('listens on every name of every laned service, on its port, for its namespace only', () => {
    const { objects, gateway } = lanes();
    const listeners = objects.find((o) => o.kind === 'Gateway').spec.listeners;
    expect(listeners.map((l: Manifest) => [l.hostname, l.port])).toEqual([
      ['map', 8080],
      ['map.vehicle', 8080],
      ['map.vehicle.svc', 8080],
      ['map.vehicle.svc.cluster.local', 8080],
      ['points', 9000],
      ['points.commerce', 9000],
      ['points.commerce.svc', 9000],
      ['points.commerce.svc.cluster.local', 9000],
    ]);
    expect(listeners[0].allowedRoutes.namespaces.selector.matchExpressions[0].values).toEqual([
      'commerce',
      'vehicle',
    ]);
    expect(gateway.routeParents(map).map((p) => p.toParentRef())).toEqual(
      serviceHostnames(map, 'cluster.local').map((hostname) => ({
        group: 'gateway.networking.k8s.io',
        kind: 'Gateway',
        name: 'lanes',
        namespace: 'gateway',
        sectionName: `lane-${hostname.replaceAll('.', '-')}`,
      })),
    );
  });

  it('refuses two laned services with the same names, and no service at all', () => {
    expect(() => lanes([map, { ...map }])).toThrow(/share the host name map/);
    expect(() => lanes([])).toThrow(/at least one service/);
  });
});

describe('LaneEntryService', () => {
  it('turns the service name into an ExternalName to the lanes proxies and keeps the stable pods behind <service>-stable', () => {
    const chart = Testing.chart();
    const service = new ApiObject(chart, 'map', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'map', namespace: 'vehicle', labels: { 'app.kubernetes.io/name': 'map' } },
      spec: {
        type: 'ClusterIP',
        selector: { 'platform-blueprint.io/lane': 'stable' },
        ports: [{ port: 8080 }],
      },
    });
    new LaneEntryService(chart, 'entry', {
      service,
      stableName: 'map-stable',
      proxyHost: 'lanes.envoy-gateway-system.svc.cluster.local',
    });
    const [own, stable] = Testing.synth(chart) as Manifest[];
    expect(own.spec).toEqual({
      type: 'ExternalName',
      externalName: 'lanes.envoy-gateway-system.svc.cluster.local',
      ports: [{ port: 8080 }],
    });
    expect(stable.metadata).toMatchObject({
      name: 'map-stable',
      namespace: 'vehicle',
      labels: { 'app.kubernetes.io/name': 'map' },
    });
    expect(stable.spec).toEqual({
      type: 'ClusterIP',
      selector: { 'platform-blueprint.io/lane': 'stable' },
      ports: [{ port: 8080 }],
    });
  });
});

describe('LaneSplit.markWeightedShare', () => {
  it('leaves the gray share unmarked when false, and marks it by default', () => {
    const props = {
      stable: { name: 'map-stable', port: 8080 },
      gray: { lane: 'gray', backend: { name: 'map-gray', port: 8080 }, weight: 10 },
    };
    const share = (split: LaneSplit) => split.rules.find((rule) => rule.name === 'default')?.backends[1];
    expect(share(new LaneSplit(props))?.setMark).toEqual({ name: 'x-gray-tag', value: 'gray' });
    expect(share(new LaneSplit({ ...props, markWeightedShare: false }))?.setMark).toBeUndefined();
  });
});
