import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';

/** Props of {@link KeepalivedStaticPod}. */
export interface KeepalivedStaticPodProps {
  /** keepalived image, pinned. */
  readonly image: string;
  /** Host file mounted as the image's keepalived.conf. @default /etc/keepalived/keepalived.conf */
  readonly configFile?: string;
  /**
   * Host directory with the check script and the host-local password file, mounted read-only
   * at the same path so that the paths in keepalived.conf hold inside the container.
   * @default /etc/keepalived
   */
  readonly configDir?: string;
  /**
   * Checks run before keepalived starts, each by an init container of its name, in order (the
   * interface check, the VRRP password check).
   * @default - no init container
   */
  readonly preStartChecks?: readonly KeepalivedPreStartCheck[];
}

/** A script an init container of the keepalived static pod runs before keepalived starts. */
export interface KeepalivedPreStartCheck {
  /** Name of the init container, e.g. `check-interface`. */
  readonly name: string;
  /** Absolute path of the script inside `configDir`. */
  readonly script: string;
}

/**
 * The keepalived static pod of the kubeadm HA guide (option 2): host network, the
 * capabilities VRRP needs, and the generated keepalived.conf mounted from the host. Put the
 * rendered manifest in /etc/kubernetes/manifests/ and the kubelet runs it before the cluster
 * exists.
 */
export class KeepalivedStaticPod extends Construct {
  /** The pod's name (the kubelet appends the node name). */
  public static readonly NAME = 'keepalived';
  /** Where the image reads its configuration. */
  public static readonly IMAGE_CONFIG_PATH = '/usr/local/etc/keepalived/keepalived.conf';
  /** The keepalived Pod (an L1 object; render it with `toJson()`). */
  public readonly pod: k8s.KubePod;

  constructor(scope: Construct, id: string, props: KeepalivedStaticPodProps) {
    super(scope, id);
    const configFile = props.configFile ?? '/etc/keepalived/keepalived.conf';
    const configDir = props.configDir ?? '/etc/keepalived';
    const mounts = [
      { name: 'config', mountPath: KeepalivedStaticPod.IMAGE_CONFIG_PATH, readOnly: true },
      { name: 'config-dir', mountPath: configDir, readOnly: true },
    ];
    this.pod = new k8s.KubePod(this, 'pod', {
      metadata: {
        name: KeepalivedStaticPod.NAME,
        namespace: 'kube-system',
        labels: { 'app.kubernetes.io/name': 'keepalived', 'app.kubernetes.io/part-of': 'platform-blueprint' },
      },
      spec: {
        hostNetwork: true,
        priorityClassName: 'system-node-critical',
        ...(props.preStartChecks === undefined || props.preStartChecks.length === 0
          ? {}
          : {
              initContainers: props.preStartChecks.map((check) => ({
                name: check.name,
                image: props.image,
                command: ['/bin/sh', check.script],
                volumeMounts: [{ name: 'config-dir', mountPath: configDir, readOnly: true }],
              })),
            }),
        containers: [
          {
            name: 'keepalived',
            image: props.image,
            securityContext: { capabilities: { add: ['NET_ADMIN', 'NET_BROADCAST', 'NET_RAW'] } },
            resources: {
              requests: { cpu: k8s.Quantity.fromString('10m'), memory: k8s.Quantity.fromString('16Mi') },
            },
            volumeMounts: mounts,
          },
        ],
        volumes: [
          { name: 'config', hostPath: { path: configFile, type: 'File' } },
          { name: 'config-dir', hostPath: { path: configDir, type: 'Directory' } },
        ],
      },
    });
  }
}
