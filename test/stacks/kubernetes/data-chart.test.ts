import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { checkKeyRanges, KeyRange } from '../../../constructs/data/key-range';
import { validateKubernetesObjects } from '../../constructs/data/kubernetes-schema';
import { readTree, TempProject } from '../../support/cli';
import { hasCrdSchema, validateAgainstCrd } from '../../support/crd-schema';

// biome-ignore lint/suspicious/noExplicitAny: manifests and specs are plain JSON
type Json = any;

const VITESS = 'planetscale.com/v2';

describe('data chart of prod and test', () => {
  let project: TempProject;
  let objects: Json[];
  let testObjects: Json[];
  let prod: Json;
  let terraform: Json;
  let tree: Map<string, string>;
  beforeAll(async () => {
    project = new TempProject();
    const result = await project.run(['synth', '--env', 'prod', '--env', 'test', '--out', 'out']);
    expect(result.stderr).toBe('');
    tree = readTree(project.path('out'));
    const docs = (file: string) => parseAllDocuments(tree.get(file) ?? '').map((doc) => doc.toJS());
    objects = docs('prod/kubernetes/data.yaml');
    testObjects = docs('test/kubernetes/data.yaml');
    terraform = JSON.parse(tree.get('prod/terraform/cdk.tf.json') ?? '{}');
    prod = parseYaml(project.read('environments/prod.yaml'));
  });
  afterAll(() => project.dispose());

  const kind = (k: string) => objects.filter((o) => o.kind === k);
  const cluster = (name: string) => kind('VitessCluster').find((c) => c.metadata.name === name);
  const shardsOf = (vc: Json) =>
    vc.spec.keyspaces[0].partitionings.map((p: Json) =>
      p.custom.shards.map((s: Json) => `${s.keyRange.start}-${s.keyRange.end}`),
    );

  it("runs prod's users and points databases on vitess-operator, with exactly the environment's key ranges", () => {
    expect(kind('VitessCluster').map((c) => c.metadata.name)).toEqual(['users-db', 'points-db']);
    expect(kind('StatefulSet')).toEqual([]);
    const users = cluster('users-db');
    expect(users.spec.keyspaces.map((k: Json) => k.name)).toEqual(['users-db']);
    expect(shardsOf(users)).toEqual([KeyRange.evenSplit(4).map(String)]);
    expect(shardsOf(cluster('points-db'))).toEqual([prod.databases[1].shards]);
    for (const vc of kind('VitessCluster'))
      for (const partitioning of shardsOf(vc)) expect(checkKeyRanges(partitioning)).toEqual([]);
  });

  it('fails over with VTOrc, semi-sync, and primary-eligible tablets on every shard', () => {
    for (const vc of kind('VitessCluster')) {
      const keyspace = vc.spec.keyspaces[0];
      expect(keyspace.vitessOrchestrator).toBeDefined();
      expect(keyspace.durabilityPolicy).toBe('semi_sync');
      for (const shard of keyspace.partitionings[0].custom.shards) {
        expect(shard.tabletPools).toEqual([expect.objectContaining({ type: 'replica', replicas: 3 })]);
        expect(shard.replication).toEqual({ initializeBackup: true });
      }
    }
  });

  it('validates every database custom resource against its CRD', () => {
    const custom = objects.filter((o) => !['v1', 'policy/v1', 'discovery.k8s.io/v1'].includes(o.apiVersion));
    expect(custom.map((o) => o.kind).sort()).toEqual([
      'PodMonitor',
      'PodMonitor',
      'PrometheusRule',
      'VitessCluster',
      'VitessCluster',
    ]);
    for (const object of custom)
      expect([object.metadata.name, validateAgainstCrd(object)]).toEqual([object.metadata.name, []]);
  });

  it('writes backup schedules and storage that the operator turns into valid VitessBackupSchedule and VitessBackupStorage objects', () => {
    expect(hasCrdSchema(VITESS, 'VitessBackupSchedule')).toBe(true);
    for (const vc of kind('VitessCluster')) {
      const { backup } = vc.spec;
      expect(backup.schedules).toHaveLength(1);
      const [template] = backup.schedules;
      // The operator copies the template into the schedule's spec and names the cluster.
      const schedule = {
        apiVersion: VITESS,
        kind: 'VitessBackupSchedule',
        metadata: { name: `${vc.metadata.name}-vbsc-${template.name}`, namespace: vc.metadata.namespace },
        spec: { ...template, cluster: vc.metadata.name },
      };
      expect(validateAgainstCrd(schedule)).toEqual([]);
      const storage = {
        apiVersion: VITESS,
        kind: 'VitessBackupStorage',
        metadata: {
          name: `${vc.metadata.name}-${backup.locations[0].name}`,
          namespace: vc.metadata.namespace,
        },
        spec: { location: backup.locations[0] },
      };
      expect(validateAgainstCrd(storage)).toEqual([]);
      const db = prod.databases.find((d: Json) => d.name === vc.metadata.name);
      expect(template.schedule).toBe(db.backup.schedule);
      expect(template.strategies[0].extraFlags).toEqual({
        'min-retention-count': String(db.backup.keepCount ?? 7),
        'min-retention-time': db.backup.keepFor ?? '168h',
      });
      expect(backup.locations[0].s3).toMatchObject({
        bucket: db.backup.s3.bucket,
        endpoint: db.backup.s3.endpoint,
      });
    }
    // A schedule that is not valid is refused by the CRD too (the schema refuses it first, with exit 2).
    const broken = {
      apiVersion: VITESS,
      kind: 'VitessBackupSchedule',
      metadata: { name: 'x' },
      spec: { name: 'x', schedule: '0 2 * * *', strategies: [], resources: {} },
    };
    expect(validateAgainstCrd(broken).join('\n')).toMatch(/cluster|strategies/);
  });

  it('gives applications one endpoint per database: a Service of its name on vtgate', () => {
    for (const name of ['users-db', 'points-db']) {
      const service = kind('Service').find((s) => s.metadata.name === name);
      expect(service.metadata.namespace).toBe('data');
      expect(service.spec.selector).toEqual({
        'planetscale.com/cluster': name,
        'planetscale.com/component': 'vtgate',
      });
      expect(service.spec.ports).toEqual([{ name: 'mysql', port: 3306, targetPort: 3306, protocol: 'TCP' }]);
      expect(cluster(name).spec.cells[0].gateway.replicas).toBeGreaterThanOrEqual(2);
    }
    // No shard map is published any more: nothing outside `data` could read it.
    expect(kind('ConfigMap')).toEqual([]);
  });

  it('places every tablet on the database pool, one per host per shard, spread over zones, with a PDB that matches', () => {
    const pool = prod.nodePools.find((p: Json) => p.name === 'database');
    for (const vc of kind('VitessCluster')) {
      for (const shard of vc.spec.keyspaces[0].partitionings[0].custom.shards) {
        const [tablets] = shard.tabletPools;
        const terms =
          tablets.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
        expect(terms).toEqual([
          { matchExpressions: [{ key: 'platform-blueprint.io/pool', operator: 'In', values: ['database'] }] },
        ]);
        for (const taint of pool.taints)
          expect(tablets.tolerations).toContainEqual({
            key: taint.key,
            operator: 'Equal',
            value: taint.value,
            effect: taint.effect,
          });
        const [antiAffinity] =
          tablets.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution;
        const safeName = KeyRange.parse(`${shard.keyRange.start}-${shard.keyRange.end}`).kubernetesName;
        expect(antiAffinity).toEqual({
          topologyKey: 'kubernetes.io/hostname',
          labelSelector: {
            matchLabels: {
              'planetscale.com/cluster': vc.metadata.name,
              'planetscale.com/keyspace': vc.metadata.name,
              'planetscale.com/shard': safeName,
              'planetscale.com/component': 'vttablet',
            },
          },
        });
        expect(tablets.topologySpreadConstraints[0].topologyKey).toBe('topology.kubernetes.io/zone');
        // A spare host beyond one per tablet: a drained node's tablet has somewhere to go.
        expect(pool.nodes.length).toBeGreaterThanOrEqual(tablets.replicas + 1);
        const pdb = kind('PodDisruptionBudget').find(
          (p) => p.metadata.name === `${vc.metadata.name}-${safeName}`,
        );
        expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: antiAffinity.labelSelector });
      }
    }
    expect(kind('PodDisruptionBudget').map((p) => p.metadata.name)).toEqual([
      'users-db-x-40',
      'users-db-40-80',
      'users-db-80-c0',
      'users-db-c0-x',
      'users-db-vtgate',
      'points-db-x-80',
      'points-db-80-x',
      'points-db-vtgate',
    ]);
  });

  it('sizes the InnoDB buffer pool and requires TLS for replication', () => {
    for (const vc of kind('VitessCluster')) {
      const db = prod.databases.find((d: Json) => d.name === vc.metadata.name);
      const limit = Number(String(db.resources.limits.memory).replace('Gi', '')) * 1024;
      for (const shard of vc.spec.keyspaces[0].partitionings[0].custom.shards) {
        const [tablets] = shard.tabletPools;
        expect(tablets.mysqld.configOverrides).toContain(`innodb_buffer_pool_size = ${(limit * 3) / 4}M`);
        expect(tablets.mysqld.configOverrides).toContain('require_secure_transport = ON');
        expect(tablets.vttablet.extraFlags).toMatchObject({
          'db-ssl-mode': 'required',
          'enable-replication-reporter': 'true',
        });
        expect(tablets.vttablet.extraFlags['db-repl-use-ssl']).toBeUndefined();
      }
    }
  });

  it('keeps only the external services in use, and labels their EndpointSlices like every other object', () => {
    expect(kind('Service').find((s) => s.metadata.name === 'mysql')).toBeUndefined();
    expect(kind('PersistentVolume')).toEqual([]);
    expect(kind('PersistentVolumeClaim')).toEqual([]);
    const redis = kind('Service').find((s) => s.metadata.name === 'redis');
    expect(redis.spec.selector).toBeUndefined();
    for (const slice of kind('EndpointSlice')) {
      expect(slice.metadata.labels['endpointslice.kubernetes.io/managed-by']).toBe(
        slice.metadata.labels['app.kubernetes.io/managed-by'],
      );
      for (const endpoint of slice.endpoints) expect(endpoint.addresses[0]).toMatch(/^10\.20\./);
    }
  });

  it('puts the data volumes on a StorageClass that Terraform creates', () => {
    const classes = Object.values(terraform.resource.kubernetes_storage_class_v1).map(
      (sc: Json) => sc.metadata.name,
    );
    for (const vc of kind('VitessCluster'))
      for (const shard of vc.spec.keyspaces[0].partitionings[0].custom.shards)
        expect(classes).toContain(shard.tabletPools[0].dataVolumeClaimTemplate.storageClassName);
  });

  it('passes the Kubernetes schemas (built-in objects of both environments)', () => {
    const builtIn = [...objects, ...testObjects].filter((o) => !hasCrdSchema(o.apiVersion, o.kind));
    expect(validateKubernetesObjects(builtIn)).toEqual(builtIn.map(() => []));
  });

  it("runs test's database as a single MySQL pod behind the Service of its name", () => {
    expect(
      testObjects.filter((o) => o.kind === 'StatefulSet').map((o) => [o.metadata.name, o.spec.replicas]),
    ).toEqual([['app-db-x-x', 1]]);
    const service = testObjects.find((o) => o.kind === 'Service' && o.metadata.name === 'app-db');
    expect(service.spec.selector['statefulset.kubernetes.io/pod-name']).toBe('app-db-x-x-0');
    expect(testObjects.some((o) => o.kind === 'VitessCluster')).toBe(false);
  });
});
