import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { PodMonitor } from '../../imports/podmonitor-monitoring.coreos.com';
import { ValidationError } from '../core/validation-error';
import type { PodPlacement } from '../scheduling/pod-placement';
import { cronScheduleProblem } from './backup-schedule';
import { checkKeyRanges, type KeyRange } from './key-range';
import type { SecretKeyReference } from './secret-key-reference';
import type { ContainerResources } from './sharded-database';
import { DATABASE_LABEL, ZoneSpread } from './sharded-database';

/** vitess-operator's API group and version (crds/vitess-operator-v2.17.0). */
export const VITESS_API_VERSION = 'planetscale.com/v2';

/** Labels vitess-operator puts on every pod it creates (pkg/apis/planetscale/v2/labels.go). */
export const VITESS_LABELS = {
  component: 'planetscale.com/component',
  cluster: 'planetscale.com/cluster',
  keyspace: 'planetscale.com/keyspace',
  shard: 'planetscale.com/shard',
} as const;

/** Ports of the Vitess components (vitess-operator's defaults). */
export const VITESS_PORTS = {
  /** vtgate's MySQL protocol port, and mysqld's in the tablet pods. */
  mysql: 3306,
  /** HTTP status page and `/metrics` of vtgate, vttablet, vtctld and vtorc (port name `web`). */
  web: 15000,
  /** gRPC between the components (port name `grpc`). */
  grpc: 15999,
  /** mysqld-exporter in every tablet pod (port name `metrics`). */
  mysqldExporter: 9104,
} as const;

/** Where and how a database's backups are stored: an S3 bucket (e.g. Ceph RGW). */
export interface VitessBackupStorageProps {
  /** S3 endpoint URL, e.g. `https://rgw.example.com`. */
  readonly endpoint: string;
  /** Bucket. */
  readonly bucket: string;
  /** Region the S3 client signs for. */
  readonly region: string;
  /** Prefix of every object of this database, e.g. `users-db`. */
  readonly keyPrefix: string;
  /** Secret key holding an AWS shared-credentials file for the bucket. */
  readonly credentials: SecretKeyReference;
}

/** Scheduled backups and their retention. */
export interface VitessBackupProps {
  /** Five-field cron schedule (the operator's time zone), e.g. `0 2 * * *`. */
  readonly schedule: string;
  /** vtbackup keeps at least this many of the most recent backups (`--min-retention-count`). */
  readonly keepCount: number;
  /** vtbackup keeps each backup at least this long (`--min-retention-time`, a Go duration). */
  readonly keepFor: string;
  /** Backup engine of the tablets: `builtin` (file copy by vtbackup) or `xtrabackup`. */
  readonly engine: 'builtin' | 'xtrabackup';
  /** The storage location. */
  readonly storage: VitessBackupStorageProps;
  /** Resources of each backup Job's pod. */
  readonly resources: ContainerResources;
}

/** Props of {@link VitessCluster}. */
export interface VitessClusterProps {
  /** Name of the VitessCluster and of its one keyspace (the database). */
  readonly name: string;
  /** Namespace of every object. */
  readonly namespace: string;
  /** The Vitess cell every component runs in (letters, digits, `_` and `.`). */
  readonly cell: string;
  /**
   * The keyspace's partitionings: one normally; two while resharding (the serving one first,
   * then the target). Each covers the keyspace exactly once.
   */
  readonly partitionings: readonly (readonly KeyRange[])[];
  /** Tablets (`replica` type, all primary-eligible) per shard, one per host. */
  readonly tabletsPerShard: number;
  /** Vitess durability policy: `semi_sync` (a write is acknowledged by a replica) or `none`. */
  readonly durabilityPolicy: 'semi_sync' | 'none';
  /** Size of each tablet's data volume, e.g. `100Gi`. */
  readonly storageSize: string;
  /** StorageClass of the data volumes. @default - the cluster's default StorageClass */
  readonly storageClassName?: string;
  /** Resources of mysqld in each tablet pod. */
  readonly mysqldResources: ContainerResources;
  /** Resources of vttablet in each tablet pod. */
  readonly vttabletResources: ContainerResources;
  /** `innodb_buffer_pool_size` of mysqld, in MiB. */
  readonly innodbBufferPoolMebibytes: number;
  /** The dedicated pool every pod runs on. */
  readonly placement: PodPlacement;
  /** How strictly a shard's tablets spread over zones. */
  readonly zoneSpread: ZoneSpread;
  /** Pinned images: the Vitess image (vtgate, vttablet, vtctld, vtorc, vtbackup), mysqld, mysqld-exporter. */
  readonly images: { readonly vitess: string; readonly mysqld: string; readonly mysqldExporter: string };
  /** vtgate: replicas, resources, and the Secret key with its static users file (users.json). */
  readonly gateway: {
    readonly replicas: number;
    readonly resources: ContainerResources;
    readonly users: SecretKeyReference;
  };
  /** Secret key holding init_db.sql, which every tablet's mysqld runs on its first start. */
  readonly initScript: SecretKeyReference;
  /** Scheduled backups. */
  readonly backup: VitessBackupProps;
  /** Labels of the PodMonitor (what Prometheus' podMonitorSelector matches). @default {} */
  readonly monitorLabels?: Readonly<Record<string, string>>;
}

/** One shard of the keyspace, as the operator names it. */
export interface VitessShard {
  /** The key range. */
  readonly keyRange: KeyRange;
  /** Vitess' shard name, e.g. `-80`. */
  readonly name: string;
  /** The operator's form in labels and object names, e.g. `x-80`. */
  readonly safeName: string;
  /** Index of the partitioning it belongs to (0 serving, 1 reshard target). */
  readonly partitioning: number;
  /** Lets at most one tablet of the shard be evicted at a time. */
  readonly podDisruptionBudget: k8s.KubePodDisruptionBudget;
}

const CELL = /^[A-Za-z0-9]([_.A-Za-z0-9]*[A-Za-z0-9])?$/;

function quantities(resources: ContainerResources) {
  return {
    requests: { cpu: resources.cpuRequest, memory: resources.memoryRequest },
    limits: { cpu: resources.cpuLimit, memory: resources.memoryLimit },
  };
}

/**
 * A sharded MySQL database run by vitess-operator: one `VitessCluster` holding one keyspace
 * whose partitionings are exactly the given key ranges (custom partitioning, one entry per
 * shard), with VTOrc for automatic failover, vtgate as the only endpoint applications use, and
 * scheduled backups to S3 with retention.
 *
 * Besides the VitessCluster it emits what the operator does not: the Service `<name>`
 * (vtgate's MySQL port under the database's own name), a PodDisruptionBudget per shard (one
 * tablet at a time) and for vtgate, and a PodMonitor for the components' `/metrics`.
 *
 * Every shard is written out (instead of `equal` partitioning's shared template) because each
 * shard's tablets carry a *required* anti-affinity on their own shard label: Kubernetes 1.28
 * cannot express "the same shard as me" in a template (`matchLabelKeys` is alpha there).
 */
export class VitessCluster extends Construct {
  /** The VitessCluster custom resource. */
  public readonly cluster: ApiObject;
  /** The Service applications connect to: `<name>.<namespace>.svc`, vtgate's MySQL port. */
  public readonly gatewayService: k8s.KubeService;
  /** PodDisruptionBudget of vtgate. */
  public readonly gatewayDisruptionBudget: k8s.KubePodDisruptionBudget;
  /** Every shard of every partitioning, once (a shard a reshard leaves alone is in both). */
  public readonly shards: readonly VitessShard[];
  /** Scrapes vtgate, vttablet, vtctld, vtorc and mysqld-exporter. */
  public readonly podMonitor: PodMonitor;
  /** Name of the backup location in the VitessCluster (the operator makes a VitessBackupStorage of it). */
  public readonly backupLocationName: string;
  /** Name of the backup schedule in the VitessCluster (the operator makes a VitessBackupSchedule of it). */
  public readonly backupScheduleName: string;
  /** The schedule template, as written into `spec.backup.schedules[0]`. */
  public readonly backupScheduleTemplate: Record<string, unknown>;
  /** The backup location, as written into `spec.backup.locations[0]`. */
  public readonly backupLocation: Record<string, unknown>;

  constructor(scope: Construct, id: string, props: VitessClusterProps) {
    super(scope, id);
    validate(props);
    const { name, namespace } = props;
    const ownLabels = { [DATABASE_LABEL]: name };
    const commonLabels = {
      'app.kubernetes.io/name': 'vitess',
      'app.kubernetes.io/instance': name,
      'app.kubernetes.io/component': 'database',
      ...ownLabels,
    };
    const tolerations = props.placement.tolerations.map((toleration) => ({ ...toleration }));
    const nodeAffinity = {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          {
            matchExpressions: Object.entries(props.placement.nodeSelector).map(([key, value]) => ({
              key,
              operator: 'In',
              values: [value],
            })),
          },
        ],
      },
    };
    const componentAffinity = (component: string) => ({
      nodeAffinity,
      // Replicas of one component prefer different hosts; tablets of one shard require it (below).
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 100,
            podAffinityTerm: {
              labelSelector: {
                matchLabels: { [VITESS_LABELS.cluster]: name, [VITESS_LABELS.component]: component },
              },
              topologyKey: 'kubernetes.io/hostname',
            },
          },
        ],
      },
    });

    this.backupLocationName = 's3';
    this.backupScheduleName = 'scheduled';
    this.backupLocation = {
      name: this.backupLocationName,
      s3: {
        endpoint: props.backup.storage.endpoint,
        bucket: props.backup.storage.bucket,
        region: props.backup.storage.region,
        keyPrefix: props.backup.storage.keyPrefix,
        forcePathStyle: true,
        authSecret: {
          name: props.backup.storage.credentials.name,
          key: props.backup.storage.credentials.key,
        },
      },
    };
    this.backupScheduleTemplate = {
      name: this.backupScheduleName,
      schedule: props.backup.schedule,
      backupMethod: 'vtbackup',
      concurrencyPolicy: 'Forbid',
      // The last successful Jobs stay, so kube-state-metrics keeps the last completion time.
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTimeoutMinute: 120,
      resources: quantities(props.backup.resources),
      affinity: { nodeAffinity },
      tolerations,
      strategies: [
        {
          name: name,
          scope: 'Keyspace',
          keyspace: name,
          // vtbackup prunes older backups after a successful one.
          extraFlags: {
            'min-retention-count': String(props.backup.keepCount),
            'min-retention-time': props.backup.keepFor,
          },
        },
      ],
    };

    const shards: VitessShard[] = [];
    const budgets = new Map<string, k8s.KubePodDisruptionBudget>();
    const partitionings = props.partitionings.map((ranges, partitioning) => ({
      custom: {
        shards: ranges.map((keyRange) => {
          const safeName = keyRange.kubernetesName;
          const shardLabels = {
            [VITESS_LABELS.cluster]: name,
            [VITESS_LABELS.keyspace]: name,
            [VITESS_LABELS.shard]: safeName,
            [VITESS_LABELS.component]: 'vttablet',
          };
          // A shard a reshard leaves alone is in both partitionings, written the same: one PDB.
          const podDisruptionBudget =
            budgets.get(safeName) ??
            new k8s.KubePodDisruptionBudget(this, `pdb-${safeName}`, {
              metadata: { name: `${name}-${safeName}`, namespace, labels: { ...commonLabels } },
              spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: shardLabels } },
            });
          if (!budgets.has(safeName)) {
            budgets.set(safeName, podDisruptionBudget);
            shards.push({ keyRange, name: keyRange.toString(), safeName, partitioning, podDisruptionBudget });
          }
          return {
            keyRange: { start: keyRange.start, end: keyRange.end },
            databaseInitScriptSecret: { name: props.initScript.name, key: props.initScript.key },
            replication: { initializeBackup: true },
            tabletPools: [
              {
                cell: props.cell,
                type: 'replica',
                replicas: props.tabletsPerShard,
                extraLabels: { ...ownLabels },
                dataVolumeClaimTemplate: {
                  accessModes: ['ReadWriteOnce'],
                  ...(props.storageClassName === undefined
                    ? {}
                    : { storageClassName: props.storageClassName }),
                  resources: { requests: { storage: props.storageSize } },
                },
                mysqld: {
                  resources: quantities(props.mysqldResources),
                  configOverrides: [
                    `innodb_buffer_pool_size = ${props.innodbBufferPoolMebibytes}M`,
                    // Replication connects over TCP: only with TLS. Local clients use the socket.
                    'require_secure_transport = ON',
                    '',
                  ].join('\n'),
                },
                vttablet: {
                  resources: quantities(props.vttabletResources),
                  extraFlags: {
                    // vttablet_replication_lag_sec, which the lag alert reads.
                    'enable-replication-reporter': 'true',
                    // Replication (the repl user) requires TLS; the local users stay on the socket.
                    'db-ssl-mode': 'required',
                    'db-app-use-ssl': 'false',
                    'db-appdebug-use-ssl': 'false',
                    'db-allprivs-use-ssl': 'false',
                    'db-dba-use-ssl': 'false',
                    'db-filtered-use-ssl': 'false',
                    'db-erepl-use-ssl': 'false',
                  },
                },
                affinity: {
                  nodeAffinity,
                  podAntiAffinity: {
                    requiredDuringSchedulingIgnoredDuringExecution: [
                      { labelSelector: { matchLabels: shardLabels }, topologyKey: 'kubernetes.io/hostname' },
                    ],
                  },
                },
                tolerations,
                topologySpreadConstraints: [
                  {
                    maxSkew: 1,
                    topologyKey: 'topology.kubernetes.io/zone',
                    whenUnsatisfiable: props.zoneSpread,
                    labelSelector: { matchLabels: shardLabels },
                  },
                ],
              },
            ],
          };
        }),
      },
    }));
    this.shards = shards;

    this.cluster = new ApiObject(this, 'cluster', {
      apiVersion: VITESS_API_VERSION,
      kind: 'VitessCluster',
      metadata: { name, namespace, labels: { ...commonLabels } },
      spec: {
        images: {
          vtctld: props.images.vitess,
          vtgate: props.images.vitess,
          vttablet: props.images.vitess,
          vtorc: props.images.vitess,
          vtbackup: props.images.vitess,
          mysqld: { mysql80Compatible: props.images.mysqld },
          mysqldExporter: props.images.mysqldExporter,
        },
        backup: {
          engine: props.backup.engine,
          locations: [this.backupLocation],
          schedules: [this.backupScheduleTemplate],
        },
        globalLockserver: {
          etcd: {
            extraLabels: { ...ownLabels },
            affinity: componentAffinity('etcd'),
            tolerations,
            createPDB: true,
          },
        },
        cells: [
          {
            name: props.cell,
            gateway: {
              replicas: props.gateway.replicas,
              resources: quantities(props.gateway.resources),
              authentication: {
                static: { secret: { name: props.gateway.users.name, key: props.gateway.users.key } },
              },
              extraLabels: { ...ownLabels },
              affinity: componentAffinity('vtgate'),
              tolerations,
            },
          },
        ],
        vitessDashboard: {
          cells: [props.cell],
          replicas: 1,
          extraLabels: { ...ownLabels },
          affinity: componentAffinity('vtctld'),
          tolerations,
        },
        keyspaces: [
          {
            name,
            durabilityPolicy: props.durabilityPolicy,
            // Removing a partitioning (after a reshard) waits until its shards serve nothing.
            turndownPolicy: 'RequireIdle',
            vitessOrchestrator: {
              extraLabels: { ...ownLabels },
              affinity: componentAffinity('vtorc'),
              tolerations,
            },
            partitionings,
          },
        ],
        updateStrategy: { type: 'Immediate' },
      },
    });

    const gatewaySelector = { [VITESS_LABELS.cluster]: name, [VITESS_LABELS.component]: 'vtgate' };
    this.gatewayService = new k8s.KubeService(this, 'gateway', {
      metadata: { name, namespace, labels: { ...commonLabels } },
      spec: {
        type: 'ClusterIP',
        selector: gatewaySelector,
        ports: [
          {
            name: 'mysql',
            port: VITESS_PORTS.mysql,
            targetPort: k8s.IntOrString.fromNumber(VITESS_PORTS.mysql),
            protocol: 'TCP',
          },
        ],
      },
    });
    this.gatewayDisruptionBudget = new k8s.KubePodDisruptionBudget(this, 'gateway-pdb', {
      metadata: { name: `${name}-vtgate`, namespace, labels: { ...commonLabels } },
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: gatewaySelector } },
    });

    this.podMonitor = new PodMonitor(this, 'monitor', {
      metadata: {
        name: `${name}-vitess`,
        namespace,
        labels: { ...commonLabels, ...(props.monitorLabels ?? {}) },
      },
      spec: {
        selector: { matchLabels: { [VITESS_LABELS.cluster]: name } },
        podTargetLabels: [
          VITESS_LABELS.component,
          VITESS_LABELS.cluster,
          VITESS_LABELS.keyspace,
          VITESS_LABELS.shard,
        ],
        podMetricsEndpoints: [
          { port: 'web', path: '/metrics' },
          { port: 'metrics', path: '/metrics' },
        ],
      },
    });
  }
}

function validate(props: VitessClusterProps): void {
  const where = `VitessCluster ${JSON.stringify(props.name)}`;
  if (!CELL.test(props.cell)) {
    throw new ValidationError(`${where}: 'cell' (${JSON.stringify(props.cell)}) must match ${CELL.source}`);
  }
  if (props.partitionings.length < 1 || props.partitionings.length > 2) {
    throw new ValidationError(
      `${where}: 'partitionings' must hold 1 partitioning, or 2 while resharding (it has ${props.partitionings.length})`,
    );
  }
  props.partitionings.forEach((ranges, index) => {
    const problems = checkKeyRanges(ranges.map((range) => range.toString()));
    if (problems.length > 0) {
      throw new ValidationError(
        `${where}: 'partitionings[${index}]' must cover the keyspace exactly once: ${problems
          .map((problem) => `${JSON.stringify(problem.value)} ${problem.message}`)
          .join('; ')}`,
      );
    }
  });
  if (props.partitionings.length === 2) {
    const [serving, target] = props.partitionings.map((ranges) => ranges.map(String).join(' '));
    if (serving === target)
      throw new ValidationError(
        `${where}: the two partitionings are the same (${serving}); a reshard changes them`,
      );
  }
  if (!Number.isInteger(props.tabletsPerShard) || props.tabletsPerShard < 2) {
    throw new ValidationError(
      `${where}: 'tabletsPerShard' (${props.tabletsPerShard}) must be at least 2: a failover needs a replica to promote`,
    );
  }
  const problem = cronScheduleProblem(props.backup.schedule);
  if (problem !== undefined) {
    throw new ValidationError(
      `${where}: 'backup.schedule' (${JSON.stringify(props.backup.schedule)}) ${problem}`,
    );
  }
  if (!Number.isInteger(props.backup.keepCount) || props.backup.keepCount < 1) {
    throw new ValidationError(
      `${where}: 'backup.keepCount' (${props.backup.keepCount}) must be at least 1 (a restore needs a backup)`,
    );
  }
  if (Object.keys(props.placement.nodeSelector).length === 0) {
    throw new ValidationError(`${where}: 'placement.nodeSelector' must name the database pool`);
  }
}

export { ZoneSpread };
