import { parseAllDocuments } from 'yaml';
import { TempProject } from '../../support/cli';

interface Manifest {
  kind: string;
  metadata: { name: string; namespace?: string };
  // biome-ignore lint/suspicious/noExplicitAny: synthesized manifests are untyped JSON
  spec?: any;
}

/** A cloud environment: autoscaled pools (minSize/maxSize) from the cloud template. */
const SHOP = `template: cloud
kubernetesVersion: 1.29.4
cluster:
  kubeconfig:
    context: shop-admin@shop
controlPlane:
  loadBalancer:
    type: external
    port: 6443
    endpoint: api.shop.example.com
  masters:
    - { name: master-1, address: 172.16.0.11 }
    - { name: master-2, address: 172.16.0.12 }
    - { name: master-3, address: 172.16.0.13 }
nodePools:
  - { name: system, minSize: 2, maxSize: 3, labels: { tier: system }, taints: [{ key: dedicated, value: system, effect: NoSchedule }] }
  - { name: general-a, zone: cn-a, minSize: 2, maxSize: 20, nodeGroup: asg-general-a, labels: { tier: general } }
  - { name: general-b, zone: cn-b, minSize: 0, maxSize: 20, nodeGroup: asg-general-b, labels: { tier: general } }
clusterAutoscaler:
  cloudProvider: aws
  pool: system
namespaces:
  - { name: shop, team: shop }
`;

describe('autoscaled pools end to end (cloud environment)', () => {
  let project: TempProject;
  beforeAll(() => {
    project = new TempProject({ withEnvironments: false });
    project.write('environments/shop.yaml', SHOP);
  });
  afterAll(() => project.dispose());

  it('synthesizes a cluster-autoscaler with one --nodes per pool, placed on the system pool', async () => {
    const result = await project.run(['synth', '--out', 'out']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const docs = parseAllDocuments(project.read('out/shop/kubernetes/autoscaling.yaml')).map(
      (doc) => doc.toJS() as Manifest,
    );
    expect(docs.map((doc) => doc.kind).sort()).toEqual([
      'ClusterRole',
      'ClusterRoleBinding',
      'Deployment',
      'Role',
      'RoleBinding',
      'ServiceAccount',
    ]);
    const deployment = docs.find((doc) => doc.kind === 'Deployment') as Manifest;
    const pod = deployment.spec.template.spec;
    const command: string[] = pod.containers[0].command;
    expect(command.filter((arg) => arg.startsWith('--nodes='))).toEqual([
      '--nodes=2:3:system',
      '--nodes=2:20:asg-general-a',
      '--nodes=0:20:asg-general-b',
    ]);
    expect(command).toContain('--cloud-provider=aws');
    // Pools that differ only by pool name and zone balance against each other.
    expect(command).toContain('--balancing-ignore-label=platform-blueprint.io/pool');
    expect(command).toContain('--balancing-ignore-label=node-role.kubernetes.io/general-a');
    // The image follows the cluster's minor version.
    expect(pod.containers[0].image).toBe('registry.k8s.io/autoscaling/cluster-autoscaler:v1.29.0');
    expect(pod.nodeSelector).toEqual({ 'platform-blueprint.io/pool': 'system' });
    expect(pod.tolerations).toEqual([
      { key: 'dedicated', operator: 'Equal', value: 'system', effect: 'NoSchedule' },
    ]);
  });

  it('writes no node labels or taints to Terraform for nodes that do not exist yet', () => {
    const terraform = JSON.parse(project.read('out/shop/terraform/cdk.tf.json'));
    const names = Object.keys(terraform.resource.kubernetes_labels ?? {});
    expect(names.filter((name) => name.startsWith('node_labels_'))).toEqual([]);
  });
});

describe('fixed pools only (prod)', () => {
  let project: TempProject;
  beforeAll(() => {
    project = new TempProject();
  });
  afterAll(() => project.dispose());

  it('synthesizes no cluster-autoscaler', async () => {
    const result = await project.run(['synth', '--env', 'prod', '--out', 'out']);
    expect(result.code).toBe(0);
    expect(() => project.read('out/prod/kubernetes/autoscaling.yaml')).toThrow();
    expect(project.read('out/prod/kubernetes/platform.yaml')).not.toContain('cluster-autoscaler');
  });
});
