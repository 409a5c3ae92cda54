import { readTree, TempProject } from '../../support/cli';

// biome-ignore lint/suspicious/noExplicitAny: Terraform JSON
type Json = any;

describe('Ceph StorageClasses in Terraform', () => {
  let project: TempProject;
  let classes: Record<string, Json>;
  let testResources: Record<string, Json>;
  beforeAll(async () => {
    project = new TempProject();
    const result = await project.run(['synth', '--env', 'prod', '--env', 'test', '--out', 'out']);
    expect(result.code).toBe(0);
    const tree = readTree(project.path('out'));
    classes = JSON.parse(tree.get('prod/terraform/cdk.tf.json') ?? '{}').resource.kubernetes_storage_class_v1;
    testResources = JSON.parse(tree.get('test/terraform/cdk.tf.json') ?? '{}').resource;
  });
  afterAll(() => project.dispose());

  it('creates the cephfs class of seed 004 as the default, and an rbd class', () => {
    const cephfs = classes.storage_class_cephfs;
    expect(cephfs.storage_provisioner).toBe('cephfs.csi.ceph.com');
    expect(cephfs.metadata.annotations).toEqual({ 'storageclass.kubernetes.io/is-default-class': 'true' });
    expect(cephfs.parameters).toMatchObject({ fsName: 'cephfs', clusterID: expect.any(String) });
    const rbd = classes['storage_class_ceph-rbd'];
    expect(rbd.storage_provisioner).toBe('rbd.csi.ceph.com');
    expect(rbd.metadata.annotations).toBeUndefined();
    expect(rbd.parameters.pool).toBe('kubernetes');
    expect(rbd.reclaim_policy).toBe('Retain');
  });

  it('names the ceph-csi Secrets without carrying their values', () => {
    for (const sc of Object.values(classes)) {
      for (const role of ['provisioner', 'controller-expand', 'node-stage']) {
        expect(sc.parameters[`csi.storage.k8s.io/${role}-secret-name`]).toMatch(/^csi-/);
        expect(sc.parameters[`csi.storage.k8s.io/${role}-secret-namespace`]).toBe('ceph-csi');
      }
      expect(
        Object.keys(sc.parameters).filter((key) => !/(-name|-namespace)$/.test(key) && /secret/i.test(key)),
      ).toEqual([]);
    }
  });

  it('creates no StorageClass where the environment declares none', () => {
    expect(testResources.kubernetes_storage_class_v1).toBeUndefined();
  });
});
