import { Chart, Testing } from 'cdk8s';
import { KeyRange } from '../../../constructs/data/key-range';
import {
  DATABASE_LABEL,
  SHARD_LABEL,
  ShardedDatabase,
  type ShardedDatabaseProps,
  ZoneSpread,
} from '../../../constructs/data/sharded-database';
import { validateKubernetesObjects } from './kubernetes-schema';

// biome-ignore lint/suspicious/noExplicitAny: manifests are plain JSON
type Manifest = any;

const CREDENTIALS = {
  rootPassword: { name: 'users-mysql', key: 'root-password' },
  replicationPassword: { name: 'users-mysql', key: 'replication-password' },
  exporterPassword: { name: 'users-mysql', key: 'exporter-password' },
};

function synth(overrides: Partial<ShardedDatabaseProps> = {}): {
  db: ShardedDatabase;
  manifests: Manifest[];
} {
  const chart = new Chart(Testing.app(), 'test', { disableResourceNameHashes: true });
  const db = new ShardedDatabase(chart, 'users', {
    name: 'users',
    namespace: 'data',
    shards: KeyRange.evenSplit(4),
    storageSize: '50Gi',
    storageClassName: 'ceph-rbd',
    placement: {
      nodeSelector: { 'platform-blueprint.io/pool': 'database' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'database', effect: 'NoSchedule' }],
    },
    credentials: CREDENTIALS,
    ...overrides,
  });
  return { db, manifests: chart.toJson() };
}

const ofKind = (manifests: Manifest[], kind: string) => manifests.filter((m) => m.kind === kind);
const named = (manifests: Manifest[], kind: string, name: string) =>
  manifests.find((m) => m.kind === kind && m.metadata.name === name);

describe('ShardedDatabase', () => {
  const { manifests } = synth();

  it('emits per shard a StatefulSet, a headless and a client Service and a PDB, plus its ConfigMap', () => {
    const names = ['users-x-40', 'users-40-80', 'users-80-c0', 'users-c0-x'];
    expect(ofKind(manifests, 'StatefulSet').map((m) => m.metadata.name)).toEqual(names);
    expect(ofKind(manifests, 'PodDisruptionBudget').map((m) => m.metadata.name)).toEqual(names);
    expect(ofKind(manifests, 'Service').map((m) => m.metadata.name)).toEqual(
      names.flatMap((name) => [`${name}-headless`, name]),
    );
    // No shard map: nothing outside the namespace could read it (consumers use one Service).
    expect(ofKind(manifests, 'ConfigMap').map((m) => m.metadata.name)).toEqual(['users-mysql']);
    expect(manifests.every((m) => m.metadata.namespace === 'data')).toBe(true);
  });

  it('passes the Kubernetes schemas', () => {
    expect(validateKubernetesObjects(manifests)).toEqual(manifests.map(() => []));
  });

  it('gives each StatefulSet a volumeClaimTemplate on the StorageClass, bound to its headless Service', () => {
    for (const sts of ofKind(manifests, 'StatefulSet')) {
      expect(sts.spec.serviceName).toBe(`${sts.metadata.name}-headless`);
      expect(sts.spec.replicas).toBe(2);
      expect(sts.spec.volumeClaimTemplates).toEqual([
        expect.objectContaining({
          metadata: expect.objectContaining({ name: 'data' }),
          spec: {
            accessModes: ['ReadWriteOnce'],
            storageClassName: 'ceph-rbd',
            resources: { requests: { storage: '50Gi' } },
          },
        }),
      ]);
      const mysql = sts.spec.template.spec.containers.find((c: Manifest) => c.name === 'mysql');
      expect(mysql.volumeMounts).toContainEqual({ name: 'data', mountPath: '/var/lib/mysql' });
      expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({
        whenDeleted: 'Retain',
        whenScaled: 'Retain',
      });
    }
  });

  it("keeps a shard's pods on distinct hosts, spread over zones, on the dedicated pool", () => {
    for (const sts of ofKind(manifests, 'StatefulSet')) {
      const pod = sts.spec.template.spec;
      const selector = sts.spec.selector.matchLabels;
      expect(selector).toEqual({
        [DATABASE_LABEL]: 'users',
        [SHARD_LABEL]: sts.metadata.labels[SHARD_LABEL],
      });
      // Each shard repels only its own pods: the selector names the shard.
      expect(pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toEqual([
        { labelSelector: { matchLabels: selector }, topologyKey: 'kubernetes.io/hostname' },
      ]);
      expect(pod.topologySpreadConstraints).toEqual([
        {
          maxSkew: 1,
          topologyKey: 'topology.kubernetes.io/zone',
          whenUnsatisfiable: 'ScheduleAnyway',
          labelSelector: { matchLabels: selector },
        },
      ]);
      expect(pod.nodeSelector).toEqual({ 'platform-blueprint.io/pool': 'database' });
      expect(pod.tolerations).toEqual([
        { key: 'dedicated', operator: 'Equal', value: 'database', effect: 'NoSchedule' },
      ]);
      // The template's labels match the selector, or the API server refuses the StatefulSet.
      expect(sts.spec.template.metadata.labels).toMatchObject(selector);
    }
  });

  it('can require the zone spread', () => {
    const sts = ofKind(synth({ zoneSpread: ZoneSpread.REQUIRED }).manifests, 'StatefulSet')[0];
    expect(sts.spec.template.spec.topologySpreadConstraints[0].whenUnsatisfiable).toBe('DoNotSchedule');
  });

  it('meets the guardrails: non-root uid 999, requests and limits, probes, pinned images', () => {
    for (const sts of ofKind(manifests, 'StatefulSet')) {
      const pod = sts.spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999, fsGroup: 999 });
      for (const container of [...pod.containers, ...pod.initContainers]) {
        expect(container.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
        expect(container.resources.limits).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
        expect(container.image).toMatch(/:[0-9v][^:]*$/);
        expect(container.securityContext).toMatchObject({
          runAsNonRoot: true,
          allowPrivilegeEscalation: false,
        });
      }
      for (const container of pod.containers) expect(container.readinessProbe).toBeDefined();
    }
  });

  it('runs a mysqld-exporter sidecar with a named metrics port', () => {
    const pod = ofKind(manifests, 'StatefulSet')[0].spec.template.spec;
    const exporter = pod.containers.find((c: Manifest) => c.name === 'exporter');
    expect(exporter.image).toBe('prom/mysqld-exporter:v0.16.0');
    expect(exporter.ports).toEqual([{ name: 'metrics', containerPort: 9104, protocol: 'TCP' }]);
    expect(exporter.args).toContain('--mysqld.address=127.0.0.1:3306');
  });

  it('reads every password from a Secret reference, never a literal', () => {
    for (const sts of ofKind(manifests, 'StatefulSet')) {
      const containers = [...sts.spec.template.spec.containers, ...sts.spec.template.spec.initContainers];
      for (const env of containers.flatMap((c: Manifest) => c.env ?? [])) {
        if (/PASSWORD/.test(env.name)) {
          expect(env.value).toBeUndefined();
          expect(env.valueFrom.secretKeyRef).toEqual({ name: 'users-mysql', key: expect.any(String) });
        }
      }
    }
    expect(ofKind(manifests, 'Secret')).toEqual([]);
  });

  it('points the client Service at the primary and the headless Service at every pod', () => {
    const client = named(manifests, 'Service', 'users-40-80');
    expect(client.spec.selector).toEqual({
      [DATABASE_LABEL]: 'users',
      [SHARD_LABEL]: '40-80',
      'statefulset.kubernetes.io/pod-name': 'users-40-80-0',
    });
    expect(client.spec.ports).toEqual([{ name: 'mysql', port: 3306, targetPort: 'mysql' }]);
    const headless = named(manifests, 'Service', 'users-40-80-headless');
    expect(headless.spec.clusterIP).toBe('None');
    expect(headless.spec.ports).toEqual([
      { name: 'mysql', port: 3306, targetPort: 'mysql' },
      { name: 'metrics', port: 9104, targetPort: 'metrics' },
    ]);
    expect(headless.spec.selector).toEqual({ [DATABASE_LABEL]: 'users', [SHARD_LABEL]: '40-80' });
  });

  it('lets at most one pod of a shard be disrupted', () => {
    for (const pdb of ofKind(manifests, 'PodDisruptionBudget')) {
      const sts = named(manifests, 'StatefulSet', pdb.metadata.name);
      expect(pdb.spec).toEqual({
        maxUnavailable: 1,
        selector: { matchLabels: sts.spec.selector.matchLabels },
      });
    }
  });

  it('sizes the InnoDB buffer pool from the memory limit, and replicates over TLS only', () => {
    const config = named(manifests, 'ConfigMap', 'users-mysql').data;
    // 3/4 of the default 2Gi limit.
    expect(config['mysqld.cnf']).toContain('innodb_buffer_pool_size = 1536M');
    expect(config['mysqld.cnf']).toContain('require_secure_transport = ON');
    expect(config['replica.sh']).toContain('SOURCE_SSL=1');
    const { manifests: sized } = synth({ innodbBufferPoolMebibytes: 640 });
    expect(named(sized, 'ConfigMap', 'users-mysql').data['mysqld.cnf']).toContain(
      'innodb_buffer_pool_size = 640M',
    );
  });

  it('gives every pod a server identity from its ordinal and a replica role after ordinal 0', () => {
    const config = named(manifests, 'ConfigMap', 'users-mysql').data;
    expect(Object.keys(config).sort()).toEqual(['init-pod.sh', 'mysqld.cnf', 'primary.sh', 'replica.sh']);
    expect(config['mysqld.cnf']).toContain('gtid_mode = ON');
    expect(config['replica.sh']).toContain('SOURCE_AUTO_POSITION=1');
    expect(config['replica.sh']).toContain('super_read_only = ON');
    expect(config['primary.sh']).toContain('"$' + '{REPLICATION_PASSWORD}"');
  });

  it('accepts explicit ranges and one replica without replication credentials', () => {
    const { manifests: single } = synth({
      shards: ['-80', '80-'].map((text) => KeyRange.parse(text)),
      replicasPerShard: 1,
      credentials: { rootPassword: CREDENTIALS.rootPassword, exporterPassword: CREDENTIALS.exporterPassword },
    });
    expect(ofKind(single, 'StatefulSet').map((m) => m.metadata.name)).toEqual(['users-x-80', 'users-80-x']);
    // Several shards: no single endpoint to name after the database.
    expect(ofKind(single, 'Service').map((m) => m.metadata.name)).not.toContain('users');
    const env = ofKind(single, 'StatefulSet')[0].spec.template.spec.containers[0].env;
    expect(env.map((e: Manifest) => e.name)).not.toContain('REPLICATION_PASSWORD');
  });

  it('gives a one-shard database the Service of its own name, selecting the primary', () => {
    const { manifests: one } = synth({
      shards: [KeyRange.parse('-')],
      replicasPerShard: 1,
      credentials: { rootPassword: CREDENTIALS.rootPassword, exporterPassword: CREDENTIALS.exporterPassword },
    });
    const service = named(one, 'Service', 'users');
    expect(service.spec.selector).toEqual({
      [DATABASE_LABEL]: 'users',
      [SHARD_LABEL]: 'x-x',
      'statefulset.kubernetes.io/pod-name': 'users-x-x-0',
    });
    expect(validateKubernetesObjects(one)).toEqual(one.map(() => []));
  });

  it('refuses bad props with the values', () => {
    expect(() => synth({ replicasPerShard: 0 })).toThrow(
      "'replicasPerShard' (0) must be a whole number >= 1",
    );
    expect(() => synth({ shards: ['-40', '80-'].map((t) => KeyRange.parse(t)) })).toThrow(
      'shards[1] "80-" leaves a gap after "-40"',
    );
    expect(() => synth({ shards: [] })).toThrow("'shards' must cover the keyspace exactly once");
    expect(() =>
      synth({
        credentials: {
          rootPassword: CREDENTIALS.rootPassword,
          exporterPassword: CREDENTIALS.exporterPassword,
        },
      }),
    ).toThrow("needs 'credentials.replicationPassword'");
    expect(() => synth({ image: 'mysql:latest' })).toThrow(`'image' ("mysql:latest") must be pinned`);
    expect(() => synth({ image: 'mysql' })).toThrow('must be pinned');
    expect(() => synth({ name: 'a'.repeat(48) })).toThrow('must be at most 52');
    expect(() => synth({ name: 'Users' })).toThrow(`'name' ("Users") must be a DNS-1123 label`);
  });
});
