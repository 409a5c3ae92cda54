import { type Rule, report, reportDuplicates } from './rules';

/**
 * Cross-field rules of `nodePools` and `clusterAutoscaler`. A host that is both a master and a
 * worker is reported by the control-plane rules (at `controlPlane.masters[i]`), once.
 */

/** Label keys the blueprint writes itself on every node of a pool. */
const RESERVED_LABELS: readonly { readonly matches: (key: string) => boolean; readonly use: string }[] = [
  { matches: (key) => key === 'platform-blueprint.io/pool', use: 'the pool name' },
  { matches: (key) => key.startsWith('node-role.kubernetes.io/'), use: 'the pool name (role label)' },
  { matches: (key) => key === 'topology.kubernetes.io/zone', use: 'the `zone` field' },
  { matches: (key) => key === 'kubernetes.io/hostname', use: 'the node name (kubelet sets it)' },
];

/** Pool names are label values and Terraform addresses: unique. */
const uniquePoolNames: Rule = (spec, ctx) => {
  reportDuplicates(
    ctx,
    spec.nodePools,
    (pool) => pool.name,
    (index) => ['nodePools', index, 'name'],
    'the pool name',
  );
};

/** A host belongs to one pool: two pools would give it two sets of labels and taints. */
const nodesInOnePool: Rule = (spec, ctx) => {
  const names = new Map<string, string>();
  const addresses = new Map<string, string>();
  spec.nodePools.forEach((pool, poolIndex) => {
    (pool.nodes ?? []).forEach((node, nodeIndex) => {
      const where = `node ${nodeIndex} of pool ${JSON.stringify(pool.name)}`;
      const firstName = names.get(node.name);
      if (firstName !== undefined)
        report(
          ctx,
          ['nodePools', poolIndex, 'nodes', nodeIndex, 'name'],
          node.name,
          `is already ${firstName}; a node belongs to exactly one pool`,
        );
      else names.set(node.name, where);
      const firstAddress = addresses.get(node.address);
      if (firstAddress !== undefined)
        report(
          ctx,
          ['nodePools', poolIndex, 'nodes', nodeIndex, 'address'],
          node.address,
          `is already the address of ${firstAddress}; every host needs its own address`,
        );
      else addresses.set(node.address, `${where} (${node.name})`);
    });
  });
};

/** A pool is either fixed (`nodes`) or autoscaled (`minSize` and `maxSize`), never both or neither. */
const fixedOrAutoscaled: Rule = (spec, ctx) => {
  spec.nodePools.forEach((pool, index) => {
    const path = ['nodePools', index];
    const sized = pool.minSize !== undefined || pool.maxSize !== undefined;
    if (pool.nodes !== undefined && sized) {
      const field = pool.minSize !== undefined ? 'minSize' : 'maxSize';
      report(
        ctx,
        [...path, field],
        pool[field],
        `is set on a pool that lists nodes; a pool is either fixed (nodes) or autoscaled (minSize/maxSize), not both`,
      );
      return;
    }
    if (pool.nodes === undefined && !sized) {
      report(
        ctx,
        [...path, 'name'],
        pool.name,
        'has neither nodes nor minSize/maxSize; list its hosts, or give minSize and maxSize for an autoscaled pool',
      );
      return;
    }
    if (pool.nodes !== undefined) {
      if (pool.nodes.length === 0)
        report(ctx, [...path, 'nodes'], pool.nodes, 'is empty; a fixed pool needs at least one node');
      if (pool.nodeGroup !== undefined)
        report(
          ctx,
          [...path, 'nodeGroup'],
          pool.nodeGroup,
          'is set on a fixed pool; only autoscaled pools (minSize/maxSize) have a cloud node group',
        );
      return;
    }
    if (pool.minSize === undefined)
      report(ctx, [...path, 'minSize'], undefined, `is required with maxSize (${pool.maxSize})`);
    else if (pool.maxSize === undefined)
      report(ctx, [...path, 'maxSize'], undefined, `is required with minSize (${pool.minSize})`);
    else if (pool.minSize > pool.maxSize)
      report(
        ctx,
        [...path, 'minSize'],
        pool.minSize,
        `is greater than maxSize (${pool.maxSize}); minSize must be <= maxSize`,
      );
  });
  // Two pools on one cloud node group would give cluster-autoscaler two --nodes for one group.
  const autoscaled = spec.nodePools
    .map((pool, index) => ({ pool, index }))
    .filter(({ pool }) => pool.nodes === undefined && pool.minSize !== undefined);
  const groups = new Map<string, string>();
  for (const { pool, index } of autoscaled) {
    const group = pool.nodeGroup ?? pool.name;
    const first = groups.get(group);
    if (first === undefined) groups.set(group, pool.name);
    else
      report(
        ctx,
        ['nodePools', index, pool.nodeGroup !== undefined ? 'nodeGroup' : 'name'],
        group,
        `is already the node group of pool ${JSON.stringify(first)}; each autoscaled pool needs its own node group`,
      );
  }
};

/** Labels the blueprint sets itself cannot be set by hand; taints must be distinct per key and effect. */
const poolLabelsAndTaints: Rule = (spec, ctx) => {
  spec.nodePools.forEach((pool, index) => {
    for (const key of Object.keys(pool.labels)) {
      const reserved = RESERVED_LABELS.find((candidate) => candidate.matches(key));
      if (reserved)
        report(
          ctx,
          ['nodePools', index, 'labels', key],
          pool.labels[key],
          `is a label the blueprint sets from ${reserved.use}; remove it`,
        );
    }
    reportDuplicates(
      ctx,
      pool.taints,
      (taint) => `${taint.key}:${taint.effect}`,
      (taintIndex) => ['nodePools', index, 'taints', taintIndex],
      'key and effect',
    );
  });
};

/** Autoscaled pools need the cluster-autoscaler, and the cluster-autoscaler needs autoscaled pools. */
const clusterAutoscalerWiring: Rule = (spec, ctx) => {
  const autoscaled = spec.nodePools
    .map((pool, index) => ({ pool, index }))
    .filter(
      ({ pool }) => pool.nodes === undefined && pool.minSize !== undefined && pool.maxSize !== undefined,
    );
  const config = spec.clusterAutoscaler;
  if (config === undefined) {
    for (const { pool, index } of autoscaled)
      report(
        ctx,
        ['nodePools', index, 'minSize'],
        pool.minSize,
        'makes an autoscaled pool, which needs clusterAutoscaler (at least its cloudProvider) to be set',
      );
    return;
  }
  if (autoscaled.length === 0) {
    report(
      ctx,
      ['clusterAutoscaler'],
      config.cloudProvider,
      'is set, but no pool is autoscaled; give a pool minSize/maxSize or remove clusterAutoscaler',
    );
  }
  if (config.namespace !== 'kube-system' && !spec.namespaces.some((ns) => ns.name === config.namespace))
    report(
      ctx,
      ['clusterAutoscaler', 'namespace'],
      config.namespace,
      `is neither kube-system nor one of namespaces[].name (${spec.namespaces.map((ns) => ns.name).join(', ') || 'none declared'})`,
    );
  if (config.pool !== undefined) {
    const pool = spec.nodePools.find((candidate) => candidate.name === config.pool);
    if (!pool)
      report(
        ctx,
        ['clusterAutoscaler', 'pool'],
        config.pool,
        `is not one of nodePools[].name (${spec.nodePools.map((p) => p.name).join(', ') || 'none declared'})`,
      );
    else if (pool.nodes === undefined && (pool.minSize ?? 0) < 1)
      report(
        ctx,
        ['clusterAutoscaler', 'pool'],
        config.pool,
        `is an autoscaled pool with minSize ${pool.minSize ?? 0}; the cluster-autoscaler could remove its own node. Use a fixed pool or minSize >= 1`,
      );
  }
};

/** The rules of the node pool area, in the order they report. */
export const nodePoolRules: Rule[] = [
  uniquePoolNames,
  nodesInOnePool,
  fixedOrAutoscaled,
  poolLabelsAndTaints,
  clusterAutoscalerWiring,
];
