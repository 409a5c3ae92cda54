import * as YAML from 'yaml';
import { localEnvoyGatewayConfig } from '../../../cli/rehearsal/addon-controllers';
import { certificateSecrets } from '../../../cli/rehearsal/gateway-status';
import { type GatewayObjects, judgeGateways } from '../../../cli/rehearsal/report';

const accepted = (type: string, status = 'True', reason = type) => ({ type, status, reason });
const gateway = (
  addresses: string[],
  conditions = [accepted('Accepted'), accepted('Programmed')],
): GatewayObjects['gateways'][number] => ({
  metadata: { name: 'public', namespace: 'gateway' },
  spec: { gatewayClassName: 'envoy-gateway' },
  status: { addresses: addresses.map((value) => ({ type: 'IPAddress', value })), conditions },
});
const parent = { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', namespace: 'gateway' };
const route = (
  conditions: { type: string; status: string; reason: string }[] | undefined,
  parentRefs: { group: string; kind: string; name: string; namespace: string; sectionName?: string }[] = [
    { ...parent, sectionName: 'https' },
  ],
): GatewayObjects['routes'][number] => ({
  kind: 'HTTPRoute',
  metadata: { name: 'api', namespace: 'app' },
  spec: { parentRefs },
  status: conditions
    ? {
        parents: [
          {
            parentRef: { ...parent, sectionName: 'https' },
            controllerName: 'gateway.envoyproxy.io/gatewayclass-controller',
            conditions,
          },
        ],
      }
    : undefined,
});

describe('judgeGateways', () => {
  it('judges a Gateway behind a ClusterIP Service by its cluster IP, not by the MetalLB pool', () => {
    const lanes = { ...gateway(['10.96.0.40']), metadata: { name: 'lanes', namespace: 'gateway' } };
    const proxy = (type: string, clusterIP: string) => ({
      metadata: {
        name: 'lanes',
        namespace: 'envoy-gateway-system',
        labels: {
          'gateway.envoyproxy.io/owning-gateway-name': 'lanes',
          'gateway.envoyproxy.io/owning-gateway-namespace': 'gateway',
        },
      },
      spec: { type, clusterIP },
    });
    const judge = (service: ReturnType<typeof proxy>) =>
      judgeGateways({ gateways: [lanes], routes: [], pools: ['10.20.2.240/29'], proxyServices: [service] })
        .problems;
    expect(judge(proxy('ClusterIP', '10.96.0.40'))).toEqual([]);
    expect(judge(proxy('ClusterIP', '10.96.0.41'))).toEqual([
      "Gateway gateway/lanes: address 10.96.0.40 is not its proxy Service's cluster IP 10.96.0.41",
    ]);
    // A LoadBalancer Gateway still needs a pool address.
    expect(judge(proxy('LoadBalancer', '10.96.0.40'))).toEqual([
      'Gateway gateway/lanes: address 10.96.0.40 in no MetalLB pool (10.20.2.240/29)',
    ]);
  });

  it('passes a Programmed Gateway with an address from the pool and accepted routes', () => {
    const report = judgeGateways({
      gateways: [gateway(['10.20.2.240'])],
      routes: [route([accepted('Accepted'), accepted('ResolvedRefs')])],
      pools: ['10.20.2.240-10.20.2.250'],
    });
    expect(report.problems).toEqual([]);
    expect(report.lines[0]).toBe('rehearsal: 1 Gateways and 1 routes judged by Envoy Gateway');
  });

  it('finds a Gateway without an address, one outside the pools, and unmet conditions', () => {
    expect(
      judgeGateways({
        gateways: [
          gateway([], [accepted('Accepted'), accepted('Programmed', 'False', 'AddressNotAssigned')]),
        ],
        routes: [],
        pools: ['10.20.2.240/29'],
      }).problems,
    ).toEqual(['Gateway gateway/public: Programmed=False (AddressNotAssigned); no address']);
    expect(
      judgeGateways({ gateways: [gateway(['10.20.3.1'])], routes: [], pools: ['10.20.2.240/29'] }).problems,
    ).toEqual(['Gateway gateway/public: address 10.20.3.1 in no MetalLB pool (10.20.2.240/29)']);
    // Without MetalLB (a cloud load balancer), any address will do.
    expect(judgeGateways({ gateways: [gateway(['203.0.113.7'])], routes: [], pools: [] }).problems).toEqual(
      [],
    );
  });

  it('finds a route with unresolved refs or no status for its parent, and leaves mesh routes out', () => {
    expect(
      judgeGateways({
        gateways: [],
        routes: [
          route([accepted('Accepted'), accepted('ResolvedRefs', 'False', 'BackendNotFound')]),
          { ...route(undefined), metadata: { name: 'silent', namespace: 'app' } },
          {
            ...route(undefined, [{ group: '', kind: 'Service', name: 'map', namespace: 'vehicle' }]),
            metadata: { name: 'mesh', namespace: 'vehicle' },
          },
        ],
        pools: [],
      }),
    ).toEqual({
      lines: [
        'rehearsal: 0 Gateways and 2 routes judged by Envoy Gateway; 1 mesh routes (parent a Service) not judged: no mesh implementation runs in a rehearsal',
        expect.stringMatching(/^ {2}NOT READY {2}HTTPRoute {3}app\/api /),
        expect.stringMatching(/^ {2}NOT READY {2}HTTPRoute {3}app\/silent /),
      ],
      problems: [
        'HTTPRoute app/api: on gateway/public/https: ResolvedRefs=False (BackendNotFound)',
        'HTTPRoute app/silent: no status for its parent gateway/public/https',
      ],
    });
  });
});

describe('certificateSecrets', () => {
  it('lists each Secret a listener names once, with its hostnames, in its namespace', () => {
    const tls = (name: string, namespace?: string) => ({
      certificateRefs: [{ group: '', kind: 'Secret', name, ...(namespace ? { namespace } : {}) }],
    });
    expect(
      certificateSecrets([
        {
          metadata: { name: 'public', namespace: 'gateway' },
          spec: {
            listeners: [
              { hostname: 'b.example.com', tls: tls('site-tls') },
              { hostname: 'a.example.com', tls: tls('site-tls') },
              { hostname: 'c.example.com', tls: tls('other', 'certs') },
              { hostname: 'plain.example.com' },
            ],
          },
        },
      ]),
    ).toEqual([
      { namespace: 'certs', name: 'other', hostnames: ['c.example.com'] },
      { namespace: 'gateway', name: 'site-tls', hostnames: ['a.example.com', 'b.example.com'] },
    ]);
  });
});

describe('localEnvoyGatewayConfig', () => {
  it("keeps the blueprint's configuration and turns off what only a Pod may do", () => {
    const deployed = [
      'apiVersion: gateway.envoyproxy.io/v1alpha1',
      'kind: EnvoyGateway',
      'gateway:',
      '  controllerName: gateway.envoyproxy.io/gatewayclass-controller',
      'provider:',
      '  type: Kubernetes',
      '  kubernetes:',
      '    shutdownManager:',
      '      image: docker.io/envoyproxy/gateway:v1.2.8',
      '',
    ].join('\n');
    expect(YAML.parse(localEnvoyGatewayConfig(deployed, 40123))).toEqual({
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'EnvoyGateway',
      gateway: { controllerName: 'gateway.envoyproxy.io/gatewayclass-controller' },
      provider: {
        type: 'Kubernetes',
        kubernetes: {
          shutdownManager: { image: 'docker.io/envoyproxy/gateway:v1.2.8' },
          leaderElection: { disable: true },
        },
      },
      admin: { address: { host: '127.0.0.1', port: 40123 } },
      telemetry: { metrics: { prometheus: { disable: true } } },
    });
    expect(() => localEnvoyGatewayConfig('kind: ConfigMap\n', 1)).toThrow(
      'holds no EnvoyGateway configuration',
    );
  });
});
