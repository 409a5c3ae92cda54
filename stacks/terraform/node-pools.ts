import type { Construct } from 'constructs';
import { NodePool } from '../../constructs/node-pool/node-pool';
import type { EnvironmentSpec } from '../../environments/schema';
import { POOL_LABEL } from '../kubernetes/placement';
import { forgetWithoutDestroying } from './removed';
import { tfName } from './tenancy';

/** The node pools of an environment as NodePool constructs, in the order of `nodePools`. */
export function nodePoolsOf(scope: Construct, spec: EnvironmentSpec): NodePool[] {
  return spec.nodePools.map(
    (pool) =>
      new NodePool(scope, `pool-${pool.name}`, {
        name: pool.name,
        nodes: pool.nodes,
        minSize: pool.minSize,
        maxSize: pool.maxSize,
        nodeGroup: pool.nodeGroup,
        labels: pool.labels,
        taints: pool.taints,
        zone: pool.zone,
        poolLabelKey: POOL_LABEL,
      }),
  );
}

/**
 * Terraform does not manage Nodes. A Node's taints are one atomic list that kubeadm and the
 * node controllers write too (`not-ready`, `unschedulable`, ...): the provider's
 * `kubernetes_node_taint` re-applies the whole list and so removed theirs, and a Node that has
 * not joined yet failed the whole plan. Instead:
 * - a node registers with its pool's taints and the labels a kubelet may set on itself
 *   (kubeadm's `nodeRegistration`, in the host files);
 * - the role label (`node-role.kubernetes.io/<pool>`) is set by deploy on the nodes that have
 *   joined, by label selector, key by key (cli/deploy/plan.ts).
 *
 * State written by earlier versions is forgotten without destroying anything: a `removed`
 * block per old `node_labels_<node>` and `node_taint_<node>` (destroying them would strip the
 * nodes' labels and taints).
 */
export function addNodePools(scope: Construct, spec: EnvironmentSpec): NodePool[] {
  const pools = nodePoolsOf(scope, spec);
  for (const pool of pools) {
    for (const node of pool.nodes) {
      forgetWithoutDestroying(scope, 'kubernetes_labels', tfName('node_labels', node.name));
      forgetWithoutDestroying(scope, 'kubernetes_node_taint', tfName('node_taint', node.name));
    }
  }
  return pools;
}
