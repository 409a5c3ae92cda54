import { ValidationError } from '../core/validation-error';
import { extraArgs, type KubeadmApiVersion, kubeadmApiVersion } from './kubeadm-api';

/** Props of {@link ClusterConfiguration}. */
export interface ClusterConfigurationProps {
  /** Kubernetes version, x.y.z; it also picks the API version. */
  readonly kubernetesVersion: string;
  /** The endpoint every component uses for the API, `host:port` (the VIP and HAProxy's port). */
  readonly controlPlaneEndpoint: string;
  /** Names and addresses the API server's certificate must carry, besides kubeadm's own. */
  readonly certSANs: readonly string[];
  /** Cluster name in kubeconfigs. @default kubernetes */
  readonly clusterName?: string;
  /** Pod network CIDR. @default - kubeadm's default (none) */
  readonly podSubnet?: string;
  /** Service network CIDR. @default 10.96.0.0/12 (kubeadm's default) */
  readonly serviceSubnet?: string;
  /** Cluster DNS domain. @default cluster.local */
  readonly dnsDomain?: string;
  /**
   * Seconds a stopping API server keeps serving while its /readyz fails
   * (`--shutdown-delay-duration`), so that the load balancer, which checks /readyz, takes it out
   * before it stops accepting connections: a master restart then loses no request.
   * @default 5 (HAProxy marks a server down after 2 failed checks 1 s apart)
   */
  readonly apiServerShutdownDelaySeconds?: number;
}

/**
 * kubeadm's `ClusterConfiguration`: the same on every master. `controlPlaneEndpoint` makes
 * kubeconfigs and kubelets use the load-balanced endpoint, never one master.
 */
export class ClusterConfiguration {
  /** The kubeadm API version, from the Kubernetes version. */
  public readonly apiVersion: KubeadmApiVersion;
  private readonly props: ClusterConfigurationProps;

  constructor(props: ClusterConfigurationProps) {
    this.apiVersion = kubeadmApiVersion(props.kubernetesVersion);
    if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(props.controlPlaneEndpoint)) {
      throw new ValidationError(
        `ClusterConfiguration: 'controlPlaneEndpoint' (${JSON.stringify(props.controlPlaneEndpoint)}) must be host:port`,
      );
    }
    this.props = props;
  }

  /** The document as plain data. */
  toJson(): Record<string, unknown> {
    const p = this.props;
    const networking: Record<string, string> = {};
    if (p.podSubnet !== undefined) networking.podSubnet = p.podSubnet;
    if (p.serviceSubnet !== undefined) networking.serviceSubnet = p.serviceSubnet;
    if (p.dnsDomain !== undefined) networking.dnsDomain = p.dnsDomain;
    return {
      apiVersion: this.apiVersion,
      kind: 'ClusterConfiguration',
      ...(p.clusterName === undefined ? {} : { clusterName: p.clusterName }),
      kubernetesVersion: `v${p.kubernetesVersion.replace(/^v/, '')}`,
      controlPlaneEndpoint: p.controlPlaneEndpoint,
      apiServer: {
        certSANs: [...new Set(p.certSANs)],
        extraArgs: extraArgs(this.apiVersion, {
          'shutdown-delay-duration': `${p.apiServerShutdownDelaySeconds ?? 5}s`,
        }),
      },
      networking,
    };
  }
}
