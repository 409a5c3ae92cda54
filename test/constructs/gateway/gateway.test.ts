import { Testing } from 'cdk8s';
import { Gateway, type GatewayProps } from '../../../constructs/gateway/gateway';
import { validateAgainstCrd } from '../../support/crd-schema';

// biome-ignore lint/suspicious/noExplicitAny: manifests are untyped JSON
type Manifest = any;

const base: GatewayProps = {
  name: 'public',
  namespace: 'gateway',
  className: 'envoy-gateway',
  certificates: [{ name: 'api-tls' }],
};

function synth(props: Partial<GatewayProps> = {}): { objects: Manifest[]; gateway: Gateway } {
  const chart = Testing.chart();
  const gateway = new Gateway(chart, 'gw', { ...base, ...props });
  return { objects: Testing.synth(chart), gateway };
}

describe('Gateway', () => {
  it('emits an HTTP and an HTTPS listener with certificate refs, valid against the CRDs', () => {
    const { objects } = synth({ routeNamespaces: ['vehicle', 'commerce', 'vehicle'] });
    for (const object of objects) expect(validateAgainstCrd(object)).toEqual([]);
    const gateway = objects.find((o) => o.kind === 'Gateway');
    expect(gateway.spec.gatewayClassName).toBe('envoy-gateway');
    const [http, https] = gateway.spec.listeners;
    expect([http.name, http.protocol, http.port]).toEqual(['http', 'HTTP', 80]);
    expect([https.name, https.protocol, https.port]).toEqual(['https', 'HTTPS', 443]);
    expect(https.tls).toEqual({
      mode: 'Terminate',
      certificateRefs: [{ group: '', kind: 'Secret', name: 'api-tls' }],
    });
    expect(https.allowedRoutes.namespaces.selector.matchExpressions).toEqual([
      { key: 'kubernetes.io/metadata.name', operator: 'In', values: ['commerce', 'vehicle'] },
    ]);
    // With the redirect, plain HTTP only serves the redirect route of the gateway's namespace.
    expect(http.allowedRoutes.namespaces).toEqual({ from: 'Same' });
  });

  it('redirects plain HTTP to HTTPS with a 301', () => {
    const { objects } = synth({ httpsPort: 8443 });
    const redirect = objects.find((o) => o.kind === 'HTTPRoute');
    expect(redirect.spec.parentRefs).toEqual([
      {
        group: 'gateway.networking.k8s.io',
        kind: 'Gateway',
        name: 'public',
        namespace: 'gateway',
        sectionName: 'http',
      },
    ]);
    expect(redirect.spec.rules[0].filters).toEqual([
      { type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301, port: 8443 } },
    ]);
  });

  it('routes plain HTTP when the redirect is off, and attaches routes to the whole gateway', () => {
    const { objects, gateway } = synth({ redirectHttpToHttps: false, routeNamespaces: ['shop'] });
    expect(objects.filter((o) => o.kind === 'HTTPRoute')).toEqual([]);
    expect(gateway.routeParents().map((p) => p.toParentRef())).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', namespace: 'gateway' },
    ]);
  });

  it('gives each host name its own listeners and attaches routes to the ones that accept them', () => {
    const { objects, gateway } = synth({ hostnames: ['api.example.com', '*.example.org'] });
    expect(objects.find((o) => o.kind === 'Gateway').spec.listeners.map((l: Manifest) => l.name)).toEqual([
      'http-api-example-com',
      'http-wildcard-example-org',
      'https-api-example-com',
      'https-wildcard-example-org',
    ]);
    expect(gateway.routeParents(['shop.example.org']).map((p) => p.sectionName)).toEqual([
      'https-wildcard-example-org',
    ]);
    expect(gateway.routeParents().map((p) => p.sectionName)).toHaveLength(2);
    expect(() => gateway.routeParents(['other.net'])).toThrow(/no listener accepts the host names other.net/);
  });

  it('grants access to certificates in other namespaces with a ReferenceGrant there', () => {
    const { objects } = synth({
      certificates: [{ name: 'api-tls' }, { name: 'wildcard-tls', namespace: 'certificates' }],
    });
    const refs = objects.find((o) => o.kind === 'Gateway').spec.listeners[1].tls.certificateRefs;
    expect(refs[1]).toEqual({ group: '', kind: 'Secret', name: 'wildcard-tls', namespace: 'certificates' });
    const grants = objects.filter((o) => o.kind === 'ReferenceGrant');
    expect(grants).toHaveLength(1);
    expect(validateAgainstCrd(grants[0])).toEqual([]);
    expect(grants[0].metadata.namespace).toBe('certificates');
    expect(grants[0].spec).toEqual({
      from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'gateway' }],
      to: [{ group: '', kind: 'Secret', name: 'wildcard-tls' }],
    });
  });

  it('passes implementation parameters and infrastructure labels', () => {
    const { objects } = synth({
      parametersRef: { group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', name: 'gateway-pool' },
      infrastructureLabels: { tier: 'edge' },
    });
    const gateway = objects.find((o) => o.kind === 'Gateway');
    expect(gateway.spec.infrastructure).toEqual({
      labels: { tier: 'edge' },
      parametersRef: { group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', name: 'gateway-pool' },
    });
    expect(validateAgainstCrd(gateway)).toEqual([]);
  });

  it.each([
    [{ httpPort: 443 }, /'httpPort' \(443\) must differ from 'httpsPort' \(443\)/],
    [{ certificates: [] }, /'certificates' must list at least one TLS Secret/],
    [{ hostnames: ['a.example.com', 'a.example.com'] }, /must not repeat a host name/],
  ] as [Partial<GatewayProps>, RegExp][])('refuses bad props %#', (props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});
