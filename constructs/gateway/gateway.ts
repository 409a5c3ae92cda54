import { Construct } from 'constructs';
import {
  Gateway as GatewayObject,
  type GatewaySpecListeners,
  GatewaySpecListenersAllowedRoutesNamespacesFrom,
  GatewaySpecListenersTlsMode,
} from '../../imports/gateway-gateway.networking.k8s.io';
import {
  HttpRoute,
  HttpRouteSpecRulesFiltersRequestRedirectScheme,
  HttpRouteSpecRulesFiltersRequestRedirectStatusCode,
  HttpRouteSpecRulesFiltersType,
  HttpRouteSpecRulesMatchesMethod,
} from '../../imports/httproute-gateway.networking.k8s.io';
import { ReferenceGrant } from '../../imports/referencegrant-gateway.networking.k8s.io';
import { ValidationError } from '../core/validation-error';
import { RouteParent } from './route-parent';

/** A TLS certificate Secret of the HTTPS listener, referenced by name. */
export interface GatewayCertificate {
  /** Name of the kubernetes.io/tls Secret. */
  readonly name: string;
  /** Namespace of the Secret; another than the gateway's gets a ReferenceGrant there. @default the gateway's namespace */
  readonly namespace?: string;
}

/** Implementation-specific settings of the gateway's data plane (`spec.infrastructure.parametersRef`). */
export interface GatewayParametersRef {
  /** API group, e.g. `gateway.envoyproxy.io`. */
  readonly group: string;
  /** Kind, e.g. `EnvoyProxy`. */
  readonly kind: string;
  /** Name, in the gateway's namespace. */
  readonly name: string;
}

/** Props of {@link Gateway}. */
export interface GatewayProps {
  /** Name of the Gateway object. */
  readonly name: string;
  /** Namespace of the Gateway object. */
  readonly namespace: string;
  /** gatewayClassName: the installed implementation's GatewayClass, e.g. `envoy-gateway`, `higress`. */
  readonly className: string;
  /** TLS certificates of the HTTPS listener(s). At least one. */
  readonly certificates: readonly GatewayCertificate[];
  /** Host names; each gets its own HTTP and HTTPS listener. @default [] - one listener pair for any host */
  readonly hostnames?: readonly string[];
  /** Port of the HTTP listener(s). @default 80 */
  readonly httpPort?: number;
  /** Port of the HTTPS listener(s). @default 443 */
  readonly httpsPort?: number;
  /**
   * Answer plain HTTP with a redirect to HTTPS (an HTTPRoute in the gateway's namespace): a 301,
   * or with `plainHttpRefusal` a 301 for GET and HEAD only. @default true
   */
  readonly redirectHttpToHttps?: boolean;
  /**
   * A filter (`ExtensionRef`, e.g. an Envoy Gateway HTTPRouteFilter with a direct response) that
   * answers plain-HTTP requests other than GET and HEAD, instead of a redirect: a 301 or 302 lets
   * clients re-send a POST as a GET, and implementations that allow only those two (Envoy Gateway
   * v1.2) cannot send the method-keeping 308. @default - every method gets the 301
   */
  readonly plainHttpRefusal?: GatewayParametersRef;
  /**
   * Namespaces whose routes may attach. Listeners select them by the `kubernetes.io/metadata.name`
   * label, so that a team cannot attach a route from a namespace the platform did not grant.
   * @default [] - only routes in the gateway's own namespace
   */
  readonly routeNamespaces?: readonly string[];
  /** Implementation-specific data-plane settings (replicas, node pool, resources). @default - the implementation's defaults */
  readonly parametersRef?: GatewayParametersRef;
  /** Labels the implementation copies to the data-plane resources it creates (`spec.infrastructure.labels`). @default {} */
  readonly infrastructureLabels?: Readonly<Record<string, string>>;
}

/** A listener's name from a host name: `*.example.com` becomes `wildcard-example-com`. */
function listenerSuffix(hostname: string): string {
  return hostname.replace(/^\*/, 'wildcard').replaceAll('.', '-');
}

/**
 * A Gateway API v1 Gateway for north-south traffic: an HTTP and an HTTPS listener (per host
 * name, when given), the HTTPS side terminating TLS with certificate Secrets referenced by name,
 * plus a ReferenceGrant for every certificate kept in another namespace and, by default, an
 * HTTP-to-HTTPS redirect route. Routes of the granted namespaces attach with {@link routeParents}.
 */
export class Gateway extends Construct {
  /** The Gateway object. */
  public readonly gateway: GatewayObject;
  /** The HTTP-to-HTTPS redirect route. @default - none when redirectHttpToHttps is false */
  public readonly redirectRoute?: HttpRoute;
  /** ReferenceGrants that let the Gateway read certificates in other namespaces, by namespace. */
  public readonly referenceGrants: readonly ReferenceGrant[];
  /** Name of the Gateway. */
  public readonly name: string;
  /** Namespace of the Gateway. */
  public readonly namespace: string;
  private readonly httpsListeners: readonly { name: string; hostname?: string }[];
  private readonly httpListeners: readonly string[];
  private readonly redirect: boolean;

  constructor(scope: Construct, id: string, props: GatewayProps) {
    super(scope, id);
    const where = `Gateway ${props.namespace}/${props.name}`;
    const httpPort = props.httpPort ?? 80;
    const httpsPort = props.httpsPort ?? 443;
    if (httpPort === httpsPort) {
      throw new ValidationError(
        `${where}: 'httpPort' (${httpPort}) must differ from 'httpsPort' (${httpsPort})`,
      );
    }
    if (props.certificates.length === 0) {
      throw new ValidationError(
        `${where}: 'certificates' must list at least one TLS Secret for the HTTPS listener`,
      );
    }
    const hostnames = props.hostnames ?? [];
    if (new Set(hostnames).size !== hostnames.length) {
      throw new ValidationError(
        `${where}: 'hostnames' (${hostnames.join(', ')}) must not repeat a host name`,
      );
    }
    if (hostnames.length > 32)
      throw new ValidationError(`${where}: ${hostnames.length} host names; at most 32 (64 listeners)`);
    this.name = props.name;
    this.namespace = props.namespace;
    this.redirect = props.redirectHttpToHttps ?? true;

    const routeNamespaces = [...new Set(props.routeNamespaces ?? [])].sort();
    const granted =
      routeNamespaces.length === 0
        ? { namespaces: { from: GatewaySpecListenersAllowedRoutesNamespacesFrom.SAME } }
        : {
            namespaces: {
              from: GatewaySpecListenersAllowedRoutesNamespacesFrom.SELECTOR,
              selector: {
                matchExpressions: [
                  { key: 'kubernetes.io/metadata.name', operator: 'In', values: routeNamespaces },
                ],
              },
            },
          };
    const certificateRefs = props.certificates.map((certificate) => ({
      group: '',
      kind: 'Secret',
      name: certificate.name,
      ...(certificate.namespace !== undefined && certificate.namespace !== props.namespace
        ? { namespace: certificate.namespace }
        : {}),
    }));

    const hosts: (string | undefined)[] = hostnames.length > 0 ? [...hostnames] : [undefined];
    const listeners: GatewaySpecListeners[] = [];
    const httpListeners: string[] = [];
    const httpsListeners: { name: string; hostname?: string }[] = [];
    for (const host of hosts) {
      const suffix = host === undefined ? '' : `-${listenerSuffix(host)}`;
      httpListeners.push(`http${suffix}`);
      listeners.push({
        name: `http${suffix}`,
        protocol: 'HTTP',
        port: httpPort,
        ...(host !== undefined ? { hostname: host } : {}),
        allowedRoutes: this.redirect
          ? { namespaces: { from: GatewaySpecListenersAllowedRoutesNamespacesFrom.SAME } }
          : granted,
      });
    }
    for (const host of hosts) {
      const suffix = host === undefined ? '' : `-${listenerSuffix(host)}`;
      httpsListeners.push({ name: `https${suffix}`, ...(host !== undefined ? { hostname: host } : {}) });
      listeners.push({
        name: `https${suffix}`,
        protocol: 'HTTPS',
        port: httpsPort,
        ...(host !== undefined ? { hostname: host } : {}),
        tls: { mode: GatewaySpecListenersTlsMode.TERMINATE, certificateRefs },
        allowedRoutes: granted,
      });
    }
    this.httpListeners = httpListeners;
    this.httpsListeners = httpsListeners;

    const infrastructureLabels = props.infrastructureLabels ?? {};
    const hasInfrastructure =
      props.parametersRef !== undefined || Object.keys(infrastructureLabels).length > 0;
    this.gateway = new GatewayObject(this, 'gateway', {
      metadata: { name: props.name, namespace: props.namespace },
      spec: {
        gatewayClassName: props.className,
        listeners,
        ...(hasInfrastructure
          ? {
              infrastructure: {
                ...(Object.keys(infrastructureLabels).length > 0
                  ? { labels: { ...infrastructureLabels } }
                  : {}),
                ...(props.parametersRef ? { parametersRef: { ...props.parametersRef } } : {}),
              },
            }
          : {}),
      },
    });

    if (this.redirect) {
      this.redirectRoute = new HttpRoute(this, 'https-redirect', {
        metadata: { name: `${props.name}-https-redirect`, namespace: props.namespace },
        spec: {
          parentRefs: httpListeners.map((section) =>
            RouteParent.gateway(props.name, props.namespace, section).toParentRef(),
          ),
          rules: [
            {
              name: 'https-redirect',
              ...(props.plainHttpRefusal
                ? {
                    matches: [
                      { method: HttpRouteSpecRulesMatchesMethod.GET },
                      { method: HttpRouteSpecRulesMatchesMethod.HEAD },
                    ],
                  }
                : {}),
              filters: [
                {
                  type: HttpRouteSpecRulesFiltersType.REQUEST_REDIRECT,
                  requestRedirect: {
                    scheme: HttpRouteSpecRulesFiltersRequestRedirectScheme.HTTPS,
                    statusCode: HttpRouteSpecRulesFiltersRequestRedirectStatusCode.VALUE_301,
                    ...(httpsPort !== 443 ? { port: httpsPort } : {}),
                  },
                },
              ],
            },
            ...(props.plainHttpRefusal
              ? [
                  {
                    name: 'plain-http-refused',
                    filters: [
                      {
                        type: HttpRouteSpecRulesFiltersType.EXTENSION_REF,
                        extensionRef: { ...props.plainHttpRefusal },
                      },
                    ],
                  },
                ]
              : []),
          ],
        },
      });
    }

    const byNamespace = new Map<string, string[]>();
    for (const certificate of props.certificates) {
      if (certificate.namespace === undefined || certificate.namespace === props.namespace) continue;
      const names = byNamespace.get(certificate.namespace) ?? [];
      names.push(certificate.name);
      byNamespace.set(certificate.namespace, names);
    }
    this.referenceGrants = [...byNamespace.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(
        ([namespace, names]) =>
          new ReferenceGrant(this, `certificates-${namespace}`, {
            metadata: { name: `gateway-${props.namespace}-${props.name}-certificates`, namespace },
            spec: {
              from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: props.namespace }],
              to: [...new Set(names)].sort().map((name) => ({ group: '', kind: 'Secret', name })),
            },
          }),
      );
  }

  /**
   * Where a service route attaches: the HTTPS listeners that accept one of its host names when
   * plain HTTP is redirected, otherwise the whole Gateway (every listener).
   *
   * @param hostnames the route's host names @default [] - every HTTPS listener
   */
  public routeParents(hostnames: readonly string[] = []): RouteParent[] {
    if (!this.redirect) return [RouteParent.gateway(this.name, this.namespace)];
    const accepting = this.httpsListeners.filter(
      (listener) =>
        hostnames.length === 0 ||
        listener.hostname === undefined ||
        hostnames.some((hostname) => hostnameIntersects(listener.hostname as string, hostname)),
    );
    if (accepting.length === 0) {
      throw new ValidationError(
        `Gateway ${this.namespace}/${this.name}: no listener accepts the host names ${hostnames.join(', ')} (listeners: ${this.httpsListeners.map((l) => l.hostname).join(', ')})`,
      );
    }
    return accepting.map((listener) => RouteParent.gateway(this.name, this.namespace, listener.name));
  }

  /** Names of the listeners, HTTP first. */
  public listenerNames(): string[] {
    return [...this.httpListeners, ...this.httpsListeners.map((listener) => listener.name)];
  }
}

/** Whether a listener host name and a route host name can match the same request (exact or `*.` wildcards). */
function hostnameIntersects(listener: string, route: string): boolean {
  if (listener === route) return true;
  if (listener.startsWith('*.') && route.endsWith(listener.slice(1))) return true;
  return route.startsWith('*.') && listener.endsWith(route.slice(1));
}
