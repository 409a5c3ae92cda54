import { ConfigMap, k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ValidationError } from '../core/validation-error';
import { type PodPlacement, placementFields } from '../scheduling/pod-placement';
import { isPinnedImage } from './image-reference';
import { checkKeyRanges, type KeyRange } from './key-range';
import { MysqlShardConfig } from './mysql-shard-config';
import { type SecretKeyReference, secretEnv } from './secret-key-reference';
import { headlessServiceName, MAX_STATEFUL_SET_NAME, shardName } from './shard-names';

/** The database engine of a {@link ShardedDatabase}. */
export enum DatabaseEngine {
  /** MySQL (the official `mysql` image), GTID replication from ordinal 0 of each shard. */
  MYSQL = 'mysql',
}

/** How strictly the replicas of a shard spread over zones (`topology.kubernetes.io/zone`). */
export enum ZoneSpread {
  /** Prefer spreading (`ScheduleAnyway`): a pool in one zone still schedules. */
  PREFERRED = 'ScheduleAnyway',
  /** Require spreading (`DoNotSchedule`, max skew 1): only nodes with a zone label are used. */
  REQUIRED = 'DoNotSchedule',
}

/** CPU and memory of one container, as Kubernetes quantities. */
export interface ContainerResources {
  /** CPU request, e.g. `500m`. */
  readonly cpuRequest: string;
  /** CPU limit, e.g. `2`. */
  readonly cpuLimit: string;
  /** Memory request, e.g. `1Gi`. */
  readonly memoryRequest: string;
  /** Memory limit, e.g. `2Gi`. */
  readonly memoryLimit: string;
}

/** The Secrets a MySQL shard reads its passwords from. None of them is generated. */
export interface MysqlCredentials {
  /** Password of MySQL's `root` user (`MYSQL_ROOT_PASSWORD`). */
  readonly rootPassword: SecretKeyReference;
  /**
   * Password of the `replication` account replicas use to follow the primary.
   * @default - none; required when `replicasPerShard` is more than 1
   */
  readonly replicationPassword?: SecretKeyReference;
  /** Password of the `exporter` account of the mysqld-exporter sidecar. */
  readonly exporterPassword: SecretKeyReference;
}

/** Props of {@link ShardedDatabase}. */
export interface ShardedDatabaseProps {
  /** Name of the database (its keyspace): a DNS-1123 label; prefixes every object's name. */
  readonly name: string;
  /** Namespace of every object. */
  readonly namespace: string;
  /** The database engine. @default DatabaseEngine.MYSQL */
  readonly engine?: DatabaseEngine;
  /**
   * The shards' key ranges, in order, covering the keyspace exactly once
   * (`KeyRange.evenSplit(4)`, or ranges parsed with `KeyRange.parse`).
   */
  readonly shards: readonly KeyRange[];
  /** Pods per shard: ordinal 0 is the primary, the others are read-only replicas. @default 2 */
  readonly replicasPerShard?: number;
  /** Size of each pod's data volume, e.g. `50Gi`. */
  readonly storageSize: string;
  /** StorageClass of the data volumes. @default - the cluster's default StorageClass */
  readonly storageClassName?: string;
  /** Resources of the database container. @default 500m/2 CPU, 1Gi/2Gi memory (request/limit) */
  readonly resources?: ContainerResources;
  /** Resources of the metrics exporter sidecar. @default 50m/200m CPU, 64Mi/128Mi memory (request/limit) */
  readonly exporterResources?: ContainerResources;
  /** The dedicated pool the pods run on. @default - any schedulable node */
  readonly placement?: PodPlacement;
  /** How strictly a shard's pods spread over zones. @default ZoneSpread.PREFERRED */
  readonly zoneSpread?: ZoneSpread;
  /** The Secrets the passwords come from. */
  readonly credentials: MysqlCredentials;
  /** Database image, pinned by tag or digest. @default mysql:8.4.6 */
  readonly image?: string;
  /** mysqld-exporter image, pinned by tag or digest. @default prom/mysqld-exporter:v0.16.0 */
  readonly exporterImage?: string;
  /** Port the database listens on. @default 3306 */
  readonly port?: number;
  /** The cluster's DNS domain, for the shards' host names. @default cluster.local */
  readonly clusterDomain?: string;
  /** `innodb_buffer_pool_size` in MiB. @default - 3/4 of the memory limit, in 128Mi steps */
  readonly innodbBufferPoolMebibytes?: number;
}

/** One shard's objects and addresses. */
export interface Shard {
  /** The shard's key range. */
  readonly keyRange: KeyRange;
  /** Name of the shard's StatefulSet, client Service and PodDisruptionBudget. */
  readonly name: string;
  /** DNS name of the client Service, which reaches the shard's primary. */
  readonly host: string;
  /** The shard's pods: ordinal 0 is the primary, the others read-only replicas. */
  readonly statefulSet: k8s.KubeStatefulSet;
  /** Headless Service that gives every pod a stable DNS name (the StatefulSet's serviceName). */
  readonly headlessService: k8s.KubeService;
  /** Service clients connect to: the shard's primary (ordinal 0). */
  readonly clientService: k8s.KubeService;
  /** Lets at most one of the shard's pods be evicted at a time. */
  readonly podDisruptionBudget: k8s.KubePodDisruptionBudget;
}

/** The label that names the database on every object. */
export const DATABASE_LABEL = 'platform-blueprint.io/database';
/** The label that names the shard (its key range in Kubernetes form, e.g. `x-80`). */
export const SHARD_LABEL = 'platform-blueprint.io/shard';

const DEFAULT_RESOURCES: ContainerResources = {
  cpuRequest: '500m',
  cpuLimit: '2',
  memoryRequest: '1Gi',
  memoryLimit: '2Gi',
};
const DEFAULT_EXPORTER_RESOURCES: ContainerResources = {
  cpuRequest: '50m',
  cpuLimit: '200m',
  memoryRequest: '64Mi',
  memoryLimit: '128Mi',
};
const MYSQL_UID = 999;
const EXPORTER_PORT = 9104;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * MySQL in StatefulSets, one per key range, each with a primary (ordinal 0) and read-only
 * replicas that follow it with GTID replication over TLS. It has no failover and no backups:
 * the blueprint uses it only as engine `mysql-single` (one shard, one pod) for test
 * environments; production databases run on vitess-operator ({@link VitessCluster}).
 *
 * Per shard it emits a StatefulSet with `volumeClaimTemplates`, a headless Service (stable
 * pod names), a client Service (the primary), and a PodDisruptionBudget; with one shard also
 * the Service `<name>`, the database's one endpoint. A shard's pods repel each other across
 * hosts (required anti-affinity on `kubernetes.io/hostname`), spread over zones, and run on
 * the dedicated pool. Passwords are only ever read from Secrets.
 */
export class ShardedDatabase extends Construct {
  /** The database (keyspace) name. */
  public readonly name: string;
  /** Namespace of every object. */
  public readonly namespace: string;
  /** The database engine. */
  public readonly engine: DatabaseEngine;
  /** Pods per shard. */
  public readonly replicasPerShard: number;
  /** Port the database listens on. */
  public readonly port: number;
  /** The shards, in key-range order. */
  public readonly shards: readonly Shard[];
  /** With exactly one shard, the Service `<name>` applications connect to (its primary). */
  public readonly service?: k8s.KubeService;
  /** The configuration and first-start scripts every pod mounts (`<name>-mysql`). */
  public readonly serverConfig: ConfigMap;

  constructor(scope: Construct, id: string, props: ShardedDatabaseProps) {
    super(scope, id);
    this.name = props.name;
    this.namespace = props.namespace;
    this.engine = props.engine ?? DatabaseEngine.MYSQL;
    this.replicasPerShard = props.replicasPerShard ?? 2;
    this.port = props.port ?? 3306;
    validate(props, this.replicasPerShard, this.port);

    const clusterDomain = props.clusterDomain ?? 'cluster.local';
    const memoryLimit = (props.resources ?? DEFAULT_RESOURCES).memoryLimit;
    const limitMebibytes =
      Number(memoryLimit.replace(/(Mi|Gi)$/, '')) * (memoryLimit.endsWith('Gi') ? 1024 : 1);
    const bufferPool =
      props.innodbBufferPoolMebibytes ?? Math.max(128, Math.floor((limitMebibytes * 3) / 4 / 128) * 128);
    this.serverConfig = new ConfigMap(this, 'config', {
      metadata: { name: `${this.name}-mysql`, namespace: this.namespace, labels: this.labels() },
      data: new MysqlShardConfig(this.port, bufferPool).files(),
    });
    this.shards = props.shards.map((keyRange) => this.addShard(keyRange, props, clusterDomain));
    const only = this.shards.length === 1 ? this.shards[0] : undefined;
    if (only) {
      this.service = new k8s.KubeService(this, 'service', {
        metadata: { name: this.name, namespace: this.namespace, labels: this.labels() },
        spec: {
          type: 'ClusterIP',
          selector: {
            [DATABASE_LABEL]: this.name,
            [SHARD_LABEL]: only.keyRange.kubernetesName,
            'statefulset.kubernetes.io/pod-name': `${only.name}-0`,
          },
          ports: [{ name: 'mysql', port: this.port, targetPort: k8s.IntOrString.fromString('mysql') }],
        },
      });
    }
  }

  private labels(shard?: string): Record<string, string> {
    return {
      'app.kubernetes.io/name': this.engine,
      'app.kubernetes.io/instance': this.name,
      'app.kubernetes.io/component': 'database',
      [DATABASE_LABEL]: this.name,
      ...(shard === undefined ? {} : { [SHARD_LABEL]: shard }),
    };
  }

  private addShard(keyRange: KeyRange, props: ShardedDatabaseProps, clusterDomain: string): Shard {
    const shardLabel = keyRange.kubernetesName;
    const name = shardName(this.name, keyRange);
    const headlessName = headlessServiceName(this.name, keyRange);
    const scope = new Construct(this, shardLabel);
    const selector = { [DATABASE_LABEL]: this.name, [SHARD_LABEL]: shardLabel };
    const labels = this.labels(shardLabel);
    const ports = [{ name: 'mysql', port: this.port, targetPort: k8s.IntOrString.fromString('mysql') }];

    const headlessService = new k8s.KubeService(scope, 'headless', {
      metadata: { name: headlessName, namespace: this.namespace, labels },
      spec: {
        clusterIp: 'None',
        // Replicas must resolve the primary while it is still starting.
        publishNotReadyAddresses: true,
        selector,
        // Every pod's exporter too, so that a ServiceMonitor can select the port by name.
        ports: [
          ...ports,
          { name: 'metrics', port: EXPORTER_PORT, targetPort: k8s.IntOrString.fromString('metrics') },
        ],
      },
    });
    const clientService = new k8s.KubeService(scope, 'client', {
      metadata: { name, namespace: this.namespace, labels },
      spec: {
        type: 'ClusterIP',
        selector: { ...selector, 'statefulset.kubernetes.io/pod-name': `${name}-0` },
        ports,
      },
    });
    const podDisruptionBudget = new k8s.KubePodDisruptionBudget(scope, 'pdb', {
      metadata: { name, namespace: this.namespace, labels },
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selector } },
    });
    const statefulSet = new k8s.KubeStatefulSet(scope, 'statefulset', {
      metadata: { name, namespace: this.namespace, labels },
      spec: this.statefulSetSpec({
        headlessName,
        selector,
        labels,
        props,
        primaryHost: `${name}-0.${headlessName}`,
      }),
    });
    return {
      keyRange,
      name,
      host: `${name}.${this.namespace}.svc.${clusterDomain}`,
      statefulSet,
      headlessService,
      clientService,
      podDisruptionBudget,
    };
  }

  private statefulSetSpec(shard: {
    headlessName: string;
    selector: Record<string, string>;
    labels: Record<string, string>;
    props: ShardedDatabaseProps;
    primaryHost: string;
  }): k8s.StatefulSetSpec {
    const { props, selector } = shard;
    const image = props.image ?? 'mysql:8.4.6';
    const exporterImage = props.exporterImage ?? 'prom/mysqld-exporter:v0.16.0';
    const resources = toResources(props.resources ?? DEFAULT_RESOURCES);
    const { credentials } = props;
    const containerSecurity: k8s.SecurityContext = {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    };
    const mysqlProbe = (period: number, failures: number): k8s.Probe => ({
      // `mysqladmin ping` succeeds whenever mysqld answers, even without credentials.
      exec: { command: ['mysqladmin', 'ping', '--host=127.0.0.1', `--port=${this.port}`, '--silent'] },
      periodSeconds: period,
      timeoutSeconds: 5,
      failureThreshold: failures,
    });
    return {
      serviceName: shard.headlessName,
      replicas: this.replicasPerShard,
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate' },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: shard.labels },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 120,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: MYSQL_UID,
            runAsGroup: MYSQL_UID,
            fsGroup: MYSQL_UID,
            fsGroupChangePolicy: 'OnRootMismatch',
            seccompProfile: { type: 'RuntimeDefault' },
          },
          ...placementFields(props.placement),
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                { labelSelector: { matchLabels: selector }, topologyKey: 'kubernetes.io/hostname' },
              ],
            },
          },
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'topology.kubernetes.io/zone',
              whenUnsatisfiable: props.zoneSpread ?? ZoneSpread.PREFERRED,
              labelSelector: { matchLabels: selector },
            },
          ],
          initContainers: [
            {
              name: 'init-pod',
              image,
              command: ['bash', `${MysqlShardConfig.CONFIG_DIR}/init-pod.sh`],
              env: [
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'HEADLESS_SERVICE', value: shard.headlessName },
              ],
              resources: toResources({
                cpuRequest: '50m',
                cpuLimit: '200m',
                memoryRequest: '32Mi',
                memoryLimit: '64Mi',
              }),
              securityContext: containerSecurity,
              volumeMounts: [
                { name: 'config', mountPath: MysqlShardConfig.CONFIG_DIR, readOnly: true },
                { name: 'conf', mountPath: MysqlShardConfig.CONF_D },
                { name: 'initdb', mountPath: MysqlShardConfig.INITDB_D },
              ],
            },
          ],
          containers: [
            {
              name: 'mysql',
              image,
              ports: [{ name: 'mysql', containerPort: this.port, protocol: 'TCP' }],
              env: [
                secretEnv('MYSQL_ROOT_PASSWORD', credentials.rootPassword),
                ...(credentials.replicationPassword
                  ? [secretEnv('REPLICATION_PASSWORD', credentials.replicationPassword)]
                  : []),
                secretEnv('EXPORTER_PASSWORD', credentials.exporterPassword),
                { name: 'PRIMARY_HOST', value: shard.primaryHost },
                // Loading time zones would write transactions of their own on every replica.
                { name: 'MYSQL_INITDB_SKIP_TZINFO', value: '1' },
              ],
              resources,
              securityContext: containerSecurity,
              startupProbe: mysqlProbe(10, 60),
              readinessProbe: mysqlProbe(5, 3),
              livenessProbe: mysqlProbe(10, 6),
              volumeMounts: [
                { name: 'data', mountPath: '/var/lib/mysql' },
                { name: 'conf', mountPath: MysqlShardConfig.CONF_D, readOnly: true },
                { name: 'initdb', mountPath: MysqlShardConfig.INITDB_D, readOnly: true },
                { name: 'run', mountPath: '/var/run/mysqld' },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
            {
              name: 'exporter',
              image: exporterImage,
              args: [
                `--mysqld.address=127.0.0.1:${this.port}`,
                `--mysqld.username=${MysqlShardConfig.EXPORTER_USER}`,
              ],
              env: [secretEnv('MYSQLD_EXPORTER_PASSWORD', credentials.exporterPassword)],
              ports: [{ name: 'metrics', containerPort: EXPORTER_PORT, protocol: 'TCP' }],
              resources: toResources(props.exporterResources ?? DEFAULT_EXPORTER_RESOURCES),
              securityContext: containerSecurity,
              readinessProbe: {
                httpGet: { path: '/', port: k8s.IntOrString.fromString('metrics') },
                periodSeconds: 10,
                timeoutSeconds: 5,
              },
              livenessProbe: {
                httpGet: { path: '/', port: k8s.IntOrString.fromString('metrics') },
                periodSeconds: 20,
                timeoutSeconds: 5,
                failureThreshold: 6,
              },
            },
          ],
          volumes: [
            { name: 'config', configMap: { name: `${this.name}-mysql`, defaultMode: 0o444 } },
            { name: 'conf', emptyDir: {} },
            { name: 'initdb', emptyDir: {} },
            { name: 'run', emptyDir: {} },
            { name: 'tmp', emptyDir: {} },
          ],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data', labels: shard.labels },
          spec: {
            accessModes: ['ReadWriteOnce'],
            ...(props.storageClassName === undefined ? {} : { storageClassName: props.storageClassName }),
            resources: { requests: { storage: k8s.Quantity.fromString(props.storageSize) } },
          },
        },
      ],
    };
  }
}

function toResources(resources: ContainerResources): k8s.ResourceRequirements {
  return {
    requests: {
      cpu: k8s.Quantity.fromString(resources.cpuRequest),
      memory: k8s.Quantity.fromString(resources.memoryRequest),
    },
    limits: {
      cpu: k8s.Quantity.fromString(resources.cpuLimit),
      memory: k8s.Quantity.fromString(resources.memoryLimit),
    },
  };
}

function validate(props: ShardedDatabaseProps, replicas: number, port: number): void {
  const where = `ShardedDatabase ${JSON.stringify(props.name)}`;
  if (!DNS_LABEL.test(props.name)) {
    throw new ValidationError(`${where}: 'name' (${JSON.stringify(props.name)}) must be a DNS-1123 label`);
  }
  if (!Number.isInteger(replicas) || replicas < 1) {
    throw new ValidationError(`${where}: 'replicasPerShard' (${replicas}) must be a whole number >= 1`);
  }
  if (replicas > 1 && props.credentials.replicationPassword === undefined) {
    throw new ValidationError(
      `${where}: 'replicasPerShard' (${replicas}) needs 'credentials.replicationPassword' (replicas follow the primary)`,
    );
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ValidationError(`${where}: 'port' (${port}) must be a port between 1 and 65535`);
  }
  const problems = checkKeyRanges(props.shards.map((range) => range.toString()));
  if (problems.length > 0) {
    throw new ValidationError(
      `${where}: 'shards' must cover the keyspace exactly once: ${problems
        .map((problem) => `shards[${problem.index}] ${JSON.stringify(problem.value)} ${problem.message}`)
        .join('; ')}`,
    );
  }
  for (const range of props.shards) {
    const name = shardName(props.name, range);
    if (name.length > MAX_STATEFUL_SET_NAME) {
      throw new ValidationError(
        `${where}: shard name ${JSON.stringify(name)} (${name.length} characters) must be at most ${MAX_STATEFUL_SET_NAME}; shorten the name or the key-range bounds`,
      );
    }
  }
  for (const [prop, image] of [
    ['image', props.image],
    ['exporterImage', props.exporterImage],
  ] as const) {
    if (image !== undefined && !isPinnedImage(image)) {
      throw new ValidationError(
        `${where}: '${prop}' (${JSON.stringify(image)}) must be pinned by a tag other than latest, or a digest`,
      );
    }
  }
}
