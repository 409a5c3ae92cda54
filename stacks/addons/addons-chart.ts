import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { CalicoInstallation } from '../../constructs/addons/calico-installation';
import { CephCsi } from '../../constructs/addons/ceph-csi';
import { CronHpaController } from '../../constructs/addons/cronhpa-controller';
import { EnvoyGatewayClass } from '../../constructs/addons/envoy-gateway-class';
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
import type { PodPlacement, PodToleration } from '../../constructs/scheduling/pod-placement';
import type { LoadedEnvironment } from '../../environments/load';
import type { EnvironmentSpec } from '../../environments/schema';
import { announcePool } from '../../environments/schema/addons-rules';
import { POOL_LABEL, placementFor } from '../kubernetes/placement';
import { MANAGED_BY_LABELS } from '../labels';
import { ADDON_NAMESPACES, cephDrivers, installed } from './catalog';
import { vendored } from './vendored';

/** The label naming the add-on on each of its objects. */
export const ADDON_LABEL = 'platform-blueprint.io/addon';

/** Pinned images of the add-ons the blueprint builds itself (no vendored manifest carries them). */
export const ADDON_IMAGES = {
  nodeExporter: 'quay.io/prometheus/node-exporter:v1.10.2',
  prometheus: 'quay.io/prometheus/prometheus:v3.13.1',
  alertmanager: 'quay.io/prometheus/alertmanager:v0.33.1',
  cronHpa: 'registry.aliyuncs.com/ringtail/kubernetes-cronhpa-controller:v1.3.0-8e82633c-aliyun',
  envoy: 'docker.io/envoyproxy/envoy:distroless-v1.37.0',
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
    return Number(/^1\.(\d+)/.exec(spec.kubernetesVersion)?.[1] ?? 0) >= 30;
  return true;
}

/**
 * The platform add-ons of one environment (`kubernetes/addons.yaml`, applied first): the CNI,
 * MetalLB's address pool, ceph-csi, prometheus-operator with Prometheus, Alertmanager,
 * kube-state-metrics and node-exporter, metrics-server, Envoy Gateway with its GatewayClass and
 * EnvoyProxy, and the CronHPA controller. Their CRDs are applied before this file by deploy
 * (the add-on lock, `addons.json`, names them).
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
        labels: { [ADDON_LABEL]: name },
      });

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
      if (monitoring.kubeStateMetrics) {
        upstream('kube-state-metrics', vendored('kube-state-metrics').objects, {
          namespaces: { 'kube-system': namespace },
          workloads: { 'Deployment/kube-state-metrics': controller(medium, 'kube-state-metrics') },
        });
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
      new EnvoyGatewayClass(this, 'envoy-gateway-class', {
        className: eg.className,
        proxy: { name: envoyProxyName(spec), namespace: spec.gateway.namespace },
        exposure: eg.exposure,
        replicas: eg.proxyReplicas,
        resources: eg.proxyResources,
        ...(eg.proxyPool ? { placement: placementFor(spec, eg.proxyPool) as PodPlacement } : {}),
        priorityClassName: platformPriority,
        ...(mirror ? { image: image(ADDON_IMAGES.envoy) } : {}),
      });
    }

    if (installed(spec, 'cronHpa')) {
      new CronHpaController(this, 'cronhpa', {
        namespace: ADDON_NAMESPACES.kubeSystem,
        image: image(ADDON_IMAGES.cronHpa),
        timeZone: addons.cronHpa.timeZone,
        ...(controllers ? { placement: controllers } : {}),
        priorityClassName: platformPriority,
      });
    }
  }
}

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
