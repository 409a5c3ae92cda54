import { parse as parseYaml } from 'yaml';
import { kubeletLabelsOf } from '../../../stacks/hosts/workers';
import { POOL_LABEL } from '../../../stacks/kubernetes/placement';
import { readTree, TempProject } from '../../support/cli';

describe('worker JoinConfigurations', () => {
  let tree: Map<string, string>;
  beforeAll(async () => {
    const project = new TempProject();
    try {
      const result = await project.run(['synth', '--env', 'prod', '--out', 'out']);
      if (result.code !== 0) throw new Error(`synth failed (${result.code}): ${result.stderr}`);
      tree = readTree(project.path('out'));
    } finally {
      project.dispose();
    }
  }, 60000);

  it("registers each fixed worker with its pool's taints and self-settable labels", () => {
    const join = parseYaml(tree.get('prod/hosts/node-12/kubeadm-join.yaml') as string);
    expect(join).toEqual({
      apiVersion: 'kubeadm.k8s.io/v1beta3',
      kind: 'JoinConfiguration',
      discovery: { file: { kubeConfigPath: '/etc/kubernetes/discovery.conf' } },
      nodeRegistration: {
        name: 'node-12',
        taints: [{ key: 'dedicated', value: 'gateway', effect: 'NoSchedule' }],
        kubeletExtraArgs: {
          'node-ip': '10.20.2.22',
          'node-labels': `${POOL_LABEL}=gateway,tier=gateway,topology.kubernetes.io/zone=dc1-b`,
        },
      },
    });
  });

  it('writes one per fixed worker (15 in prod) and never a node-role label', () => {
    const joins = [...tree.keys()].filter((key) => /^prod\/hosts\/node-\d+\/kubeadm-join\.yaml$/.test(key));
    expect(joins).toHaveLength(15);
    for (const key of joins) expect(tree.get(key)).not.toContain('node-role.kubernetes.io');
  });

  it('leaves labels a kubelet may not set to Terraform', () => {
    expect(
      kubeletLabelsOf({
        name: 'db',
        labels: { tier: 'db', 'node-role.kubernetes.io/db': '', 'k8s.io/x': 'y' },
      }),
    ).toEqual({ tier: 'db', [POOL_LABEL]: 'db' });
  });
});
