import type { NodeRole } from '../../../cli/deploy/plan';

/** The role label of each named pool, as deploy computes it from the environment. */
export function nodeRoles(...pools: string[]): NodeRole[] {
  return pools.map((pool) => ({
    pool,
    selector: `platform-blueprint.io/pool=${pool}`,
    label: `node-role.kubernetes.io/${pool}`,
  }));
}
