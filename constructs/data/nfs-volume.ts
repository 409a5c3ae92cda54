import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ValidationError } from '../core/validation-error';
import { endpointAddressProblem } from './endpoint-address';

/** Props of {@link NfsVolume}. */
export interface NfsVolumeProps {
  /** Name of the PersistentVolumeClaim pods mount (a DNS-1123 label); the PersistentVolume is `<namespace>-<name>`. */
  readonly name: string;
  /** Namespace of the claim. */
  readonly namespace: string;
  /**
   * IPv4 address of the NFS server (the virtual IP of an HA pair). The kubelet mounts it from
   * the node's network, where cluster DNS names do not resolve, so it is an address.
   */
  readonly server: string;
  /** Exported directory, an absolute path, e.g. `/exports/shared`. */
  readonly path: string;
  /** Capacity the volume advertises, e.g. `500Gi` (NFS does not enforce it). */
  readonly size: string;
  /** Mount read-only. @default false */
  readonly readOnly?: boolean;
  /** NFS mount options. @default ['nfsvers=4.1', 'hard', 'noresvport'] */
  readonly mountOptions?: readonly string[];
  /** Labels on both objects. @default - none */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * A share of an NFS server outside the cluster, ready for pods to mount: a statically
 * provisioned PersistentVolume (`nfs`, reclaim policy Retain: deleting the claim never
 * deletes data) and a PersistentVolumeClaim bound to exactly that volume.
 */
export class NfsVolume extends Construct {
  /** The cluster-scoped volume, `<namespace>-<name>`, pointing at the export. */
  public readonly persistentVolume: k8s.KubePersistentVolume;
  /** The claim pods mount, bound to exactly that volume. */
  public readonly claim: k8s.KubePersistentVolumeClaim;

  constructor(scope: Construct, id: string, props: NfsVolumeProps) {
    super(scope, id);
    const where = `NfsVolume ${JSON.stringify(props.name)}`;
    const problem = endpointAddressProblem(props.server);
    if (problem !== undefined)
      throw new ValidationError(`${where}: 'server' (${JSON.stringify(props.server)}) ${problem}`);
    if (!props.path.startsWith('/')) {
      throw new ValidationError(
        `${where}: 'path' (${JSON.stringify(props.path)}) must be an absolute path such as /exports/shared`,
      );
    }
    const accessMode = props.readOnly ? 'ReadOnlyMany' : 'ReadWriteMany';
    const volumeName = `${props.namespace}-${props.name}`;
    const labels = { ...(props.labels ?? {}) };
    const size = k8s.Quantity.fromString(props.size);
    this.persistentVolume = new k8s.KubePersistentVolume(this, 'volume', {
      metadata: { name: volumeName, labels },
      spec: {
        capacity: { storage: size },
        accessModes: [accessMode],
        persistentVolumeReclaimPolicy: 'Retain',
        // Empty: never offered to claims that ask a StorageClass for dynamic provisioning.
        storageClassName: '',
        mountOptions: [...(props.mountOptions ?? ['nfsvers=4.1', 'hard', 'noresvport'])],
        nfs: { server: props.server, path: props.path, readOnly: props.readOnly ?? false },
        claimRef: { namespace: props.namespace, name: props.name },
      },
    });
    this.claim = new k8s.KubePersistentVolumeClaim(this, 'claim', {
      metadata: { name: props.name, namespace: props.namespace, labels },
      spec: {
        accessModes: [accessMode],
        storageClassName: '',
        volumeName,
        resources: { requests: { storage: size } },
      },
    });
  }
}
