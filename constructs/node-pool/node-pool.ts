import { Construct } from 'constructs';
import { ValidationError } from '../core/validation-error';

/** A fixed worker machine of a data-centre pool. */
export interface PoolNode {
  /** Host name; also the Kubernetes node name. */
  readonly name: string;
  /** IPv4 address of the host. */
  readonly address: string;
}

/** A taint every node of a pool carries. */
export interface NodePoolTaint {
  /** Taint key, e.g. `dedicated`. */
  readonly key: string;
  /**
   * Taint value, e.g. `database`.
   * @default - no value (tolerations then match the key with `Exists`)
   */
  readonly value?: string;
  /** What happens to pods that do not tolerate the taint. */
  readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** The size range of an autoscaled pool, as cluster-autoscaler's `--nodes=min:max:<group>` gives it. */
export interface NodeGroupRange {
  /** The cloud node group (auto scaling group, instance group, node pool id). */
  readonly group: string;
  /** Fewest nodes. */
  readonly minSize: number;
  /** Most nodes. */
  readonly maxSize: number;
}

/** Props of {@link NodePool}. A pool is fixed (`nodes`) or autoscaled (`minSize` and `maxSize`). */
export interface NodePoolProps {
  /** Pool name: the value of the pool label and the name of the role label. */
  readonly name: string;
  /**
   * Hosts of a fixed (data-centre) pool.
   * @default - an autoscaled pool; give minSize and maxSize
   */
  readonly nodes?: readonly PoolNode[];
  /**
   * Fewest nodes of an autoscaled pool.
   * @default - a fixed pool
   */
  readonly minSize?: number;
  /**
   * Most nodes of an autoscaled pool.
   * @default - a fixed pool
   */
  readonly maxSize?: number;
  /**
   * Cloud node group of an autoscaled pool.
   * @default - the pool name
   */
  readonly nodeGroup?: string;
  /**
   * Labels of every node, besides the pool, role and zone labels.
   * @default {}
   */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Taints of every node.
   * @default []
   */
  readonly taints?: readonly NodePoolTaint[];
  /**
   * Failure domain, written as `topology.kubernetes.io/zone`.
   * @default - no zone label
   */
  readonly zone?: string;
  /**
   * Key of the label that names the pool; workloads select the pool by it.
   * @default 'platform-blueprint.io/pool'
   */
  readonly poolLabelKey?: string;
}

/** The zone label Kubernetes and cluster-autoscaler read. */
export const ZONE_LABEL = 'topology.kubernetes.io/zone';
/** Prefix of the role label that `kubectl get nodes` shows under ROLES. */
export const ROLE_LABEL_PREFIX = 'node-role.kubernetes.io/';

/**
 * Labels under kubernetes.io / k8s.io that the NodeRestriction admission plugin still lets a
 * kubelet set on its own node (`--node-labels`); other labels there must be set by an admin.
 */
const KUBELET_ALLOWED = new Set([
  'kubernetes.io/hostname',
  'kubernetes.io/arch',
  'kubernetes.io/os',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'failure-domain.beta.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'topology.kubernetes.io/zone',
]);

function kubeletMaySet(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash === -1) return true;
  const prefix = key.slice(0, slash);
  const restricted = ['kubernetes.io', 'k8s.io'].some(
    (domain) => prefix === domain || prefix.endsWith(`.${domain}`),
  );
  if (!restricted) return true;
  return (
    KUBELET_ALLOWED.has(key) ||
    ['kubelet.kubernetes.io', 'node.kubernetes.io'].some(
      (domain) => prefix === domain || prefix.endsWith(`.${domain}`),
    )
  );
}

/**
 * A group of workers sharing labels, taints and a zone. Pure data: it works out each node's
 * labels (the pool label, the role label `node-role.kubernetes.io/<pool>`, the zone and the
 * pool's own labels) and taints, the subset a kubelet may set at registration, and the
 * cluster-autoscaler range of an autoscaled pool. kubeadm renders the taints and the
 * kubelet's labels into the JoinConfiguration; deploy sets the rest by label selector.
 */
export class NodePool extends Construct {
  /** Pool name. */
  public readonly poolName: string;
  /** Hosts of a fixed pool; empty for an autoscaled pool. */
  public readonly nodes: readonly PoolNode[];
  /** Taints of every node, in the order given. */
  public readonly taints: readonly NodePoolTaint[];
  /** Zone, when set. */
  public readonly zone?: string;
  /** Size range and node group of an autoscaled pool; undefined for a fixed pool. */
  public readonly nodeGroupRange?: NodeGroupRange;
  /** The label key that names the pool. */
  public readonly poolLabelKey: string;
  private readonly labels: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: NodePoolProps) {
    super(scope, id);
    this.poolName = props.name;
    this.poolLabelKey = props.poolLabelKey ?? 'platform-blueprint.io/pool';
    this.labels = { ...(props.labels ?? {}) };
    this.taints = [...(props.taints ?? [])];
    this.zone = props.zone;
    const sized = props.minSize !== undefined || props.maxSize !== undefined;
    if (props.nodes !== undefined && sized)
      throw new ValidationError(
        `pool '${props.name}' has nodes (${props.nodes.length}) and minSize/maxSize (${props.minSize}/${props.maxSize}); a pool is fixed or autoscaled, not both`,
      );
    if (props.nodes === undefined) {
      if (props.minSize === undefined || props.maxSize === undefined)
        throw new ValidationError(
          `pool '${props.name}' needs nodes, or both minSize and maxSize (got ${props.minSize}/${props.maxSize})`,
        );
      if (!Number.isInteger(props.minSize) || props.minSize < 0)
        throw new ValidationError(
          `pool '${props.name}': 'minSize' (${props.minSize}) must be a whole number >= 0`,
        );
      if (!Number.isInteger(props.maxSize) || props.maxSize < 1)
        throw new ValidationError(
          `pool '${props.name}': 'maxSize' (${props.maxSize}) must be a whole number >= 1`,
        );
      if (props.minSize > props.maxSize)
        throw new ValidationError(
          `pool '${props.name}': 'minSize' (${props.minSize}) must be <= 'maxSize' (${props.maxSize})`,
        );
      this.nodes = [];
      this.nodeGroupRange = {
        group: props.nodeGroup ?? props.name,
        minSize: props.minSize,
        maxSize: props.maxSize,
      };
    } else {
      if (props.nodes.length === 0)
        throw new ValidationError(`pool '${props.name}' has an empty 'nodes' list`);
      if (props.nodeGroup !== undefined)
        throw new ValidationError(
          `pool '${props.name}': 'nodeGroup' (${props.nodeGroup}) applies only to autoscaled pools`,
        );
      this.nodes = [...props.nodes];
    }
    for (const key of Object.keys(this.labels)) {
      if (key === this.poolLabelKey || key.startsWith(ROLE_LABEL_PREFIX) || key === ZONE_LABEL)
        throw new ValidationError(
          `pool '${props.name}': label '${key}' is set by the pool itself; remove it from 'labels'`,
        );
    }
    const seen = new Set<string>();
    for (const taint of this.taints) {
      const key = `${taint.key}:${taint.effect}`;
      if (seen.has(key))
        throw new ValidationError(
          `pool '${props.name}': taint '${key}' is given twice; key and effect must be unique`,
        );
      seen.add(key);
    }
  }

  /** Whether the pool is sized by the cluster-autoscaler. */
  public get isAutoscaled(): boolean {
    return this.nodeGroupRange !== undefined;
  }

  /** The role label key, `node-role.kubernetes.io/<pool>` (shown by `kubectl get nodes`). */
  public get roleLabelKey(): string {
    return `${ROLE_LABEL_PREFIX}${this.poolName}`;
  }

  /** The labels every node of the pool carries, sorted by key. */
  public get nodeLabels(): Readonly<Record<string, string>> {
    const all: Record<string, string> = {
      ...this.labels,
      [this.poolLabelKey]: this.poolName,
      [this.roleLabelKey]: '',
    };
    if (this.zone !== undefined) all[ZONE_LABEL] = this.zone;
    return Object.fromEntries(Object.entries(all).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /**
   * The labels a kubelet may set on its own node at registration (kubeadm
   * `nodeRegistration.kubeletExtraArgs.node-labels`): all but the role label, which the
   * NodeRestriction admission plugin reserves for administrators (deploy sets it).
   */
  public get kubeletLabels(): Readonly<Record<string, string>> {
    return Object.fromEntries(Object.entries(this.nodeLabels).filter(([key]) => kubeletMaySet(key)));
  }

  /**
   * cluster-autoscaler's `--nodes` flag for an autoscaled pool, `--nodes=<min>:<max>:<group>`.
   * Throws for a fixed pool.
   */
  public get clusterAutoscalerNodesFlag(): string {
    const range = this.nodeGroupRange;
    if (!range)
      throw new ValidationError(
        `pool '${this.poolName}' is fixed; only autoscaled pools have a --nodes flag`,
      );
    return `--nodes=${range.minSize}:${range.maxSize}:${range.group}`;
  }
}
