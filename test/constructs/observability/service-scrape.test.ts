import { Chart, Testing } from 'cdk8s';
import { ApiServerScrape } from '../../../constructs/observability/api-server-scrape';
import { ApiServerVipScrape } from '../../../constructs/observability/api-server-vip-scrape';
import { ServiceScrape } from '../../../constructs/observability/service-scrape';
import { validateAgainstCrd } from '../../support/crd-schema';

// biome-ignore lint/suspicious/noExplicitAny: manifests are plain JSON
type Manifest = Record<string, any>;

function synth(build: (chart: Chart) => void): Manifest[] {
  const chart = new Chart(Testing.app(), 'test');
  build(chart);
  return Testing.synth(chart) as Manifest[];
}

describe('ServiceScrape', () => {
  it('selects Services by label and scrapes the named port, with the pod labels copied', () => {
    const [monitor] = synth(
      (chart) =>
        new ServiceScrape(chart, 'scrape', {
          name: 'cart',
          namespace: 'shop',
          serviceLabels: { 'app.kubernetes.io/name': 'cart' },
          port: { servicePort: 'metrics' },
          labels: { release: 'kube-prometheus-stack' },
          podTargetLabels: ['platform-blueprint.io/lane'],
        }),
    );
    expect(validateAgainstCrd(monitor as { apiVersion: string; kind: string })).toEqual([]);
    expect(monitor?.metadata).toEqual({
      name: 'cart',
      namespace: 'shop',
      labels: { release: 'kube-prometheus-stack' },
    });
    expect(monitor?.spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'cart' } },
      endpoints: [{ port: 'metrics', path: '/metrics', interval: '30s' }],
      podTargetLabels: ['platform-blueprint.io/lane'],
    });
  });

  it("scrapes a container port behind other namespaces' Services, keeping matching Services and a fixed job", () => {
    const [monitor] = synth(
      (chart) =>
        new ServiceScrape(chart, 'scrape', {
          name: 'users-db-exporter',
          namespace: 'monitoring',
          serviceNamespace: 'data',
          serviceLabels: { 'platform-blueprint.io/database': 'users-db' },
          port: { targetPort: 'metrics' },
          serviceNamePattern: '.+-headless',
          job: 'users-db',
          targetLabels: ['platform-blueprint.io/shard'],
        }),
    );
    expect(validateAgainstCrd(monitor as { apiVersion: string; kind: string })).toEqual([]);
    expect(monitor?.spec.namespaceSelector).toEqual({ matchNames: ['data'] });
    expect(monitor?.spec.endpoints[0]).toMatchObject({
      targetPort: 'metrics',
      relabelings: [
        { action: 'keep', sourceLabels: ['__meta_kubernetes_service_name'], regex: '.+-headless' },
        { action: 'replace', targetLabel: 'job', replacement: 'users-db' },
      ],
    });
    expect(monitor?.spec.targetLabels).toEqual(['platform-blueprint.io/shard']);
  });

  it('refuses an empty selector and a relative path', () => {
    expect(() =>
      synth(
        (chart) =>
          new ServiceScrape(chart, 's', {
            name: 'x',
            namespace: 'y',
            serviceLabels: {},
            port: { servicePort: 'm' },
          }),
      ),
    ).toThrow("ServiceScrape y/x: 'serviceLabels' ({}) must select something");
    expect(() =>
      synth(
        (chart) =>
          new ServiceScrape(chart, 's', {
            name: 'x',
            namespace: 'y',
            serviceLabels: { a: 'b' },
            port: { servicePort: 'm' },
            path: 'metrics',
          }),
      ),
    ).toThrow(`ServiceScrape y/x: 'path' ("metrics") must start with "/"`);
  });
});

describe('ApiServerVipScrape', () => {
  const manifests = synth(
    (chart) =>
      new ApiServerVipScrape(chart, 'vip', { namespace: 'monitoring', vip: '10.20.0.10', port: 8443 }),
  );
  const byKind = Object.fromEntries(manifests.map((manifest) => [manifest.kind, manifest]));

  it('points a headless, selector-less Service at the VIP through an Endpoints object (what endpoints discovery reads)', () => {
    expect(byKind.Service?.spec.selector).toBeUndefined();
    expect(byKind.Service?.spec.clusterIP).toBe('None');
    expect(byKind.Service?.spec.ports).toEqual([{ name: 'https', port: 8443, targetPort: 8443 }]);
    expect(byKind.Endpoints?.metadata.name).toBe('apiserver-vip');
    expect(byKind.Endpoints?.subsets).toEqual([
      { addresses: [{ ip: '10.20.0.10' }], ports: [{ name: 'https', port: 8443, protocol: 'TCP' }] },
    ]);
  });

  it('keeps only up: HAProxy would mix the API servers behind the VIP under one instance', () => {
    expect(byKind.ServiceMonitor?.spec.endpoints[0].metricRelabelings).toEqual([
      { action: 'drop', sourceLabels: ['__name__'], regex: '.+' },
    ]);
  });

  it('scrapes it over HTTPS with the service-account token, as job apiserver-vip', () => {
    const monitor = byKind.ServiceMonitor;
    expect(validateAgainstCrd(monitor as { apiVersion: string; kind: string })).toEqual([]);
    expect(monitor?.spec.selector.matchLabels).toEqual(byKind.Service?.metadata.labels);
    expect(monitor?.spec.endpoints[0]).toMatchObject({
      port: 'https',
      scheme: 'https',
      bearerTokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token',
      tlsConfig: { caFile: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt' },
    });
  });

  it('refuses a VIP that is not an address', () => {
    expect(() =>
      synth(
        (chart) =>
          new ApiServerVipScrape(chart, 'vip', {
            namespace: 'monitoring',
            vip: 'api.example.com',
            port: 8443,
          }),
      ),
    ).toThrow(`ApiServerVipScrape: 'vip' ("api.example.com") must be an IPv4 address`);
  });
});

describe('ApiServerScrape', () => {
  const masters = [
    { name: 'master-1', address: '10.20.0.11' },
    { name: 'master-2', address: '10.20.0.12' },
    { name: 'master-3', address: '10.20.0.13' },
  ];
  const manifests = synth(
    (chart) => new ApiServerScrape(chart, 'apiserver', { namespace: 'monitoring', masters, port: 6443 }),
  );
  const byKind = Object.fromEntries(manifests.map((manifest) => [manifest.kind, manifest]));

  it('makes every master its own target on the apiserver port, labelled with its node', () => {
    expect(byKind.Service?.spec.clusterIP).toBe('None');
    const [subset] = byKind.Endpoints?.subsets ?? [];
    expect(subset.ports).toEqual([{ name: 'https', port: 6443, protocol: 'TCP' }]);
    expect(subset.addresses).toEqual(
      masters.map((master) => ({
        ip: master.address,
        nodeName: master.name,
        targetRef: { kind: 'Node', name: master.name },
      })),
    );
  });

  it('scrapes their full metrics over HTTPS as job apiserver, keeping every sample', () => {
    const monitor = byKind.ServiceMonitor;
    expect(validateAgainstCrd(monitor as { apiVersion: string; kind: string })).toEqual([]);
    expect(monitor?.spec.selector.matchLabels).toEqual(byKind.Service?.metadata.labels);
    expect(monitor?.spec.endpoints[0]).toMatchObject({ port: 'https', path: '/metrics', scheme: 'https' });
    expect(monitor?.spec.endpoints[0].metricRelabelings).toBeUndefined();
  });

  it('refuses a repeated master address', () => {
    expect(() =>
      synth(
        (chart) =>
          new ApiServerScrape(chart, 'apiserver', {
            namespace: 'monitoring',
            masters: [masters[0], { name: 'other', address: '10.20.0.11' }] as typeof masters,
            port: 6443,
          }),
      ),
    ).toThrow('StaticTargets monitoring/apiserver: an address repeats');
  });
});
