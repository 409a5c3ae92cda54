import { Labels } from '@cdktf/provider-kubernetes/lib/labels';
import { NodeTaint } from '@cdktf/provider-kubernetes/lib/node-taint';
import type { Construct } from 'constructs';
import { NodePool } from '../../constructs/node-pool/node-pool';
import type { EnvironmentSpec } from '../../environments/schema';
import { POOL_LABEL } from '../kubernetes/placement';
import { tfName } from './tenancy';

/**
 * Field manager of the node labels and taints. With `force`, Terraform takes over these keys
 * from the kubelet, which set the same values at registration (kubeadm's JoinConfiguration).
 */
export const NODE_FIELD_MANAGER = 'platform-blueprint';

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
 * Labels and taints of the fixed pools' nodes: one `kubernetes_labels` per node (pool label,
 * role label, zone and the pool's labels) and one `kubernetes_node_taint` per node of a tainted
 * pool. Nodes of autoscaled pools do not exist when Terraform runs; their cloud node group
 * carries the same labels and taints (see docs/autoscaling.md).
 *
 * Resource names are `node_labels_<node>` and `node_taint_<node>`, so that moving a node to
 * another pool updates it in place rather than recreating it.
 */
export function addNodePools(scope: Construct, spec: EnvironmentSpec): NodePool[] {
  const pools = nodePoolsOf(scope, spec);
  for (const pool of pools) {
    for (const node of pool.nodes) {
      new Labels(scope, tfName('node_labels', node.name), {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: node.name },
        labels: { ...pool.nodeLabels },
        fieldManager: NODE_FIELD_MANAGER,
        force: true,
      });
      if (pool.taints.length > 0) {
        new NodeTaint(scope, tfName('node_taint', node.name), {
          metadata: { name: node.name },
          // The provider requires a value; an empty one is Kubernetes' "no value".
          taint: pool.taints.map((taint) => ({
            key: taint.key,
            value: taint.value ?? '',
            effect: taint.effect,
          })),
          fieldManager: NODE_FIELD_MANAGER,
          force: true,
        });
      }
    }
  }
  return pools;
}
