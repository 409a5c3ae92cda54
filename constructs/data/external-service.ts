import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ValidationError } from '../core/validation-error';
import { endpointAddressProblem } from './endpoint-address';

/** The protocol of a port of an {@link ExternalService}. */
export enum ExternalServiceProtocol {
  /** TCP. */
  TCP = 'TCP',
  /** UDP. */
  UDP = 'UDP',
}

/** One named port of an {@link ExternalService}. */
export interface ExternalServicePort {
  /** Port name (an IANA service name: at most 15 of a-z 0-9 -), e.g. `mysql`. Pods and monitors refer to it. */
  readonly name: string;
  /** Port clients connect to on the Service. */
  readonly port: number;
  /** Port the machines outside the cluster listen on. @default - the same as `port` */
  readonly targetPort?: number;
  /** Transport protocol. @default ExternalServiceProtocol.TCP */
  readonly protocol?: ExternalServiceProtocol;
}

/** Props of {@link ExternalService}. */
export interface ExternalServiceProps {
  /** Name of the Service (a DNS-1123 label): pods reach the machines at `<name>.<namespace>.svc`. */
  readonly name: string;
  /** Namespace of the Service and its EndpointSlice. */
  readonly namespace: string;
  /**
   * IPv4 addresses of the machines (or of the virtual IP in front of them). Loopback,
   * link-local, unspecified, multicast and reserved addresses are refused.
   */
  readonly addresses: readonly string[];
  /** The named ports clients use. */
  readonly ports: readonly ExternalServicePort[];
  /** Extra labels on both objects. @default - none */
  readonly labels?: Readonly<Record<string, string>>;
  /** Annotations on the Service (e.g. where its credentials are). @default - none */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** The value of `endpointslice.kubernetes.io/managed-by`: not the EndpointSlice controller, so it leaves the slice alone; the same value as every object's `app.kubernetes.io/managed-by`. */
export const ENDPOINT_SLICE_MANAGER = 'platform-blueprint';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const PORT_NAME = /^[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$/;

/**
 * A data service that runs outside the cluster (seed 004's bare-metal MySQL, Redis and NFS),
 * given a stable in-cluster name: a Service without a selector and an EndpointSlice
 * (`discovery.k8s.io/v1`) that lists the machines' addresses with the Service's named ports.
 * Kubernetes does not health-check these endpoints: give the virtual IP of an HA pair, or
 * addresses that are all able to serve.
 */
export class ExternalService extends Construct {
  /** The Service without a selector: clients connect to `<name>.<namespace>.svc`. */
  public readonly service: k8s.KubeService;
  /** The EndpointSlice that lists the machines' addresses for the Service. */
  public readonly endpointSlice: k8s.KubeEndpointSlice;
  /** DNS name of the Service inside the cluster (without the cluster domain). */
  public readonly host: string;

  constructor(scope: Construct, id: string, props: ExternalServiceProps) {
    super(scope, id);
    validate(props);
    this.host = `${props.name}.${props.namespace}.svc`;
    const labels = { ...(props.labels ?? {}) };
    this.service = new k8s.KubeService(this, 'service', {
      metadata: {
        name: props.name,
        namespace: props.namespace,
        labels,
        ...(props.annotations && Object.keys(props.annotations).length > 0
          ? { annotations: { ...props.annotations } }
          : {}),
      },
      spec: {
        type: 'ClusterIP',
        ports: props.ports.map((port) => ({
          name: port.name,
          port: port.port,
          targetPort: k8s.IntOrString.fromNumber(port.targetPort ?? port.port),
          protocol: port.protocol ?? ExternalServiceProtocol.TCP,
        })),
      },
    });
    this.endpointSlice = new k8s.KubeEndpointSlice(this, 'endpoint-slice', {
      metadata: {
        name: props.name,
        namespace: props.namespace,
        labels: {
          ...labels,
          'kubernetes.io/service-name': props.name,
          'endpointslice.kubernetes.io/managed-by': ENDPOINT_SLICE_MANAGER,
        },
      },
      addressType: 'IPv4',
      endpoints: props.addresses.map((address) => ({
        addresses: [address],
        conditions: { ready: true },
      })),
      ports: props.ports.map((port) => ({
        name: port.name,
        port: port.targetPort ?? port.port,
        protocol: port.protocol ?? ExternalServiceProtocol.TCP,
      })),
    });
  }
}

function validate(props: ExternalServiceProps): void {
  const where = `ExternalService ${JSON.stringify(props.name)}`;
  if (!DNS_LABEL.test(props.name)) {
    throw new ValidationError(`${where}: 'name' (${JSON.stringify(props.name)}) must be a DNS-1123 label`);
  }
  if (props.addresses.length === 0) {
    throw new ValidationError(`${where}: 'addresses' is empty; list at least one address`);
  }
  const seen = new Set<string>();
  for (const address of props.addresses) {
    const problem = endpointAddressProblem(address);
    if (problem !== undefined)
      throw new ValidationError(`${where}: address ${JSON.stringify(address)} ${problem}`);
    if (seen.has(address))
      throw new ValidationError(`${where}: address ${JSON.stringify(address)} is listed twice`);
    seen.add(address);
  }
  if (props.ports.length === 0) {
    throw new ValidationError(`${where}: 'ports' is empty; list at least one named port`);
  }
  const names = new Set<string>();
  for (const port of props.ports) {
    if (!PORT_NAME.test(port.name)) {
      throw new ValidationError(
        `${where}: port name ${JSON.stringify(port.name)} must be at most 15 of a-z 0-9 "-", starting and ending alphanumeric`,
      );
    }
    if (names.has(port.name))
      throw new ValidationError(`${where}: port name ${JSON.stringify(port.name)} is used twice`);
    names.add(port.name);
    for (const [field, value] of [
      ['port', port.port],
      ['targetPort', port.targetPort ?? port.port],
    ] as const) {
      if (!Number.isInteger(value) || value < 1 || value > 65535) {
        throw new ValidationError(
          `${where}: port ${JSON.stringify(port.name)} '${field}' (${value}) must be between 1 and 65535`,
        );
      }
    }
  }
}
