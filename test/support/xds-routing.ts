/**
 * A small evaluator of the Envoy configuration Envoy Gateway translates (`egctl x translate
 * --to xds`): listener by port → its HTTP connection manager's route configuration → virtual host
 * by Host (port ignored, as Envoy Gateway sets `ignorePortInHostMatching`) → the first route
 * whose path and header matchers hold → its cluster or weighted clusters → their endpoints
 * (localities with weights) → the Service whose ClusterIP the endpoint is. Header additions and
 * removals of the route, the virtual host and the chosen weighted cluster are applied, so the
 * request the backend sees is known. Every possible outcome is returned with its probability.
 */

// biome-ignore lint/suspicious/noExplicitAny: Envoy's JSON config dump
type Json = any;

/** A request as a proxy receives it. Header names are lowercase. */
export interface XdsRequest {
  readonly host: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /**
   * Claims of a JWT the request carries that the gateway's jwt_authn filter verifies: the
   * filter's `claimToHeaders` set headers from them (after the early header removals, before
   * the route is chosen again). @default - no verified token
   */
  readonly claims?: Readonly<Record<string, string>>;
  /**
   * Headers set after the early removals, as a trusted source would set them (what the route
   * rules see of a verified mark, whatever verifies it). @default {}
   */
  readonly verified?: Readonly<Record<string, string>>;
}

/** One way a request can be routed. */
export interface XdsOutcome {
  /** `<namespace>/<name>` of the Service that receives it, or a non-routing answer. */
  readonly service?: string;
  /** `redirect`, `direct-response` or `no-route` when no Service receives it. */
  readonly answer?: 'redirect' | 'direct-response' | 'no-route';
  /** Probability of this outcome (weights of weighted clusters × locality weights). */
  readonly probability: number;
  /** The request as forwarded. */
  readonly request: XdsRequest;
  /** The Envoy route entry that matched. */
  readonly route?: Json;
  /** The cluster it was sent to. */
  readonly cluster?: string;
}

function typed(configs: Json[], type: string): Json {
  return configs.find((config) => String(config['@type']).endsWith(type));
}

/** The Envoy objects of one Gateway's config dump. */
export class XdsGateway {
  readonly listeners: Json[];
  readonly routeConfigs: Map<string, Json>;
  readonly clusters: Map<string, Json>;
  readonly endpoints: Map<string, Json>;

  constructor(
    dump: Json,
    private readonly serviceAddresses: ReadonlyMap<string, string>,
  ) {
    const configs: Json[] = dump.configs;
    this.listeners = (typed(configs, 'ListenersConfigDump')?.dynamicListeners ?? []).map(
      (entry: Json) => entry.activeState.listener,
    );
    this.routeConfigs = new Map(
      (typed(configs, 'RoutesConfigDump')?.dynamicRouteConfigs ?? []).map((entry: Json) => [
        entry.routeConfig.name,
        entry.routeConfig,
      ]),
    );
    this.clusters = new Map(
      (typed(configs, 'ClustersConfigDump')?.dynamicActiveClusters ?? []).map((entry: Json) => [
        entry.cluster.name,
        entry.cluster,
      ]),
    );
    this.endpoints = new Map(
      (typed(configs, 'EndpointsConfigDump')?.dynamicEndpointConfigs ?? []).map((entry: Json) => [
        entry.endpointConfig.clusterName,
        entry.endpointConfig,
      ]),
    );
  }

  /** The HTTP connection managers of the listener on `port` (a container port). */
  connectionManagers(port: number): Json[] {
    const listener = this.listeners.find((candidate) => candidate.address?.socketAddress?.portValue === port);
    if (!listener) return [];
    const chains = [
      ...(listener.filterChains ?? []),
      ...(listener.defaultFilterChain ? [listener.defaultFilterChain] : []),
    ];
    return chains.flatMap((chain: Json) =>
      (chain.filters ?? [])
        .map((filter: Json) => filter.typedConfig)
        .filter((config: Json) => String(config?.['@type']).endsWith('HttpConnectionManager')),
    );
  }

  /** Every route configuration entry, with the virtual host it is in. */
  *routes(): Generator<{ routeConfig: string; virtualHost: Json; route: Json }> {
    for (const [name, config] of this.routeConfigs)
      for (const virtualHost of config.virtualHosts ?? [])
        for (const route of virtualHost.routes ?? []) yield { routeConfig: name, virtualHost, route };
  }

  /** Every way `request`, arriving on container port `port`, is routed. */
  evaluate(port: number, request: XdsRequest): XdsOutcome[] {
    const manager = this.connectionManagers(port)[0];
    if (!manager) return [{ answer: 'no-route', probability: 1, request }];
    let headers = { ...request.headers };
    headers = applyEarlyMutations(manager, headers);
    headers = { ...applyClaims(manager, headers, request.claims), ...request.verified };
    const config = this.routeConfigs.get(manager.rds?.routeConfigName);
    const host = request.host.replace(/:\d+$/, '').toLowerCase();
    const virtualHost = config?.virtualHosts?.find((candidate: Json) =>
      (candidate.domains as string[]).some((domain) => domainMatches(domain, host)),
    );
    const route = virtualHost?.routes?.find((candidate: Json) =>
      routeMatches(candidate.match, request.path, headers),
    );
    if (!route) return [{ answer: 'no-route', probability: 1, request: { ...request, headers } }];
    if (route.redirect)
      return [{ answer: 'redirect', probability: 1, request: { ...request, headers }, route }];
    if (route.directResponse)
      return [{ answer: 'direct-response', probability: 1, request: { ...request, headers }, route }];
    headers = mutate(headers, virtualHost);
    headers = mutate(headers, route);
    const action = route.route;
    const choices: { cluster: string; weight: number; entry?: Json }[] = action.weightedClusters
      ? (() => {
          const entries: Json[] = action.weightedClusters.clusters;
          const total = entries.reduce((sum, entry) => sum + (entry.weight ?? 0), 0);
          return entries.map((entry) => ({
            cluster: entry.name,
            weight: (entry.weight ?? 0) / total,
            entry,
          }));
        })()
      : [{ cluster: action.cluster, weight: 1 }];
    const outcomes: XdsOutcome[] = [];
    for (const choice of choices) {
      if (choice.weight === 0) continue;
      const forwarded = { ...request, headers: choice.entry ? mutate(headers, choice.entry) : headers };
      for (const { service, weight } of this.backends(choice.cluster)) {
        outcomes.push({
          service,
          probability: choice.weight * weight,
          request: forwarded,
          route,
          cluster: choice.cluster,
        });
      }
    }
    return outcomes;
  }

  /** The Services behind a cluster, with the share of its locality weights. */
  backends(cluster: string): { service: string; weight: number }[] {
    const assignment = this.endpoints.get(cluster);
    if (!assignment) return [];
    const localities: Json[] = assignment.endpoints ?? [];
    const total = localities.reduce((sum, locality) => sum + (locality.loadBalancingWeight ?? 1), 0);
    return localities
      .filter((locality) => (locality.loadBalancingWeight ?? 1) > 0)
      .map((locality) => {
        const address = locality.lbEndpoints?.[0]?.endpoint?.address?.socketAddress?.address;
        return {
          service: this.serviceAddresses.get(address) ?? `unknown ${address}`,
          weight: (locality.loadBalancingWeight ?? 1) / total,
        };
      });
  }
}

function domainMatches(domain: string, host: string): boolean {
  if (domain === '*') return true;
  if (domain.startsWith('*.')) return host.endsWith(domain.slice(1));
  return domain.toLowerCase() === host;
}

function stringMatches(match: Json, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (match.exact !== undefined) return value === match.exact;
  if (match.prefix !== undefined) return value.startsWith(match.prefix);
  if (match.suffix !== undefined) return value.endsWith(match.suffix);
  if (match.contains !== undefined) return value.includes(match.contains);
  if (match.safeRegex !== undefined) return new RegExp(`^(?:${match.safeRegex.regex})$`).test(value);
  throw new Error(`unknown string matcher ${JSON.stringify(match)}`);
}

function headerMatches(matcher: Json, headers: Readonly<Record<string, string>>, path: string): boolean {
  const value = matcher.name === ':path' ? path : headers[matcher.name.toLowerCase()];
  let result: boolean;
  if (matcher.presentMatch !== undefined) result = value !== undefined;
  else if (matcher.stringMatch) result = stringMatches(matcher.stringMatch, value);
  else if (matcher.exactMatch !== undefined) result = value === matcher.exactMatch;
  else throw new Error(`unknown header matcher ${JSON.stringify(matcher)}`);
  return matcher.invertMatch ? !result : result;
}

function routeMatches(match: Json, path: string, headers: Readonly<Record<string, string>>): boolean {
  const bare = path.split('?')[0];
  let pathOk: boolean;
  if (match.prefix !== undefined) pathOk = bare.startsWith(match.prefix);
  else if (match.pathSeparatedPrefix !== undefined) {
    const prefix: string = match.pathSeparatedPrefix;
    pathOk = bare === prefix || bare.startsWith(`${prefix}/`);
  } else if (match.path !== undefined) pathOk = bare === match.path;
  else if (match.safeRegex !== undefined) pathOk = new RegExp(`^(?:${match.safeRegex.regex})$`).test(bare);
  else throw new Error(`unknown path matcher ${JSON.stringify(match)}`);
  return pathOk && (match.headers ?? []).every((matcher: Json) => headerMatches(matcher, headers, bare));
}

/** `requestHeadersToRemove` then `requestHeadersToAdd` of a route, virtual host or weighted cluster. */
function mutate(headers: Readonly<Record<string, string>>, holder: Json): Record<string, string> {
  const next = { ...headers };
  for (const name of holder.requestHeadersToRemove ?? []) delete next[String(name).toLowerCase()];
  for (const option of holder.requestHeadersToAdd ?? []) {
    const key = String(option.header.key).toLowerCase();
    const action =
      option.appendAction ??
      (option.append === false ? 'OVERWRITE_IF_EXISTS_OR_ADD' : 'APPEND_IF_EXISTS_OR_ADD');
    if (action === 'ADD_IF_ABSENT' && key in next) continue;
    if (action === 'OVERWRITE_IF_EXISTS' && !(key in next)) continue;
    next[key] =
      action === 'APPEND_IF_EXISTS_OR_ADD' && key in next
        ? `${next[key]},${option.header.value}`
        : option.header.value;
  }
  return next;
}

/**
 * Header mutations that run before routing: the connection manager's early header mutation
 * extensions (Envoy Gateway's `ClientTrafficPolicy.headers` early request headers) and
 * header-mutation HTTP filters are applied here where they remove or set request headers.
 */
function applyEarlyMutations(manager: Json, headers: Record<string, string>): Record<string, string> {
  let next = { ...headers };
  for (const extension of manager.earlyHeaderMutationExtensions ?? []) {
    for (const mutation of extension.typedConfig?.mutations ?? []) {
      if (mutation.remove) delete next[String(mutation.remove).toLowerCase()];
      if (mutation.append) next = mutate(next, { requestHeadersToAdd: [mutation.append] });
    }
  }
  return next;
}

/** Headers the jwt_authn filter sets from verified claims (`claimToHeaders` of its providers). */
function applyClaims(
  manager: Json,
  headers: Record<string, string>,
  claims: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  if (!claims) return headers;
  const next = { ...headers };
  for (const filter of manager.httpFilters ?? []) {
    if (!String(filter.name).startsWith('envoy.filters.http.jwt_authn')) continue;
    for (const provider of Object.values(filter.typedConfig?.providers ?? {}) as Json[])
      for (const mapping of provider.claimToHeaders ?? [])
        if (claims[mapping.claimName] !== undefined)
          next[String(mapping.headerName).toLowerCase()] = claims[mapping.claimName];
  }
  return next;
}

/** The claims that the jwt_authn filter of the listener on `port` turns into headers, by header. */
export function claimHeaders(gateway: XdsGateway, port: number): Map<string, string> {
  const byHeader = new Map<string, string>();
  for (const manager of gateway.connectionManagers(port))
    for (const filter of manager.httpFilters ?? [])
      if (String(filter.name).startsWith('envoy.filters.http.jwt_authn'))
        for (const provider of Object.values(filter.typedConfig?.providers ?? {}) as Json[])
          for (const mapping of provider.claimToHeaders ?? [])
            byHeader.set(String(mapping.headerName).toLowerCase(), mapping.claimName);
  return byHeader;
}

/** The total probability of the outcomes that satisfy `predicate`. */
export function probabilityOf(
  outcomes: readonly XdsOutcome[],
  predicate: (outcome: XdsOutcome) => boolean,
): number {
  return outcomes.filter(predicate).reduce((sum, outcome) => sum + outcome.probability, 0);
}
