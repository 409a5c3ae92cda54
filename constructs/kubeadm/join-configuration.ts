import { ValidationError } from '../core/validation-error';
import { type KubeadmApiVersion, kubeadmApiVersion } from './kubeadm-api';
import type { NodeRegistration } from './node-registration';

/** Default host-local discovery kubeconfig that `kubeadm join` reads. */
export const DEFAULT_DISCOVERY_FILE = '/etc/kubernetes/discovery.conf';

/** Props of {@link JoinConfiguration}. */
export interface JoinConfigurationProps {
  /** Kubernetes version, x.y.z; it picks the API version. */
  readonly kubernetesVersion: string;
  /** The joining node's registration. */
  readonly nodeRegistration: NodeRegistration;
  /**
   * Host-local kubeconfig used for discovery and TLS bootstrap: it names the cluster's CA and
   * endpoint and carries a bootstrap token as its user's token. Created on the host (see
   * docs/host-provisioning.md), so that no token is in the output.
   * @default /etc/kubernetes/discovery.conf
   */
  readonly discoveryFile?: string;
  /**
   * Join as a control-plane node, with the local API server on this address and port.
   * @default - a worker
   */
  readonly controlPlane?: { readonly advertiseAddress: string; readonly bindPort: number };
}

/**
 * kubeadm's `JoinConfiguration` (`kubeadm join --config`), for a further master or a worker.
 * Discovery uses a host-local kubeconfig file instead of an inline bootstrap token, and a
 * joining master gets the shared certificates copied to it instead of a certificate key: both
 * are secrets and never part of the output.
 */
export class JoinConfiguration {
  /** The kubeadm API version, from the Kubernetes version. */
  public readonly apiVersion: KubeadmApiVersion;
  private readonly props: JoinConfigurationProps;

  constructor(props: JoinConfigurationProps) {
    this.apiVersion = kubeadmApiVersion(props.kubernetesVersion);
    const file = props.discoveryFile ?? DEFAULT_DISCOVERY_FILE;
    if (!file.startsWith('/')) {
      throw new ValidationError(
        `JoinConfiguration: 'discoveryFile' (${JSON.stringify(file)}) must be an absolute path`,
      );
    }
    this.props = props;
  }

  /** The document as plain data. */
  toJson(): Record<string, unknown> {
    const p = this.props;
    return {
      apiVersion: this.apiVersion,
      kind: 'JoinConfiguration',
      discovery: { file: { kubeConfigPath: p.discoveryFile ?? DEFAULT_DISCOVERY_FILE } },
      nodeRegistration: p.nodeRegistration.toJson(this.apiVersion),
      ...(p.controlPlane === undefined
        ? {}
        : {
            controlPlane: {
              localAPIEndpoint: {
                advertiseAddress: p.controlPlane.advertiseAddress,
                bindPort: p.controlPlane.bindPort,
              },
            },
          }),
    };
  }
}
