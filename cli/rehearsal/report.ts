// What a rehearsal found: which workloads became ready, where their pods landed, and what the
// cluster refused. Pure: it judges the objects read from the rehearsal's API server.
import { addressSpan, ipv4Number } from '../../environments/schema/addons-rules';
import type { RehearsalNode } from './nodes';

interface Meta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Record<string, string>;
  readonly ownerReferences?: { kind: string; name: string }[];
}

/** The parts of the objects the report reads. */
export interface ClusterObjects {
  readonly workloads: readonly {
    kind: string;
    metadata: Meta;
    spec?: { replicas?: number };
    status?: {
      readyReplicas?: number;
      replicas?: number;
      /** DaemonSets: the nodes it should run on, and those where it is ready. */
      desiredNumberScheduled?: number;
      numberReady?: number;
    };
  }[];
  readonly pods: readonly {
    metadata: Meta;
    spec?: { nodeName?: string; nodeSelector?: Record<string, string> };
    status?: { phase?: string };
  }[];
  readonly replicaSets: readonly { metadata: Meta }[];
  readonly events: readonly {
    reason?: string;
    message?: string;
    type?: string;
    involvedObject?: { kind?: string; name?: string; namespace?: string };
  }[];
}

/** The verdict of one rehearsal. */
export interface RehearsalReport {
  readonly lines: readonly string[];
  readonly problems: readonly string[];
}

const POOL_LABEL = 'platform-blueprint.io/pool';
const ZONE_LABEL = 'topology.kubernetes.io/zone';

/** The workload (Deployment or StatefulSet) a pod belongs to, through its ReplicaSet. */
function ownerOf(
  pod: ClusterObjects['pods'][number],
  replicaSetOwners: Map<string, string>,
): string | undefined {
  const owner = pod.metadata.ownerReferences?.[0];
  if (!owner) return undefined;
  const ns = pod.metadata.namespace ?? '';
  if (owner.kind === 'ReplicaSet') return replicaSetOwners.get(`${ns}/${owner.name}`);
  return `${owner.kind}/${ns}/${owner.name}`;
}

/**
 * Judges the cluster after a rehearsal deploy:
 * - every Deployment and StatefulSet has its desired ready replicas, and every DaemonSet is
 *   ready on every node it selects (at least one);
 * - no pod runs on a master (except a DaemonSet's node agent that tolerates the masters), and a
 *   pod placed on a pool runs only on that pool's nodes;
 * - pods of a workload spread over the zones its pool's nodes are in;
 * - no FailedCreate (PodSecurity, quotas) or FailedScheduling event.
 */
export function judgeRehearsal(objects: ClusterObjects, nodes: readonly RehearsalNode[]): RehearsalReport {
  const lines: string[] = [];
  const problems: string[] = [];
  const byName = new Map(nodes.map((node) => [node.name, node]));
  const replicaSetOwners = new Map<string, string>();
  for (const rs of objects.replicaSets) {
    const owner = rs.metadata.ownerReferences?.[0];
    if (owner)
      replicaSetOwners.set(
        `${rs.metadata.namespace}/${rs.metadata.name}`,
        `${owner.kind}/${rs.metadata.namespace}/${owner.name}`,
      );
  }
  const podsOf = new Map<string, ClusterObjects['pods'][number][]>();
  for (const pod of objects.pods) {
    const owner = ownerOf(pod, replicaSetOwners);
    if (owner) podsOf.set(owner, [...(podsOf.get(owner) ?? []), pod]);
    const node = pod.spec?.nodeName ? byName.get(pod.spec.nodeName) : undefined;
    const where = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const nodeAgent = pod.metadata.ownerReferences?.[0]?.kind === 'DaemonSet';
    if (node?.role === 'master' && !nodeAgent) problems.push(`pod ${where} runs on master ${node.name}`);
    const wanted = pod.spec?.nodeSelector?.[POOL_LABEL];
    if (node && wanted !== undefined && node.pool !== wanted)
      problems.push(
        `pod ${where} selects pool ${wanted} but runs on ${node.name} of pool ${node.pool ?? '(master)'}`,
      );
  }
  const workloads = [...objects.workloads].sort((a, b) =>
    `${a.metadata.namespace}/${a.kind}/${a.metadata.name}`.localeCompare(
      `${b.metadata.namespace}/${b.kind}/${b.metadata.name}`,
    ),
  );
  let ready = 0;
  for (const workload of workloads) {
    const key = `${workload.kind}/${workload.metadata.namespace}/${workload.metadata.name}`;
    const daemon = workload.kind === 'DaemonSet';
    const desired = daemon ? (workload.status?.desiredNumberScheduled ?? 0) : (workload.spec?.replicas ?? 1);
    const readyReplicas = (daemon ? workload.status?.numberReady : workload.status?.readyReplicas) ?? 0;
    const pods = podsOf.get(key) ?? [];
    const placed = new Map<string, number>();
    const zones = new Map<string, number>();
    for (const pod of pods) {
      const node = pod.spec?.nodeName ? byName.get(pod.spec.nodeName) : undefined;
      const pool = node ? (node.pool ?? 'masters') : 'unscheduled';
      placed.set(pool, (placed.get(pool) ?? 0) + 1);
      const zone = node?.labels[ZONE_LABEL];
      if (zone) zones.set(zone, (zones.get(zone) ?? 0) + 1);
    }
    const where = [...placed].map(([pool, count]) => `${count} on ${pool}`).join(', ') || 'no pods';
    const zoneText =
      zones.size > 0 ? `; zones ${[...zones].map(([zone, count]) => `${zone}=${count}`).join(' ')}` : '';
    // A DaemonSet that selects no node runs nowhere: a placement mistake, not a success.
    const ok = readyReplicas >= desired && (!daemon || desired > 0);
    if (ok) ready++;
    else
      problems.push(
        `${workload.kind} ${workload.metadata.namespace}/${workload.metadata.name}: ${readyReplicas}/${desired} ready`,
      );
    lines.push(
      `  ${ok ? 'ready  ' : 'NOT READY'} ${workload.kind.padEnd(11)} ${`${workload.metadata.namespace}/${workload.metadata.name}`.padEnd(40)} ${readyReplicas}/${desired}  ${where}${zoneText}`,
    );
    // Spread: with two or more zones among the nodes its pods may use, and 2+ pods, every pod in one zone is a finding.
    const poolZones = new Set(
      nodes
        .filter((node) => pods.some((pod) => pod.spec?.nodeSelector?.[POOL_LABEL] === node.pool))
        .map((node) => node.labels[ZONE_LABEL])
        .filter(Boolean),
    );
    if (poolZones.size >= 2 && pods.length >= 2 && zones.size === 1)
      problems.push(
        `${workload.kind} ${workload.metadata.namespace}/${workload.metadata.name}: all ${pods.length} pods in zone ${[...zones.keys()][0]} although its nodes span ${poolZones.size} zones`,
      );
  }
  const running = new Set(
    objects.pods
      .filter((pod) => pod.status?.phase === 'Running')
      .map((pod) => `${pod.metadata.namespace}/${pod.metadata.name}`),
  );
  for (const event of objects.events) {
    if (event.reason !== 'FailedCreate' && event.reason !== 'FailedScheduling') continue;
    const object = event.involvedObject ?? {};
    // A pod that waited for its volume and then ran is no finding; one still pending is.
    if (event.reason === 'FailedScheduling' && running.has(`${object.namespace}/${object.name}`)) continue;
    if (event.reason === 'FailedScheduling' && !objects.pods.some((pod) => pod.metadata.name === object.name))
      continue;
    problems.push(
      `${event.reason} for ${object.kind} ${object.namespace}/${object.name}: ${(event.message ?? '').split('\n')[0]}`,
    );
  }
  lines.unshift(`rehearsal: ${ready} of ${workloads.length} workloads ready on ${nodes.length} nodes`);
  return { lines, problems };
}

interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
}

interface ParentRef {
  readonly group?: string;
  readonly kind?: string;
  readonly name: string;
  readonly namespace?: string;
  readonly sectionName?: string;
  readonly port?: number;
}

/** Gateway API objects as the rehearsal's API server holds them, and MetalLB's address pools. */
export interface GatewayObjects {
  readonly gateways: readonly {
    metadata: Meta;
    spec: { gatewayClassName: string };
    status?: { addresses?: { type?: string; value: string }[]; conditions?: Condition[] };
  }[];
  /** HTTPRoutes and GRPCRoutes (kind set). */
  readonly routes: readonly {
    kind: string;
    metadata: Meta;
    spec: { parentRefs?: ParentRef[] };
    status?: { parents?: { parentRef: ParentRef; controllerName: string; conditions?: Condition[] }[] };
  }[];
  /** The address ranges of MetalLB's IPAddressPools (`first-last` or CIDR); none without MetalLB. */
  readonly pools: readonly string[];
  /**
   * The proxies' Services Envoy Gateway made (labelled with their Gateway): a Gateway behind a
   * ClusterIP Service (the in-cluster lanes Gateway) gets that cluster IP as its address, which
   * is in no MetalLB pool and must not be. @default [] - every Gateway is judged as LoadBalancer
   */
  readonly proxyServices?: readonly { metadata: Meta; spec: { type?: string; clusterIP?: string } }[];
}

function conditionIs(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((condition) => condition.type === type);
}

/** `Accepted`, `Programmed`, ... that are not True, as `Type=Status (Reason: message)`. */
function unmet(conditions: readonly Condition[] | undefined, types: readonly string[]): string[] {
  return types.flatMap((type) => {
    const condition = conditionIs(conditions, type);
    if (condition?.status === 'True') return [];
    if (!condition) return [`${type} not reported`];
    return [
      `${type}=${condition.status} (${condition.reason ?? 'no reason'}${condition.message ? `: ${condition.message.split('\n')[0]?.slice(0, 200)}` : ''})`,
    ];
  });
}

/**
 * Judges the Gateway API objects after the real Envoy Gateway and MetalLB controller saw them:
 * - every Gateway is Accepted and Programmed, with an address, from a MetalLB pool when there is one;
 * - every HTTPRoute and GRPCRoute is, for each Gateway it attaches to, Accepted with ResolvedRefs.
 * A route whose parent is a Service (GAMMA, the mesh) is listed as not judged: no mesh
 * implementation runs in a rehearsal.
 */
export function judgeGateways(objects: GatewayObjects): RehearsalReport {
  const lines: string[] = [];
  const problems: string[] = [];
  const spans = objects.pools.map(addressSpan).filter((span) => span !== undefined);
  const inPool = (address: string) => {
    const value = ipv4Number(address);
    return value !== undefined && spans.some((span) => value >= span.first && value <= span.last);
  };
  const sorted = <T extends { metadata: Meta }>(items: readonly T[]) =>
    [...items].sort((a, b) =>
      `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(
        `${b.metadata.namespace}/${b.metadata.name}`,
      ),
    );
  for (const gateway of sorted(objects.gateways)) {
    const name = `${gateway.metadata.namespace}/${gateway.metadata.name}`;
    const addresses = (gateway.status?.addresses ?? []).map((address) => address.value);
    const wrong = [...unmet(gateway.status?.conditions, ['Accepted', 'Programmed'])];
    const proxyService = (objects.proxyServices ?? []).find(
      (service) =>
        service.metadata.labels?.['gateway.envoyproxy.io/owning-gateway-name'] === gateway.metadata.name &&
        service.metadata.labels?.['gateway.envoyproxy.io/owning-gateway-namespace'] ===
          gateway.metadata.namespace,
    );
    if (addresses.length === 0) wrong.push('no address');
    else if (proxyService?.spec.type === 'ClusterIP') {
      // In-cluster only: its address is its proxies' cluster IP, never a pool address.
      if (!addresses.includes(proxyService.spec.clusterIP ?? ''))
        wrong.push(
          `address ${addresses.join(', ')} is not its proxy Service's cluster IP ${proxyService.spec.clusterIP}`,
        );
    } else if (spans.length > 0) {
      const outside = addresses.filter((address) => !inPool(address));
      if (outside.length > 0)
        wrong.push(`address ${outside.join(', ')} in no MetalLB pool (${objects.pools.join(', ')})`);
    }
    if (wrong.length > 0) problems.push(`Gateway ${name}: ${wrong.join('; ')}`);
    lines.push(
      `  ${wrong.length === 0 ? 'programmed' : 'NOT READY '} Gateway     ${name.padEnd(40)} ${addresses.join(', ') || '(no address)'}`,
    );
  }
  let meshOnly = 0;
  for (const route of [...objects.routes].sort((a, b) =>
    `${a.kind}/${a.metadata.namespace}/${a.metadata.name}`.localeCompare(
      `${b.kind}/${b.metadata.namespace}/${b.metadata.name}`,
    ),
  )) {
    const namespace = route.metadata.namespace ?? 'default';
    const name = `${namespace}/${route.metadata.name}`;
    const parents = route.spec.parentRefs ?? [];
    const gateways = parents.filter((parent) => (parent.kind ?? 'Gateway') === 'Gateway');
    if (gateways.length === 0) {
      meshOnly++;
      continue;
    }
    const wrong: string[] = [];
    for (const parent of gateways) {
      const parentNamespace = parent.namespace ?? namespace;
      const status = route.status?.parents?.find(
        (entry) =>
          entry.parentRef.name === parent.name &&
          (entry.parentRef.namespace ?? namespace) === parentNamespace &&
          entry.parentRef.sectionName === parent.sectionName,
      );
      const where = `${parentNamespace}/${parent.name}${parent.sectionName ? `/${parent.sectionName}` : ''}`;
      if (!status) wrong.push(`no status for its parent ${where}`);
      else {
        const missing = unmet(status.conditions, ['Accepted', 'ResolvedRefs']);
        if (missing.length > 0) wrong.push(`on ${where}: ${missing.join(', ')}`);
      }
    }
    if (wrong.length > 0) problems.push(`${route.kind} ${name}: ${wrong.join('; ')}`);
    lines.push(
      `  ${wrong.length === 0 ? 'accepted  ' : 'NOT READY '} ${route.kind.padEnd(11)} ${name.padEnd(40)} ${gateways.map((parent) => `${parent.namespace ?? namespace}/${parent.name}${parent.sectionName ? `/${parent.sectionName}` : ''}`).join(', ')}`,
    );
  }
  const judged = objects.routes.length - meshOnly;
  lines.unshift(
    `rehearsal: ${objects.gateways.length} Gateways and ${judged} routes judged by Envoy Gateway${meshOnly > 0 ? `; ${meshOnly} mesh routes (parent a Service) not judged: no mesh implementation runs in a rehearsal` : ''}`,
  );
  return { lines, problems };
}
