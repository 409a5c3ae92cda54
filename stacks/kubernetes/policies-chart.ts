import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { type DatabaseNetwork, databaseNetwork } from '../../constructs/data/database-network';
import { AllowNetworkPolicy, type NetworkRule } from '../../constructs/guardrails/allow-network-policy';
import { DefaultDenyNetworkPolicy } from '../../constructs/guardrails/default-deny-network-policy';
import { DnsEgressNetworkPolicy } from '../../constructs/guardrails/dns-egress-network-policy';
import { addressBlock, type NetworkPeer, podsIn, tcpPorts } from '../../constructs/guardrails/network-peer';
import type { LoadedEnvironment } from '../../environments/load';
import type { EnvironmentSpec } from '../../environments/schema';
import { externalServicePorts } from '../../environments/schema/data-rules';
import type { ServiceSpec } from '../../environments/schema/services';
import { MANAGED_BY_LABELS } from '../labels';
import { isLaned, LANES_GATEWAY_NAME, lanesGatewayEnabled, lanesProxyNamespace, routedPort } from './lanes';
import { metricsPortOf, otlpTarget, SERVICE_NAME_LABEL } from './monitoring-chart';

/** The network of a database (constructs/data/database-network.ts), from its spec. */
function databaseNetworkOf(spec: EnvironmentSpec, db: EnvironmentSpec['databases'][number]): DatabaseNetwork {
  const endpoint = db.backup ? new URL(db.backup.s3.endpoint) : undefined;
  return databaseNetwork(
    {
      name: db.name,
      namespace: db.namespace,
      engine: db.engine,
      port: db.port,
      operatorNamespace: db.vitess.operatorNamespace,
      ...(endpoint && db.backup
        ? {
            backupEndpoint: {
              port: Number(endpoint.port || (endpoint.protocol === 'https:' ? 443 : 80)),
              networks: db.backup.s3.networks,
            },
          }
        : {}),
    },
    spec.observability.namespace,
  );
}

/** Whether the environment gets NetworkPolicies: isolation on and at least one team namespace. */
export function needsPoliciesChart(env: LoadedEnvironment): boolean {
  return env.spec.policy.network.enabled && env.spec.namespaces.length > 0;
}

/** The container port a Service port sends to. */
function containerPort(port: { port: number; targetPort?: number }): number {
  return port.targetPort ?? port.port;
}

/** The container port the gateway's route sends to: `route.port` by name, else the first port. */
function routedContainerPort(service: ServiceSpec): number | undefined {
  const wanted = service.route?.port;
  const port = wanted ? service.ports.find((candidate) => candidate.name === wanted) : service.ports[0];
  return port ? containerPort(port) : undefined;
}

/** The lanes Gateway's proxy pods (Envoy Gateway labels them with their Gateway), when there are lanes. */
function lanesProxyPeer(spec: EnvironmentSpec): NetworkPeer | undefined {
  if (!spec.gateway || !lanesGatewayEnabled(spec)) return undefined;
  return podsIn(lanesProxyNamespace(), {
    'gateway.envoyproxy.io/owning-gateway-name': LANES_GATEWAY_NAME,
    'gateway.envoyproxy.io/owning-gateway-namespace': spec.gateway.namespace,
  });
}

/** The container port of an Envoy Gateway listener: privileged ports are shifted by 10000. */
function lanesContainerPort(port: number): number {
  return port < 1024 ? port + 10000 : port;
}

/** The namespace the gateway's proxies run in, when there is a gateway. */
export function gatewayProxyNamespace(spec: EnvironmentSpec): string | undefined {
  if (!spec.gateway) return undefined;
  return spec.policy.network.gatewayProxyNamespace ?? spec.gateway.namespace;
}

/**
 * Network isolation, derived from the model: in every team namespace a default-deny policy
 * and DNS egress; then one allow policy per service, database and gateway proxy set:
 *
 * - gateway → the routed port of every routed service;
 * - service → the services, databases and external services it `uses`, on their ports
 *   (and the reverse ingress on the target), plus its OTLP collector;
 * - database shards → each other (replication), on the MySQL port;
 * - monitoring → every service's metrics port and every database exporter.
 */
export class PoliciesChart extends Chart {
  private readonly policies = new Map<string, AllowNetworkPolicy>();

  constructor(scope: Construct, id: string, env: LoadedEnvironment) {
    super(scope, id, { disableResourceNameHashes: true, labels: { ...MANAGED_BY_LABELS } });
    const { spec } = env;
    const managed = new Set(spec.namespaces.map((ns) => ns.name));
    for (const ns of spec.namespaces) {
      new DefaultDenyNetworkPolicy(this, `${ns.name}-default-deny`, { namespace: ns.name });
      new DnsEgressNetworkPolicy(this, `${ns.name}-dns`, {
        namespace: ns.name,
        dnsNamespace: spec.policy.network.dnsNamespace,
      });
    }
    const monitoring = podsIn(spec.observability.namespace);
    const proxies = gatewayProxyNamespace(spec);
    const otlp = otlpTarget(spec.observability.otlpEndpoint);

    for (const service of spec.services) {
      if (!managed.has(service.namespace)) continue;
      const policy = this.policyFor(service.namespace, service.name, { [SERVICE_NAME_LABEL]: service.name });
      const metrics = metricsPortOf(service);
      if (metrics) policy.allowIngress({ peers: [monitoring], ports: tcpPorts(metrics.containerPort) });
      const routed = routedContainerPort(service);
      if ((service.route || isLaned(spec, service)) && proxies && routed !== undefined)
        policy.allowIngress({ peers: [podsIn(proxies)], ports: tcpPorts(routed) });
      if (otlp) policy.allowEgress({ peers: [otlp.peer], ports: tcpPorts(otlp.port) });
      for (const used of service.uses) this.connect(spec, service, used, managed);
    }

    for (const db of spec.databases) {
      if (!managed.has(db.namespace)) continue;
      // The database's components among themselves, its operator, backups and monitoring (constructs/data/database-network.ts).
      for (const own of databaseNetworkOf(spec, db).policies) {
        const policy = this.policyFor(db.namespace, own.name, own.podLabels);
        for (const rule of own.ingress) policy.allowIngress(rule);
        for (const rule of own.egress) policy.allowEgress(rule);
      }
    }

    if (proxies && managed.has(proxies)) {
      // The edge: proxies accept traffic from anywhere and reach the routed services and their controller.
      const policy = this.policyFor(proxies, 'gateway-proxies', {});
      policy.allowIngress({ peers: [] });
      policy.allowEgress({ peers: [podsIn(spec.policy.network.gatewayControllerNamespace)] });
      // Trusted mark sources: the proxies fetch the issuers' JWKS (docs/gateway-and-grayscale.md).
      for (const source of spec.grayscale.trustedSources) {
        const jwt = source.jwtClaim ?? source.signedCookie;
        if (jwt)
          policy.allowEgress({
            peers: jwt.jwksNetworks.map((cidr) => ({ cidr })),
            ports: tcpPorts(Number(new URL(jwt.jwksUri).port || 443)),
          });
      }
      for (const service of spec.services) {
        const routed = routedContainerPort(service);
        // The lanes proxies (in-cluster lanes) send to both lanes of every laned service.
        if ((service.route || isLaned(spec, service)) && routed !== undefined)
          policy.allowEgress({
            peers: [podsIn(service.namespace, { [SERVICE_NAME_LABEL]: service.name })],
            ports: tcpPorts(routed),
          });
      }
    }
  }

  /** `allow-<name>` in `namespace`, created on first use. */
  private policyFor(namespace: string, name: string, podLabels: Record<string, string>): AllowNetworkPolicy {
    const key = `${namespace}/${name}`;
    let policy = this.policies.get(key);
    if (!policy) {
      policy = new AllowNetworkPolicy(this, `${namespace}-allow-${name}`, {
        namespace,
        name: `allow-${name}`,
        podLabels,
      });
      this.policies.set(key, policy);
    }
    return policy;
  }

  /** `service` → `used`: egress on the caller, ingress on the callee when the blueprint runs it. */
  private connect(
    spec: EnvironmentSpec,
    service: ServiceSpec,
    used: string,
    managed: ReadonlySet<string>,
  ): void {
    const caller = this.policyFor(service.namespace, service.name, { [SERVICE_NAME_LABEL]: service.name });
    const callerPeer: NetworkPeer = podsIn(service.namespace, { [SERVICE_NAME_LABEL]: service.name });
    const target = spec.services.find((candidate) => candidate.name === used);
    if (target) {
      const ports = tcpPorts(...target.ports.map(containerPort));
      caller.allowEgress({ peers: [podsIn(target.namespace, { [SERVICE_NAME_LABEL]: target.name })], ports });
      // A laned target's name resolves to the lanes proxies, which listen on its port.
      const lanes = lanesProxyPeer(spec);
      if (lanes && isLaned(spec, target))
        caller.allowEgress({ peers: [lanes], ports: tcpPorts(lanesContainerPort(routedPort(target))) });
      if (managed.has(target.namespace))
        this.policyFor(target.namespace, target.name, { [SERVICE_NAME_LABEL]: target.name }).allowIngress({
          peers: [callerPeer],
          ports,
        });
      return;
    }
    const db = spec.databases.find((candidate) => candidate.name === used);
    if (db) {
      // Consumers reach the database's one endpoint (vtgate with vitess), never its mysqld.
      const network = databaseNetworkOf(spec, db);
      const rule: NetworkRule = {
        peers: [podsIn(db.namespace, network.entryLabels)],
        ports: tcpPorts(network.entryPort),
      };
      caller.allowEgress(rule);
      if (managed.has(db.namespace))
        this.policyFor(db.namespace, network.entryPolicy, network.entryLabels).allowIngress({
          peers: [callerPeer],
          ports: tcpPorts(network.entryPort),
        });
      return;
    }
    const external = spec.externalServices.find((candidate) => candidate.name === used);
    if (external) {
      const ports = externalServicePorts(external).map((port) => ({
        port: port.targetPort ?? port.port,
        protocol: port.protocol,
      }));
      caller.allowEgress({ peers: external.addresses.map(addressBlock), ports });
    }
    // Names that match nothing are refused by the services' schema rules.
  }
}
