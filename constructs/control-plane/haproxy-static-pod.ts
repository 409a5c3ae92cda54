import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ValidationError } from '../core/validation-error';

/** Props of {@link HaproxyStaticPod}. */
export interface HaproxyStaticPodProps {
  /** haproxy image, pinned. */
  readonly image: string;
  /** Host file mounted as the image's haproxy.cfg. @default /etc/haproxy/haproxy.cfg */
  readonly configFile?: string;
  /** The frontend port, probed by the kubelet's liveness probe. */
  readonly frontendPort: number;
}

/**
 * The haproxy static pod of the kubeadm HA guide (option 2): host network, the generated
 * haproxy.cfg mounted from the host, and a TCP liveness probe on the frontend port. Put the
 * rendered manifest in /etc/kubernetes/manifests/.
 */
export class HaproxyStaticPod extends Construct {
  /** The pod's name (the kubelet appends the node name). */
  public static readonly NAME = 'haproxy';
  /** Where the official image reads its configuration. */
  public static readonly IMAGE_CONFIG_PATH = '/usr/local/etc/haproxy/haproxy.cfg';
  /** The haproxy Pod (an L1 object; render it with `toJson()`). */
  public readonly pod: k8s.KubePod;

  constructor(scope: Construct, id: string, props: HaproxyStaticPodProps) {
    super(scope, id);
    if (!Number.isInteger(props.frontendPort) || props.frontendPort < 1 || props.frontendPort > 65535) {
      throw new ValidationError(
        `HaproxyStaticPod: 'frontendPort' (${props.frontendPort}) must be a port from 1 to 65535`,
      );
    }
    this.pod = new k8s.KubePod(this, 'pod', {
      metadata: {
        name: HaproxyStaticPod.NAME,
        namespace: 'kube-system',
        labels: { 'app.kubernetes.io/name': 'haproxy', 'app.kubernetes.io/part-of': 'platform-blueprint' },
      },
      spec: {
        hostNetwork: true,
        priorityClassName: 'system-node-critical',
        containers: [
          {
            name: 'haproxy',
            image: props.image,
            livenessProbe: {
              tcpSocket: { port: k8s.IntOrString.fromNumber(props.frontendPort) },
              periodSeconds: 5,
              failureThreshold: 3,
            },
            resources: {
              requests: { cpu: k8s.Quantity.fromString('25m'), memory: k8s.Quantity.fromString('32Mi') },
            },
            volumeMounts: [{ name: 'config', mountPath: HaproxyStaticPod.IMAGE_CONFIG_PATH, readOnly: true }],
          },
        ],
        volumes: [
          {
            name: 'config',
            hostPath: { path: props.configFile ?? '/etc/haproxy/haproxy.cfg', type: 'File' },
          },
        ],
      },
    });
  }
}
