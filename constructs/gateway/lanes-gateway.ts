import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ValidationError } from '../core/validation-error';
import { type PodPlacement, placementFields } from '../scheduling/pod-placement';
import { RouteParent } from './route-parent';

/** A service whose in-cluster calls go through the lanes Gateway (it has a gray release). */
export interface LanedService {
  /** Service name: the name callers use. */
  readonly name: string;
  /** Its namespace. */
  readonly namespace: string;
  /** The Service port callers call (the routed port). */
  readonly port: number;
}

/** The envoy proxies of the lanes Gateway. */
export interface LanesProxySettings {
  /** Replicas of the proxy Deployment. */
  readonly replicas: number;
  /** Resources of the envoy container. */
  readonly resources: {
    readonly requests: Readonly<Record<string, string>>;
    readonly limits: Readonly<Record<string, string>>;
  };
  /** Where the proxies run. @default - any untainted node */
  readonly placement?: PodPlacement;
  /** The envoy image, pinned. @default - Envoy Gateway's default image */
  readonly image?: string;
}

/** Props of {@link LanesGateway}. */
export interface LanesGatewayProps {
  /**
   * Name of the Gateway, of its EnvoyProxy and of the proxies' ClusterIP Service (which Envoy
   * Gateway creates in its own namespace).
   */
  readonly name: string;
  /** Namespace of all three (the north-south gateway's). */
  readonly namespace: string;
  /** gatewayClassName: an Envoy Gateway GatewayClass. */
  readonly className: string;
  /** The cluster DNS domain (`cluster.dnsDomain`). */
  readonly dnsDomain: string;
  /** The services routed by lane. */
  readonly services: readonly LanedService[];
  /** The proxies. */
  readonly proxy: LanesProxySettings;
  /** Labels Envoy Gateway puts on what it creates (`spec.infrastructure.labels`). @default {} */
  readonly infrastructureLabels?: Readonly<Record<string, string>>;
}

/**
 * The names a caller may use for a Service (`<svc>`, `<svc>.<ns>`, `<svc>.<ns>.svc`,
 * `<svc>.<ns>.svc.<domain>`): the Host header of a call through the cluster DNS.
 */
export function serviceHostnames(service: LanedService, dnsDomain: string): string[] {
  const { name, namespace } = service;
  return [name, `${name}.${namespace}`, `${name}.${namespace}.svc`, `${name}.${namespace}.svc.${dnsDomain}`];
}

/**
 * The in-cluster "lanes" Gateway: a second Envoy Gateway Gateway whose proxies sit behind a
 * ClusterIP Service of a fixed name (EnvoyProxy `provider.kubernetes.envoyService.name`), with an
 * HTTP listener per name of every laned service on that service's port. A laned service's own
 * Service name resolves to this proxy (an ExternalName Service, {@link LaneEntryService}), so a
 * call to `map.vehicle.svc.cluster.local:8080` reaches the proxy with that Host, and the
 * service's lane route (attached to its listeners) sends it to the gray or the stable pods by
 * the mark. This is what Envoy Gateway can execute instead of GAMMA mesh routes, which it does
 * not implement.
 */
export class LanesGateway extends Construct {
  /** The Gateway object. */
  public readonly gateway: ApiObject;
  private readonly props: LanesGatewayProps;

  constructor(scope: Construct, id: string, props: LanesGatewayProps) {
    super(scope, id);
    this.props = props;
    if (props.services.length === 0)
      throw new ValidationError(`LanesGateway ${props.name}: 'services' must name at least one service`);
    new ApiObject(this, 'proxy', {
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'EnvoyProxy',
      metadata: { name: props.name, namespace: props.namespace },
      spec: {
        provider: {
          type: 'Kubernetes',
          kubernetes: {
            envoyDeployment: {
              replicas: props.proxy.replicas,
              pod: { ...placementFields(props.proxy.placement) },
              container: {
                resources: {
                  requests: { ...props.proxy.resources.requests },
                  limits: { ...props.proxy.resources.limits },
                },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  runAsNonRoot: true,
                  capabilities: { drop: ['ALL'] },
                  seccompProfile: { type: 'RuntimeDefault' },
                },
                ...(props.proxy.image ? { image: props.proxy.image } : {}),
              },
            },
            envoyPDB: { minAvailable: 1 },
            // In-cluster only: a ClusterIP Service with a name the ExternalName Services can point at.
            envoyService: { type: 'ClusterIP', name: props.name },
          },
        },
        shutdown: { drainTimeout: '60s', minDrainDuration: '10s' },
      },
    });
    const namespaces = [...new Set(props.services.map((service) => service.namespace))].sort();
    const listeners = props.services.flatMap((service) =>
      serviceHostnames(service, props.dnsDomain).map((hostname) => ({
        name: listenerName(hostname),
        hostname,
        port: service.port,
        protocol: 'HTTP',
        allowedRoutes: {
          namespaces: {
            from: 'Selector',
            selector: {
              matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: namespaces }],
            },
          },
        },
      })),
    );
    const names = new Set<string>();
    for (const listener of listeners) {
      if (names.has(listener.name))
        throw new ValidationError(
          `LanesGateway ${props.name}: two laned services share the host name ${listener.hostname}`,
        );
      names.add(listener.name);
    }
    if (listeners.length > 64)
      throw new ValidationError(
        `LanesGateway ${props.name}: ${listeners.length} listeners (4 per laned service), but a Gateway holds at most 64`,
      );
    this.gateway = new ApiObject(this, 'gateway', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: props.name, namespace: props.namespace },
      spec: {
        gatewayClassName: props.className,
        infrastructure: {
          labels: { ...props.infrastructureLabels },
          parametersRef: { group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', name: props.name },
        },
        listeners,
      },
    });
  }

  /** The listeners (one per host name) a laned service's lane route attaches to. */
  public routeParents(service: LanedService): RouteParent[] {
    return serviceHostnames(service, this.props.dnsDomain).map((hostname) =>
      RouteParent.gateway(this.props.name, this.props.namespace, listenerName(hostname)),
    );
  }

  /** The host names of a laned service's lane route. */
  public hostnames(service: LanedService): string[] {
    return serviceHostnames(service, this.props.dnsDomain);
  }
}

/** A listener name from a host name (dots become dashes; listener names are section names). */
function listenerName(hostname: string): string {
  return `lane-${hostname.replaceAll('.', '-')}`;
}
