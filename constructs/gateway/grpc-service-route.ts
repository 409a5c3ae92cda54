import { Construct } from 'constructs';
import {
  GrpcRoute,
  type GrpcRouteSpecRules,
  GrpcRouteSpecRulesBackendRefsFiltersType,
  GrpcRouteSpecRulesFiltersType,
  GrpcRouteSpecRulesMatchesHeadersType,
} from '../../imports/grpcroute-gateway.networking.k8s.io';
import { ValidationError } from '../core/validation-error';
import type { LaneRule, LaneSplit } from './lane-split';
import type { RouteParent } from './route-parent';

/** Props of {@link GrpcServiceRoute}. */
export interface GrpcServiceRouteProps {
  /** Name of the GRPCRoute. */
  readonly name: string;
  /** Namespace of the GRPCRoute: the namespace of its backend Services. */
  readonly namespace: string;
  /** What the route attaches to: Gateway listeners, or the stable Service (mesh). */
  readonly parents: readonly RouteParent[];
  /** The lane rules: stable, and the gray version by mark, headers and weight. */
  readonly split: LaneSplit;
  /** Host names the route serves. @default - the listeners' host names */
  readonly hostnames?: readonly string[];
  /** Extra labels of the GRPCRoute. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * One Gateway API v1 GRPCRoute for a gRPC service, with the lane rules of a {@link LaneSplit}
 * matched on gRPC metadata (headers). The standard channel has no GRPCRoute timeouts: a
 * per-call deadline is the client's (grpc-timeout) or an implementation policy's.
 */
export class GrpcServiceRoute extends Construct {
  /** The GRPCRoute object. */
  public readonly route: GrpcRoute;

  constructor(scope: Construct, id: string, props: GrpcServiceRouteProps) {
    super(scope, id);
    if (props.parents.length === 0) {
      throw new ValidationError(`GrpcServiceRoute ${props.name}: 'parents' must name at least one parent`);
    }
    const rules = props.split.rules.map(toGrpcRule);
    this.route = new GrpcRoute(this, 'route', {
      metadata: { name: props.name, namespace: props.namespace, labels: { ...props.labels } },
      spec: {
        parentRefs: props.parents.map((parent) => parent.toParentRef()),
        ...(props.hostnames && props.hostnames.length > 0 ? { hostnames: [...props.hostnames] } : {}),
        rules,
      },
    });
  }
}

function toGrpcRule(rule: LaneRule): GrpcRouteSpecRules {
  return {
    name: rule.name,
    ...(rule.headers.length > 0
      ? {
          matches: [
            {
              headers: rule.headers.map((header) => ({
                type: GrpcRouteSpecRulesMatchesHeadersType.EXACT,
                name: header.name,
                value: header.value,
              })),
            },
          ],
        }
      : {}),
    ...(rule.setMark
      ? {
          filters: [
            {
              type: GrpcRouteSpecRulesFiltersType.REQUEST_HEADER_MODIFIER,
              requestHeaderModifier: { set: [{ name: rule.setMark.name, value: rule.setMark.value }] },
            },
          ],
        }
      : {}),
    backendRefs: rule.backends.map((backend) => ({
      kind: 'Service',
      name: backend.name,
      port: backend.port,
      ...(backend.weight !== undefined ? { weight: backend.weight } : {}),
      ...(backend.setMark
        ? {
            filters: [
              {
                type: GrpcRouteSpecRulesBackendRefsFiltersType.REQUEST_HEADER_MODIFIER,
                requestHeaderModifier: {
                  set: [{ name: backend.setMark.name, value: backend.setMark.value }],
                },
              },
            ],
          }
        : {}),
    })),
  };
}
