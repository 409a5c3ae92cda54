import { Construct } from 'constructs';
import { NodePool, type NodePoolProps } from '../../../constructs/node-pool/node-pool';

const pool = (props: NodePoolProps) => new NodePool(new Construct(undefined as never, 'root'), 'pool', props);

describe('NodePool', () => {
  const database = () =>
    pool({
      name: 'database',
      zone: 'dc1-a',
      labels: { tier: 'database', 'node.kubernetes.io/disk': 'ssd', 'example.com/owner': 'dba' },
      taints: [{ key: 'dedicated', value: 'database', effect: 'NoSchedule' }],
      nodes: [
        { name: 'node-10', address: '10.20.1.20' },
        { name: 'node-11', address: '10.20.2.21' },
      ],
    });

  it('labels every node with the pool, the role, the zone and its own labels, sorted by key', () => {
    const labels = database().nodeLabels;
    expect(labels).toEqual({
      'example.com/owner': 'dba',
      'node-role.kubernetes.io/database': '',
      'node.kubernetes.io/disk': 'ssd',
      'platform-blueprint.io/pool': 'database',
      tier: 'database',
      'topology.kubernetes.io/zone': 'dc1-a',
    });
    expect(Object.keys(labels)).toEqual([...Object.keys(labels)].sort());
  });

  it('leaves the role label out of what the kubelet may set itself (NodeRestriction)', () => {
    const kubelet = database().kubeletLabels;
    expect(kubelet).not.toHaveProperty('node-role.kubernetes.io/database');
    expect(kubelet).toMatchObject({
      'platform-blueprint.io/pool': 'database',
      'topology.kubernetes.io/zone': 'dc1-a',
      'node.kubernetes.io/disk': 'ssd',
      tier: 'database',
    });
  });

  it('uses the given pool label key and omits the zone label without a zone', () => {
    const labels = pool({
      name: 'general',
      nodes: [{ name: 'n1', address: '10.0.0.1' }],
      poolLabelKey: 'example.com/pool',
    }).nodeLabels;
    expect(labels).toEqual({ 'example.com/pool': 'general', 'node-role.kubernetes.io/general': '' });
  });

  it('is fixed with nodes and autoscaled with a range', () => {
    const fixed = database();
    expect(fixed.isAutoscaled).toBe(false);
    expect(fixed.nodes.map((node) => node.name)).toEqual(['node-10', 'node-11']);
    expect(() => fixed.clusterAutoscalerNodesFlag).toThrow("pool 'database' is fixed");
    const elastic = pool({ name: 'general-a', minSize: 2, maxSize: 10, zone: 'cn-a' });
    expect(elastic.isAutoscaled).toBe(true);
    expect(elastic.nodes).toEqual([]);
    expect(elastic.clusterAutoscalerNodesFlag).toBe('--nodes=2:10:general-a');
    expect(
      pool({ name: 'b', minSize: 0, maxSize: 3, nodeGroup: 'asg-b-123' }).clusterAutoscalerNodesFlag,
    ).toBe('--nodes=0:3:asg-b-123');
  });

  it.each<[string, NodePoolProps, string]>([
    ['min > max', { name: 'p', minSize: 5, maxSize: 3 }, "pool 'p': 'minSize' (5) must be <= 'maxSize' (3)"],
    [
      'only min',
      { name: 'p', minSize: 1 },
      "pool 'p' needs nodes, or both minSize and maxSize (got 1/undefined)",
    ],
    [
      'both kinds',
      { name: 'p', minSize: 1, maxSize: 2, nodes: [{ name: 'a', address: '10.0.0.1' }] },
      'a pool is fixed or autoscaled, not both',
    ],
    ['no nodes', { name: 'p', nodes: [] }, "pool 'p' has an empty 'nodes' list"],
    [
      'group on fixed',
      { name: 'p', nodeGroup: 'g', nodes: [{ name: 'a', address: '10.0.0.1' }] },
      "'nodeGroup' (g) applies only to autoscaled pools",
    ],
    [
      'reserved label',
      { name: 'p', minSize: 1, maxSize: 2, labels: { 'topology.kubernetes.io/zone': 'x' } },
      "label 'topology.kubernetes.io/zone' is set by the pool itself",
    ],
    [
      'repeated taint',
      {
        name: 'p',
        minSize: 1,
        maxSize: 2,
        taints: [
          { key: 'd', value: 'a', effect: 'NoSchedule' },
          { key: 'd', value: 'b', effect: 'NoSchedule' },
        ],
      },
      "taint 'd:NoSchedule' is given twice",
    ],
  ])('rejects %s with the values in the message', (_name, props, message) => {
    expect(() => pool(props)).toThrow(message);
  });
});
