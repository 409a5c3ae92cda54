import { ApiObject } from 'cdk8s';
import { ConfigMap } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ValidationError } from '../core/validation-error';

/** Props of {@link ClusterIdentity}. */
export interface ClusterIdentityProps {
  /** The environment this cluster belongs to, e.g. `prod`. */
  readonly environment: string;
  /** The Kubernetes version the environment declares, e.g. `1.28.15`. */
  readonly kubernetesVersion: string;
  /** The API server endpoint clients use, `host:port`. */
  readonly controlPlaneEndpoint: string;
  /** Namespace of the ConfigMap. @default kube-public (readable by every authenticated user) */
  readonly namespace?: string;
}

/**
 * A ConfigMap that says which blueprint environment a cluster is. Deploy reads it before
 * applying, so that the output of `prod` is never applied to the `test` cluster by a wrong
 * kubeconfig context; people and tools can read it to learn what a cluster is.
 */
export class ClusterIdentity extends Construct {
  /** The ConfigMap's name. */
  public static readonly NAME = 'platform-blueprint';
  public readonly configMap: ConfigMap;

  constructor(scope: Construct, id: string, props: ClusterIdentityProps) {
    super(scope, id);
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(props.environment)) {
      throw new ValidationError(
        `ClusterIdentity: 'environment' (${JSON.stringify(props.environment)}) must be a DNS-1123 label`,
      );
    }
    this.configMap = new ConfigMap(this, 'config-map', {
      metadata: { name: ClusterIdentity.NAME, namespace: props.namespace ?? 'kube-public' },
      data: {
        environment: props.environment,
        kubernetesVersion: props.kubernetesVersion,
        controlPlaneEndpoint: props.controlPlaneEndpoint,
      },
    });
    ApiObject.of(this.configMap).metadata.addLabel('app.kubernetes.io/part-of', 'platform-blueprint');
  }
}
