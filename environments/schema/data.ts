import { z } from 'zod';
import { cronScheduleProblem } from '../../constructs/data/backup-schedule';
import { endpointAddressProblem } from '../../constructs/data/endpoint-address';
import { isPinnedImage } from '../../constructs/data/image-reference';
import { KeyRange } from '../../constructs/data/key-range';
import { dnsLabel, dnsSubdomain, ipv4Cidr, port, secretRef } from './common';

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

/** A duration in whole hours or minutes, as Go (vtbackup) and Prometheus both read it: `168h`, `90m`. */
const hoursOrMinutes = z
  .string({ error: 'must be a duration such as 168h or 90m' })
  .regex(/^[1-9][0-9]*(h|m)$/, { error: 'is not a duration in whole hours or minutes (e.g. 168h, 90m)' });

/** Seconds in a duration of whole hours, minutes or seconds (`26h`, `90m`, `30s`). */
export function durationSeconds(duration: string): number {
  const n = Number(duration.slice(0, -1));
  const unit = duration.slice(-1);
  return unit === 'h' ? n * 3600 : unit === 'm' ? n * 60 : n;
}

/** A five-field cron schedule, as Kubernetes CronJobs and VitessBackupSchedule read it. */
const backupSchedule = z
  .string({ error: 'must be a cron schedule such as "0 2 * * *"' })
  .superRefine((value, ctx) => {
    const problem = cronScheduleProblem(value);
    if (problem !== undefined)
      ctx.addIssue({ code: 'custom', input: value, message: `is not a valid backup schedule: ${problem}` });
  });

/** Scheduled backups of a Vitess database and where they go. */
const databaseBackup = z
  .strictObject({
    schedule: backupSchedule.describe(
      'When vtbackup runs, five cron fields in the vitess-operator\'s time zone (e.g. "0 2 * * *", daily at 02:00), or a descriptor such as @daily.',
    ),
    keepCount: z
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1 (a restore needs a backup)' })
      .max(1000, { error: 'must be at most 1000' })
      .default(7)
      .describe('Retention: vtbackup always keeps at least this many of the newest backups. @default 7'),
    keepFor: hoursOrMinutes
      .default('168h')
      .describe('Retention: vtbackup keeps every backup at least this long before pruning it. @default 168h'),
    maxAge: hoursOrMinutes
      .default('26h')
      .describe(
        "The VitessBackupTooOld alert fires when the newest successful backup is older than this; more than the schedule's interval. @default 26h",
      ),
    engine: z
      .enum(['builtin', 'xtrabackup'], { error: 'must be one of builtin, xtrabackup' })
      .default('builtin')
      .describe(
        'Vitess backup engine: builtin (vtbackup copies the files of its own restored copy; serving tablets are untouched) or xtrabackup (needs an image with xtrabackup). @default builtin',
      ),
    s3: z
      .strictObject({
        endpoint: z
          .url({ protocol: /^https?$/, error: 'is not an http(s) URL such as https://rgw.example.com' })
          .describe('S3 endpoint, e.g. the Ceph RADOS Gateway: https://rgw.example.com.'),
        networks: z
          .array(ipv4Cidr)
          .min(1, { error: 'must list at least one network' })
          .describe(
            'Networks (CIDR) of the endpoint, which backup and restore pods may reach (NetworkPolicy).',
          ),
        bucket: z
          .string()
          .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: 'is not an S3 bucket name' })
          .describe('Bucket.'),
        region: z
          .string()
          .regex(/^[a-z0-9-]+$/, { error: 'is not a region name (e.g. us-east-1)' })
          .default('us-east-1')
          .describe('Region the client signs requests for (Ceph RGW accepts any). @default us-east-1'),
        keyPrefix: z
          .string()
          .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, {
            error: 'is not an object key prefix (e.g. vitess/users-db)',
          })
          .optional()
          .describe("Prefix of the database's objects in the bucket. @default - <namespace>/<name>"),
        credentials: secretRef.describe(
          "Secret key (in the database's namespace) holding an AWS shared-credentials file for the bucket.",
        ),
      })
      .describe('S3-compatible object storage the backups are written to.'),
  })
  .describe(
    'Scheduled backups (VitessBackupSchedule) and their storage (VitessBackupStorage). Required with engine vitess.',
  );

const vitessSettings = z
  .strictObject({
    image: pinnedImage
      .default('vitess/lite:v24.0.4')
      .describe(
        'Vitess image of vtgate, vttablet, vtctld, vtorc and vtbackup, pinned. @default vitess/lite:v24.0.4',
      ),
    mysqldImage: pinnedImage
      .default('mysql:8.0.40')
      .describe('MySQL image of the tablets (mysql80Compatible), pinned. @default mysql:8.0.40'),
    durability: z
      .enum(['semi_sync', 'none'], { error: 'must be one of semi_sync, none' })
      .default('semi_sync')
      .describe(
        'Durability policy: semi_sync (a commit waits for one replica; needs replicas >= 3 so that a drained node leaves an acknowledging replica) or none (asynchronous; a failover may lose the last writes). @default semi_sync',
      ),
    cell: z
      .string()
      .regex(/^[A-Za-z0-9]([_.A-Za-z0-9]*[A-Za-z0-9])?$/, {
        error: 'is not a Vitess cell name (letters, digits, _ and .)',
      })
      .optional()
      .describe("Vitess cell of every component. @default - cluster.site with '-' written as '_'"),
    gateway: z
      .strictObject({
        replicas: z
          .number({ error: 'must be a number' })
          .int({ error: 'must be a whole number' })
          .min(2, { error: 'must be at least 2 (the only endpoint must survive a drain)' })
          .max(20, { error: 'must be at most 20' })
          .default(2)
          .describe('vtgate replicas. @default 2'),
        resources: z
          .strictObject({
            requests: cpuAndMemory
              .prefault({ cpu: '250m', memory: '256Mi' })
              .describe('@default {cpu: 250m, memory: 256Mi}'),
            limits: cpuAndMemory
              .prefault({ cpu: '1', memory: '512Mi' })
              .describe('@default {cpu: "1", memory: 512Mi}'),
          })
          .prefault({})
          .describe('Resources of vtgate. @default requests 250m/256Mi, limits 1/512Mi'),
      })
      .prefault({})
      .describe('vtgate, the endpoint applications connect to. @default 2 replicas'),
    tablet: z
      .strictObject({
        requests: cpuAndMemory
          .prefault({ cpu: '250m', memory: '256Mi' })
          .describe('@default {cpu: 250m, memory: 256Mi}'),
        limits: cpuAndMemory
          .prefault({ cpu: '1', memory: '512Mi' })
          .describe('@default {cpu: "1", memory: 512Mi}'),
      })
      .prefault({})
      .describe(
        'Resources of the vttablet container (mysqld has `resources`). @default requests 250m/256Mi, limits 1/512Mi',
      ),
    operatorNamespace: dnsLabel
      .default('vitess-operator')
      .describe(
        'Namespace vitess-operator runs in; its pods may reach every component (NetworkPolicy). @default vitess-operator',
      ),
    maxReplicationLag: z
      .string({ error: 'must be a duration such as 30s or 2m' })
      .regex(/^[1-9][0-9]*(s|m)$/, { error: 'is not a duration in whole seconds or minutes (e.g. 30s, 2m)' })
      .default('30s')
      .describe('The VitessReplicationLagHigh alert fires above this lag. @default 30s'),
  })
  .prefault({})
  .describe('Settings of engine vitess. @default vitess/lite:v24.0.4, semi_sync, 2 vtgates');

/** A MySQL database sharded by key range, in the cluster. */
export const database = z
  .strictObject({
    name: dnsLabel
      .max(40, { error: 'is longer than 40 characters (it prefixes the shard names)' })
      .describe(
        'Database (keyspace) name, unique among databases and external services; services name it in `uses`. Applications connect to the Service of this name (`<name>.<namespace>.svc`, port 3306).',
      ),
    namespace: dnsLabel.describe('Namespace of the database; one of `namespaces[].name`.'),
    engine: z
      .enum(['vitess', 'mysql-single'], { error: 'must be one of vitess, mysql-single' })
      .default('vitess')
      .describe(
        'Engine: vitess (vitess-operator: sharded keyspace, VTOrc failover, scheduled backups, resharding; needs `backup`) or mysql-single (one MySQL pod with no failover and no backups, for test environments: shards must be 1 and replicas 1). @default vitess',
      ),
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
        'Shards (the serving partitioning): a count (with engine vitess a power of two, which splits the keyspace evenly on byte boundaries: 4 gives -40, 40-80, 80-c0, c0-), or explicit key ranges in Vitess notation: lowercase hex of whole bytes, start inclusive, end exclusive, empty unbounded; sorted, no gaps, no overlaps.',
      ),
    reshardTo: z
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
      .optional()
      .describe(
        'A reshard in progress (engine vitess): the target partitioning, in the form of `shards`. Its shards are created beside the serving ones; the Reshard workflow moves the data (docs/data-services.md#resharding); then `shards` takes this value and this field is removed. @default - no reshard',
      ),
    replicas: z
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1 (each shard needs its primary)' })
      .max(9, { error: 'must be at most 9' })
      .default(3)
      .describe(
        'Pods per shard, each on its own host: with vitess, tablets that can all become primary (at least 2, 3 with semi_sync; the pool needs one node more than this); with mysql-single exactly 1. @default 3',
      ),
    pool: dnsLabel.describe(
      'The dedicated node pool the pods run on (its taints are tolerated and its nodes selected); one of `nodePools[].name`.',
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
    innodbBufferPool: memoryQuantity
      .optional()
      .describe(
        "mysqld's innodb_buffer_pool_size; below resources.limits.memory, leaving room for connections and the OS. @default - 3/4 of resources.limits.memory, rounded down to 128Mi",
      ),
    credentials: z
      .strictObject({
        root: secretRef
          .optional()
          .describe("mysql-single: Secret key holding the password of MySQL's root user. @default - none"),
        exporter: secretRef
          .optional()
          .describe(
            'mysql-single: Secret key holding the password of the `exporter` account of the metrics sidecar. @default - none',
          ),
        initScript: secretRef
          .optional()
          .describe(
            'vitess: Secret key holding init_db.sql, which every tablet runs on its first start (creates the vt_* accounts with their passwords). @default - none',
          ),
        gatewayUsers: secretRef
          .optional()
          .describe(
            "vitess: Secret key holding vtgate's static users file (users.json): the accounts applications log in with. @default - none",
          ),
      })
      .describe(
        "Secrets (in the database's namespace, created outside the blueprint) the passwords come from. No password is ever written by the blueprint.",
      ),
    backup: databaseBackup.optional(),
    vitess: vitessSettings,
    image: pinnedImage
      .default('mysql:8.4.6')
      .describe('mysql-single: MySQL image, pinned. @default mysql:8.4.6'),
    exporterImage: pinnedImage
      .default('prom/mysqld-exporter:v0.16.0')
      .describe('mysqld-exporter image (both engines), pinned. @default prom/mysqld-exporter:v0.16.0'),
    port: port
      .default(3306)
      .describe(
        'mysql-single: port mysqld listens on and the Service exposes (vtgate always serves 3306). @default 3306',
      ),
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
