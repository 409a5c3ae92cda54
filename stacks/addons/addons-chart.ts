import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { CalicoInstallation } from '../../constructs/addons/calico-installation';
import { CephCsi } from '../../constructs/addons/ceph-csi';
import { CronHpaController } from '../../constructs/addons/cronhpa-controller';
import { EnvoyGatewayClass } from '../../constructs/addons/envoy-gateway-class';
import { LogCollector, type LogSink } from '../../constructs/addons/log-collector';
import { MetalLbAddressPool } from '../../constructs/addons/metallb-address-pool';
import { NodeExporter } from '../../constructs/addons/node-exporter';
import { PrometheusStack } from '../../constructs/addons/prometheus-stack';
import {
  type ContainerResources,
  mirroredImage,
  type PlainObject,
  UpstreamObjects,
  type WorkloadSettings,
} from '../../constructs/addons/upstream-objects';
import { kubernetesMinor } from '../../constructs/core/kubernetes-version';
import { AllowNetworkPolicy } from '../../constructs/guardrails/allow-network-policy';
import { DefaultDenyNetworkPolicy } from '../../constructs/guardrails/default-deny-network-policy';
import { anywhere, podsIn, tcpPorts } from '../../constructs/guardrails/network-peer';
import { ServiceScrape } from '../../constructs/observability/service-scrape';
import type { PodPlacement, PodToleration } from '../../constructs/scheduling/pod-placement';
import { InputError } from '../../environments/input-error';
import type { LoadedEnvironment } from '../../environments/load';
import type { EnvironmentSpec } from '../../environments/schema';
import { ADDON_RELEASES } from '../../environments/schema/addons';
import { announcePool } from '../../environments/schema/addons-rules';
import { byteSizeValue, type LogSinkSpec, splitSinkAddress } from '../../environments/schema/logging';
import { sinkAddresses } from '../../environments/schema/logging-rules';
import { otlpTarget } from '../kubernetes/monitoring-chart';
import { POOL_LABEL, placementFor } from '../kubernetes/placement';
import { MANAGED_BY_LABELS } from '../labels';
import { ADDON_NAMESPACES, addonNamespaces, cephDrivers, installed } from './catalog';
import { imagesIn, pinImageDigests } from './image-digests';
import { vendored } from './vendored';

/** The label naming the add-on on each of its objects. */
export const ADDON_LABEL = 'platform-blueprint.io/addon';

/** Pinned images of the add-ons the blueprint builds itself (no vendored manifest carries them). */
export const ADDON_IMAGES = {
  nodeExporter: 'quay.io/prometheus/node-exporter:v1.10.2',
  prometheus: 'quay.io/prometheus/prometheus:v3.13.1',
  alertmanager: 'quay.io/prometheus/alertmanager:v0.33.1',
  cronHpa: 'registry.aliyuncs.com/ringtail/kubernetes-cronhpa-controller:v1.3.0-8e82633c-aliyun',
  // Envoy Gateway v1.2.8's own default (api/v1alpha1 DefaultEnvoyProxyImage), pinned here.
  envoy: 'docker.io/envoyproxy/envoy:distroless-v1.32.4',
  // Fluent Bit's own registry; its tags carry no "v".
  fluentBit: `cr.fluentbit.io/fluent/fluent-bit:${ADDON_RELEASES.logging.slice(1)}`,
} as const;

const small: ContainerResources = {
  requests: { cpu: '50m', memory: '64Mi' },
  limits: { cpu: '500m', memory: '256Mi' },
};
const medium: ContainerResources = {
  requests: { cpu: '100m', memory: '128Mi' },
  limits: { cpu: '1', memory: '512Mi' },
};

/** Upstream objects the platform does not install, with the reason. */
function keep(object: PlainObject, spec: EnvironmentSpec): boolean {
  // Namespaces are Terraform's (with their Pod Security labels).
  if (object.kind === 'Namespace') return false;
  // Gateway API's "safe upgrades" policy is admissionregistration.k8s.io/v1, which Kubernetes
  // serves from 1.30 on; on older clusters it cannot be created.
  if (object.kind.startsWith('ValidatingAdmissionPolicy'))
    return (kubernetesMinor(spec.kubernetesVersion) ?? 0) >= 30;
  return true;
}

/**
 * The platform add-ons of one environment (`kubernetes/addons.yaml`, applied first): the CNI,
 * MetalLB's address pool, ceph-csi, prometheus-operator with Prometheus, Alertmanager,
 * kube-state-metrics and node-exporter, metrics-server, Envoy Gateway with its GatewayClass and
 * EnvoyProxy, and the CronHPA controller. Their CRDs are applied before this file by deploy
 * (the add-on lock, `kubernetes/addons.lock.json`, names them).
 */
export class AddonsChart extends Chart {
  constructor(scope: Construct, id: string, env: LoadedEnvironment) {
    super(scope, id, { disableResourceNameHashes: true, labels: { ...MANAGED_BY_LABELS } });
    const { spec } = env;
    const { addons } = spec;
    const mirror = addons.imageRegistry;
    const image = (reference: string) => mirroredImage(reference, mirror);
    const controllers = placementFor(spec, addons.pool);
    const platformPriority = spec.tenancy.priorityClasses.platform.name;
    const controller = (
      resources: ContainerResources,
      container: string,
      extra: Partial<WorkloadSettings> = {},
    ) => ({
      ...(controllers ? { placement: controllers } : {}),
      priorityClassName: platformPriority,
      resources: { [container]: resources },
      ...extra,
    });
    const upstream = (
      name: string,
      objects: readonly PlainObject[],
      props: Omit<ConstructorParameters<typeof UpstreamObjects>[2], 'objects'>,
    ) =>
      new UpstreamObjects(this, name, {
        objects: objects.filter((object) => keep(object, spec)),
        ...(mirror ? { imageRegistry: mirror } : {}),
        ...props,
        // Installed by the blueprint, not by Helm: the rendered chart's managed-by label is replaced.
        labels: { ...MANAGED_BY_LABELS, [ADDON_LABEL]: name },
      });
    // Prometheus scrapes the add-ons' own metrics like the platform's services.
    const scrape = (
      name: string,
      namespace: string,
      serviceLabels: Record<string, string>,
      servicePort: string,
    ) => {
      if (!installed(spec, 'monitoring')) return;
      new ServiceScrape(this, `${name}-scrape`, {
        name,
        namespace,
        serviceLabels,
        port: { servicePort },
        interval: spec.observability.scrapeInterval,
        labels: { ...spec.observability.selectorLabels },
      });
    };

    if (installed(spec, 'calico')) {
      upstream('calico', vendored('calico').objects, {
        workloads: {
          // The operator runs on the host network before there is a pod network; node-critical.
          // It must start on nodes that are not ready yet (no CNI), but not on the masters.
          'Deployment/tigera-operator': controller(medium, 'tigera-operator', {
            priorityClassName: 'system-node-critical',
            tolerations: [
              { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' },
              { key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' },
            ],
          }),
        },
      });
      new CalicoInstallation(this, 'calico-installation', {
        podCidr: spec.cluster.podSubnet,
        encapsulation: addons.calico.encapsulation,
        blockSize: addons.calico.blockSize,
        nodeAddressCidrs: addons.calico.nodeAddressCidrs,
        ...(mirror ? { registry: mirror } : {}),
        ...(controllers
          ? {
              controlPlaneNodeSelector: controllers.nodeSelector,
              controlPlaneTolerations: controllers.tolerations,
            }
          : {}),
      });
    }

    if (installed(spec, 'metallb')) {
      const announcers = announcePool(spec);
      const announcePlacement = placementFor(spec, announcers);
      upstream('metallb', vendored('metallb').objects, {
        workloads: {
          'Deployment/controller': controller(small, 'controller'),
          'DaemonSet/speaker': {
            ...(announcePlacement ? { placement: announcePlacement } : {}),
            priorityClassName: 'system-node-critical',
            resources: { speaker: small },
          },
        },
      });
      new MetalLbAddressPool(this, 'metallb-pool', {
        name: `${env.name}-pool`,
        namespace: ADDON_NAMESPACES.metallb,
        addresses: addons.metallb.addresses,
        announcerSelector: { [POOL_LABEL]: announcers ?? '' },
      });
    }

    if (installed(spec, 'cephCsi')) {
      const ceph = addons.cephCsi;
      new CephCsi(this, 'ceph-csi', {
        namespace: ceph.namespace,
        drivers: cephDrivers(spec),
        clusters: ceph.clusters.map((cluster) => ({
          clusterId: cluster.clusterId,
          monitors: cluster.monitors,
        })),
        provisionerReplicas: ceph.provisionerReplicas,
        image,
        ...(controllers ? { provisionerPlacement: controllers } : {}),
        nodePluginTolerations: uniqueTolerations(
          spec.nodePools.flatMap((pool) => placementFor(spec, pool.name)?.tolerations ?? []),
        ),
        priorityClassName: platformPriority,
      });
    }

    if (installed(spec, 'monitoring')) {
      const monitoring = addons.monitoring;
      const namespace = spec.observability.namespace;
      const operator = vendored('prometheus-operator').objects.map((object) =>
        reloaderBehindMirror(object, mirror),
      );
      upstream('prometheus-operator', operator, {
        namespaces: { default: namespace },
        workloads: { 'Deployment/prometheus-operator': controller(medium, 'prometheus-operator') },
      });
      new PrometheusStack(this, 'prometheus', {
        namespace,
        selectorLabels: spec.observability.selectorLabels,
        prometheusReplicas: monitoring.prometheusReplicas,
        alertmanagerReplicas: monitoring.alertmanagerReplicas,
        retention: monitoring.retention,
        scrapeInterval: spec.observability.scrapeInterval,
        resources: monitoring.prometheusResources,
        ...(monitoring.storage
          ? { storage: { className: monitoring.storage.class, size: monitoring.storage.size } }
          : {}),
        ...(controllers ? { placement: controllers } : {}),
        priorityClassName: platformPriority,
        images: {
          prometheus: image(ADDON_IMAGES.prometheus),
          alertmanager: image(ADDON_IMAGES.alertmanager),
        },
      });
      scrape('prometheus-operator', namespace, { 'app.kubernetes.io/name': 'prometheus-operator' }, 'http');
      scrape('prometheus', namespace, { 'operated-prometheus': 'true' }, 'web');
      scrape('alertmanager', namespace, { 'operated-alertmanager': 'true' }, 'web');
      if (monitoring.kubeStateMetrics) {
        upstream('kube-state-metrics', vendored('kube-state-metrics').objects, {
          namespaces: { 'kube-system': namespace },
          workloads: { 'Deployment/kube-state-metrics': controller(medium, 'kube-state-metrics') },
        });
        scrape(
          'kube-state-metrics',
          namespace,
          { 'app.kubernetes.io/name': 'kube-state-metrics' },
          'http-metrics',
        );
      }
      if (monitoring.nodeExporter) {
        new NodeExporter(this, 'node-exporter', {
          namespace,
          image: image(ADDON_IMAGES.nodeExporter),
          selectorLabels: spec.observability.selectorLabels,
          interval: spec.observability.scrapeInterval,
        });
      }
    }

    if (installed(spec, 'metricsServer')) {
      upstream('metrics-server', vendored('metrics-server').objects, {
        workloads: {
          'Deployment/metrics-server': controller(
            { requests: { cpu: '100m', memory: '200Mi' }, limits: { cpu: '1', memory: '500Mi' } },
            'metrics-server',
            { replicas: addons.metricsServer.replicas, priorityClassName: 'system-cluster-critical' },
          ),
        },
      });
    }

    if (installed(spec, 'envoyGateway') && spec.gateway) {
      const eg = addons.envoyGateway;
      const objects = vendored('envoy-gateway').objects.map((object) => envoyGatewayConfig(object, mirror));
      upstream('envoy-gateway', objects, {
        workloads: {
          'Deployment/envoy-gateway': controller(medium, 'envoy-gateway', {
            replicas: eg.controllerReplicas,
          }),
          'Job/eg-gateway-helm-certgen': controller(small, 'envoy-gateway-certgen'),
        },
      });
      scrape('envoy-gateway', ADDON_NAMESPACES.envoyGateway, { 'control-plane': 'envoy-gateway' }, 'metrics');
      new EnvoyGatewayClass(this, 'envoy-gateway-class', {
        className: eg.className,
        proxy: { name: envoyProxyName(spec), namespace: spec.gateway.namespace },
        exposure: eg.exposure,
        replicas: eg.proxyReplicas,
        resources: eg.proxyResources,
        ...(eg.proxyPool ? { placement: placementFor(spec, eg.proxyPool) as PodPlacement } : {}),
        priorityClassName: platformPriority,
        image: image(ADDON_IMAGES.envoy),
      });
    }

    this.isolate(spec);

    if (installed(spec, 'cronHpa')) {
      new CronHpaController(this, 'cronhpa', {
        namespace: ADDON_NAMESPACES.kubeSystem,
        image: image(ADDON_IMAGES.cronHpa),
        timeZone: addons.cronHpa.timeZone,
        ...(controllers ? { placement: controllers } : {}),
        priorityClassName: platformPriority,
      });
    }

    const logging = addons.logging;
    if (installed(spec, 'logging') && logging.sink) {
      const sink = logging.sink;
      new LogCollector(this, 'log-collector', {
        namespace: logging.namespace,
        image: image(ADDON_IMAGES.fluentBit),
        environment: env.name,
        sink: logSink(sink),
        sinkNetworks:
          sink.networks ?? sinkAddresses(sink).map(({ address }) => `${splitSinkAddress(address).host}/32`),
        apiServers: {
          addresses: spec.controlPlane.masters.map((master) => master.address),
          port: spec.controlPlane.apiServerPort,
        },
        bufferBytes: byteSizeValue(logging.buffer.size),
        maxChunksUp: logging.buffer.maxChunksUp,
        retryLimit: logging.buffer.retryLimit,
        resources: logging.resources,
        priorityClassName: 'system-node-critical',
        ...(installed(spec, 'monitoring')
          ? {
              monitoring: {
                prometheusNamespace: spec.observability.namespace,
                selectorLabels: spec.observability.selectorLabels,
                interval: spec.observability.scrapeInterval,
                bufferUsedPercent: logging.alerts.bufferUsedPercent,
              },
            }
          : {}),
      });
    }
    this.env = env;
  }

  private readonly env: LoadedEnvironment;

  /**
   * The objects, with the image digests the environment pins (`addons.imageDigests`): each
   * pinned image, wherever the add-ons name it, as `image:tag@sha256:…`. A pinned image that no
   * add-on uses is the user's mistake (exit 2), not something to ignore.
   */
  public override toJson(): unknown[] {
    const objects = super.toJson();
    const { addons } = this.env.spec;
    const pins = Object.entries(addons.imageDigests ?? {});
    if (pins.length === 0) return objects;
    const digests = new Map(
      pins.map(([reference, digest]) => [mirroredImage(reference, addons.imageRegistry), digest]),
    );
    const used = new Set<string>();
    const pinned = pinImageDigests(objects, digests, used);
    const unused = pins.filter(([reference]) => !used.has(mirroredImage(reference, addons.imageRegistry)));
    if (unused.length > 0) {
      const images = [...imagesIn(objects)]
        .map((image) => (addons.imageRegistry ? image.slice(addons.imageRegistry.length + 1) : image))
        .sort();
      throw new InputError(
        unused.map(([reference, digest]) => ({
          file: this.env.file,
          path: `addons.imageDigests.${reference}`,
          value: digest,
          message: `pins an image no installed add-on uses; they use: ${images.join(', ')}`,
        })),
      );
    }
    return pinned;
  }

  /**
   * Ingress isolation of the add-on namespaces the blueprint creates: everything denied, then
   * what each component serves allowed (its clients, and Prometheus for its metrics). Egress stays
   * open: the controllers call the API server, registries and Ceph. Pods on the host network
   * (calico-node, speakers, node plugins, node-exporter) are outside NetworkPolicy.
   */
  private isolate(spec: EnvironmentSpec): void {
    const labels = { ...MANAGED_BY_LABELS };
    const monitoring = spec.observability.namespace;
    const scrapers = installed(spec, 'monitoring') ? [podsIn(monitoring)] : [];
    const otlp = otlpTarget(spec.observability.otlpEndpoint);
    const deny = (namespace: string) =>
      new DefaultDenyNetworkPolicy(this, `${namespace}-deny-ingress`, {
        namespace,
        name: 'default-deny-ingress',
        labels,
        directions: ['Ingress'],
      });
    for (const namespace of addonNamespaces(spec)) deny(namespace.name);
    if (installed(spec, 'monitoring') && !spec.namespaces.some((ns) => ns.name === monitoring)) {
      deny(monitoring);
      new AllowNetworkPolicy(this, 'monitoring-internal', {
        namespace: monitoring,
        name: 'allow-monitoring-internal',
        podLabels: {},
        ingress: [
          { peers: [podsIn(monitoring)] },
          // An OpenTelemetry collector in this namespace receives OTLP from every service.
          ...(otlp && otlp.peer.namespace === monitoring
            ? [{ peers: [anywhere()], ports: tcpPorts(otlp.port) }]
            : []),
        ],
        labels,
      });
    }
    if (installed(spec, 'envoyGateway')) {
      const ns = ADDON_NAMESPACES.envoyGateway;
      new AllowNetworkPolicy(this, 'envoy-gateway-controller', {
        namespace: ns,
        name: 'allow-envoy-gateway-controller',
        podLabels: { 'control-plane': 'envoy-gateway' },
        ingress: [
          // xDS, rate limit and wasm for the proxies.
          { peers: [podsIn(ns)], ports: tcpPorts(18000, 18001, 18002) },
          ...(scrapers.length > 0 ? [{ peers: scrapers, ports: tcpPorts(19001) }] : []),
        ],
        labels,
      });
      new AllowNetworkPolicy(this, 'envoy-proxies', {
        namespace: ns,
        name: 'allow-envoy-proxies',
        podLabels: ENVOY_PROXY_LABELS,
        // The gateway's clients are anywhere; the proxies serve nothing but the listeners and stats.
        ingress: [{ peers: [anywhere()] }],
        labels,
      });
    }
    if (installed(spec, 'metallb'))
      new AllowNetworkPolicy(this, 'metallb-controller', {
        namespace: ADDON_NAMESPACES.metallb,
        name: 'allow-metallb-controller',
        podLabels: { app: 'metallb', component: 'controller' },
        // The API server calls the validating webhook from the masters' host network.
        ingress: [
          { peers: [anywhere()], ports: tcpPorts(9443) },
          ...(scrapers.length > 0 ? [{ peers: scrapers, ports: tcpPorts(9120) }] : []),
        ],
        labels,
      });
  }
}

/** The collector's sink from the validated environment: addresses split into host and port. */
function logSink(sink: LogSinkSpec): LogSink {
  switch (sink.type) {
    case 'kafka':
      return {
        type: 'kafka',
        brokers: sink.brokers.map(splitSinkAddress),
        topic: sink.topic,
        tls: sink.tls,
        ...(sink.auth ? { auth: sink.auth } : {}),
      };
    case 'loki':
      return {
        type: 'loki',
        endpoint: splitSinkAddress(sink.address),
        path: sink.path,
        ...(sink.tenantId ? { tenantId: sink.tenantId } : {}),
        tls: sink.tls,
        ...(sink.auth ? { auth: sink.auth } : {}),
      };
    default:
      return {
        type: sink.type,
        endpoint: splitSinkAddress(sink.address),
        index: sink.index,
        tls: sink.tls,
        ...(sink.auth ? { auth: sink.auth } : {}),
      };
  }
}

/** The label Envoy Gateway puts on the proxy pods it runs. */
const ENVOY_PROXY_LABELS = {
  'app.kubernetes.io/component': 'proxy',
  'app.kubernetes.io/managed-by': 'envoy-gateway',
};

/** Tolerations without repeats, in first-seen order. */
function uniqueTolerations(tolerations: readonly PodToleration[]): PodToleration[] {
  const seen = new Set<string>();
  return tolerations.filter((toleration) => {
    const key = JSON.stringify(toleration);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The EnvoyProxy the Gateway names: its parametersRef's name, else `<gateway>-proxy`. */
export function envoyProxyName(spec: EnvironmentSpec): string {
  return spec.gateway?.parametersRef?.name ?? `${spec.gateway?.name ?? 'gateway'}-proxy`;
}

/** prometheus-operator starts each Prometheus with a config-reloader image named in its arguments. */
function reloaderBehindMirror(object: PlainObject, mirror: string | undefined): PlainObject {
  if (mirror === undefined || object.kind !== 'Deployment') return object;
  const copy = JSON.parse(JSON.stringify(object)) as PlainObject;
  const containers = (copy.spec as { template: { spec: { containers: { args?: string[] }[] } } }).template
    .spec.containers;
  for (const container of containers) {
    container.args = container.args?.map((arg) =>
      arg.startsWith('--prometheus-config-reloader=')
        ? `--prometheus-config-reloader=${mirroredImage(arg.slice('--prometheus-config-reloader='.length), mirror)}`
        : arg,
    );
  }
  return copy;
}

/** Envoy Gateway's own configuration (its ConfigMap) names the rate-limit image; mirror it too. */
function envoyGatewayConfig(object: PlainObject, mirror: string | undefined): PlainObject {
  if (mirror === undefined || object.kind !== 'ConfigMap') return object;
  const copy = JSON.parse(JSON.stringify(object)) as PlainObject & { data?: Record<string, string> };
  for (const [key, value] of Object.entries(copy.data ?? {}))
    copy.data = {
      ...copy.data,
      [key]: value.replace(/docker\.io\/envoyproxy\//g, `${mirror}/docker.io/envoyproxy/`),
    };
  return copy;
}
