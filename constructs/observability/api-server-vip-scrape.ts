import { Construct } from 'constructs';
import { ValidationError } from '../core/validation-error';
import { ServiceScrape } from './service-scrape';
import { IPV4, StaticTargets } from './static-targets';

/** Props of {@link ApiServerVipScrape}. */
export interface ApiServerVipScrapeProps {
  /** Namespace of the Service, Endpoints and ServiceMonitor (where Prometheus runs). */
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
 * A reachability check of the API server through the virtual IP, the way every client reaches
 * it (Keepalived VIP → HAProxy → a healthy kube-apiserver): `up{job="apiserver-vip"}` is 0
 * whenever the VIP path is broken, even when each API server is fine on its own. HAProxy sends
 * each scrape to another master, so the scraped samples would mix three API servers' counters
 * under one instance: every sample is dropped and only `up` (and `scrape_*`) is kept. The API
 * servers' metrics come from {@link ApiServerScrape}, one target per master.
 */
export class ApiServerVipScrape extends Construct {
  /** The `job` label of the `up` series. */
  public readonly job: string;

  constructor(scope: Construct, id: string, props: ApiServerVipScrapeProps) {
    super(scope, id);
    if (!IPV4.test(props.vip)) {
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
    new StaticTargets(this, 'Targets', {
      name,
      namespace: props.namespace,
      targets: [{ address: props.vip }],
      port: props.port,
      labels,
    });
    new ServiceScrape(this, 'Scrape', {
      name,
      namespace: props.namespace,
      serviceLabels: labels,
      port: { servicePort: 'https' },
      interval: props.interval,
      labels: props.labels,
      withServiceAccountCredentials: true,
      keepOnlyUp: true,
    });
  }
}
