import { ValidationError } from '../core/validation-error';
import {
  extraArgs,
  type KubeadmApiVersion,
  type KubeadmHostPathMount,
  kubeadmApiVersion,
} from './kubeadm-api';

/**
 * The port of etcd's plain-HTTP metrics listener (kubeadm's own default, where its liveness
 * probe looks), opened on every address of the master so that Prometheus can scrape it.
 */
export const ETCD_METRICS_PORT = 2381;

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
  /**
   * Further kube-apiserver flags (names without dashes), e.g. the audit policy's
   * (`AuditPolicy.apiServerArgs()`); a flag the configuration sets itself is refused.
   * @default - none
   */
  readonly apiServerExtraArgs?: Readonly<Record<string, string>>;
  /** Host paths kube-apiserver's static pod mounts (`apiServer.extraVolumes`). @default - none */
  readonly apiServerExtraVolumes?: readonly KubeadmHostPathMount[];
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
    for (const name of Object.keys(props.apiServerExtraArgs ?? {})) {
      if (name === 'shutdown-delay-duration' || !/^[a-z0-9][a-z0-9-]*$/.test(name)) {
        throw new ValidationError(
          `ClusterConfiguration: 'apiServerExtraArgs' names ${JSON.stringify(name)}, which must be a flag name without dashes that the configuration does not set itself (shutdown-delay-duration)`,
        );
      }
    }
    const volumes = (props.apiServerExtraVolumes ?? []).map((volume) => volume.name);
    const repeated = volumes.find((name, index) => volumes.indexOf(name) !== index);
    if (repeated !== undefined) {
      throw new ValidationError(
        `ClusterConfiguration: 'apiServerExtraVolumes' names the volume ${JSON.stringify(repeated)} twice; names must be unique`,
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
          ...p.apiServerExtraArgs,
          'shutdown-delay-duration': `${p.apiServerShutdownDelaySeconds ?? 5}s`,
        }),
        ...(p.apiServerExtraVolumes === undefined || p.apiServerExtraVolumes.length === 0
          ? {}
          : {
              extraVolumes: p.apiServerExtraVolumes.map((volume) => ({
                name: volume.name,
                hostPath: volume.hostPath,
                mountPath: volume.mountPath,
                readOnly: volume.readOnly,
                pathType: volume.pathType,
              })),
            }),
      },
      // Every master shares this document (joining masters read it from the cluster), so the
      // metrics listener cannot name one master's address: it listens on all of them. It serves
      // /metrics and /health only, without client certificates.
      etcd: {
        local: {
          extraArgs: extraArgs(this.apiVersion, {
            'listen-metrics-urls': `http://0.0.0.0:${ETCD_METRICS_PORT}`,
          }),
        },
      },
      networking,
    };
  }
}
