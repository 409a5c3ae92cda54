import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

/** Props of {@link NodeExporter}. */
export interface NodeExporterProps {
  readonly namespace: string;
  /** The image, pinned. */
  readonly image: string;
  /** Labels the ServiceMonitor carries so that Prometheus picks it up. */
  readonly selectorLabels: Readonly<Record<string, string>>;
  /** Scrape interval. */
  readonly interval: string;
}

const NAME = 'node-exporter';

/**
 * The directory of node-exporter's textfile collector on every host: host scripts (the etcd
 * backup and certificate timers) write `*.prom` files there, atomically (a temporary file
 * renamed into place), and node-exporter serves their samples with its own.
 */
export const TEXTFILE_COLLECTOR_DIR = '/var/lib/node_exporter/textfile_collector';
const PORT = 9100;

/**
 * node-exporter on every node, masters included (it tolerates every taint): host metrics (CPU,
 * memory, file systems, network) that seed 004 had to monitor separately. It reads the host's
 * /proc, /sys and / read-only, on the host network so that each series carries the node's address,
 * and serves the `*.prom` files of {@link TEXTFILE_COLLECTOR_DIR} (textfile collector).
 */
export class NodeExporter extends Construct {
  constructor(scope: Construct, id: string, props: NodeExporterProps) {
    super(scope, id);
    const labels = { 'app.kubernetes.io/name': NAME };
    const metadata = { name: NAME, namespace: props.namespace, labels };
    const hostPath = (name: string, path: string) => ({ name, hostPath: { path } });
    new ApiObject(this, 'service-account', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata,
      automountServiceAccountToken: false,
    });
    new ApiObject(this, 'daemon-set', {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata,
      spec: {
        selector: { matchLabels: labels },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%' } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: NAME,
            automountServiceAccountToken: false,
            hostNetwork: true,
            hostPID: true,
            priorityClassName: 'system-node-critical',
            tolerations: [{ operator: 'Exists' }],
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 65534,
              runAsGroup: 65534,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [
              {
                name: NAME,
                image: props.image,
                args: [
                  '--path.procfs=/host/proc',
                  '--path.sysfs=/host/sys',
                  '--path.rootfs=/host/root',
                  `--web.listen-address=:${PORT}`,
                  '--collector.filesystem.mount-points-exclude=^/(dev|proc|sys|run/containerd/.+|var/lib/kubelet/.+)($|/)',
                  `--collector.textfile.directory=${TEXTFILE_COLLECTOR_DIR}`,
                ],
                ports: [{ name: 'metrics', containerPort: PORT }],
                readinessProbe: { httpGet: { path: '/', port: PORT }, periodSeconds: 10 },
                livenessProbe: { httpGet: { path: '/', port: PORT }, periodSeconds: 20 },
                resources: {
                  requests: { cpu: '50m', memory: '64Mi' },
                  limits: { cpu: '250m', memory: '180Mi' },
                },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ['ALL'] },
                },
                volumeMounts: [
                  { name: 'proc', mountPath: '/host/proc', readOnly: true },
                  { name: 'sys', mountPath: '/host/sys', readOnly: true },
                  {
                    name: 'root',
                    mountPath: '/host/root',
                    readOnly: true,
                    mountPropagation: 'HostToContainer',
                  },
                  { name: 'textfile-collector', mountPath: TEXTFILE_COLLECTOR_DIR, readOnly: true },
                ],
              },
            ],
            volumes: [
              hostPath('proc', '/proc'),
              hostPath('sys', '/sys'),
              hostPath('root', '/'),
              // Made when missing (root's, 0755), so that node-exporter starts before any timer wrote to it.
              {
                name: 'textfile-collector',
                hostPath: { path: TEXTFILE_COLLECTOR_DIR, type: 'DirectoryOrCreate' },
              },
            ],
          },
        },
      },
    });
    new ApiObject(this, 'service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata,
      spec: {
        clusterIP: 'None',
        selector: labels,
        ports: [{ name: 'metrics', port: PORT, targetPort: 'metrics' }],
      },
    });
    new ApiObject(this, 'service-monitor', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: NAME, namespace: props.namespace, labels: { ...labels, ...props.selectorLabels } },
      spec: {
        selector: { matchLabels: labels },
        endpoints: [
          {
            port: 'metrics',
            interval: props.interval,
            relabelings: [{ sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node' }],
          },
        ],
      },
    });
  }
}
