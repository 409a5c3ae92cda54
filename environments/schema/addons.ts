import { z } from 'zod';
import { dnsLabel, dnsSubdomain, ipv4Cidr, quantity } from './common';
import { LOG_COLLECTOR_RELEASE, logging } from './logging';
import { promDuration } from './observability';

/**
 * The releases this blueprint vendors (addons/<name>/source.json) or builds its manifests for.
 * A version is pinned when it is one of these: an add-on's manifests and images are the ones
 * the blueprint was tested with, never a moving tag.
 */
export const ADDON_RELEASES = {
  calico: 'v3.28.5',
  cephCsi: 'v3.15.0',
  cronHpa: 'v1.3.0',
  envoyGateway: 'v1.2.8',
  metallb: 'v0.16.1',
  metricsServer: 'v0.8.0',
  monitoring: 'v0.93.0',
  logging: LOG_COLLECTOR_RELEASE,
} as const;
export type AddonName = keyof typeof ADDON_RELEASES;

/** `version` of one add-on: the pinned release, the only one accepted. */
function pinnedVersion(addon: AddonName) {
  const release = ADDON_RELEASES[addon];
  return z
    .literal(release, {
      error: `is not a pinned version of this add-on; this blueprint ships ${release} (a moving tag or another release is never installed unannounced; to upgrade, vendor the new release with tools/addons/vendor.js)`,
    })
    .default(release)
    .describe(`Release of the add-on; pinned. @default ${release}`);
}

const enabled = (what: string, byDefault: boolean, when = '') =>
  z
    .boolean({ error: 'must be true or false' })
    .default(byDefault)
    .describe(`Install ${what}.${when} @default ${byDefault}`);

const replicas = (byDefault: number, what: string) =>
  z
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(1, { error: 'must be at least 1' })
    .max(10, { error: 'must be at most 10' })
    .default(byDefault)
    .describe(`Replicas of ${what}. @default ${byDefault}`);

/** Requests and limits of an add-on container. */
const addonResources = (requests: { cpu: string; memory: string }, limits: { cpu: string; memory: string }) =>
  z
    .strictObject({
      requests: z
        .strictObject({
          cpu: quantity.describe('CPU request, e.g. 500m.'),
          memory: quantity.describe('Memory request, e.g. 512Mi.'),
        })
        .default(requests)
        .describe(`Requests. @default cpu ${requests.cpu}, memory ${requests.memory}`),
      limits: z
        .strictObject({
          cpu: quantity.describe('CPU limit, e.g. 2.'),
          memory: quantity.describe('Memory limit, e.g. 1Gi.'),
        })
        .default(limits)
        .describe(`Limits. @default cpu ${limits.cpu}, memory ${limits.memory}`),
    })
    .prefault({})
    .describe(
      `Requests and limits. @default requests ${requests.cpu}/${requests.memory}, limits ${limits.cpu}/${limits.memory}`,
    );

/** An address range of a MetalLB pool: `first-last` or a CIDR. */
export const addressRange = z
  .string({ error: 'must be a string such as 10.20.2.240-10.20.2.250 or 10.20.2.240/28' })
  .regex(/^\d{1,3}(\.\d{1,3}){3}(-\d{1,3}(\.\d{1,3}){3}|\/\d{1,2})$/, {
    error: 'is not an IPv4 range (first-last, e.g. 10.20.2.240-10.20.2.250) or CIDR (e.g. 10.20.2.240/28)',
  });

const calico = z
  .strictObject({
    enabled: enabled(
      'Calico through the tigera-operator as the CNI; it enforces NetworkPolicy',
      true,
      ' Turn it off only where the cloud provides a CNI that enforces NetworkPolicy.',
    ),
    version: pinnedVersion('calico'),
    encapsulation: z
      .enum(['VXLANCrossSubnet', 'VXLAN', 'IPIPCrossSubnet', 'IPIP', 'None'], {
        error: 'must be one of VXLANCrossSubnet, VXLAN, IPIPCrossSubnet, IPIP, None',
      })
      .default('VXLANCrossSubnet')
      .describe(
        'How pod traffic crosses nodes: VXLANCrossSubnet encapsulates only between subnets (the zones), None needs BGP-routed pod networks. @default VXLANCrossSubnet',
      ),
    blockSize: z
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(20, { error: 'must be at least 20' })
      .max(32, { error: 'must be at most 32' })
      .default(26)
      .describe('Prefix length of the address block each node takes from the pod network. @default 26'),
    nodeAddressCidrs: z
      .array(ipv4Cidr)
      .default([])
      .describe(
        "Networks in which calico-node looks for each node's own address (nodeAddressAutodetectionV4.cidrs); needed when nodes have more than one network. @default [] - the first found address",
      ),
  })
  .prefault({})
  .describe('CNI: Calico (tigera-operator), pod network from cluster.podSubnet.');

const cephCluster = z.strictObject({
  clusterId: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/, { error: 'is not a Ceph cluster id (its fsid)' })
    .describe('The fsid, as `storage.classes[].clusterId` names it.'),
  monitors: z
    .array(
      z
        .string()
        .regex(/^\d{1,3}(\.\d{1,3}){3}:\d{1,5}$/, { error: 'is not address:port (e.g. 10.20.3.41:6789)' }),
    )
    .min(1, { error: 'must list at least one monitor' })
    .describe('The Ceph monitors, address:port.'),
});

const cephCsi = z
  .strictObject({
    enabled: enabled(
      'ceph-csi (rbd and cephfs drivers) for the Ceph StorageClasses',
      true,
      ' Only drivers that a storage class uses are installed.',
    ),
    version: pinnedVersion('cephCsi'),
    namespace: dnsLabel
      .default('ceph-csi')
      .describe('Namespace of the drivers and their Secrets. @default ceph-csi'),
    clusters: z
      .array(cephCluster)
      .default([])
      .describe(
        'The Ceph clusters the storage classes name, with their monitors (ceph-csi-config). @default []',
      ),
    provisionerReplicas: replicas(2, 'each provisioner Deployment'),
  })
  .prefault({})
  .describe('ceph-csi: the CSI drivers behind the Ceph StorageClasses; credentials stay in Secrets.');

const envoyGateway = z
  .strictObject({
    enabled: enabled('Envoy Gateway, the implementation of the Gateway', true),
    version: pinnedVersion('envoyGateway'),
    className: dnsSubdomain
      .default('envoy-gateway')
      .describe(
        'Name of the GatewayClass it creates; `gateway.className` must name it. @default envoy-gateway',
      ),
    exposure: z
      .enum(['LoadBalancer', 'NodePort', 'HostNetwork'], {
        error: 'must be one of LoadBalancer, NodePort, HostNetwork',
      })
      .default('LoadBalancer')
      .describe(
        "How clients reach the proxies: LoadBalancer (an address from MetalLB in a data centre, the cloud's load balancer in a cloud), NodePort, or HostNetwork (ports 80/443 of the proxy pool's nodes). @default LoadBalancer",
      ),
    proxyPool: dnsLabel
      .optional()
      .describe('Node pool of the Envoy proxies; they tolerate its taints. @default - untainted nodes'),
    proxyReplicas: replicas(2, 'the Envoy proxy Deployment'),
    proxyResources: addonResources({ cpu: '500m', memory: '512Mi' }, { cpu: '2', memory: '1Gi' }),
    controllerReplicas: replicas(1, 'the Envoy Gateway controller'),
  })
  .prefault({})
  .describe('Envoy Gateway: GatewayClass, controller, and the EnvoyProxy the Gateway names.');

const metallb = z
  .strictObject({
    enabled: enabled(
      'MetalLB, which hands out LoadBalancer addresses on bare metal',
      false,
      ' Needs addresses.',
    ),
    version: pinnedVersion('metallb'),
    addresses: z
      .array(addressRange)
      .default([])
      .describe(
        "Address ranges of the IPAddressPool. Each must lie in the announcing pool's subnet (nodePools[].subnet), hold no machine address and overlap no other environment's pool. @default []",
      ),
    announcePool: dnsLabel
      .optional()
      .describe(
        'Node pool whose nodes answer ARP for the addresses (L2Advertisement); its `subnet` must hold them. @default envoyGateway.proxyPool',
      ),
  })
  .prefault({})
  .describe('MetalLB (L2): LoadBalancer addresses in a data centre.');

const monitoring = z
  .strictObject({
    enabled: enabled(
      'prometheus-operator with a Prometheus and an Alertmanager, kube-state-metrics and node-exporter',
      true,
    ),
    version: pinnedVersion('monitoring'),
    prometheusReplicas: replicas(1, 'Prometheus'),
    retention: promDuration.default('15d').describe('How long Prometheus keeps samples. @default 15d'),
    storage: z
      .strictObject({
        class: dnsSubdomain.describe('StorageClass of the Prometheus volume.'),
        size: quantity.default('50Gi').describe('Size of each Prometheus volume. @default 50Gi'),
      })
      .optional()
      .describe('A persistent volume for Prometheus. @default - an emptyDir (samples lost on restart)'),
    prometheusResources: addonResources({ cpu: '500m', memory: '2Gi' }, { cpu: '2', memory: '4Gi' }),
    alertmanagerReplicas: replicas(1, 'Alertmanager'),
    nodeExporter: enabled('node-exporter on every node, masters included', true),
    kubeStateMetrics: enabled('kube-state-metrics', true),
  })
  .prefault({})
  .describe('Monitoring: prometheus-operator and what it scrapes, in observability.namespace.');

const metricsServer = z
  .strictObject({
    enabled: enabled('metrics-server, the resource metrics the HPAs read', true),
    version: pinnedVersion('metricsServer'),
    replicas: replicas(2, 'metrics-server'),
  })
  .prefault({})
  .describe('metrics-server: resource metrics for HPAs and `kubectl top`.');

const cronHpa = z
  .strictObject({
    enabled: enabled('kubernetes-cronhpa-controller, which runs the CronHPA schedules', true),
    version: pinnedVersion('cronHpa'),
    timeZone: z
      .string()
      .regex(/^[A-Za-z]+(\/[A-Za-z0-9_+-]+)*$|^UTC$/, {
        error: 'is not an IANA time zone (e.g. Asia/Shanghai, UTC)',
      })
      .default('UTC')
      .describe("Time zone the schedules are read in (the controller's TZ). @default UTC"),
  })
  .prefault({})
  .describe('kubernetes-cronhpa-controller: scheduled scaling.');

/** The platform add-ons: the controllers the blueprint's own manifests depend on. */
export const addons = z
  .strictObject({
    pool: dnsLabel
      .optional()
      .describe(
        'Node pool of the add-on controllers (operators, metrics-server, Prometheus); they tolerate its taints. DaemonSets (CNI, CSI node plugins, node-exporter) run on every node. @default - untainted nodes',
      ),
    imageRegistry: z
      .string()
      .regex(/^[a-z0-9.-]+(:\d{1,5})?(\/[a-z0-9._-]+)*$/, {
        error: 'is not a registry host with an optional path (e.g. registry.example.com/mirror)',
      })
      .optional()
      .describe(
        'A registry mirror that holds the add-on images under their upstream paths (e.g. registry.example.com/mirror/quay.io/tigera/operator:v1.34.13), for data centres without internet access. @default - the upstream registries',
      ),
    imageDigests: z
      .record(
        z.string().regex(/^[a-z0-9.-]+(:\d{1,5})?(\/[a-z0-9._-]+)+:[A-Za-z0-9._-]+$/, {
          error:
            'is not an image reference with a tag and without a digest (e.g. quay.io/metallb/controller:v0.16.1)',
        }),
        z.string().regex(/^sha256:[a-f0-9]{64}$/, { error: 'is not a digest (sha256: and 64 hex digits)' }),
      )
      .optional()
      .describe(
        'Digests pinned per add-on image, by its upstream reference (e.g. quay.io/metallb/controller:v0.16.1: sha256:…, from `crane digest` or `skopeo inspect`); every place the add-ons name the image gets `@sha256:…` (behind `imageRegistry` too: a mirror keeps digests). The upstream manifests pin tags only. @default - tags only',
      ),
    calico,
    cephCsi,
    envoyGateway,
    metallb,
    monitoring,
    metricsServer,
    cronHpa,
    logging,
  })
  .prefault({})
  .describe(
    'Platform add-ons: CNI, CSI, gateway, load-balancer addresses, monitoring, metrics, scheduled scaling and the log collector.',
  );
export type AddonsSpec = z.infer<typeof addons>;
