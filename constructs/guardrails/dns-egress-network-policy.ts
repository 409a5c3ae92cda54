import type { Construct } from 'constructs';
import { AllowNetworkPolicy } from './allow-network-policy';
import { podsIn } from './network-peer';

/** Props of {@link DnsEgressNetworkPolicy}. */
export interface DnsEgressNetworkPolicyProps {
  /** The namespace whose pods may resolve names. */
  readonly namespace: string;
  /** Namespace of the cluster DNS. @default kube-system */
  readonly dnsNamespace?: string;
  /** Labels of the cluster DNS pods (CoreDNS keeps kube-dns's label). @default { 'k8s-app': 'kube-dns' } */
  readonly dnsPodLabels?: Readonly<Record<string, string>>;
  /** Labels added to the NetworkPolicy. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * Lets every pod of a namespace reach the cluster DNS on port 53 (UDP and TCP): under a
 * default-deny policy nothing resolves names otherwise.
 */
export class DnsEgressNetworkPolicy extends AllowNetworkPolicy {
  constructor(scope: Construct, id: string, props: DnsEgressNetworkPolicyProps) {
    super(scope, id, {
      namespace: props.namespace,
      name: 'allow-dns-egress',
      podLabels: {},
      labels: props.labels,
      egress: [
        {
          peers: [
            podsIn(props.dnsNamespace ?? 'kube-system', props.dnsPodLabels ?? { 'k8s-app': 'kube-dns' }),
          ],
          ports: [
            { port: 53, protocol: 'UDP' },
            { port: 53, protocol: 'TCP' },
          ],
        },
      ],
    });
  }
}
