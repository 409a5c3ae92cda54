import { type KubeadmApiVersion, kubeadmApiVersion } from './kubeadm-api';
import type { NodeRegistration } from './node-registration';

/** Props of {@link InitConfiguration}. */
export interface InitConfigurationProps {
  /** Kubernetes version, x.y.z; it picks the API version. */
  readonly kubernetesVersion: string;
  /** The first master's registration (with the control-plane taint). */
  readonly nodeRegistration: NodeRegistration;
  /** Address this master's API server advertises. */
  readonly advertiseAddress: string;
  /** Port this master's API server binds. */
  readonly bindPort: number;
}

/**
 * kubeadm's `InitConfiguration` for the first master (`kubeadm init`). It holds no bootstrap
 * token: kubeadm generates one, and tokens are secrets that do not belong in the output.
 */
export class InitConfiguration {
  /** The kubeadm API version, from the Kubernetes version. */
  public readonly apiVersion: KubeadmApiVersion;
  private readonly props: InitConfigurationProps;

  constructor(props: InitConfigurationProps) {
    this.apiVersion = kubeadmApiVersion(props.kubernetesVersion);
    this.props = props;
  }

  /** The document as plain data. */
  toJson(): Record<string, unknown> {
    return {
      apiVersion: this.apiVersion,
      kind: 'InitConfiguration',
      localAPIEndpoint: { advertiseAddress: this.props.advertiseAddress, bindPort: this.props.bindPort },
      nodeRegistration: this.props.nodeRegistration.toJson(this.apiVersion),
    };
  }
}
