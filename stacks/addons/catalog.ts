import type { PodSecurityLevel } from '../../constructs/guardrails/pod-security-labels';
import type { EnvironmentSpec } from '../../environments/schema';
import { ADDON_RELEASES, type AddonName } from '../../environments/schema/addons';
import type { PolicyWaiverSpec } from '../../environments/schema/policy';
import { type VendoredAddon, vendored } from './vendored';

/** Namespaces of the add-ons. */
export const ADDON_NAMESPACES = {
  tigeraOperator: 'tigera-operator',
  metallb: 'metallb-system',
  envoyGateway: 'envoy-gateway-system',
  kubeSystem: 'kube-system',
} as const;

/** A namespace an add-on needs, with its Pod Security level and why. */
export interface AddonNamespace {
  readonly name: string;
  readonly addon: AddonName;
  readonly enforce: PodSecurityLevel;
  /** Why the level is not `restricted`: the exception, written down. */
  readonly reason: string;
}

/** One installed add-on, as the output's add-on lock lists it. */
export interface InstalledAddon {
  readonly name: AddonName;
  readonly release: string;
  /** Vendored upstream release, when the add-on ships one. */
  readonly vendored?: VendoredAddon;
  /** CRD files (relative to the blueprint) that deploy applies before the manifests. */
  readonly crdFiles: readonly string[];
}

/** Whether an add-on is installed in this environment (on, and needed). */
export function installed(spec: EnvironmentSpec, name: AddonName): boolean {
  const { addons } = spec;
  switch (name) {
    case 'cephCsi':
      return addons.cephCsi.enabled && spec.storage.classes.length > 0;
    case 'envoyGateway':
      return addons.envoyGateway.enabled && spec.gateway !== undefined;
    case 'cronHpa':
      return addons.cronHpa.enabled;
    default:
      return addons[name].enabled;
  }
}

const VENDORED_BY: Partial<Record<AddonName, VendoredAddon[]>> = {
  calico: ['calico'],
  envoyGateway: ['envoy-gateway'],
  metallb: ['metallb'],
  metricsServer: ['metrics-server'],
  monitoring: ['prometheus-operator', 'kube-state-metrics'],
};

/** The CronHPA CRD ships with the blueprint (the controller's module is not served; crds/cronhpa). */
const CRONHPA_CRD = 'crds/cronhpa/cronhorizontalpodautoscalers.yaml';

/** The installed add-ons, in apply order (the CNI first). */
export function installedAddons(spec: EnvironmentSpec): InstalledAddon[] {
  const order: AddonName[] = [
    'calico',
    'metallb',
    'cephCsi',
    'monitoring',
    'metricsServer',
    'envoyGateway',
    'cronHpa',
    'logging',
  ];
  return order
    .filter((name) => installed(spec, name))
    .map((name) => {
      const releases = VENDORED_BY[name] ?? [];
      const crdFiles = releases.flatMap((release) => vendored(release).crdsFile ?? []);
      if (name === 'cronHpa') crdFiles.push(CRONHPA_CRD);
      return {
        name,
        release: ADDON_RELEASES[name],
        ...(releases[0] ? { vendored: releases[0] } : {}),
        crdFiles,
      };
    });
}

/** The namespaces the add-ons need that the blueprint creates (Terraform), with their PSA levels. */
export function addonNamespaces(spec: EnvironmentSpec): AddonNamespace[] {
  const out: AddonNamespace[] = [];
  if (installed(spec, 'calico'))
    out.push({
      name: ADDON_NAMESPACES.tigeraOperator,
      addon: 'calico',
      enforce: 'privileged',
      reason: 'the tigera-operator runs on the host network (it installs the CNI before pods have a network)',
    });
  if (installed(spec, 'metallb'))
    out.push({
      name: ADDON_NAMESPACES.metallb,
      addon: 'metallb',
      enforce: 'privileged',
      reason: 'the speakers run on the host network with NET_RAW to answer ARP for the service addresses',
    });
  if (installed(spec, 'cephCsi'))
    out.push({
      name: spec.addons.cephCsi.namespace,
      addon: 'cephCsi',
      enforce: 'privileged',
      reason: 'the CSI node plugins are privileged and mount host paths to attach and mount volumes',
    });
  if (installed(spec, 'envoyGateway'))
    out.push({
      name: ADDON_NAMESPACES.envoyGateway,
      addon: 'envoyGateway',
      enforce: spec.addons.envoyGateway.exposure === 'HostNetwork' ? 'privileged' : 'restricted',
      reason:
        spec.addons.envoyGateway.exposure === 'HostNetwork'
          ? 'the proxies bind the listener ports on the host network (exposure HostNetwork)'
          : 'no exception: the controller, its certgen Job and the proxies meet restricted',
    });
  if (installed(spec, 'logging'))
    out.push({
      name: spec.addons.logging.namespace,
      addon: 'logging',
      enforce: 'privileged',
      reason:
        'the log collector mounts host paths (/var/log read-only, its buffer in /var/lib/fluent-bit), which baseline forbids; it holds nothing else, runs without host network or capabilities',
    });
  return out;
}

/**
 * Policy exceptions of the add-ons: workloads that break a platform rule by design (node agents
 * on the host, upstream controllers without a readiness probe), each with its reason. They are
 * the written-down exceptions: `blueprint validate` lists them with the environment's waivers.
 */
export function addonWaivers(spec: EnvironmentSpec): PolicyWaiverSpec[] {
  const waivers: PolicyWaiverSpec[] = [];
  const add = (
    addon: AddonName,
    kind: string,
    namespace: string,
    name: string,
    rules: [PolicyWaiverSpec['rule'], string][],
  ) => {
    for (const [rule, reason] of rules)
      waivers.push({ rule, kind, namespace, name, reason: `add-on ${addon}: ${reason}` });
  };
  const noProbe =
    'the upstream manifest defines no readiness probe (the controller serves no readiness endpoint)';
  if (installed(spec, 'calico'))
    add('calico', 'Deployment', ADDON_NAMESPACES.tigeraOperator, 'tigera-operator', [
      ['no-host-path', 'the operator keeps its state in /var/lib/calico on the host, as calico-node does'],
      [
        'non-root',
        'the operator runs as root on the host network to install the CNI before pods have a network',
      ],
      ['readiness-probe', noProbe],
    ]);
  if (installed(spec, 'metallb'))
    add('metallb', 'DaemonSet', ADDON_NAMESPACES.metallb, 'speaker', [
      ['non-root', 'the speaker answers ARP for service addresses with NET_RAW on the host network'],
    ]);
  if (installed(spec, 'monitoring')) {
    const ns = spec.observability.namespace;
    add('monitoring', 'Deployment', ns, 'prometheus-operator', [['readiness-probe', noProbe]]);
    if (spec.addons.monitoring.nodeExporter)
      add('monitoring', 'DaemonSet', ns, 'node-exporter', [
        [
          'no-host-path',
          "node-exporter reads the host's /proc, /sys and / (read-only) to report node metrics",
        ],
      ]);
  }
  if (installed(spec, 'cronHpa'))
    add('cronHpa', 'Deployment', ADDON_NAMESPACES.kubeSystem, 'kubernetes-cronhpa-controller', [
      ['non-root', 'the upstream image runs its binary from /root as root'],
      ['readiness-probe', noProbe],
    ]);
  if (installed(spec, 'logging'))
    for (const name of ['fluent-bit', 'fluent-bit-control-plane'])
      add('logging', 'DaemonSet', spec.addons.logging.namespace, name, [
        [
          'no-host-path',
          'the log collector reads /var/log (container logs, the journal, the audit log) read-only and keeps its positions and disk buffer in /var/lib/fluent-bit, so that a replaced pod neither loses nor repeats logs',
        ],
        [
          'non-root',
          "the logs are root's files (mode 0600/0640); the collector runs as uid 0 with every capability dropped, no privilege escalation and a read-only root file system",
        ],
      ]);
  if (installed(spec, 'cephCsi')) {
    const ns = spec.addons.cephCsi.namespace;
    for (const driver of cephDrivers(spec)) {
      add('cephCsi', 'DaemonSet', ns, `csi-${driver}plugin`, [
        [
          'no-host-path',
          `the ${driver} node plugin mounts volumes into the kubelet's pod and plugin directories and needs /dev, /sys and the kernel modules`,
        ],
        ['non-root', `the ${driver} node plugin is privileged to map devices and mount file systems`],
        [
          'readiness-probe',
          'CSI node plugins serve gRPC on a host socket; the kubelet checks them through plugin registration',
        ],
      ]);
      add('cephCsi', 'Deployment', ns, `csi-${driver}plugin-provisioner`, [
        ...(driver === 'rbd'
          ? ([
              [
                'no-host-path',
                'the rbd controller server reads /dev, /sys and the kernel modules to create images',
              ],
            ] as [PolicyWaiverSpec['rule'], string][])
          : []),
        ['non-root', 'the ceph client and the CSI sidecars of the upstream images run as root'],
        [
          'readiness-probe',
          'the CSI sidecars and the controller server talk over a socket in the pod and serve no readiness endpoint',
        ],
      ]);
    }
  }
  return waivers;
}

/** The ceph-csi drivers the storage classes use. */
export function cephDrivers(spec: EnvironmentSpec): ('rbd' | 'cephfs')[] {
  return (['rbd', 'cephfs'] as const).filter((driver) =>
    spec.storage.classes.some((c) => c.driver === driver),
  );
}
