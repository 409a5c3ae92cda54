import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { checkKeyRanges } from '../../../constructs/data/key-range';
import { validateKubernetesObjects } from '../../constructs/data/kubernetes-schema';
import { readTree, TempProject } from '../../support/cli';

// biome-ignore lint/suspicious/noExplicitAny: manifests and specs are plain JSON
type Json = any;

describe('data chart of prod', () => {
  let project: TempProject;
  let objects: Json[];
  let prod: Json;
  let terraform: Json;
  beforeAll(async () => {
    project = new TempProject();
    const result = await project.run(['synth', '--env', 'prod', '--env', 'test', '--out', 'out']);
    expect(result.stderr).toBe('');
    const tree = readTree(project.path('out'));
    objects = parseAllDocuments(tree.get('prod/kubernetes/data.yaml') ?? '').map((doc) => doc.toJS());
    terraform = JSON.parse(tree.get('prod/terraform/cdk.tf.json') ?? '{}');
    prod = parseYaml(project.read('environments/prod.yaml'));
  });
  afterAll(() => project.dispose());

  const kind = (k: string) => objects.filter((o) => o.kind === k);

  it('runs the users database in 4 shards and the points database in 2, in the cluster', () => {
    const shards = (db: string) =>
      kind('StatefulSet')
        .filter((sts) => sts.metadata.labels['platform-blueprint.io/database'] === db)
        .map((sts) => sts.metadata.name);
    expect(shards('users-db')).toEqual([
      'users-db-x-40',
      'users-db-40-80',
      'users-db-80-c0',
      'users-db-c0-x',
    ]);
    expect(shards('points-db')).toEqual(['points-db-x-80', 'points-db-80-x']);
  });

  it('publishes shard maps that cover the keyspace exactly once', () => {
    const maps = kind('ConfigMap').filter((cm) => cm.data?.['shards.json']);
    expect(maps.map((cm) => cm.metadata.name)).toEqual(['users-db-shards', 'points-db-shards']);
    for (const cm of maps) {
      const map = JSON.parse(cm.data['shards.json']);
      expect(checkKeyRanges(map.shards.map((shard: Json) => shard.name))).toEqual([]);
    }
  });

  it('reaches the external MySQL and Redis through selector-less Services and EndpointSlices', () => {
    for (const name of ['mysql', 'redis']) {
      const service = kind('Service').find((s) => s.metadata.name === name);
      expect(service.spec.selector).toBeUndefined();
      const slice = kind('EndpointSlice').find(
        (s) => s.metadata.labels['kubernetes.io/service-name'] === name,
      );
      expect(slice.metadata.namespace).toBe(service.metadata.namespace);
      expect(slice.endpoints.length).toBeGreaterThan(0);
      for (const endpoint of slice.endpoints) expect(endpoint.addresses[0]).toMatch(/^10\.20\./);
      expect(slice.ports.map((p: Json) => p.name)).toEqual(service.spec.ports.map((p: Json) => p.name));
    }
  });

  it('schedules: every shard tolerates its pool, selects it, and fits one pod per host', () => {
    for (const sts of kind('StatefulSet')) {
      const pod = sts.spec.template.spec;
      const poolName = pod.nodeSelector['platform-blueprint.io/pool'];
      const pool = prod.nodePools.find((p: Json) => p.name === poolName);
      expect(pool).toBeDefined();
      for (const taint of pool.taints ?? []) {
        expect(pod.tolerations).toContainEqual({
          key: taint.key,
          operator: 'Equal',
          value: taint.value,
          effect: taint.effect,
        });
      }
      expect(pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey).toBe(
        'kubernetes.io/hostname',
      );
      expect(sts.spec.replicas).toBeLessThanOrEqual(pool.nodes.length);
    }
  });

  it('puts the data volumes on a StorageClass that Terraform creates', () => {
    const classes = Object.values(terraform.resource.kubernetes_storage_class_v1).map(
      (sc: Json) => sc.metadata.name,
    );
    for (const sts of kind('StatefulSet')) {
      for (const claim of sts.spec.volumeClaimTemplates)
        expect(classes).toContain(claim.spec.storageClassName);
    }
  });

  it('offers the NFS share as a claim bound to its volume', () => {
    const [claim] = kind('PersistentVolumeClaim');
    const [volume] = kind('PersistentVolume');
    expect(claim.spec.volumeName).toBe(volume.metadata.name);
    expect(volume.spec.claimRef).toEqual({ namespace: claim.metadata.namespace, name: claim.metadata.name });
  });

  it('passes the Kubernetes schemas', () => {
    expect(validateKubernetesObjects(objects)).toEqual(objects.map(() => []));
  });

  it('writes no data chart for an environment without data services', () => {
    expect(readTree(project.path('out')).has('test/kubernetes/data.yaml')).toBe(false);
  });
});
