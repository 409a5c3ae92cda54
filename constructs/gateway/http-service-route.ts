import { Construct } from 'constructs';
import {
  HttpRoute,
  type HttpRouteSpecRules,
  type HttpRouteSpecRulesBackendRefs,
  HttpRouteSpecRulesBackendRefsFiltersType,
  HttpRouteSpecRulesFiltersType,
  type HttpRouteSpecRulesMatches,
  HttpRouteSpecRulesMatchesHeadersType,
  type HttpRouteSpecRulesMatchesMethod,
  HttpRouteSpecRulesMatchesPathType,
} from '../../imports/httproute-gateway.networking.k8s.io';
import { ValidationError } from '../core/validation-error';
import type { LaneRule, LaneSplit } from './lane-split';
import type { RouteParent } from './route-parent';

/** Request timeouts of a route (Gateway API durations such as `10s`, `500ms`). */
export interface RouteTimeouts {
  /** Longest a whole request may take, retries included. @default - the implementation's default */
  readonly request?: string;
  /** Longest one attempt to a backend may take; at most `request`. @default - the implementation's default */
  readonly backendRequest?: string;
}

/** Props of {@link HttpServiceRoute}. */
export interface HttpServiceRouteProps {
  /** Name of the HTTPRoute. */
  readonly name: string;
  /** Namespace of the HTTPRoute: the namespace of its backend Services. */
  readonly namespace: string;
  /** What the route attaches to: Gateway listeners, or the stable Service (mesh). */
  readonly parents: readonly RouteParent[];
  /** The lane rules: stable, and the gray version by mark, headers and weight. */
  readonly split: LaneSplit;
  /** Host names the route serves. @default - the listeners' host names */
  readonly hostnames?: readonly string[];
  /** Path prefixes the route serves. @default ["/"] */
  readonly pathPrefixes?: readonly string[];
  /** Timeouts of every rule. @default - none set: the implementation's defaults */
  readonly timeouts?: RouteTimeouts;
  /**
   * Only requests with one of these methods match (every path prefix once per method), e.g. the
   * idempotent methods of a route that carries retries. @default - any method
   */
  readonly methods?: readonly HttpRouteSpecRulesMatchesMethod[];
  /** Extra labels of the HTTPRoute. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

const DURATION = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;

/**
 * One Gateway API v1 HTTPRoute for a service: for every path prefix, the lane rules of a
 * {@link LaneSplit} (gray mark, gray headers, then the weighted default), each with the same
 * timeouts. Backends are Services in the route's namespace, so no ReferenceGrant is needed.
 */
export class HttpServiceRoute extends Construct {
  /** The HTTPRoute object. */
  public readonly route: HttpRoute;

  constructor(scope: Construct, id: string, props: HttpServiceRouteProps) {
    super(scope, id);
    const where = `HttpServiceRoute ${props.name}`;
    if (props.parents.length === 0)
      throw new ValidationError(`${where}: 'parents' must name at least one parent`);
    const paths = props.pathPrefixes ?? ['/'];
    if (paths.length === 0) throw new ValidationError(`${where}: 'pathPrefixes' must not be empty`);
    for (const path of paths) {
      if (!path.startsWith('/'))
        throw new ValidationError(`${where}: path prefix ${JSON.stringify(path)} must start with "/"`);
    }
    for (const [field, value] of Object.entries(props.timeouts ?? {})) {
      if (value !== undefined && !DURATION.test(value)) {
        throw new ValidationError(
          `${where}: 'timeouts.${field}' (${JSON.stringify(value)}) is not a Gateway API duration`,
        );
      }
    }
    const rules = props.split.rules.map((rule) =>
      toHttpRule(rule, paths, props.timeouts, where, props.methods),
    );
    if (rules.length > 16)
      throw new ValidationError(`${where}: ${rules.length} rules, but an HTTPRoute holds at most 16`);
    const matches = rules.reduce((sum, rule) => sum + (rule.matches?.length ?? 0), 0);
    if (matches >= 128) {
      throw new ValidationError(
        `${where}: ${matches} matches across the rules; an HTTPRoute holds fewer than 128`,
      );
    }
    this.route = new HttpRoute(this, 'route', {
      metadata: { name: props.name, namespace: props.namespace, labels: { ...props.labels } },
      spec: {
        parentRefs: props.parents.map((parent) => parent.toParentRef()),
        ...(props.hostnames && props.hostnames.length > 0 ? { hostnames: [...props.hostnames] } : {}),
        rules,
      },
    });
  }
}

function toHttpRule(
  rule: LaneRule,
  paths: readonly string[],
  timeouts: RouteTimeouts | undefined,
  where: string,
  methods?: readonly HttpRouteSpecRulesMatchesMethod[],
): HttpRouteSpecRules {
  const pathMethods: { path: string; method?: HttpRouteSpecRulesMatchesMethod }[] = paths.flatMap((path) =>
    methods && methods.length > 0 ? methods.map((method) => ({ path, method })) : [{ path }],
  );
  const matches: HttpRouteSpecRulesMatches[] = pathMethods.map(({ path, method }) => ({
    path: { type: HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: path },
    ...(method ? { method } : {}),
    ...(rule.headers.length > 0
      ? {
          headers: rule.headers.map((header) => ({
            type: HttpRouteSpecRulesMatchesHeadersType.EXACT,
            name: header.name,
            value: header.value,
          })),
        }
      : {}),
  }));
  if (matches.length > 64)
    throw new ValidationError(`${where}: ${matches.length} matches in a rule; at most 64`);
  const backendRefs: HttpRouteSpecRulesBackendRefs[] = rule.backends.map((backend) => ({
    kind: 'Service',
    name: backend.name,
    port: backend.port,
    ...(backend.weight !== undefined ? { weight: backend.weight } : {}),
    ...(backend.setMark
      ? {
          filters: [
            {
              type: HttpRouteSpecRulesBackendRefsFiltersType.REQUEST_HEADER_MODIFIER,
              requestHeaderModifier: { set: [{ name: backend.setMark.name, value: backend.setMark.value }] },
            },
          ],
        }
      : {}),
  }));
  const hasTimeouts = timeouts && (timeouts.request !== undefined || timeouts.backendRequest !== undefined);
  return {
    name: rule.name,
    matches,
    ...(rule.setMark
      ? {
          filters: [
            {
              type: HttpRouteSpecRulesFiltersType.REQUEST_HEADER_MODIFIER,
              requestHeaderModifier: { set: [{ name: rule.setMark.name, value: rule.setMark.value }] },
            },
          ],
        }
      : {}),
    backendRefs,
    ...(hasTimeouts ? { timeouts: { ...timeouts } } : {}),
  };
}
