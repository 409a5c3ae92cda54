import type { PodPlacement } from '../../constructs/scheduling/pod-placement';
import type { EnvironmentSpec } from '../../environments/schema';

/** The label every node of a pool carries (set by Terraform and kubeadm), used to select the pool. */
export const POOL_LABEL = 'platform-blueprint.io/pool';

/**
 * The placement of a workload on a pool: select the pool's label and tolerate each of its
 * taints exactly (key, value and effect), so that the workload lands on that pool only.
 * Undefined pool: no placement (schedulable on untainted nodes).
 */
export function placementFor(spec: EnvironmentSpec, poolName: string | undefined): PodPlacement | undefined {
  if (poolName === undefined) return undefined;
  const pool = spec.nodePools.find((candidate) => candidate.name === poolName);
  if (!pool)
    throw new Error(
      `placementFor: pool ${JSON.stringify(poolName)} is not in nodePools; the schema rules must reject this`,
    );
  return {
    nodeSelector: { [POOL_LABEL]: pool.name },
    tolerations: pool.taints.map((taint) =>
      taint.value === undefined
        ? { key: taint.key, operator: 'Exists' as const, effect: taint.effect }
        : { key: taint.key, operator: 'Equal' as const, value: taint.value, effect: taint.effect },
    ),
  };
}
