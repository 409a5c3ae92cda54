import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ValidationError } from '../core/validation-error';
import { ServiceScrape } from './service-scrape';

/** Props of {@link ApiServerVipScrape}. */
export interface ApiServerVipScrapeProps {
  /** Namespace of the Service, EndpointSlice and ServiceMonitor (where Prometheus runs). */
  readonly namespace: string;
  /** The virtual IP clients reach the API server through (Keepalived's VIP). */
  readonly vip: string;
  /** HAProxy's frontend port on the VIP. */
  readonly port: number;
  /** Name of the Service; also the `job` label of its series. @default apiserver-vip */
  readonly name?: string;
  /** Scrape interval. @default 30s */
  readonly interval?: string;
  /** Labels of the ServiceMonitor. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * Scrapes the API server's `/metrics` through the virtual IP, the way every client reaches it
 * (Keepalived VIP → HAProxy → a healthy kube-apiserver). A selector-less Service with an
 * EndpointSlice holding the VIP gives Prometheus the target; `up{job="apiserver-vip"}` is 0
 * whenever the VIP path is broken, even when each API server is fine on its own.
 */
export class ApiServerVipScrape extends Construct {
  /** The `job` label of the scraped series. */
  public readonly job: string;

  constructor(scope: Construct, id: string, props: ApiServerVipScrapeProps) {
    super(scope, id);
    if (!/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(props.vip)) {
      throw new ValidationError(
        `ApiServerVipScrape: 'vip' (${JSON.stringify(props.vip)}) must be an IPv4 address`,
      );
    }
    if (!Number.isInteger(props.port) || props.port < 1 || props.port > 65535) {
      throw new ValidationError(`ApiServerVipScrape: 'port' (${props.port}) must be between 1 and 65535`);
    }
    const name = props.name ?? 'apiserver-vip';
    this.job = name;
    const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/component': 'monitoring' };
    new k8s.KubeService(this, 'Service', {
      metadata: { name, namespace: props.namespace, labels },
      spec: {
        ports: [{ name: 'https', port: props.port, targetPort: k8s.IntOrString.fromNumber(props.port) }],
      },
    });
    const slice = new k8s.KubeEndpointSlice(this, 'EndpointSlice', {
      metadata: {
        name: `${name}-vip`,
        namespace: props.namespace,
        labels: { ...labels, 'kubernetes.io/service-name': name },
      },
      addressType: 'IPv4',
      endpoints: [{ addresses: [props.vip], conditions: { ready: true } }],
      ports: [{ name: 'https', port: props.port, protocol: 'TCP' }],
    });
    ApiObject.of(slice).metadata.addLabel('endpointslice.kubernetes.io/managed-by', 'platform-blueprint');
    new ServiceScrape(this, 'Scrape', {
      name,
      namespace: props.namespace,
      serviceLabels: labels,
      port: { servicePort: 'https' },
      interval: props.interval,
      labels: props.labels,
      withServiceAccountCredentials: true,
    });
  }
}
