import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { ExternalService, type ExternalServiceProtocol } from '../../constructs/data/external-service';
import { NfsVolume } from '../../constructs/data/nfs-volume';
import { ShardedDatabase, ZoneSpread } from '../../constructs/data/sharded-database';
import type { LoadedEnvironment } from '../../environments/load';
import type { DatabaseSpec, ExternalServiceSpec } from '../../environments/schema/data';
import { databaseKeyRanges, externalServicePorts } from '../../environments/schema/data-rules';
import { MANAGED_BY_LABELS } from '../labels';
import { placementFor } from './placement';

/** Annotation on an external service's Service that names the Secret key clients read its password from. */
export const CREDENTIALS_ANNOTATION = 'platform-blueprint.io/credentials-secret-ref';

/** Whether the environment has anything for the data chart. */
export function needsDataChart(env: LoadedEnvironment): boolean {
  return env.spec.databases.length > 0 || env.spec.externalServices.length > 0;
}

/**
 * Data services: every sharded database (StatefulSets, Services, PodDisruptionBudgets and the
 * shard map) and every external data service (a selector-less Service with its
 * EndpointSlice, and NFS shares as PersistentVolume + claim). Applied before the workloads
 * that use them.
 */
export class DataChart extends Chart {
  public readonly databases: readonly ShardedDatabase[];
  public readonly externalServices: readonly ExternalService[];

  constructor(scope: Construct, id: string, env: LoadedEnvironment) {
    super(scope, id, { disableResourceNameHashes: true, labels: { ...MANAGED_BY_LABELS } });
    const { spec } = env;
    this.databases = spec.databases.map((db) => this.addDatabase(env, db));
    this.externalServices = spec.externalServices.map((svc) => this.addExternalService(svc));
  }

  private addDatabase(env: LoadedEnvironment, db: DatabaseSpec): ShardedDatabase {
    const shards = databaseKeyRanges(db.shards);
    if (!shards) throw new Error(`database ${db.name}: malformed key ranges passed the schema`);
    const { requests, limits } = db.resources;
    return new ShardedDatabase(this, `database-${db.name}`, {
      name: db.name,
      namespace: db.namespace,
      shards,
      replicasPerShard: db.replicas,
      storageSize: db.storage.size,
      storageClassName: db.storage.class,
      resources: {
        cpuRequest: requests.cpu,
        cpuLimit: limits.cpu,
        memoryRequest: requests.memory,
        memoryLimit: limits.memory,
      },
      placement: placementFor(env.spec, db.pool),
      zoneSpread: db.zoneSpread === 'required' ? ZoneSpread.REQUIRED : ZoneSpread.PREFERRED,
      credentials: {
        rootPassword: db.credentials.root,
        replicationPassword: db.credentials.replication,
        exporterPassword: db.credentials.exporter,
      },
      image: db.image,
      exporterImage: db.exporterImage,
      port: db.port,
      clusterDomain: env.spec.cluster.dnsDomain,
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
