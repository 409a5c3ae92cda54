import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { ClusterAutoscaler } from '../../constructs/autoscaling/cluster-autoscaler';
import { NodePool } from '../../constructs/node-pool/node-pool';
import type { LoadedEnvironment } from '../../environments/load';
import type { EnvironmentSpec } from '../../environments/schema';
import { MANAGED_BY_LABELS } from '../labels';
import { POOL_LABEL, placementFor } from './placement';

/** Whether the environment has autoscaled pools (minSize/maxSize), which the cluster-autoscaler sizes. */
export function hasAutoscaledPools(spec: EnvironmentSpec): boolean {
  return spec.nodePools.some((pool) => pool.nodes === undefined && pool.minSize !== undefined);
}

/**
 * The default cluster-autoscaler image: the release line of the cluster's minor version
 * (cluster-autoscaler supports only its own Kubernetes minor). Pin a patch release with
 * `clusterAutoscaler.image`.
 */
export function defaultClusterAutoscalerImage(kubernetesVersion: string): string {
  const [major, minor] = kubernetesVersion.split('.');
  return `registry.k8s.io/autoscaling/cluster-autoscaler:v${major}.${minor}.0`;
}

/**
 * Cluster-level autoscaling: the cluster-autoscaler with one `--nodes=min:max:<group>` per
 * autoscaled pool. Only synthesized when the environment has autoscaled pools.
 */
export class AutoscalingChart extends Chart {
  public readonly clusterAutoscaler: ClusterAutoscaler;

  constructor(scope: Construct, id: string, env: LoadedEnvironment) {
    super(scope, id, { disableResourceNameHashes: true, labels: { ...MANAGED_BY_LABELS } });
    const { spec } = env;
    const config = spec.clusterAutoscaler;
    if (!config)
      throw new Error(
        'AutoscalingChart: autoscaled pools without clusterAutoscaler; the schema rules must reject this',
      );
    // NodePool constructs hold data only; they add no objects to the chart.
    const pools = spec.nodePools
      .filter((pool) => pool.nodes === undefined && pool.minSize !== undefined)
      .map(
        (pool) =>
          new NodePool(this, `pool-${pool.name}`, {
            name: pool.name,
            minSize: pool.minSize,
            maxSize: pool.maxSize,
            nodeGroup: pool.nodeGroup,
            labels: pool.labels,
            taints: pool.taints,
            zone: pool.zone,
            poolLabelKey: POOL_LABEL,
          }),
      );
    this.clusterAutoscaler = new ClusterAutoscaler(this, 'cluster-autoscaler', {
      cloudProvider: config.cloudProvider,
      image: config.image ?? defaultClusterAutoscalerImage(spec.kubernetesVersion),
      namespace: config.namespace,
      nodeGroups: pools.map((pool) => ({
        ...(pool.nodeGroupRange as NonNullable<NodePool['nodeGroupRange']>),
        // Pools that differ only in name and zone (general-a, general-b) must count as similar.
        balancingIgnoreLabels: [POOL_LABEL, pool.roleLabelKey],
      })),
      expander: config.expander,
      balanceSimilarNodeGroups: config.balanceSimilarNodeGroups,
      scaleDownUnneededTime: config.scaleDownUnneededTime,
      scaleDownDelayAfterAdd: config.scaleDownDelayAfterAdd,
      skipNodesWithLocalStorage: config.skipNodesWithLocalStorage,
      cloudConfig: config.cloudConfig,
      placement: placementFor(spec, config.pool),
    });
  }
}
