import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { PodToleration } from '../scheduling/pod-placement';

/** Props of {@link CalicoInstallation}. */
export interface CalicoInstallationProps {
  /** The pod network (kubeadm's podSubnet). */
  readonly podCidr: string;
  /** Encapsulation of pod traffic between nodes. */
  readonly encapsulation: 'VXLANCrossSubnet' | 'VXLAN' | 'IPIPCrossSubnet' | 'IPIP' | 'None';
  /** Prefix length of each node's block. */
  readonly blockSize: number;
  /** Networks where calico-node finds the node's address. @default - the first found */
  readonly nodeAddressCidrs?: readonly string[];
  /** A registry mirror for Calico's images. @default - quay.io / docker.io */
  readonly registry?: string;
  /** Node selector of Calico's controllers (typha, kube-controllers). @default - any node */
  readonly controlPlaneNodeSelector?: Readonly<Record<string, string>>;
  /** Tolerations of Calico's controllers. @default - the operator's */
  readonly controlPlaneTolerations?: readonly PodToleration[];
}

/**
 * The tigera-operator's `Installation` and `APIServer`-less setup: Calico as the CNI, with the
 * environment's pod network and encapsulation. The operator deploys calico-node on every node
 * (it tolerates every taint), typha and kube-controllers into `calico-system`.
 */
export class CalicoInstallation extends Construct {
  constructor(scope: Construct, id: string, props: CalicoInstallationProps) {
    super(scope, id);
    new ApiObject(this, 'installation', {
      apiVersion: 'operator.tigera.io/v1',
      kind: 'Installation',
      metadata: { name: 'default' },
      spec: {
        variant: 'Calico',
        ...(props.registry ? { registry: `${props.registry}/` } : {}),
        calicoNetwork: {
          bgp:
            props.encapsulation.startsWith('IPIP') || props.encapsulation === 'None' ? 'Enabled' : 'Disabled',
          ipPools: [
            {
              name: 'default-ipv4-ippool',
              cidr: props.podCidr,
              blockSize: props.blockSize,
              encapsulation: props.encapsulation,
              natOutgoing: 'Enabled',
              nodeSelector: 'all()',
            },
          ],
          ...(props.nodeAddressCidrs && props.nodeAddressCidrs.length > 0
            ? { nodeAddressAutodetectionV4: { cidrs: [...props.nodeAddressCidrs] } }
            : {}),
        },
        ...(props.controlPlaneNodeSelector
          ? { controlPlaneNodeSelector: { ...props.controlPlaneNodeSelector } }
          : {}),
        ...(props.controlPlaneTolerations && props.controlPlaneTolerations.length > 0
          ? { controlPlaneTolerations: props.controlPlaneTolerations.map((t) => ({ ...t })) }
          : {}),
      },
    });
  }
}
