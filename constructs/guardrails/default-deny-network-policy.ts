import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';

/** Props of {@link DefaultDenyNetworkPolicy}. */
export interface DefaultDenyNetworkPolicyProps {
  /** The namespace to isolate. */
  readonly namespace: string;
  /** Name of the NetworkPolicy. @default default-deny */
  readonly name?: string;
  /** Labels added to the NetworkPolicy. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * What is denied: ingress only suits a platform namespace whose controllers call the API
   * server, registries and storage from pods that serve nothing else. @default both
   */
  readonly directions?: readonly ('Ingress' | 'Egress')[];
}

/**
 * Denies all ingress and all egress (or only one of them) of every pod in a namespace. Traffic then flows only
 * where another NetworkPolicy allows it (NetworkPolicies are additive), which makes every
 * allowed path explicit and reviewable.
 */
export class DefaultDenyNetworkPolicy extends Construct {
  /** The NetworkPolicy's name. */
  public readonly name: string;

  constructor(scope: Construct, id: string, props: DefaultDenyNetworkPolicyProps) {
    super(scope, id);
    this.name = props.name ?? 'default-deny';
    new k8s.KubeNetworkPolicy(this, 'Resource', {
      metadata: { name: this.name, namespace: props.namespace, labels: { ...(props.labels ?? {}) } },
      spec: { podSelector: {}, policyTypes: [...(props.directions ?? ['Ingress', 'Egress'])] },
    });
  }
}
