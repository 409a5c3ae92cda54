import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { type PodPlacement, type PodToleration, placementFields } from '../scheduling/pod-placement';

/** A Ceph cluster ceph-csi connects to. */
export interface CephCluster {
  /** The fsid, as StorageClasses name it in `clusterID`. */
  readonly clusterId: string;
  /** Monitors, address:port. */
  readonly monitors: readonly string[];
}

/** Props of {@link CephCsi}. */
export interface CephCsiProps {
  readonly namespace: string;
  /** The drivers the StorageClasses use. */
  readonly drivers: readonly ('rbd' | 'cephfs')[];
  readonly clusters: readonly CephCluster[];
  readonly provisionerReplicas: number;
  /** Maps an upstream image to the one pulled (a registry mirror). */
  readonly image: (reference: string) => string;
  readonly provisionerPlacement?: PodPlacement;
  /** Taints of the worker pools, which the node plugins tolerate (they run on every worker). */
  readonly nodePluginTolerations: readonly PodToleration[];
  readonly priorityClassName: string;
}

/** Pinned images: ceph-csi v3.15.0 and the Kubernetes CSI sidecars its v3.15 manifests use. */
export const CEPH_CSI_IMAGES = {
  cephcsi: 'quay.io/cephcsi/cephcsi:v3.15.0',
  provisioner: 'registry.k8s.io/sig-storage/csi-provisioner:v5.2.0',
  attacher: 'registry.k8s.io/sig-storage/csi-attacher:v4.8.1',
  resizer: 'registry.k8s.io/sig-storage/csi-resizer:v1.13.2',
  registrar: 'registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.13.0',
} as const;

const KUBELET = '/var/lib/kubelet';
const resources = (cpu: string, memory: string) => ({
  requests: { cpu, memory },
  limits: { cpu: cpu === '50m' ? '250m' : '1', memory: memory === '64Mi' ? '256Mi' : '1Gi' },
});

/**
 * ceph-csi's rbd and cephfs drivers, as its upstream deploy manifests lay them out: per driver a
 * CSIDriver, a provisioner Deployment (external-provisioner, -resizer and, for rbd,
 * -attacher beside the ceph-csi controller server) and a node-plugin DaemonSet on every worker
 * (node-driver-registrar beside the privileged ceph-csi node server). The cluster map
 * (`ceph-csi-config`) holds the monitors; the keys stay in the Secrets the StorageClasses name.
 */
export class CephCsi extends Construct {
  constructor(scope: Construct, id: string, props: CephCsiProps) {
    super(scope, id);
    const ns = props.namespace;
    new ApiObject(this, 'config', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'ceph-csi-config', namespace: ns },
      data: {
        'config.json': JSON.stringify(
          props.clusters.map((cluster) => ({
            clusterID: cluster.clusterId,
            monitors: [...cluster.monitors],
            cephFS: { subvolumeGroup: 'csi' },
          })),
        ),
      },
    });
    new ApiObject(this, 'ceph-config', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'ceph-config', namespace: ns },
      data: {
        'ceph.conf':
          '[global]\nauth_cluster_required = cephx\nauth_service_required = cephx\nauth_client_required = cephx\nfuse_set_user_groups = false\nfuse_big_writes = true\n',
        keyring: '',
      },
    });
    new ApiObject(this, 'kms-config', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'ceph-csi-encryption-kms-config', namespace: ns },
      data: { 'config.json': '{}' },
    });
    for (const driver of props.drivers) this.driver(driver, props);
  }

  private driver(driver: 'rbd' | 'cephfs', props: CephCsiProps): void {
    const ns = props.namespace;
    const name = `${driver}.csi.ceph.com`;
    const plugin = `csi-${driver}plugin`;
    const provisioner = `${plugin}-provisioner`;
    const rbd = driver === 'rbd';
    new ApiObject(this, `${driver}-driver`, {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'CSIDriver',
      metadata: { name },
      spec: { attachRequired: rbd, podInfoOnMount: false, fsGroupPolicy: 'File', seLinuxMount: true },
    });
    for (const account of [provisioner, plugin])
      new ApiObject(this, `${account}-sa`, {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: account, namespace: ns },
      });
    const rules = (list: [string, string[], string[]][]) =>
      list.map(([group, resourceList, verbs]) => ({ apiGroups: [group], resources: resourceList, verbs }));
    const read = ['get', 'list', 'watch'];
    const write = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
    const roles: [string, [string, string[], string[]][]][] = [
      [
        provisioner,
        [
          ['', ['nodes'], read],
          ['', ['secrets', 'configmaps'], ['get', 'list']],
          ['', ['events'], ['list', 'watch', 'create', 'update', 'patch']],
          ['', ['persistentvolumes'], write],
          ['', ['persistentvolumeclaims'], ['get', 'list', 'watch', 'update']],
          ['', ['persistentvolumeclaims/status'], ['patch', 'update']],
          ['storage.k8s.io', ['storageclasses', 'csinodes'], read],
          ['storage.k8s.io', ['volumeattachments'], ['get', 'list', 'watch', 'update', 'patch']],
          ['storage.k8s.io', ['volumeattachments/status'], ['patch']],
          [
            'snapshot.storage.k8s.io',
            ['volumesnapshots', 'volumesnapshotcontents', 'volumesnapshotclasses'],
            read,
          ],
          ['coordination.k8s.io', ['leases'], write],
        ],
      ],
      [
        plugin,
        [
          ['', ['nodes'], ['get']],
          ['', ['secrets', 'configmaps'], ['get']],
          ['', ['persistentvolumes'], ['get']],
          ['storage.k8s.io', ['volumeattachments'], ['get', 'list']],
          ['', ['serviceaccounts'], ['get']],
          ['', ['serviceaccounts/token'], ['create']],
        ],
      ],
    ];
    for (const [role, list] of roles) {
      new ApiObject(this, `${role}-role`, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: role },
        rules: rules(list),
      });
      new ApiObject(this, `${role}-binding`, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: role },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: [{ kind: 'ServiceAccount', name: role, namespace: ns }],
      });
    }
    const configVolumes = [
      { name: 'ceph-csi-config', configMap: { name: 'ceph-csi-config' } },
      { name: 'ceph-config', configMap: { name: 'ceph-config' } },
      { name: 'ceph-csi-encryption-kms-config', configMap: { name: 'ceph-csi-encryption-kms-config' } },
      { name: 'keys-tmp-dir', emptyDir: { medium: 'Memory' } },
    ];
    const configMounts = [
      { name: 'ceph-csi-config', mountPath: '/etc/ceph-csi-config/' },
      { name: 'ceph-config', mountPath: '/etc/ceph/' },
      { name: 'ceph-csi-encryption-kms-config', mountPath: '/etc/ceph-csi-encryption-kms-config/' },
      { name: 'keys-tmp-dir', mountPath: '/tmp/csi/keys' },
    ];
    const hostPath = (volume: string, path: string, type?: string) => ({
      name: volume,
      hostPath: { path, ...(type ? { type } : {}) },
    });
    const env = [
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'NODE_ID', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    ];
    const sidecar = (container: string, reference: string, args: string[]) => ({
      name: container,
      image: props.image(reference),
      args: ['--v=1', '--csi-address=$(ADDRESS)', ...args],
      env: [{ name: 'ADDRESS', value: 'unix:///csi/csi-provisioner.sock' }],
      resources: resources('50m', '64Mi'),
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      volumeMounts: [{ name: 'socket-dir', mountPath: '/csi' }],
    });
    const labels = { app: provisioner };
    new ApiObject(this, `${driver}-provisioner`, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: provisioner, namespace: ns, labels },
      spec: {
        replicas: props.provisionerReplicas,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: provisioner,
            priorityClassName: props.priorityClassName,
            ...placementFields(props.provisionerPlacement),
            affinity: {
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [
                  {
                    weight: 100,
                    podAffinityTerm: {
                      labelSelector: { matchLabels: labels },
                      topologyKey: 'kubernetes.io/hostname',
                    },
                  },
                ],
              },
            },
            containers: [
              {
                name: `csi-${driver}plugin`,
                image: props.image(CEPH_CSI_IMAGES.cephcsi),
                args: [
                  '--nodeid=$(NODE_ID)',
                  `--type=${driver}`,
                  '--controllerserver=true',
                  '--endpoint=$(CSI_ENDPOINT)',
                  '--v=5',
                  `--drivername=${name}`,
                  '--pidlimit=-1',
                  ...(rbd ? ['--setmetadata=true'] : []),
                ],
                env: [...env, { name: 'CSI_ENDPOINT', value: 'unix:///csi/csi-provisioner.sock' }],
                resources: resources('100m', '128Mi'),
                securityContext: { allowPrivilegeEscalation: false },
                volumeMounts: [
                  { name: 'socket-dir', mountPath: '/csi' },
                  ...configMounts,
                  ...(rbd
                    ? [
                        { name: 'host-dev', mountPath: '/dev' },
                        { name: 'host-sys', mountPath: '/sys' },
                        { name: 'lib-modules', mountPath: '/lib/modules', readOnly: true },
                      ]
                    : []),
                ],
              },
              sidecar('csi-provisioner', CEPH_CSI_IMAGES.provisioner, [
                '--timeout=150s',
                '--retry-interval-start=500ms',
                '--leader-election=true',
                '--feature-gates=Topology=false',
                '--extra-create-metadata=true',
              ]),
              sidecar('csi-resizer', CEPH_CSI_IMAGES.resizer, [
                '--timeout=150s',
                '--leader-election',
                '--handle-volume-inuse-error=false',
              ]),
              ...(rbd
                ? [
                    sidecar('csi-attacher', CEPH_CSI_IMAGES.attacher, [
                      '--timeout=150s',
                      '--leader-election=true',
                    ]),
                  ]
                : []),
            ],
            volumes: [
              { name: 'socket-dir', emptyDir: { medium: 'Memory' } },
              ...configVolumes,
              ...(rbd
                ? [
                    hostPath('host-dev', '/dev'),
                    hostPath('host-sys', '/sys'),
                    hostPath('lib-modules', '/lib/modules'),
                  ]
                : []),
            ],
          },
        },
      },
    });
    new ApiObject(this, `${driver}-provisioner-pdb`, {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: provisioner, namespace: ns },
      spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
    });
    const pluginLabels = { app: plugin };
    const pluginDir = `${KUBELET}/plugins/${name}`;
    new ApiObject(this, `${driver}-nodeplugin`, {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: plugin, namespace: ns, labels: pluginLabels },
      spec: {
        selector: { matchLabels: pluginLabels },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
        template: {
          metadata: { labels: pluginLabels },
          spec: {
            serviceAccountName: plugin,
            hostNetwork: true,
            hostPID: true,
            dnsPolicy: 'ClusterFirstWithHostNet',
            priorityClassName: 'system-node-critical',
            // Every worker mounts volumes; masters run no business pods.
            tolerations: props.nodePluginTolerations.map((t) => ({ ...t })),
            containers: [
              {
                name: `csi-${driver}plugin`,
                image: props.image(CEPH_CSI_IMAGES.cephcsi),
                args: [
                  '--nodeid=$(NODE_ID)',
                  `--type=${driver}`,
                  '--nodeserver=true',
                  '--endpoint=$(CSI_ENDPOINT)',
                  '--v=5',
                  `--drivername=${name}`,
                  ...(rbd ? ['--stagingpath=/var/lib/kubelet/plugins/kubernetes.io/csi/'] : []),
                ],
                env: [...env, { name: 'CSI_ENDPOINT', value: 'unix:///csi/csi.sock' }],
                resources: resources('100m', '128Mi'),
                securityContext: {
                  privileged: true,
                  capabilities: { add: ['SYS_ADMIN'] },
                  allowPrivilegeEscalation: true,
                },
                volumeMounts: [
                  { name: 'socket-dir', mountPath: '/csi' },
                  { name: 'mountpoint-dir', mountPath: `${KUBELET}/pods`, mountPropagation: 'Bidirectional' },
                  { name: 'plugin-dir', mountPath: `${KUBELET}/plugins`, mountPropagation: 'Bidirectional' },
                  { name: 'host-dev', mountPath: '/dev' },
                  { name: 'host-sys', mountPath: '/sys' },
                  { name: 'lib-modules', mountPath: '/lib/modules', readOnly: true },
                  { name: 'host-mount', mountPath: '/run/mount' },
                  ...configMounts,
                ],
              },
              {
                name: 'driver-registrar',
                image: props.image(CEPH_CSI_IMAGES.registrar),
                args: [
                  '--v=1',
                  '--csi-address=/csi/csi.sock',
                  `--kubelet-registration-path=${pluginDir}/csi.sock`,
                ],
                env: [{ name: 'KUBE_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
                resources: resources('50m', '64Mi'),
                securityContext: { privileged: true, allowPrivilegeEscalation: true },
                volumeMounts: [
                  { name: 'socket-dir', mountPath: '/csi' },
                  { name: 'registration-dir', mountPath: '/registration' },
                ],
              },
            ],
            volumes: [
              hostPath('socket-dir', pluginDir, 'DirectoryOrCreate'),
              hostPath('plugin-dir', `${KUBELET}/plugins`, 'Directory'),
              hostPath('mountpoint-dir', `${KUBELET}/pods`, 'DirectoryOrCreate'),
              hostPath('registration-dir', `${KUBELET}/plugins_registry/`, 'Directory'),
              hostPath('host-dev', '/dev'),
              hostPath('host-sys', '/sys'),
              hostPath('lib-modules', '/lib/modules'),
              hostPath('host-mount', '/run/mount'),
              ...configVolumes,
            ],
          },
        },
      },
    });
  }
}
