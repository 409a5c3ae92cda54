/**
 * What a route attaches to: a Gateway listener (north-south traffic), or a Service (east-west
 * traffic in a GAMMA service mesh: the route applies to calls made to that Service).
 */
export class RouteParent {
  /**
   * A Gateway, or one of its listeners.
   *
   * @param name the Gateway's name
   * @param namespace the Gateway's namespace
   * @param sectionName the listener's name @default - every listener that accepts the route
   */
  public static gateway(name: string, namespace: string, sectionName?: string): RouteParent {
    return new RouteParent('Gateway', 'gateway.networking.k8s.io', name, namespace, sectionName, undefined);
  }

  /**
   * A Service in the route's own namespace (GAMMA "producer route"): calls to the Service from
   * anywhere in the mesh follow the route.
   *
   * @param name the Service's name
   * @param port the Service port the route applies to @default - every port
   */
  public static service(name: string, port?: number): RouteParent {
    return new RouteParent('Service', '', name, undefined, undefined, port);
  }

  private constructor(
    /** `Gateway` or `Service`. */
    public readonly kind: 'Gateway' | 'Service',
    /** API group of the parent: `gateway.networking.k8s.io`, or `` for the core group. */
    public readonly group: string,
    /** Name of the parent. */
    public readonly name: string,
    /** Namespace of the parent. @default - the route's namespace */
    public readonly namespace: string | undefined,
    /** Listener name. @default - every listener */
    public readonly sectionName: string | undefined,
    /** Service port. @default - every port */
    public readonly port: number | undefined,
  ) {}

  /** The Gateway API `parentRefs` entry, with only the fields that are set. */
  public toParentRef(): {
    group: string;
    kind: string;
    name: string;
    namespace?: string;
    sectionName?: string;
    port?: number;
  } {
    return {
      group: this.group,
      kind: this.kind,
      name: this.name,
      ...(this.namespace !== undefined ? { namespace: this.namespace } : {}),
      ...(this.sectionName !== undefined ? { sectionName: this.sectionName } : {}),
      ...(this.port !== undefined ? { port: this.port } : {}),
    };
  }
}
