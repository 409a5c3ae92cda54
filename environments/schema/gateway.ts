import { z } from 'zod';
import { dnsLabel, dnsSubdomain, port } from './common';
import { clientTimeouts } from './traffic-protection';
import { trustedSources } from './trusted-sources';

/** A TLS certificate Secret (type kubernetes.io/tls), referenced by name; never its content. */
export const certificateRef = z.strictObject({
  name: dnsSubdomain.describe(
    'Name of the kubernetes.io/tls Secret, created outside the blueprint (cert-manager, Vault).',
  ),
  namespace: dnsLabel
    .optional()
    .describe(
      "Namespace of the Secret; another namespace than the gateway's gets a ReferenceGrant there. @default the gateway's namespace",
    ),
});
export type CertificateRefSpec = z.infer<typeof certificateRef>;

/**
 * The north-south gateway: one Gateway API v1 `Gateway` with an HTTP and an HTTPS listener.
 * The data plane (envoy, higress, ...) is run by the implementation behind `className`.
 */
export const gateway = z
  .strictObject({
    name: dnsLabel.default('public').describe('Name of the Gateway object. @default public'),
    namespace: dnsLabel
      .default('gateway')
      .describe('Namespace of the Gateway; one of `namespaces[].name`. @default gateway'),
    className: dnsSubdomain.describe(
      'gatewayClassName: the GatewayClass of the installed implementation, e.g. envoy-gateway, higress, istio.',
    ),
    hostnames: z
      .array(dnsSubdomain)
      .default([])
      .describe('Host names the listeners accept (one listener pair per host name). @default [] - any host'),
    httpPort: port.default(80).describe('Port of the HTTP listener. @default 80'),
    httpsPort: port.default(443).describe('Port of the HTTPS listener. @default 443'),
    certificateRefs: z
      .array(certificateRef)
      .min(1, { error: 'must list at least one certificate Secret for the HTTPS listener' })
      .describe('TLS certificates of the HTTPS listener (Secrets by name).'),
    redirectHttpToHttps: z
      .boolean()
      .default(true)
      .describe(
        'Answer plain HTTP with a 308 to HTTPS (keeps the method and body) instead of routing it. @default true',
      ),
    clientTimeouts: clientTimeouts
      .prefault({})
      .describe('Client connection timeouts of the public listeners. @default idle 1h, request received 1m'),
    parametersRef: z
      .strictObject({
        group: dnsSubdomain.describe('API group of the parameters object, e.g. gateway.envoyproxy.io.'),
        kind: z
          .string()
          .regex(/^[A-Z][A-Za-z0-9]*$/, { error: 'is not a Kubernetes kind (e.g. EnvoyProxy)' })
          .describe('Kind of the parameters object, e.g. EnvoyProxy.'),
        name: dnsSubdomain.describe('Name of the parameters object, in the gateway namespace.'),
      })
      .optional()
      .describe(
        "Implementation-specific settings of the gateway's data plane (spec.infrastructure.parametersRef), e.g. an EnvoyProxy that pins the proxies to the gateway pool. @default - the implementation's defaults",
      ),
  })
  .describe('The north-south gateway (Gateway API v1).');
export type GatewaySpec = z.infer<typeof gateway>;

/** How a request is marked as belonging to a gray lane, and how the mark is kept in-cluster. */
export const grayscale = z
  .strictObject({
    header: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, { error: 'is not a lowercase HTTP header name (e.g. x-gray-tag)' })
      .default('x-gray-tag')
      .describe(
        'Header that carries the lane mark through gateway, services, MQ and configuration. @default x-gray-tag',
      ),
    inCluster: z
      .enum(['lanesGateway', 'none'])
      .default('lanesGateway')
      .describe(
        "How service-to-service calls stay in their lane. `lanesGateway`: a second, ClusterIP Envoy Gateway (`lanes` in the gateway namespace) routes every call to a service with a gray release by the mark; the service's own name resolves to it (an ExternalName Service) and the stable pods get `<service>-stable`. Needs `gateway` and the envoyGateway add-on. `none`: no in-cluster routing; the apps route by mark themselves (RPC framework tag routing). @default lanesGateway",
      ),
    trustedSources: trustedSources,
  })
  .describe(
    'Full-link grayscale settings. @default header x-gray-tag, in-cluster lanes through the lanes gateway',
  );
export type GrayscaleSpec = z.infer<typeof grayscale>;
