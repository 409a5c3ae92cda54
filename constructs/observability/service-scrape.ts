import { Construct } from 'constructs';
import {
  ServiceMonitor,
  type ServiceMonitorSpecEndpoints,
  ServiceMonitorSpecEndpointsMetricRelabelingsAction,
  type ServiceMonitorSpecEndpointsRelabelings,
  ServiceMonitorSpecEndpointsRelabelingsAction,
  ServiceMonitorSpecEndpointsScheme,
  ServiceMonitorSpecEndpointsTargetPort,
} from '../../imports/servicemonitor-monitoring.coreos.com';
import { ValidationError } from '../core/validation-error';

/** Props of {@link ServiceScrape}. */
export interface ServiceScrapeProps {
  /** Name of the ServiceMonitor. */
  readonly name: string;
  /** Namespace of the ServiceMonitor. */
  readonly namespace: string;
  /** Labels of the Services whose endpoints are scraped. Must not be empty. */
  readonly serviceLabels: Readonly<Record<string, string>>;
  /**
   * Namespace of the Services, when not the ServiceMonitor's own.
   * @default - the ServiceMonitor's namespace
   */
  readonly serviceNamespace?: string;
  /**
   * What to scrape: a Service port by name (`port`), or a container port of the pods behind
   * the Services by number or name (`targetPort`), which need not be a Service port.
   */
  readonly port: { readonly servicePort: string } | { readonly targetPort: number | string };
  /** HTTP path of the metrics. @default /metrics */
  readonly path?: string;
  /** Scrape interval, a Prometheus duration. @default 30s */
  readonly interval?: string;
  /** Labels of the ServiceMonitor (what the Prometheus resource's serviceMonitorSelector matches). @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /** Pod labels copied onto every series (e.g. version, lane). @default [] */
  readonly podTargetLabels?: readonly string[];
  /** Service labels copied onto every series (e.g. database, shard). @default [] */
  readonly targetLabels?: readonly string[];
  /**
   * The `job` label of the scraped series, when the Service name (the default) is not stable,
   * e.g. a Service a gateway controller names with a hash.
   * @default - the Service's name
   */
  readonly job?: string;
  /** Keep only Services whose name matches this regular expression (RE2, fully anchored). @default - every selected Service */
  readonly serviceNamePattern?: string;
  /**
   * Scrape over HTTPS with the Prometheus pod's service-account token and cluster CA (the API
   * server's own metrics). @default false - plain HTTP
   */
  readonly withServiceAccountCredentials?: boolean;
  /**
   * Drop every scraped sample and keep only Prometheus' own `up` and `scrape_*` series of each
   * target: a reachability check of an endpoint whose samples must not be stored. @default false
   */
  readonly keepOnlyUp?: boolean;
}

/**
 * A prometheus-operator ServiceMonitor: how Prometheus finds and scrapes the endpoints of
 * a set of Services. Every scraped series carries `namespace`, `service`, `pod` and `job`
 * (the Service name), plus the copied pod and Service labels.
 */
export class ServiceScrape extends Construct {
  /** The ServiceMonitor (prometheus-operator's custom resource). */
  public readonly serviceMonitor: ServiceMonitor;

  constructor(scope: Construct, id: string, props: ServiceScrapeProps) {
    super(scope, id);
    if (Object.keys(props.serviceLabels).length === 0) {
      throw new ValidationError(
        `ServiceScrape ${props.namespace}/${props.name}: 'serviceLabels' ({}) must select something`,
      );
    }
    const path = props.path ?? '/metrics';
    if (!path.startsWith('/')) {
      throw new ValidationError(
        `ServiceScrape ${props.namespace}/${props.name}: 'path' (${JSON.stringify(path)}) must start with "/"`,
      );
    }
    const relabelings: ServiceMonitorSpecEndpointsRelabelings[] = [];
    if (props.serviceNamePattern)
      relabelings.push({
        action: ServiceMonitorSpecEndpointsRelabelingsAction.KEEP,
        sourceLabels: ['__meta_kubernetes_service_name'],
        regex: props.serviceNamePattern,
      });
    if (props.job)
      relabelings.push({
        action: ServiceMonitorSpecEndpointsRelabelingsAction.REPLACE,
        targetLabel: 'job',
        replacement: props.job,
      });
    const endpoint: ServiceMonitorSpecEndpoints = {
      ...('servicePort' in props.port
        ? { port: props.port.servicePort }
        : {
            targetPort:
              typeof props.port.targetPort === 'number'
                ? ServiceMonitorSpecEndpointsTargetPort.fromNumber(props.port.targetPort)
                : ServiceMonitorSpecEndpointsTargetPort.fromString(props.port.targetPort),
          }),
      path,
      interval: props.interval ?? '30s',
      ...(props.withServiceAccountCredentials
        ? {
            scheme: ServiceMonitorSpecEndpointsScheme.HTTPS,
            bearerTokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token',
            tlsConfig: { caFile: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt' },
          }
        : {}),
      ...(relabelings.length > 0 ? { relabelings } : {}),
      ...(props.keepOnlyUp
        ? {
            metricRelabelings: [
              {
                action: ServiceMonitorSpecEndpointsMetricRelabelingsAction.DROP,
                sourceLabels: ['__name__'],
                regex: '.+',
              },
            ],
          }
        : {}),
    };
    this.serviceMonitor = new ServiceMonitor(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, labels: { ...(props.labels ?? {}) } },
      spec: {
        selector: { matchLabels: { ...props.serviceLabels } },
        ...(props.serviceNamespace && props.serviceNamespace !== props.namespace
          ? { namespaceSelector: { matchNames: [props.serviceNamespace] } }
          : {}),
        endpoints: [endpoint],
        ...(props.podTargetLabels && props.podTargetLabels.length > 0
          ? { podTargetLabels: [...props.podTargetLabels] }
          : {}),
        ...(props.targetLabels && props.targetLabels.length > 0
          ? { targetLabels: [...props.targetLabels] }
          : {}),
      },
    });
  }
}
