import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { ExternalService, type ExternalServiceProtocol } from '../../constructs/data/external-service';
import { NfsVolume } from '../../constructs/data/nfs-volume';
import { type ContainerResources, ShardedDatabase, ZoneSpread } from '../../constructs/data/sharded-database';
import { VitessAlerts } from '../../constructs/data/vitess-alerts';
import { VitessCluster } from '../../constructs/data/vitess-cluster';
import type { LoadedEnvironment } from '../../environments/load';
import { type DatabaseSpec, durationSeconds, type ExternalServiceSpec } from '../../environments/schema/data';
import {
  databaseKeyRanges,
  externalServicePorts,
  innodbBufferPoolMebibytes,
} from '../../environments/schema/data-rules';
import { MANAGED_BY_LABELS } from '../labels';
import { placementFor } from './placement';

/** Annotation on an external service's Service that names the Secret key clients read its password from. */
export const CREDENTIALS_ANNOTATION = 'platform-blueprint.io/credentials-secret-ref';

/** Whether the environment has anything for the data chart. */
export function needsDataChart(env: LoadedEnvironment): boolean {
  return env.spec.databases.length > 0 || env.spec.externalServices.length > 0;
}

/** The Vitess cell of a database: `vitess.cell`, or the site (else the environment) with `-` written as `_`. */
export function vitessCell(env: LoadedEnvironment, db: DatabaseSpec): string {
  return db.vitess.cell ?? (env.spec.cluster.site ?? env.name).replace(/-/g, '_');
}

/** Where a database's backups go in its bucket: `backup.s3.keyPrefix`, or `<namespace>/<name>`. */
export function backupKeyPrefix(db: DatabaseSpec): string {
  return db.backup?.s3.keyPrefix ?? `${db.namespace}/${db.name}`;
}

function resources(spec: {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}): ContainerResources {
  return {
    cpuRequest: spec.requests.cpu,
    cpuLimit: spec.limits.cpu,
    memoryRequest: spec.requests.memory,
    memoryLimit: spec.limits.memory,
  };
}

/**
 * Data services: every database (engine vitess: a VitessCluster with its vtgate Service, PDBs
 * and PodMonitor, and the Vitess alerts; engine mysql-single: one MySQL StatefulSet for test
 * environments) and every external data service (a selector-less Service with its
 * EndpointSlice, and NFS shares as PersistentVolume + claim). Applied before the workloads
 * that use them.
 */
export class DataChart extends Chart {
  /** The vitess databases. */
  public readonly vitessClusters: readonly VitessCluster[];
  /** The single-instance (mysql-single) databases. */
  public readonly databases: readonly ShardedDatabase[];
  public readonly externalServices: readonly ExternalService[];
  /** Alerts on the vitess databases, when there are any. */
  public readonly vitessAlerts?: VitessAlerts;

  constructor(scope: Construct, id: string, env: LoadedEnvironment) {
    super(scope, id, { disableResourceNameHashes: true, labels: { ...MANAGED_BY_LABELS } });
    const { spec } = env;
    const vitess = spec.databases.filter((db) => db.engine === 'vitess');
    this.vitessClusters = vitess.map((db) => this.addVitess(env, db));
    this.databases = spec.databases
      .filter((db) => db.engine === 'mysql-single')
      .map((db) => this.addSingle(env, db));
    if (vitess.length > 0)
      this.vitessAlerts = new VitessAlerts(this, 'vitess-alerts', {
        namespace: spec.observability.namespace,
        environment: env.name,
        labels: spec.observability.selectorLabels,
        databases: vitess.map((db) => ({
          namespace: db.namespace,
          name: db.name,
          maxReplicationLagSeconds: durationSeconds(db.vitess.maxReplicationLag),
          maxBackupAgeSeconds: durationSeconds(db.backup?.maxAge ?? '26h'),
        })),
      });
    this.externalServices = spec.externalServices.map((svc) => this.addExternalService(svc));
  }

  private addVitess(env: LoadedEnvironment, db: DatabaseSpec): VitessCluster {
    const serving = databaseKeyRanges(db.shards);
    const target = db.reshardTo === undefined ? undefined : databaseKeyRanges(db.reshardTo);
    const { backup } = db;
    const { initScript, gatewayUsers } = db.credentials;
    if (!serving || (db.reshardTo !== undefined && !target) || !backup || !initScript || !gatewayUsers)
      throw new Error(`database ${db.name}: an incomplete vitess database passed the schema`);
    return new VitessCluster(this, `database-${db.name}`, {
      name: db.name,
      namespace: db.namespace,
      cell: vitessCell(env, db),
      partitionings: target ? [serving, target] : [serving],
      tabletsPerShard: db.replicas,
      durabilityPolicy: db.vitess.durability,
      storageSize: db.storage.size,
      storageClassName: db.storage.class,
      mysqldResources: resources(db.resources),
      vttabletResources: resources(db.vitess.tablet),
      innodbBufferPoolMebibytes: innodbBufferPoolMebibytes(db),
      placement: placementFor(env.spec, db.pool) ?? { nodeSelector: {}, tolerations: [] },
      zoneSpread: db.zoneSpread === 'required' ? ZoneSpread.REQUIRED : ZoneSpread.PREFERRED,
      images: { vitess: db.vitess.image, mysqld: db.vitess.mysqldImage, mysqldExporter: db.exporterImage },
      gateway: {
        replicas: db.vitess.gateway.replicas,
        resources: resources(db.vitess.gateway.resources),
        users: gatewayUsers,
      },
      initScript,
      backup: {
        schedule: backup.schedule,
        keepCount: backup.keepCount,
        keepFor: backup.keepFor,
        engine: backup.engine,
        storage: {
          endpoint: backup.s3.endpoint,
          bucket: backup.s3.bucket,
          region: backup.s3.region,
          keyPrefix: backupKeyPrefix(db),
          credentials: backup.s3.credentials,
        },
        // vtbackup restores the newest backup and replays to now: it needs mysqld's room.
        resources: resources(db.resources),
      },
      monitorLabels: env.spec.observability.selectorLabels,
    });
  }

  private addSingle(env: LoadedEnvironment, db: DatabaseSpec): ShardedDatabase {
    const shards = databaseKeyRanges(db.shards);
    const { root, exporter } = db.credentials;
    if (!shards || !root || !exporter)
      throw new Error(`database ${db.name}: an incomplete mysql-single database passed the schema`);
    return new ShardedDatabase(this, `database-${db.name}`, {
      name: db.name,
      namespace: db.namespace,
      shards,
      replicasPerShard: db.replicas,
      storageSize: db.storage.size,
      storageClassName: db.storage.class,
      resources: resources(db.resources),
      placement: placementFor(env.spec, db.pool),
      zoneSpread: db.zoneSpread === 'required' ? ZoneSpread.REQUIRED : ZoneSpread.PREFERRED,
      credentials: { rootPassword: root, exporterPassword: exporter },
      image: db.image,
      exporterImage: db.exporterImage,
      port: db.port,
      clusterDomain: env.spec.cluster.dnsDomain,
      innodbBufferPoolMebibytes: innodbBufferPoolMebibytes(db),
    });
  }

  private addExternalService(svc: ExternalServiceSpec): ExternalService {
    const labels = { 'app.kubernetes.io/name': svc.type, 'app.kubernetes.io/instance': svc.name };
    const external = new ExternalService(this, `external-${svc.name}`, {
      name: svc.name,
      namespace: svc.namespace,
      addresses: svc.addresses,
      ports: externalServicePorts(svc).map((port) => ({
        name: port.name,
        port: port.port,
        targetPort: 'targetPort' in port ? port.targetPort : undefined,
        protocol: port.protocol as ExternalServiceProtocol,
      })),
      labels,
      annotations: svc.credentials
        ? { [CREDENTIALS_ANNOTATION]: `${svc.credentials.name}/${svc.credentials.key}` }
        : undefined,
    });
    for (const volume of svc.volumes) {
      new NfsVolume(external, `volume-${volume.name}`, {
        name: volume.name,
        namespace: svc.namespace,
        server: svc.addresses[0] as string,
        path: volume.path,
        size: volume.size,
        readOnly: volume.readOnly,
        mountOptions: volume.mountOptions,
        labels,
      });
    }
    return external;
  }
}
