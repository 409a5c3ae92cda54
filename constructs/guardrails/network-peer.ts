import { ValidationError } from '../core/validation-error';
/** The label Kubernetes puts on every namespace, holding its name (1.22+). */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/**
 * Who a NetworkPolicy rule admits or reaches: pods (by labels, in a namespace), every pod of
 * a namespace, or an address block. Built with the functions below rather than by hand.
 */
export interface NetworkPeer {
  /** Namespace of the pods. @default - the policy's own namespace (for `pods`), or any (for `block`) */
  readonly namespace?: string;
  /** Labels of the pods; empty selects every pod of the namespace. @default - not a pod peer */
  readonly podLabels?: Readonly<Record<string, string>>;
  /** An IPv4 CIDR such as `10.20.3.10/32`. @default - not an address peer */
  readonly cidr?: string;
}

/** A port a rule allows, by number or by the container port's name. */
export interface NetworkPort {
  /** Port number, or the name of a container port (`metrics`). */
  readonly port: number | string;
  /** Transport protocol. @default TCP */
  readonly protocol?: 'TCP' | 'UDP' | 'SCTP';
}

/** Pods with `labels` in `namespace` (every pod of it when `labels` is empty). */
export function podsIn(namespace: string, labels: Readonly<Record<string, string>> = {}): NetworkPeer {
  return { namespace, podLabels: { ...labels } };
}

/** An address block; a bare IPv4 address becomes a /32. */
export function addressBlock(address: string): NetworkPeer {
  if (!/^\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?$/.test(address)) {
    throw new ValidationError(`addressBlock: ${JSON.stringify(address)} is not an IPv4 address or CIDR`);
  }
  return { cidr: address.includes('/') ? address : `${address}/32` };
}

/** Anything, inside or outside the cluster (an edge such as the gateway's proxies). */
export function anywhere(): NetworkPeer {
  return { cidr: '0.0.0.0/0' };
}

/** `{ port, protocol }` for each TCP port. */
export function tcpPorts(...ports: (number | string)[]): NetworkPort[] {
  return ports.map((port) => ({ port, protocol: 'TCP' as const }));
}
