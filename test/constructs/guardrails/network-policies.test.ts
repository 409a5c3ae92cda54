import { Chart, Testing } from 'cdk8s';
import { AllowNetworkPolicy } from '../../../constructs/guardrails/allow-network-policy';
import { DefaultDenyNetworkPolicy } from '../../../constructs/guardrails/default-deny-network-policy';
import { DnsEgressNetworkPolicy } from '../../../constructs/guardrails/dns-egress-network-policy';
import { addressBlock, podsIn, tcpPorts } from '../../../constructs/guardrails/network-peer';

// biome-ignore lint/suspicious/noExplicitAny: manifests are plain JSON
type Manifest = Record<string, any>;

function synth(build: (chart: Chart) => void): Manifest[] {
  const chart = new Chart(Testing.app(), 'test');
  build(chart);
  return Testing.synth(chart) as Manifest[];
}

describe('DefaultDenyNetworkPolicy', () => {
  it('selects every pod and denies both directions', () => {
    const [policy] = synth((chart) => new DefaultDenyNetworkPolicy(chart, 'deny', { namespace: 'shop' }));
    expect(policy).toMatchObject({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'default-deny', namespace: 'shop' },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    expect(policy?.spec.ingress).toBeUndefined();
    expect(policy?.spec.egress).toBeUndefined();
  });
});

describe('DnsEgressNetworkPolicy', () => {
  it('lets every pod reach kube-dns on 53 UDP and TCP, and nothing else', () => {
    const [policy] = synth((chart) => new DnsEgressNetworkPolicy(chart, 'dns', { namespace: 'shop' }));
    expect(policy?.spec).toEqual({
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
              podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
            },
          ],
          ports: [
            { port: 53, protocol: 'UDP' },
            { port: 53, protocol: 'TCP' },
          ],
        },
      ],
    });
  });
});

describe('AllowNetworkPolicy', () => {
  it('renders rules added after construction, once each', () => {
    const [policy] = synth((chart) => {
      const allow = new AllowNetworkPolicy(chart, 'allow', {
        namespace: 'shop',
        name: 'allow-cart',
        podLabels: { 'app.kubernetes.io/name': 'cart' },
        ingress: [{ peers: [podsIn('monitoring')], ports: tcpPorts(9090) }],
      });
      allow.allowEgress({ peers: [addressBlock('10.20.3.10')], ports: tcpPorts(3306) });
      allow.allowEgress({ peers: [addressBlock('10.20.3.10')], ports: tcpPorts(3306) });
      allow.allowEgress({ peers: [podsIn('envoy-gateway-system')] });
      allow.allowEgress({ peers: [podsIn('envoy-gateway-system')], ports: [] });
    });
    expect(policy?.spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'cart' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
              podSelector: {},
            },
          ],
          ports: [{ port: 9090, protocol: 'TCP' }],
        },
      ],
      egress: [
        { to: [{ ipBlock: { cidr: '10.20.3.10/32' } }], ports: [{ port: 3306, protocol: 'TCP' }] },
        {
          to: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'envoy-gateway-system' } },
              podSelector: {},
            },
          ],
        },
      ],
    });
  });

  it('admits anyone when a rule names no peers (the edge)', () => {
    const [policy] = synth((chart) => {
      new AllowNetworkPolicy(chart, 'allow', {
        namespace: 'gw',
        name: 'edge',
        podLabels: {},
        ingress: [{ peers: [] }],
      });
    });
    expect(policy?.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] });
  });

  it('refuses bad ports and a policy that allows nothing', () => {
    expect(() =>
      synth((chart) => {
        new AllowNetworkPolicy(chart, 'a', {
          namespace: 'shop',
          name: 'p',
          podLabels: {},
          ingress: [{ peers: [], ports: tcpPorts(70000) }],
        });
      }),
    ).toThrow('AllowNetworkPolicy shop/p: port (70000) must be a whole number between 1 and 65535');
    const chart = new Chart(Testing.app(), 'test');
    new AllowNetworkPolicy(chart, 'a', { namespace: 'shop', name: 'p', podLabels: {} });
    expect(chart.node.findAll().flatMap((construct) => construct.node.validate())).toEqual([
      'AllowNetworkPolicy shop/p: it allows nothing; leave it out instead',
    ]);
  });

  it('refuses a malformed address', () => {
    expect(() => addressBlock('db.example.com')).toThrow(
      'addressBlock: "db.example.com" is not an IPv4 address or CIDR',
    );
  });
});
