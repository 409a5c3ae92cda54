import { TempProject } from '../support/cli';

/** Applies `edits` to a fresh copy of prod.yaml and runs `blueprint synth --env prod`. */
async function synthProdWith(edits: readonly [string | RegExp, string][]) {
  const project = new TempProject();
  try {
    for (const [search, replacement] of edits) project.edit('environments/prod.yaml', search, replacement);
    return await project.run(['synth', '--env', 'prod', '--out', 'out']);
  } finally {
    project.dispose();
  }
}

const GATEWAY_LABELS = 'labels: { tier: gateway }';
const LAST_NODE = '      - { name: node-13, address: 10.20.2.23 }';

describe('node pool validation (exit 2, file, path and value)', () => {
  it.each<[string, [string | RegExp, string][], string]>([
    [
      'pool names not unique',
      [['  - name: general-b\n', '  - name: general\n']],
      'environments/prod.yaml: nodePools[1].name: "general" repeats the pool name of item 0',
    ],
    [
      'a node in two pools',
      [[LAST_NODE, '      - { name: node-01, address: 10.20.2.23 }']],
      'environments/prod.yaml: nodePools[3].nodes[1].name: "node-01" is already node 0 of pool "general"; a node belongs to exactly one pool',
    ],
    [
      'a node address used twice',
      [[LAST_NODE, '      - { name: node-13, address: 10.20.1.11 }']],
      'environments/prod.yaml: nodePools[3].nodes[1].address: "10.20.1.11" is already the address of node 0 of pool "general" (node-01)',
    ],
    [
      'a node that is also a master',
      [[LAST_NODE, '      - { name: master-2, address: 10.20.2.23 }']],
      'environments/prod.yaml: controlPlane.masters[1].name: "master-2" is also a node of pool "gateway"',
    ],
    [
      'minSize greater than maxSize',
      [[/ {2}- name: gateway\n[\s\S]*$/, '  - name: gateway\n    minSize: 5\n    maxSize: 3\n']],
      'environments/prod.yaml: nodePools[3].minSize: 5 is greater than maxSize (3)',
    ],
    [
      'both nodes and minSize/maxSize',
      [[GATEWAY_LABELS, `${GATEWAY_LABELS}\n    minSize: 1\n    maxSize: 3`]],
      'environments/prod.yaml: nodePools[3].minSize: 1 is set on a pool that lists nodes',
    ],
    [
      'neither nodes nor minSize/maxSize',
      [[/ {2}- name: gateway\n[\s\S]*$/, '  - name: gateway\n    labels: { tier: gateway }\n']],
      'environments/prod.yaml: nodePools[3].name: "gateway" has neither nodes nor minSize/maxSize',
    ],
    [
      'minSize without maxSize',
      [[/ {2}- name: gateway\n[\s\S]*$/, '  - name: gateway\n    minSize: 1\n']],
      'environments/prod.yaml: nodePools[3].maxSize: is required with minSize (1)',
    ],
    [
      'an empty nodes list',
      [[/ {2}- name: gateway\n[\s\S]*$/, '  - name: gateway\n    nodes: []\n']],
      'environments/prod.yaml: nodePools[3].nodes: [] is empty; a fixed pool needs at least one node',
    ],
    [
      'a taint effect other than NoSchedule, PreferNoSchedule or NoExecute',
      [['value: gateway, effect: NoSchedule', 'value: gateway, effect: NoRun']],
      'environments/prod.yaml: nodePools[3].taints[0].effect: "NoRun" must be one of NoSchedule, PreferNoSchedule, NoExecute',
    ],
    [
      'a taint repeated with the same key and effect',
      [
        [
          '[{ key: dedicated, value: gateway, effect: NoSchedule }]',
          '[{ key: dedicated, value: gateway, effect: NoSchedule }, { key: dedicated, value: edge, effect: NoSchedule }]',
        ],
      ],
      'environments/prod.yaml: nodePools[3].taints[1]: "dedicated:NoSchedule" repeats key and effect of item 0',
    ],
    [
      'a taint key that breaks label syntax',
      [
        [
          '[{ key: dedicated, value: gateway, effect: NoSchedule }]',
          "[{ key: 'dedi cated', value: gateway, effect: NoSchedule }]",
        ],
      ],
      'environments/prod.yaml: nodePools[3].taints[0].key: "dedi cated" is not a valid label key',
    ],
    [
      'a label key that breaks Kubernetes syntax',
      [[GATEWAY_LABELS, "labels: { tier: gateway, 'team/Owner!': x }"]],
      'environments/prod.yaml: nodePools[3].labels.team/Owner!: "team/Owner!" is not a valid label key',
    ],
    [
      'a label value that breaks Kubernetes syntax',
      [[GATEWAY_LABELS, "labels: { tier: 'edge gateway' }"]],
      'environments/prod.yaml: nodePools[3].labels.tier: "edge gateway" is not a valid label value',
    ],
    [
      'a label the blueprint sets itself',
      [[GATEWAY_LABELS, "labels: { tier: gateway, 'node-role.kubernetes.io/edge': '' }"]],
      'environments/prod.yaml: nodePools[3].labels.node-role.kubernetes.io/edge: "" is a label the blueprint sets from the pool name (role label)',
    ],
    [
      'a zone that is not a label value',
      [['    zone: dc1-b\n    labels: { tier: gateway }', '    zone: dc1 b\n    labels: { tier: gateway }']],
      'environments/prod.yaml: nodePools[3].zone: "dc1 b" is not a valid label value',
    ],
    [
      'a nodeGroup on a fixed pool',
      [[GATEWAY_LABELS, `${GATEWAY_LABELS}\n    nodeGroup: asg-1`]],
      'environments/prod.yaml: nodePools[3].nodeGroup: "asg-1" is set on a fixed pool',
    ],
    [
      'an autoscaled pool without clusterAutoscaler',
      [[/ {2}- name: gateway\n[\s\S]*$/, '  - name: gateway\n    minSize: 1\n    maxSize: 4\n']],
      'environments/prod.yaml: nodePools[3].minSize: 1 makes an autoscaled pool, which needs clusterAutoscaler',
    ],
    [
      'clusterAutoscaler without autoscaled pools',
      [['namespaces:\n', 'clusterAutoscaler: { cloudProvider: aws }\nnamespaces:\n']],
      'environments/prod.yaml: clusterAutoscaler: "aws" is set, but no pool is autoscaled',
    ],
    [
      'an unknown cloud provider',
      [['namespaces:\n', 'clusterAutoscaler: { cloudProvider: moon }\nnamespaces:\n']],
      'environments/prod.yaml: clusterAutoscaler.cloudProvider: "moon" must be one of alicloud, aws',
    ],
  ])('rejects %s', async (_name, edits, expected) => {
    const result = await synthProdWith(edits);
    expect(result.stderr).toContain(expected);
    expect(result.stderr).toMatch(/\(line \d+\)/);
    expect(result.stderr).not.toContain('    at ');
    expect(result.code).toBe(2);
  });
});

describe('cluster-autoscaler placement validation', () => {
  const CLOUD = `template: cloud
cluster: { kubeconfig: { context: shop-admin@shop } }
controlPlane:
  loadBalancer: { type: external, port: 6443, endpoint: api.shop.example.com }
  masters:
    - { name: master-1, address: 172.16.0.11 }
    - { name: master-2, address: 172.16.0.12 }
    - { name: master-3, address: 172.16.0.13 }
nodePools:
  - { name: general-a, minSize: 0, maxSize: 20, nodeGroup: asg-a }
  - { name: general-b, minSize: 1, maxSize: 20, nodeGroup: asg-a }
clusterAutoscaler: { cloudProvider: aws, pool: general-a, namespace: autoscaler }
namespaces: [{ name: shop, team: shop }]
`;

  it('rejects a shared node group, a pool that can scale to zero under the autoscaler and an unknown namespace', async () => {
    const project = new TempProject({ withEnvironments: false });
    try {
      project.write('environments/shop.yaml', CLOUD);
      const result = await project.run(['synth', '--out', 'out']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        'environments/shop.yaml: nodePools[1].nodeGroup: "asg-a" is already the node group of pool "general-a"',
      );
      expect(result.stderr).toContain(
        'environments/shop.yaml: clusterAutoscaler.pool: "general-a" is an autoscaled pool with minSize 0',
      );
      expect(result.stderr).toContain(
        'environments/shop.yaml: clusterAutoscaler.namespace: "autoscaler" is neither kube-system nor one of namespaces[].name (shop)',
      );
    } finally {
      project.dispose();
    }
  });
});
