import { ValidationError } from '../core/validation-error';
/** The ceph-csi driver of a {@link CephStorageClass}. */
export enum CephDriver {
  /** CephFS file systems (`cephfs.csi.ceph.com`): shared volumes, ReadWriteMany. */
  CEPHFS = 'cephfs',
  /** RBD block images (`rbd.csi.ceph.com`): one writer, a local file system; what databases want. */
  RBD = 'rbd',
}

/** A Secret of ceph-csi credentials, named in the StorageClass parameters (never its values). */
export interface CephCsiSecret {
  /** Name of the Secret (ceph-csi's `userID`/`userKey`, or `adminID`/`adminKey` for CephFS). */
  readonly name: string;
  /** Namespace of the Secret, usually where ceph-csi runs. */
  readonly namespace: string;
}

/** Props of {@link CephStorageClass}. */
export interface CephStorageClassProps {
  /** Name of the StorageClass. */
  readonly name: string;
  /** The ceph-csi driver. */
  readonly driver: CephDriver;
  /** `clusterID` of the Ceph cluster in ceph-csi's configuration (usually its fsid). */
  readonly clusterId: string;
  /** CephFS file system name. Required with `CephDriver.CEPHFS`. @default - none (RBD) */
  readonly fsName?: string;
  /** RBD pool (required with RBD), or the CephFS data pool. @default - the file system's default data pool (CephFS) */
  readonly pool?: string;
  /** Secret with the credentials ceph-csi uses to provision, expand and stage volumes. */
  readonly secret: CephCsiSecret;
  /** RBD image features. @default layering (RBD only) */
  readonly imageFeatures?: string;
  /** File system RBD images are formatted with. @default ext4 (RBD only) */
  readonly fsType?: string;
  /** What happens to a volume when its claim is deleted. @default Delete */
  readonly reclaimPolicy?: 'Delete' | 'Retain';
  /** When volumes are bound. @default Immediate */
  readonly volumeBindingMode?: 'Immediate' | 'WaitForFirstConsumer';
  /** Whether claims may grow. @default true */
  readonly allowVolumeExpansion?: boolean;
  /** Mark as the cluster's default StorageClass. @default false */
  readonly isDefault?: boolean;
  /** Mount options of the volumes. @default - none */
  readonly mountOptions?: readonly string[];
}

/** A StorageClass as plain data; stacks/terraform/ maps it to `kubernetes_storage_class_v1`. */
export interface StorageClassData {
  /** Name of the StorageClass. */
  readonly name: string;
  /** Annotations (the default-class marker, when it is the default). */
  readonly annotations: Readonly<Record<string, string>>;
  /** The CSI driver that provisions the volumes. */
  readonly provisioner: string;
  /** The driver's parameters. */
  readonly parameters: Readonly<Record<string, string>>;
  /** `Delete` or `Retain`. */
  readonly reclaimPolicy: string;
  /** `Immediate` or `WaitForFirstConsumer`. */
  readonly volumeBindingMode: string;
  /** Whether claims may grow. */
  readonly allowVolumeExpansion: boolean;
  /** Mount options of the volumes. */
  readonly mountOptions: readonly string[];
}

const PROVISIONERS: Record<CephDriver, string> = {
  [CephDriver.CEPHFS]: 'cephfs.csi.ceph.com',
  [CephDriver.RBD]: 'rbd.csi.ceph.com',
};

/**
 * A StorageClass for Ceph through ceph-csi, as data: the provisioner and the parameters
 * ceph-csi reads (cluster, file system or pool, and the Secrets for provisioning, expansion
 * and node staging). Pure; it is the Terraform stack that creates the resource.
 */
export class CephStorageClass {
  /** The StorageClass, ready to be mapped to a resource. */
  public readonly data: StorageClassData;

  constructor(props: CephStorageClassProps) {
    const where = `CephStorageClass ${JSON.stringify(props.name)}`;
    if (props.driver === CephDriver.CEPHFS && !props.fsName) {
      throw new ValidationError(`${where}: 'fsName' is required with the cephfs driver`);
    }
    if (props.driver === CephDriver.RBD && !props.pool) {
      throw new ValidationError(`${where}: 'pool' is required with the rbd driver`);
    }
    if (props.driver === CephDriver.CEPHFS && (props.imageFeatures || props.fsType)) {
      throw new ValidationError(`${where}: 'imageFeatures' and 'fsType' apply to the rbd driver only`);
    }
    const { name, namespace } = props.secret;
    const parameters: Record<string, string> = { clusterID: props.clusterId };
    if (props.driver === CephDriver.CEPHFS) {
      parameters.fsName = props.fsName as string;
      if (props.pool) parameters.pool = props.pool;
    } else {
      parameters.pool = props.pool as string;
      parameters.imageFormat = '2';
      parameters.imageFeatures = props.imageFeatures ?? 'layering';
      parameters['csi.storage.k8s.io/fstype'] = props.fsType ?? 'ext4';
    }
    for (const role of ['provisioner', 'controller-expand', 'node-stage']) {
      parameters[`csi.storage.k8s.io/${role}-secret-name`] = name;
      parameters[`csi.storage.k8s.io/${role}-secret-namespace`] = namespace;
    }
    this.data = {
      name: props.name,
      annotations: props.isDefault ? { 'storageclass.kubernetes.io/is-default-class': 'true' } : {},
      provisioner: PROVISIONERS[props.driver],
      parameters,
      reclaimPolicy: props.reclaimPolicy ?? 'Delete',
      volumeBindingMode: props.volumeBindingMode ?? 'Immediate',
      allowVolumeExpansion: props.allowVolumeExpansion ?? true,
      mountOptions: [...(props.mountOptions ?? [])],
    };
  }
}
