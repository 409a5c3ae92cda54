import { environmentSchema } from '../../environments/schema/index';
import { MINIMAL_ENVIRONMENT } from '../support/minimal-environment';

function parse(extra: Record<string, unknown>) {
  return environmentSchema.safeParse({
    ...MINIMAL_ENVIRONMENT,
    namespaces: [{ name: 'shop' }],
    ...extra,
  });
}

function issues(extra: Record<string, unknown>): string[] {
  const result = parse(extra);
  return result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

const grpcService = (ports: { name: string; port: number }[]) => ({
  name: 'points',
  namespace: 'shop',
  image: 'registry.example.com/points:1.0.0',
  protocol: 'grpc',
  ports,
});

describe('observability schema', () => {
  it('needs a metrics port on a gRPC service, so that every service is scraped', () => {
    expect(issues({ services: [grpcService([{ name: 'grpc', port: 9000 }])] })).toEqual([
      'services.0.ports: has no port named "metrics"; a grpc service needs one for Prometheus to scrape (every service is monitored)',
    ]);
    expect(
      issues({
        services: [
          grpcService([
            { name: 'grpc', port: 9000 },
            { name: 'metrics', port: 9090 },
          ]),
        ],
      }),
    ).toEqual([]);
  });

  it('checks durations, ratios and the OTLP endpoint', () => {
    expect(
      issues({
        observability: {
          scrapeInterval: '0s',
          otlpEndpoint: 'otel-collector:4317',
          alerts: { hpaMaxedFor: '15 minutes', gateway5xxRatio: 1.5 },
        },
      }),
    ).toEqual([
      'observability.scrapeInterval: must be longer than zero',
      expect.stringContaining('observability.otlpEndpoint: is not an OTLP endpoint URL'),
      'observability.alerts.hpaMaxedFor: is not a Prometheus duration (e.g. 30s, 5m, 1h30m)',
      'observability.alerts.gateway5xxRatio: must be less than 1',
    ]);
  });
});

describe('policy schema', () => {
  const waiver = {
    rule: 'pdb',
    kind: 'Deployment',
    namespace: 'shop',
    name: 'cart',
    reason: 'a singleton by design: it holds a leader lease',
  };

  it('accepts a waiver with a reason and refuses a second one for the same rule and object', () => {
    expect(issues({ policy: { waivers: [waiver] } })).toEqual([]);
    expect(
      issues({ policy: { waivers: [waiver, { ...waiver, reason: 'another reason that is long enough' }] } }),
    ).toEqual([
      'policy.waivers.1: repeats the rule and object of item 0; the rule and objects must be unique',
    ]);
  });

  it('refuses unknown rules, bad kinds and short reasons', () => {
    expect(
      issues({ policy: { waivers: [{ ...waiver, rule: 'no-latest', kind: 'deployment', reason: 'todo' }] } }),
    ).toEqual([
      expect.stringContaining(
        'policy.waivers.0.rule: must be one of resources, readiness-probe, image-pinned',
      ),
      'policy.waivers.0.kind: is not a Kubernetes kind (e.g. Deployment, StatefulSet, Pod)',
      'policy.waivers.0.reason: is too short: say why the rule does not apply (at least 20 characters)',
    ]);
  });

  it('turns network isolation on by default', () => {
    const result = parse({});
    expect(result.success && result.data.policy.network).toEqual({
      enabled: true,
      gatewayControllerNamespace: 'envoy-gateway-system',
      dnsNamespace: 'kube-system',
    });
  });
});
