import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { DATABASE_LABEL, SHARD_LABEL } from '../../constructs/data/sharded-database';
import { addressBlock, type NetworkPeer, podsIn } from '../../constructs/guardrails/network-peer';
import { ETCD_METRICS_PORT } from '../../constructs/kubeadm/cluster-configuration';
import { ApiServerScrape } from '../../constructs/observability/api-server-scrape';
import { ApiServerVipScrape } from '../../constructs/observability/api-server-vip-scrape';
import { EtcdScrape } from '../../constructs/observability/etcd-scrape';
import { PlatformAlerts } from '../../constructs/observability/platform-alerts';
import { ServiceScrape } from '../../constructs/observability/service-scrape';
import type { LoadedEnvironment } from '../../environments/load';
import type { ServiceSpec } from '../../environments/schema/services';
import { MANAGED_BY_LABELS } from '../labels';
import { gatewayProxyNamespace } from './policies-chart';

/** The label that names a microservice on its pods and Services (stable and gray lanes alike). */
export const SERVICE_NAME_LABEL = 'app.kubernetes.io/name';
/** The container port of the mysqld-exporter sidecar of every database pod, by name. */
export const DATABASE_EXPORTER_PORT = 'metrics';
/** Labels copied from pods onto every series of a service: its version and its gray lane. */
export const SERVICE_POD_TARGET_LABELS = ['app.kubernetes.io/version', 'platform-blueprint.io/lane'];
/** Envoy's admin port, where Envoy Gateway's proxies serve /stats/prometheus. */
const ENVOY_METRICS_PORT = 19001;

/**
 * The port Prometheus scrapes on a service: the port named `metrics`, else the first port of
 * an HTTP service (served next to the API). A gRPC service without a `metrics` port has none,
 * which the observability schema rules refuse.
 */
export function metricsPortOf(service: ServiceSpec): { name: string; containerPort: number } | undefined {
  const port =
    service.ports.find((candidate) => candidate.name === 'metrics') ??
    (service.protocol === 'http' ? service.ports[0] : undefined);
  return port ? { name: port.name, containerPort: port.targetPort ?? port.port } : undefined;
}

/**
 * Where the OTLP endpoint is, for NetworkPolicy: an in-cluster Service (`name.namespace[.svc…]`)
 * or an IPv4 address, with its port. Undefined when the endpoint is unset or an outside name.
 */
export function otlpTarget(endpoint: string | undefined): { peer: NetworkPeer; port: number } | undefined {
  if (endpoint === undefined) return undefined;
  const url = new URL(endpoint);
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(url.hostname)) return { peer: addressBlock(url.hostname), port };
  const parts = url.hostname.split('.');
  const namespace = parts[1];
  if (parts.length === 2 || (parts.length >= 3 && parts[2] === 'svc')) {
    if (namespace) return { peer: podsIn(namespace), port };
  }
  return undefined;
}

/**
 * Monitoring: a ServiceMonitor per service and per database exporter, every master's API server
 * and etcd member, the API server through the VIP, the gateway's proxies, and the platform's
 * PrometheusRule. Applied last:
 * its custom resources need prometheus-operator's CRDs in the cluster.
 */
export class MonitoringChart extends Chart {
  /** The platform's alerts. */
  public readonly alerts: PlatformAlerts;

  constructor(scope: Construct, id: string, env: LoadedEnvironment) {
    super(scope, id, { disableResourceNameHashes: true, labels: { ...MANAGED_BY_LABELS } });
    const { spec } = env;
    const { observability } = spec;
    const common = { labels: observability.selectorLabels, interval: observability.scrapeInterval };

    for (const service of spec.services) {
      const metrics = metricsPortOf(service);
      if (!metrics) continue;
      new ServiceScrape(this, `service-${service.namespace}-${service.name}`, {
        ...common,
        name: service.name,
        namespace: service.namespace,
        serviceLabels: { [SERVICE_NAME_LABEL]: service.name, ...MANAGED_BY_LABELS },
        port: { servicePort: metrics.name },
        podTargetLabels: SERVICE_POD_TARGET_LABELS,
      });
    }

    // Vitess databases are scraped by their own PodMonitor (data chart); these are the single-instance ones.
    const singleDatabases = spec.databases.filter((db) => db.engine === 'mysql-single');
    for (const db of singleDatabases) {
      new ServiceScrape(this, `database-${db.namespace}-${db.name}`, {
        ...common,
        name: `${db.name}-exporter`,
        namespace: db.namespace,
        serviceLabels: { [DATABASE_LABEL]: db.name },
        // Every shard has a headless Service over all its pods (and a primary Service over one): scrape each pod once.
        serviceNamePattern: '.+-headless',
        port: { targetPort: DATABASE_EXPORTER_PORT },
        targetLabels: [DATABASE_LABEL, SHARD_LABEL],
      });
    }

    // Every kube-apiserver's and etcd member's metrics, scraped on its own master: never through
    // the VIP's round-robin.
    const masters = spec.controlPlane.masters.map((master) => ({
      name: master.name,
      address: master.address,
    }));
    const apiServer =
      masters.length > 0
        ? new ApiServerScrape(this, 'apiserver', {
            ...common,
            namespace: observability.namespace,
            masters,
            port: spec.controlPlane.apiServerPort,
          })
        : undefined;
    const etcd =
      masters.length > 0
        ? new EtcdScrape(this, 'etcd', {
            ...common,
            namespace: observability.namespace,
            masters,
            port: ETCD_METRICS_PORT,
          })
        : undefined;
    const { vip: address, port } = spec.controlPlane;
    // A control plane without a VIP (a managed cloud cluster) has no VIP path to watch.
    const vip =
      spec.controlPlane.loadBalancer.type !== 'external' && address !== undefined && port !== undefined
        ? new ApiServerVipScrape(this, 'apiserver-vip', {
            ...common,
            namespace: observability.namespace,
            vip: address,
            port,
          })
        : undefined;

    let gateway: { job: string; name: string } | undefined;
    const proxies = gatewayProxyNamespace(spec);
    if (spec.gateway && proxies && /envoy/.test(spec.gateway.className)) {
      gateway = {
        job: `gateway-${spec.gateway.name}`,
        name: `${spec.gateway.namespace}/${spec.gateway.name}`,
      };
      new ServiceScrape(this, 'gateway-proxies', {
        ...common,
        name: `gateway-${spec.gateway.name}`,
        namespace: observability.namespace,
        serviceNamespace: proxies,
        serviceLabels: {
          'gateway.envoyproxy.io/owning-gateway-name': spec.gateway.name,
          'gateway.envoyproxy.io/owning-gateway-namespace': spec.gateway.namespace,
        },
        port: { targetPort: ENVOY_METRICS_PORT },
        path: '/stats/prometheus',
        job: gateway.job,
      });
    }

    const { alerts } = observability;
    this.alerts = new PlatformAlerts(this, 'alerts', {
      namespace: observability.namespace,
      environment: env.name,
      labels: observability.selectorLabels,
      ...(vip ? { apiServerVip: { job: vip.job, endpoint: `${address}:${port}` } } : {}),
      apiServerVipDownFor: alerts.apiServerVipDownFor,
      nodeNotReadyFor: alerts.nodeNotReadyFor,
      crashLoopFor: alerts.crashLoopFor,
      hpaMaxedFor: alerts.hpaMaxedFor,
      databases: singleDatabases.map((db) => ({ namespace: db.namespace, name: db.name })),
      shardReplicaDownFor: alerts.shardReplicaDownFor,
      gateway5xxRatio: alerts.gateway5xxRatio,
      ...(gateway ? { gateway } : {}),
      thresholds: alerts,
      ...(apiServer && etcd
        ? { controlPlane: { apiServerJob: apiServer.job, etcdJob: etcd.job, etcdMembers: masters.length } }
        : {}),
    });
  }
}
