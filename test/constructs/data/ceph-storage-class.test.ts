import { CephDriver, CephStorageClass } from '../../../constructs/data/ceph-storage-class';

const secret = { name: 'csi-secret', namespace: 'ceph-csi' };

describe('CephStorageClass', () => {
  it('gives cephfs the ceph-csi provisioner, the file system and every secret by name', () => {
    const { data } = new CephStorageClass({
      name: 'cephfs',
      driver: CephDriver.CEPHFS,
      clusterId: 'fsid-1',
      fsName: 'cephfs',
      secret,
      isDefault: true,
    });
    expect(data.provisioner).toBe('cephfs.csi.ceph.com');
    expect(data.annotations).toEqual({ 'storageclass.kubernetes.io/is-default-class': 'true' });
    expect(data.parameters).toEqual({
      clusterID: 'fsid-1',
      fsName: 'cephfs',
      'csi.storage.k8s.io/provisioner-secret-name': 'csi-secret',
      'csi.storage.k8s.io/provisioner-secret-namespace': 'ceph-csi',
      'csi.storage.k8s.io/controller-expand-secret-name': 'csi-secret',
      'csi.storage.k8s.io/controller-expand-secret-namespace': 'ceph-csi',
      'csi.storage.k8s.io/node-stage-secret-name': 'csi-secret',
      'csi.storage.k8s.io/node-stage-secret-namespace': 'ceph-csi',
    });
    expect(data.reclaimPolicy).toBe('Delete');
    expect(data.allowVolumeExpansion).toBe(true);
  });

  it('gives rbd its pool, image features and file system', () => {
    const { data } = new CephStorageClass({
      name: 'rbd',
      driver: CephDriver.RBD,
      clusterId: 'fsid-1',
      pool: 'kubernetes',
      secret,
      reclaimPolicy: 'Retain',
    });
    expect(data.provisioner).toBe('rbd.csi.ceph.com');
    expect(data.annotations).toEqual({});
    expect(data.parameters).toMatchObject({
      pool: 'kubernetes',
      imageFeatures: 'layering',
      'csi.storage.k8s.io/fstype': 'ext4',
    });
    expect(data.reclaimPolicy).toBe('Retain');
  });

  it('refuses a driver without its required field', () => {
    expect(
      () => new CephStorageClass({ name: 'a', driver: CephDriver.CEPHFS, clusterId: 'x', secret }),
    ).toThrow("'fsName' is required");
    expect(() => new CephStorageClass({ name: 'b', driver: CephDriver.RBD, clusterId: 'x', secret })).toThrow(
      "'pool' is required",
    );
  });
});
