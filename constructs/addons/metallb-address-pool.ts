import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

/** Props of {@link MetalLbAddressPool}. */
export interface MetalLbAddressPoolProps {
  /** Name of the pool and its advertisement. */
  readonly name: string;
  /** Namespace of MetalLB. */
  readonly namespace: string;
  /** Address ranges: `first-last` or CIDRs. */
  readonly addresses: readonly string[];
  /** Labels of the nodes that announce the addresses (L2). */
  readonly announcerSelector: Readonly<Record<string, string>>;
}

/**
 * A MetalLB `IPAddressPool` and the `L2Advertisement` that announces it from the selected
 * nodes only: the nodes on the pool's network, where ARP for the addresses reaches clients.
 */
export class MetalLbAddressPool extends Construct {
  constructor(scope: Construct, id: string, props: MetalLbAddressPoolProps) {
    super(scope, id);
    const metadata = { name: props.name, namespace: props.namespace };
    new ApiObject(this, 'pool', {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'IPAddressPool',
      metadata,
      spec: { addresses: [...props.addresses], autoAssign: true, avoidBuggyIPs: true },
    });
    new ApiObject(this, 'advertisement', {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'L2Advertisement',
      metadata,
      spec: {
        ipAddressPools: [props.name],
        nodeSelectors: [{ matchLabels: { ...props.announcerSelector } }],
      },
    });
  }
}
