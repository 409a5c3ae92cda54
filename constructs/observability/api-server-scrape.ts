import { Construct } from 'constructs';
import { ServiceScrape } from './service-scrape';
import { StaticTargets } from './static-targets';

/** A master whose kube-apiserver is scraped. */
export interface ScrapedMaster {
  /** Node name of the master. */
  readonly name: string;
  /** Its address, where kube-apiserver listens. */
  readonly address: string;
}

/** Props of {@link ApiServerScrape}. */
export interface ApiServerScrapeProps {
  /** Namespace of the Service, Endpoints and ServiceMonitor (where Prometheus runs). */
  readonly namespace: string;
  /** The masters. Must not be empty. */
  readonly masters: readonly ScrapedMaster[];
  /** kube-apiserver's port on every master (controlPlane.apiServerPort). */
  readonly port: number;
  /** Name of the Service; also the `job` label of the series. @default apiserver */
  readonly name?: string;
  /** Scrape interval. @default 30s */
  readonly interval?: string;
  /** Labels of the ServiceMonitor. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * The full `/metrics` of every kube-apiserver, each master its own target (`instance`
 * `<address>:<port>`, `node` the master's name), scraped directly on the master rather than
 * through the VIP, whose load balancer would mix the API servers' counters under one target.
 */
export class ApiServerScrape extends Construct {
  /** The `job` label of the scraped series. */
  public readonly job: string;

  constructor(scope: Construct, id: string, props: ApiServerScrapeProps) {
    super(scope, id);
    const name = props.name ?? 'apiserver';
    this.job = name;
    const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/component': 'monitoring' };
    new StaticTargets(this, 'Targets', {
      name,
      namespace: props.namespace,
      targets: props.masters.map((master) => ({ address: master.address, nodeName: master.name })),
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
    });
  }
}
