import { z } from 'zod';
import { endpointAddressProblem } from '../../constructs/data/endpoint-address';
import { isPinnedImage } from '../../constructs/data/image-reference';
import { KeyRange } from '../../constructs/data/key-range';
import { dnsLabel, dnsSubdomain, port, secretRef } from './common';

/**
 * Data services: sharded databases in the cluster, data services outside it (seed 004's
 * bare-metal MySQL, Redis and NFS), and Ceph StorageClasses. Cross-field rules are in
 * data-rules.ts.
 */

const cpuQuantity = z
  .union([z.string(), z.number()], { error: 'must be a CPU quantity such as 500m or 2' })
  .transform((value) => String(value))
  .pipe(
    z.string().regex(/^([1-9][0-9]*m|[0-9]+(\.[0-9]{1,3})?)$/, {
      error: 'is not a CPU quantity (millicores such as 500m, or cores such as 2 or 0.5)',
    }),
  );

const memoryQuantity = z
  .string({ error: 'must be a string such as 512Mi or 2Gi' })
  .regex(/^[1-9][0-9]*(Mi|Gi)$/, { error: 'is not a memory quantity in Mi or Gi (e.g. 512Mi, 2Gi)' });

/** A volume size such as `50Gi` or `2Ti`. */
export const storageSize = z
  .string({ error: 'must be a string such as 50Gi' })
  .regex(/^[1-9][0-9]*(Mi|Gi|Ti)$/, { error: 'is not a volume size in Mi, Gi or Ti (e.g. 50Gi, 1Ti)' });

const cpuAndMemory = z.strictObject({
  cpu: cpuQuantity.describe('CPU, in millicores (500m) or cores (2).'),
  memory: memoryQuantity.describe('Memory, in Mi or Gi (512Mi, 2Gi).'),
});

/** A container image pinned by tag or digest. */
const pinnedImage = z
  .string({ error: 'must be an image reference such as mysql:8.4.6' })
  .regex(/^[a-z0-9][A-Za-z0-9._:/@-]*$/, { error: 'is not an image reference (e.g. mysql:8.4.6)' })
  .refine(isPinnedImage, {
    error: 'is not pinned: give a tag other than latest (mysql:8.4.6) or a digest (mysql@sha256:<64 hex>)',
  });

/** One key range in Vitess notation (`-80`, `80-c0`, `c0-`). */
const keyRange = z
  .string({ error: 'must be a key range string such as "-80" or "80-"' })
  .superRefine((value, ctx) => {
    const problem = KeyRange.problem(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', input: value, message: problem });
  });

/** A MySQL database sharded by key range, in the cluster. */
export const database = z
  .strictObject({
    name: dnsLabel
      .max(40, { error: 'is longer than 40 characters (it prefixes the shard names)' })
      .describe(
        'Database (keyspace) name, unique among databases and external services; services name it in `uses`. Prefixes its objects: `<name>-<range>` per shard, `<name>-shards` for the shard map.',
      ),
    namespace: dnsLabel.describe('Namespace of the database; one of `namespaces[].name`.'),
    engine: z
      .enum(['mysql'], { error: 'must be mysql (the only engine so far)' })
      .default('mysql')
      .describe('Database engine. @default mysql'),
    shards: z
      .union(
        [
          z
            .number({ error: 'must be a shard count' })
            .int({ error: 'must be a whole number' })
            .min(1, { error: 'must be at least 1' })
            .max(256, { error: 'must be at most 256' }),
          z.array(keyRange).min(1, { error: 'must list at least one key range' }),
        ],
        { error: 'must be a shard count (1-256) or a list of key ranges such as ["-80", "80-"]' },
      )
      .describe(
        'Shards: a count (a power of two splits the keyspace evenly: 4 gives -40, 40-80, 80-c0, c0-), or explicit key ranges in Vitess notation: lowercase hex of whole bytes, start inclusive, end exclusive, empty unbounded; sorted, no gaps, no overlaps.',
      ),
    replicas: z
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1 (each shard needs its primary)' })
      .max(9, { error: 'must be at most 9' })
      .default(2)
      .describe(
        'Pods per shard: one primary and replicas-1 read-only replicas, each on its own host; at most the number of nodes of `pool`. @default 2',
      ),
    pool: dnsLabel.describe(
      'The dedicated node pool the shards run on (its taints are tolerated and its nodes selected); one of `nodePools[].name`.',
    ),
    zoneSpread: z
      .enum(['preferred', 'required'], { error: 'must be one of preferred, required' })
      .default('preferred')
      .describe(
        "Spread of a shard's pods over zones: `required` refuses to schedule when the zones are unbalanced. @default preferred",
      ),
    storage: z
      .strictObject({
        class: dnsSubdomain
          .optional()
          .describe(
            "StorageClass of the data volumes; one of `storage.classes[].name`. @default - the cluster's default StorageClass",
          ),
        size: storageSize.describe('Size of each pod’s data volume, e.g. 50Gi.'),
      })
      .describe('Data volume of every pod.'),
    resources: z
      .strictObject({
        requests: cpuAndMemory
          .prefault({ cpu: '500m', memory: '1Gi' })
          .describe('What the scheduler reserves for mysqld. @default {cpu: 500m, memory: 1Gi}'),
        limits: cpuAndMemory
          .prefault({ cpu: '2', memory: '2Gi' })
          .describe('The most mysqld may use. @default {cpu: "2", memory: 2Gi}'),
      })
      .prefault({})
      .describe('Resources of the mysqld container. @default requests 500m/1Gi, limits 2/2Gi'),
    credentials: z
      .strictObject({
        root: secretRef.describe("Secret key holding the password of MySQL's root user."),
        replication: secretRef
          .optional()
          .describe(
            'Secret key holding the password of the `replication` account. Required when replicas > 1. @default - no replication',
          ),
        exporter: secretRef.describe(
          'Secret key holding the password of the `exporter` account of the metrics sidecar.',
        ),
      })
      .describe(
        "Secrets (in the database's namespace, created outside the blueprint) the passwords come from. No password is ever written by the blueprint.",
      ),
    image: pinnedImage.default('mysql:8.4.6').describe('MySQL image, pinned. @default mysql:8.4.6'),
    exporterImage: pinnedImage
      .default('prom/mysqld-exporter:v0.16.0')
      .describe('mysqld-exporter sidecar image, pinned. @default prom/mysqld-exporter:v0.16.0'),
    port: port.default(3306).describe('Port mysqld listens on and the Services expose. @default 3306'),
  })
  .describe('A sharded database in the cluster.');
export type DatabaseSpec = z.infer<typeof database>;

/** An IPv4 address a Service may send traffic to. */
const endpointAddress = z
  .string({ error: 'must be a string holding an IPv4 address' })
  .superRefine((value, ctx) => {
    const problem = endpointAddressProblem(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', input: value, message: problem });
  });

const portName = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$/, {
  error: 'is not a port name (at most 15 of a-z 0-9 "-", starting and ending alphanumeric)',
});

/** The default port of each kind of external service. */
export const EXTERNAL_DEFAULT_PORTS = {
  mysql: { name: 'mysql', port: 3306 },
  redis: { name: 'redis', port: 6379 },
  nfs: { name: 'nfs', port: 2049 },
} as const;

/** A share of an external NFS server, offered to pods as a PersistentVolumeClaim. */
export const nfsVolume = z.strictObject({
  name: dnsLabel.describe(
    "Name of the PersistentVolumeClaim pods mount, in the external service's namespace.",
  ),
  path: z
    .string()
    .regex(/^\/[^\s]*$/, { error: 'is not an absolute export path (e.g. /exports/shared)' })
    .describe('Exported directory on the NFS server.'),
  size: storageSize.describe('Capacity the volume advertises (NFS does not enforce it), e.g. 500Gi.'),
  readOnly: z.boolean().default(false).describe('Mount read-only (ReadOnlyMany). @default false'),
  mountOptions: z
    .array(z.string().regex(/^[A-Za-z0-9_.=,:-]+$/, { error: 'is not a mount option (e.g. nfsvers=4.1)' }))
    .default(['nfsvers=4.1', 'hard', 'noresvport'])
    .describe('NFS mount options. @default [nfsvers=4.1, hard, noresvport]'),
});
export type NfsVolumeSpec = z.infer<typeof nfsVolume>;

/** A data service outside the cluster, given a stable in-cluster name. */
export const externalService = z
  .strictObject({
    name: dnsLabel.describe(
      'Name of the Service, unique among databases and external services; services name it in `uses`.',
    ),
    namespace: dnsLabel.describe('Namespace of the Service; one of `namespaces[].name`.'),
    type: z
      .enum(['mysql', 'redis', 'nfs', 'tcp'], { error: 'must be one of mysql, redis, nfs, tcp' })
      .describe(
        'What runs there. It sets the default port (mysql 3306, redis 6379, nfs 2049); `tcp` needs `ports`. `nfs` also offers `volumes`.',
      ),
    addresses: z
      .array(endpointAddress)
      .min(1, { error: 'must list at least one address' })
      .max(100, { error: 'must list at most 100 addresses' })
      .describe(
        'IPv4 addresses of the machines, or the virtual IP of an HA pair (Kubernetes does not health-check them). Not loopback, link-local, multicast or in the cluster networks.',
      ),
    ports: z
      .array(
        z.strictObject({
          name: portName.describe('Port name, e.g. mysql; clients and monitors refer to it.'),
          port: port.describe('Port on the Service.'),
          targetPort: port.optional().describe('Port the machines listen on. @default - the same as port'),
          protocol: z
            .enum(['TCP', 'UDP'], { error: 'must be one of TCP, UDP' })
            .default('TCP')
            .describe('Transport protocol. @default TCP'),
        }),
      )
      .optional()
      .describe('Named ports. @default - the default port of `type`'),
    credentials: secretRef
      .optional()
      .describe(
        'Secret key with the password clients use, recorded on the Service as an annotation for consumers. @default - none',
      ),
    volumes: z
      .array(nfsVolume)
      .default([])
      .describe('NFS shares offered as PersistentVolumeClaims (type nfs only). @default []'),
  })
  .describe('A data service outside the cluster.');
export type ExternalServiceSpec = z.infer<typeof externalService>;

/** A StorageClass backed by Ceph through ceph-csi. */
export const storageClass = z
  .strictObject({
    name: dnsSubdomain.describe('StorageClass name, unique.'),
    driver: z
      .enum(['cephfs', 'rbd'], { error: 'must be one of cephfs, rbd' })
      .describe('ceph-csi driver: cephfs (shared file systems) or rbd (block images; best for databases).'),
    clusterId: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
        error: 'is not a ceph-csi clusterID (e.g. the Ceph fsid)',
      })
      .describe("ceph-csi's clusterID of the Ceph cluster (usually its fsid)."),
    fsName: z
      .string()
      .min(1)
      .optional()
      .describe('CephFS file system name (cephfs only, required there). @default - none'),
    pool: z
      .string()
      .min(1)
      .optional()
      .describe(
        'RBD pool (rbd, required), or the CephFS data pool. @default - the file system’s default data pool',
      ),
    secret: z
      .strictObject({
        name: dnsSubdomain.describe('Name of the Secret holding the ceph-csi credentials.'),
        namespace: dnsLabel.describe('Namespace of that Secret (usually where ceph-csi runs).'),
      })
      .describe('The ceph-csi credentials Secret (referenced by name; never generated).'),
    imageFeatures: z
      .string()
      .regex(/^[a-z-]+(,[a-z-]+)*$/, { error: 'is not a comma-separated list of RBD features' })
      .optional()
      .describe('RBD image features (rbd only). @default layering'),
    fsType: z
      .enum(['ext4', 'xfs'], { error: 'must be one of ext4, xfs' })
      .optional()
      .describe('File system of RBD images (rbd only). @default ext4'),
    reclaimPolicy: z
      .enum(['Delete', 'Retain'], { error: 'must be one of Delete, Retain' })
      .default('Delete')
      .describe('What happens to a volume when its claim is deleted. @default Delete'),
    volumeBindingMode: z
      .enum(['Immediate', 'WaitForFirstConsumer'], {
        error: 'must be one of Immediate, WaitForFirstConsumer',
      })
      .default('Immediate')
      .describe('When volumes are provisioned and bound. @default Immediate'),
    allowVolumeExpansion: z.boolean().default(true).describe('Whether claims may grow. @default true'),
    default: z
      .boolean()
      .default(false)
      .describe("Make it the cluster's default StorageClass. @default false"),
    mountOptions: z
      .array(z.string().min(1))
      .default([])
      .describe('Mount options of the volumes. @default []'),
  })
  .describe('A Ceph StorageClass.');
export type StorageClassSpec = z.infer<typeof storageClass>;

/** Top-level keys of the data area. */
export const databases = z
  .array(database)
  .default([])
  .describe('Sharded databases in the cluster. @default []');

export const externalServices = z
  .array(externalService)
  .default([])
  .describe('Data services outside the cluster (bare-metal MySQL, Redis, NFS). @default []');

export const storage = z
  .strictObject({
    classes: z.array(storageClass).default([]).describe('StorageClasses created by Terraform. @default []'),
  })
  .prefault({})
  .describe('Cluster storage (Ceph through ceph-csi). @default no StorageClasses');
