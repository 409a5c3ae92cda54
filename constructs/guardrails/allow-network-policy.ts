import { Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ValidationError } from '../core/validation-error';
import { NAMESPACE_NAME_LABEL, type NetworkPeer, type NetworkPort } from './network-peer';

/** One allow rule: traffic from (ingress) or to (egress) any of `peers`, on any of `ports`. */
export interface NetworkRule {
  /** Who; empty means anyone. */
  readonly peers: readonly NetworkPeer[];
  /** Which ports; empty means every port. @default - every port */
  readonly ports?: readonly NetworkPort[];
}

/** Props of {@link AllowNetworkPolicy}. */
export interface AllowNetworkPolicyProps {
  /** Namespace of the pods the policy applies to. */
  readonly namespace: string;
  /** Name of the NetworkPolicy, unique in the namespace. */
  readonly name: string;
  /** Labels of the pods the policy applies to; empty applies it to every pod of the namespace. */
  readonly podLabels: Readonly<Record<string, string>>;
  /** Allowed incoming traffic. More can be added with `allowIngress`. @default [] */
  readonly ingress?: readonly NetworkRule[];
  /** Allowed outgoing traffic. More can be added with `allowEgress`. @default [] */
  readonly egress?: readonly NetworkRule[];
  /** Labels added to the NetworkPolicy. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

function toPeer(peer: NetworkPeer, policyNamespace: string): k8s.NetworkPolicyPeer {
  if (peer.cidr !== undefined) return { ipBlock: { cidr: peer.cidr } };
  const namespace = peer.namespace ?? policyNamespace;
  return {
    namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } },
    podSelector: Object.keys(peer.podLabels ?? {}).length > 0 ? { matchLabels: { ...peer.podLabels } } : {},
  };
}

function toPort(port: NetworkPort): k8s.NetworkPolicyPort {
  return {
    port:
      typeof port.port === 'number'
        ? k8s.IntOrString.fromNumber(port.port)
        : k8s.IntOrString.fromString(port.port),
    protocol: port.protocol ?? 'TCP',
  };
}

function validatePort(port: NetworkPort, where: string): void {
  if (typeof port.port === 'number' && (!Number.isInteger(port.port) || port.port < 1 || port.port > 65535)) {
    throw new ValidationError(`${where}: port (${port.port}) must be a whole number between 1 and 65535`);
  }
  if (typeof port.port === 'string' && !/^[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$/.test(port.port)) {
    throw new ValidationError(`${where}: port ${JSON.stringify(port.port)} is not a container port name`);
  }
}

/**
 * Allows the listed traffic to and from a set of pods. Used beside a
 * {@link DefaultDenyNetworkPolicy}: each allowed path of the platform (gateway to service,
 * service to database, scrapes from monitoring) is one rule here. Rules are rendered late, so
 * `allowIngress`/`allowEgress` after construction still land in the output; identical rules
 * are kept once.
 */
export class AllowNetworkPolicy extends Construct {
  private readonly ingress: NetworkRule[] = [];
  private readonly egress: NetworkRule[] = [];
  private readonly namespace: string;
  private readonly policyName: string;

  constructor(scope: Construct, id: string, props: AllowNetworkPolicyProps) {
    super(scope, id);
    this.namespace = props.namespace;
    this.policyName = props.name;
    for (const rule of props.ingress ?? []) this.allowIngress(rule);
    for (const rule of props.egress ?? []) this.allowEgress(rule);
    new k8s.KubeNetworkPolicy(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, labels: { ...(props.labels ?? {}) } },
      spec: Lazy.any({
        produce: () => ({
          podSelector: Object.keys(props.podLabels).length > 0 ? { matchLabels: { ...props.podLabels } } : {},
          policyTypes: [
            ...(this.ingress.length > 0 ? ['Ingress'] : []),
            ...(this.egress.length > 0 ? ['Egress'] : []),
          ],
          ...(this.ingress.length > 0
            ? {
                ingress: this.ingress.map((rule) => ({
                  ...(rule.peers.length > 0
                    ? { from: rule.peers.map((peer) => toPeer(peer, this.namespace)) }
                    : {}),
                  ...(rule.ports && rule.ports.length > 0 ? { ports: rule.ports.map(toPort) } : {}),
                })),
              }
            : {}),
          ...(this.egress.length > 0
            ? {
                egress: this.egress.map((rule) => ({
                  ...(rule.peers.length > 0
                    ? { to: rule.peers.map((peer) => toPeer(peer, this.namespace)) }
                    : {}),
                  ...(rule.ports && rule.ports.length > 0 ? { ports: rule.ports.map(toPort) } : {}),
                })),
              }
            : {}),
        }),
      }),
    });
    this.node.addValidation({
      validate: () =>
        this.ingress.length + this.egress.length === 0
          ? [`AllowNetworkPolicy ${props.namespace}/${props.name}: it allows nothing; leave it out instead`]
          : [],
    });
  }

  /** Allows traffic from `rule.peers` on `rule.ports`. */
  allowIngress(rule: NetworkRule): void {
    this.add(this.ingress, rule);
  }

  /** Allows traffic to `rule.peers` on `rule.ports`. */
  allowEgress(rule: NetworkRule): void {
    this.add(this.egress, rule);
  }

  private add(list: NetworkRule[], rule: NetworkRule): void {
    const where = `AllowNetworkPolicy ${this.namespace}/${this.policyName}`;
    for (const port of rule.ports ?? []) validatePort(port, where);
    const normalized: NetworkRule = { peers: [...rule.peers], ports: [...(rule.ports ?? [])] };
    const key = JSON.stringify(normalized);
    if (!list.some((existing) => JSON.stringify(existing) === key)) list.push(normalized);
  }
}
