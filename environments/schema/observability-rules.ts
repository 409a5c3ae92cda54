import { type Rule, report } from './rules';

/**
 * Every service is scraped: an HTTP service serves /metrics on its `metrics` port or its first
 * port, a gRPC service cannot serve Prometheus text on its gRPC port and needs a `metrics` port.
 */
const everyServiceScraped: Rule = (spec, ctx) => {
  spec.services.forEach((service, index) => {
    if (service.protocol === 'grpc' && !service.ports.some((port) => port.name === 'metrics')) {
      report(
        ctx,
        ['services', index, 'ports'],
        service.ports.map((port) => port.name),
        'has no port named "metrics"; a grpc service needs one for Prometheus to scrape (every service is monitored)',
      );
    }
  });
};

/** The monitoring namespace is where prometheus-operator runs, not a namespace the services use. */
const monitoringNamespaceFree: Rule = (spec, ctx) => {
  spec.services.forEach((service, index) => {
    if (service.namespace === spec.observability.namespace) {
      report(
        ctx,
        ['services', index, 'namespace'],
        service.namespace,
        'is the monitoring namespace (observability.namespace); run services in a team namespace',
      );
    }
  });
};

/** Cross-field rules of the observability section. */
export const observabilityRules: Rule[] = [everyServiceScraped, monitoringNamespaceFree];
