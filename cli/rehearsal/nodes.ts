// The simulated Nodes of a rehearsal: one per master and per pool node, registered as kubeadm
// and the kubelet would register them from the environment's own host files.
import { parseAllDocuments } from 'yaml';
import type { LoadedEnvironment } from '../../environments/load';
import type { EnvironmentOutput } from '../../stacks/environment';

/** The annotation kwok selects the Nodes it manages by. */
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';

interface Taint {
  readonly key: string;
  readonly value?: string;
  readonly effect: string;
}

/** One simulated node, before it is a Node object. */
export interface RehearsalNode {
  readonly name: string;
  readonly address: string;
  readonly role: 'master' | 'worker';
  /** The pool of a worker. @default - a master */
  readonly pool?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
  readonly capacity: { readonly cpu: string; readonly memory: string; readonly pods: number };
}

interface NodeRegistration {
  readonly name?: string;
  readonly taints?: Taint[] | null;
  readonly kubeletExtraArgs?: Record<string, string> | { name: string; value: string }[];
}

/** `--node-labels` of a kubelet, from kubeadm's kubeletExtraArgs (map in v1beta3, list in v1beta4). */
function kubeletLabels(registration: NodeRegistration): Record<string, string> {
  const args = registration.kubeletExtraArgs;
  const value = Array.isArray(args)
    ? args.find((arg) => arg.name === 'node-labels')?.value
    : args?.['node-labels'];
  const labels: Record<string, string> = {};
  for (const pair of (value ?? '').split(',').filter(Boolean)) {
    const at = pair.indexOf('=');
    labels[at < 0 ? pair : pair.slice(0, at)] = at < 0 ? '' : pair.slice(at + 1);
  }
  return labels;
}

/** The nodeRegistration and kind of each host's kubeadm file. */
function registrations(
  output: EnvironmentOutput,
): Map<string, { registration: NodeRegistration; controlPlane: boolean }> {
  const out = new Map<string, { registration: NodeRegistration; controlPlane: boolean }>();
  for (const file of output.files) {
    const match = /^hosts\/([^/]+)\/kubeadm-(init|join)\.yaml$/.exec(file.path);
    if (!match) continue;
    for (const doc of parseAllDocuments(file.content)) {
      if (!('toJS' in doc)) continue;
      const value = doc.toJS() as {
        kind?: string;
        nodeRegistration?: NodeRegistration;
        controlPlane?: unknown;
      };
      if (value?.kind !== 'InitConfiguration' && value?.kind !== 'JoinConfiguration') continue;
      out.set(match[1] as string, {
        registration: value.nodeRegistration ?? {},
        controlPlane: value.kind === 'InitConfiguration' || value.controlPlane !== undefined,
      });
    }
  }
  return out;
}

/** Addresses for the nodes of autoscaled pools, which have none: 198.18.0.0/15 (RFC 2544, benchmarking). */
function syntheticAddress(index: number): string {
  return `198.18.${Math.floor(index / 250)}.${(index % 250) + 1}`;
}

const MASTER_CAPACITY = { cpu: '4', memory: '16Gi', pods: 110 };

/**
 * The nodes of a rehearsal of `env`. Masters and fixed pool nodes take their names, addresses,
 * taints and kubelet labels from the environment's kubeadm files, exactly as `kubeadm init/join`
 * registers them, plus the labels kubeadm and the kubelet add themselves. An autoscaled pool
 * starts at `minSize` nodes named `<pool>-<n>`, registered like its cloud node group would.
 */
export function rehearsalNodes(env: LoadedEnvironment, output: EnvironmentOutput): RehearsalNode[] {
  const byHost = registrations(output);
  const base = (name: string): Record<string, string> => ({
    'kubernetes.io/hostname': name,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'beta.kubernetes.io/arch': 'amd64',
  });
  const nodes: RehearsalNode[] = [];
  for (const master of env.spec.controlPlane.masters) {
    const registered = byHost.get(master.name);
    nodes.push({
      name: master.name,
      address: master.address,
      role: 'master',
      labels: {
        ...base(master.name),
        ...(registered ? kubeletLabels(registered.registration) : {}),
        // kubeadm's mark-control-plane phase.
        'node-role.kubernetes.io/control-plane': '',
        'node.kubernetes.io/exclude-from-external-load-balancers': '',
      },
      taints: registered?.registration.taints ?? [
        { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
      ],
      capacity: MASTER_CAPACITY,
    });
  }
  let synthetic = 0;
  for (const pool of env.spec.nodePools) {
    const capacity = pool.capacity;
    if (pool.nodes) {
      for (const node of pool.nodes) {
        const registered = byHost.get(node.name);
        nodes.push({
          name: node.name,
          address: node.address,
          role: 'worker',
          pool: pool.name,
          labels: { ...base(node.name), ...(registered ? kubeletLabels(registered.registration) : {}) },
          taints: registered?.registration.taints ?? pool.taints,
          capacity,
        });
      }
      continue;
    }
    for (let i = 1; i <= (pool.minSize ?? 0); i++) {
      const name = `${pool.name}-${i}`;
      nodes.push({
        name,
        address: syntheticAddress(synthetic++),
        role: 'worker',
        pool: pool.name,
        labels: {
          ...base(name),
          'platform-blueprint.io/pool': pool.name,
          ...pool.labels,
          ...(pool.zone ? { 'topology.kubernetes.io/zone': pool.zone } : {}),
        },
        taints: pool.taints,
        capacity,
      });
    }
  }
  return nodes;
}

/** The Node object kwok manages for one rehearsal node. */
export function nodeObject(node: RehearsalNode): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node.name,
      labels: node.labels,
      annotations: { [KWOK_NODE_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
    },
    spec: {
      taints: node.taints.map((taint) => ({
        key: taint.key,
        value: taint.value ?? '',
        effect: taint.effect,
      })),
    },
    status: {
      addresses: [
        { type: 'InternalIP', address: node.address },
        { type: 'Hostname', address: node.name },
      ],
      allocatable: { cpu: node.capacity.cpu, memory: node.capacity.memory, pods: String(node.capacity.pods) },
      capacity: { cpu: node.capacity.cpu, memory: node.capacity.memory, pods: String(node.capacity.pods) },
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        kubeletVersion: 'v1.28.15',
        kubeProxyVersion: 'v1.28.15',
        containerRuntimeVersion: 'kwok',
        osImage: 'kwok',
        kernelVersion: 'kwok',
        bootID: '',
        machineID: '',
        systemUUID: '',
      },
    },
  };
}
