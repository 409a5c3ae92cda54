import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ValidationError } from '../core/validation-error';

/** One scrape target outside the cluster's pods: an address, and the node it is, when it is one. */
export interface StaticTarget {
  /** IPv4 address. */
  readonly address: string;
  /** Name of the Node at that address; Prometheus then labels its series `node`. @default - not a node */
  readonly nodeName?: string;
}

/** Props of {@link StaticTargets}. */
export interface StaticTargetsProps {
  /** Name of the Service and the Endpoints. */
  readonly name: string;
  /** Their namespace. */
  readonly namespace: string;
  /** The targets, one Prometheus target each. Must not be empty. */
  readonly targets: readonly StaticTarget[];
  /** The port of every target. */
  readonly port: number;
  /** Name of that port in the Service and the Endpoints (what a ServiceMonitor names). @default https */
  readonly portName?: string;
  /** Labels of the Service (what a ServiceMonitor selects). */
  readonly labels: Readonly<Record<string, string>>;
}

/** A dotted IPv4 address. */
export const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * Fixed addresses as a Service that a ServiceMonitor can select: a headless, selector-less
 * Service and an Endpoints object of the same name (Prometheus' default `endpoints` discovery
 * reads Endpoints; they are not mirrored into an EndpointSlice). Each address is its own
 * target, so series of different machines never mix.
 */
export class StaticTargets extends Construct {
  constructor(scope: Construct, id: string, props: StaticTargetsProps) {
    super(scope, id);
    const where = `StaticTargets ${props.namespace}/${props.name}`;
    if (props.targets.length === 0) throw new ValidationError(`${where}: 'targets' must not be empty`);
    for (const target of props.targets) {
      if (!IPV4.test(target.address))
        throw new ValidationError(
          `${where}: address ${JSON.stringify(target.address)} must be an IPv4 address`,
        );
    }
    if (new Set(props.targets.map((target) => target.address)).size !== props.targets.length)
      throw new ValidationError(`${where}: an address repeats`);
    if (!Number.isInteger(props.port) || props.port < 1 || props.port > 65535)
      throw new ValidationError(`${where}: 'port' (${props.port}) must be between 1 and 65535`);
    const portName = props.portName ?? 'https';
    new k8s.KubeService(this, 'Service', {
      metadata: { name: props.name, namespace: props.namespace, labels: { ...props.labels } },
      spec: {
        clusterIp: 'None',
        ports: [{ name: portName, port: props.port, targetPort: k8s.IntOrString.fromNumber(props.port) }],
      },
    });
    new k8s.KubeEndpoints(this, 'Endpoints', {
      metadata: {
        name: props.name,
        namespace: props.namespace,
        // Not mirrored into an EndpointSlice: Prometheus reads the Endpoints, and a mirrored slice
        // would carry this object's ApplySet label without being in the output (deploy would
        // prune it and the mirroring controller make it again, on every deploy).
        labels: { ...props.labels, 'endpointslice.kubernetes.io/skip-mirror': 'true' },
      },
      subsets: [
        {
          addresses: props.targets.map((target) => ({
            ip: target.address,
            ...(target.nodeName
              ? { nodeName: target.nodeName, targetRef: { kind: 'Node', name: target.nodeName } }
              : {}),
          })),
          ports: [{ name: portName, port: props.port, protocol: 'TCP' }],
        },
      ],
    });
  }
}
