import { Construct } from 'constructs';
import type { ScrapedMaster } from './api-server-scrape';
import { ServiceScrape } from './service-scrape';
import { StaticTargets } from './static-targets';

/** Props of {@link EtcdScrape}. */
export interface EtcdScrapeProps {
  /** Namespace of the Service, Endpoints and ServiceMonitor (where Prometheus runs). */
  readonly namespace: string;
  /** The masters, each running one etcd member. Must not be empty. */
  readonly masters: readonly ScrapedMaster[];
  /**
   * The port of etcd's plain-HTTP metrics listener on every master (kubeadm's
   * `listen-metrics-urls`, see ClusterConfiguration's ETCD_METRICS_PORT).
   */
  readonly port: number;
  /** Name of the Service; also the `job` label of the series. @default etcd */
  readonly name?: string;
  /** Scrape interval. @default 30s */
  readonly interval?: string;
  /** Labels of the ServiceMonitor. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * The `/metrics` of every etcd member, each master its own target (`instance`
 * `<address>:<port>`, `node` the master's name), from the metrics listener kubeadm's etcd
 * opens with `listen-metrics-urls` (plain HTTP, metrics and health only): the client port
 * would need etcd's client certificates, which never leave the masters.
 */
export class EtcdScrape extends Construct {
  /** The `job` label of the scraped series. */
  public readonly job: string;

  constructor(scope: Construct, id: string, props: EtcdScrapeProps) {
    super(scope, id);
    const name = props.name ?? 'etcd';
    this.job = name;
    const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/component': 'monitoring' };
    new StaticTargets(this, 'Targets', {
      name,
      namespace: props.namespace,
      targets: props.masters.map((master) => ({ address: master.address, nodeName: master.name })),
      port: props.port,
      portName: 'metrics',
      labels,
    });
    new ServiceScrape(this, 'Scrape', {
      name,
      namespace: props.namespace,
      serviceLabels: labels,
      port: { servicePort: 'metrics' },
      interval: props.interval,
      labels: props.labels,
    });
  }
}
