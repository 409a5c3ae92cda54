import { StorageClassV1 } from '@cdktf/provider-kubernetes/lib/storage-class-v1';
import type { Construct } from 'constructs';
import { CephDriver, CephStorageClass } from '../../constructs/data/ceph-storage-class';
import type { EnvironmentSpec } from '../../environments/schema';
import { MANAGED_BY_LABELS } from '../labels';
import { tfName } from './tenancy';

/**
 * The environment's StorageClasses (`storage.classes`): Ceph through ceph-csi, as
 * `kubernetes_storage_class_v1`. StorageClasses are cluster-scoped platform resources, so
 * Terraform owns them; the databases' volume claims name them.
 */
export function addStorageClasses(scope: Construct, spec: EnvironmentSpec): Map<string, StorageClassV1> {
  const created = new Map<string, StorageClassV1>();
  for (const sc of spec.storage.classes) {
    const { data } = new CephStorageClass({
      name: sc.name,
      driver: sc.driver === 'rbd' ? CephDriver.RBD : CephDriver.CEPHFS,
      clusterId: sc.clusterId,
      fsName: sc.fsName,
      pool: sc.pool,
      secret: sc.secret,
      imageFeatures: sc.imageFeatures,
      fsType: sc.fsType,
      reclaimPolicy: sc.reclaimPolicy,
      volumeBindingMode: sc.volumeBindingMode,
      allowVolumeExpansion: sc.allowVolumeExpansion,
      isDefault: sc.default,
      mountOptions: sc.mountOptions,
    });
    created.set(
      sc.name,
      new StorageClassV1(scope, tfName('storage_class', sc.name), {
        metadata: {
          name: data.name,
          labels: { ...MANAGED_BY_LABELS },
          ...(Object.keys(data.annotations).length > 0 ? { annotations: { ...data.annotations } } : {}),
        },
        storageProvisioner: data.provisioner,
        parameters: { ...data.parameters },
        reclaimPolicy: data.reclaimPolicy,
        volumeBindingMode: data.volumeBindingMode,
        allowVolumeExpansion: data.allowVolumeExpansion,
        ...(data.mountOptions.length > 0 ? { mountOptions: [...data.mountOptions] } : {}),
      }),
    );
  }
  return created;
}
