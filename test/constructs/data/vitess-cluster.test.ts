import { Chart, Testing } from 'cdk8s';
import fc from 'fast-check';
import { cronScheduleProblem } from '../../../constructs/data/backup-schedule';
import { checkKeyRanges, compareHex, KeyRange } from '../../../constructs/data/key-range';
import { ZoneSpread } from '../../../constructs/data/sharded-database';
import { VitessCluster, type VitessClusterProps } from '../../../constructs/data/vitess-cluster';
import { validateAgainstCrd } from '../../support/crd-schema';

// biome-ignore lint/suspicious/noExplicitAny: manifests are plain JSON
type Manifest = any;

const RESOURCES = { cpuRequest: '250m', cpuLimit: '1', memoryRequest: '256Mi', memoryLimit: '512Mi' };

function props(overrides: Partial<VitessClusterProps> = {}): VitessClusterProps {
  return {
    name: 'users',
    namespace: 'data',
    cell: 'dc1',
    partitionings: [KeyRange.evenSplit(4)],
    tabletsPerShard: 3,
    durabilityPolicy: 'semi_sync',
    storageSize: '10Gi',
    mysqldResources: RESOURCES,
    vttabletResources: RESOURCES,
    innodbBufferPoolMebibytes: 384,
    placement: {
      nodeSelector: { 'platform-blueprint.io/pool': 'database' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'database', effect: 'NoSchedule' }],
    },
    zoneSpread: ZoneSpread.PREFERRED,
    images: {
      vitess: 'vitess/lite:v24.0.4',
      mysqld: 'mysql:8.0.40',
      mysqldExporter: 'prom/mysqld-exporter:v0.16.0',
    },
    gateway: { replicas: 2, resources: RESOURCES, users: { name: 'users-vitess', key: 'users.json' } },
    initScript: { name: 'users-vitess', key: 'init_db.sql' },
    backup: {
      schedule: '0 2 * * *',
      keepCount: 7,
      keepFor: '168h',
      engine: 'builtin',
      resources: RESOURCES,
      storage: {
        endpoint: 'http://10.0.3.60:7480',
        bucket: 'backups',
        region: 'us-east-1',
        keyPrefix: 'data/users',
        credentials: { name: 's3', key: 'credentials' },
      },
    },
    ...overrides,
  };
}

function synth(overrides: Partial<VitessClusterProps> = {}): { vc: VitessCluster; manifests: Manifest[] } {
  const chart = new Chart(Testing.app(), 'test', { disableResourceNameHashes: true });
  const vc = new VitessCluster(chart, 'users', props(overrides));
  return { vc, manifests: chart.toJson() };
}

/** Sorted, distinct cut points (whole bytes, 1 or 2 of them) that split the keyspace into ranges. */
const cutPoints = fc
  .uniqueArray(
    fc.oneof(
      fc.integer({ min: 1, max: 255 }).map((n) => n.toString(16).padStart(2, '0')),
      fc.integer({ min: 1, max: 65535 }).map((n) => n.toString(16).padStart(4, '0')),
    ),
    { maxLength: 12, selector: (hex) => hex.padEnd(4, '0') },
  )
  .map((cuts) => [...cuts].sort(compareHex));

function rangesFrom(cuts: readonly string[]): KeyRange[] {
  const bounds = ['', ...cuts, ''];
  return bounds.slice(0, -1).map((start, index) => KeyRange.parse(`${start}-${bounds[index + 1]}`));
}

const keyspaceId = fc
  .uint8Array({ minLength: 1, maxLength: 8 })
  .map((bytes) => Buffer.from(bytes).toString('hex'));

const shardsOf = (manifests: Manifest[]) =>
  manifests
    .find((m) => m.kind === 'VitessCluster')
    .spec.keyspaces[0].partitionings.map((p: Manifest) =>
      p.custom.shards.map((s: Manifest) => KeyRange.parse(`${s.keyRange.start}-${s.keyRange.end}`)),
    );

describe('VitessCluster', () => {
  it('writes partitionings that cover the keyspace exactly once, for any key ranges (property)', () => {
    fc.assert(
      fc.property(cutPoints, fc.array(keyspaceId, { minLength: 1, maxLength: 20 }), (cuts, ids) => {
        const { manifests } = synth({ partitionings: [rangesFrom(cuts)] });
        const [shards] = shardsOf(manifests) as KeyRange[][];
        expect(shards.map(String)).toEqual(rangesFrom(cuts).map(String));
        expect(checkKeyRanges(shards.map(String))).toEqual([]);
        // Every keyspace id lands in exactly one shard.
        for (const id of ['', '00', 'ff', 'ffffffffffffffff', ...ids])
          expect(shards.filter((shard) => shard.contains(id))).toHaveLength(1);
        // One PDB per shard.
        expect(manifests.filter((m) => m.kind === 'PodDisruptionBudget')).toHaveLength(shards.length + 1);
      }),
      { numRuns: 60 },
    );
  });

  it('refuses key ranges with a gap or an overlap (property)', () => {
    fc.assert(
      fc.property(
        cutPoints.filter((cuts) => cuts.length >= 1),
        fc.nat(),
        fc.boolean(),
        (cuts, pick, gap) => {
          const ranges = rangesFrom(cuts);
          const index = pick % ranges.length;
          // Dropping a range leaves a gap; repeating one overlaps it.
          const broken = gap
            ? ranges.filter((_, i) => i !== index)
            : [...ranges.slice(0, index + 1), ranges[index] as KeyRange, ...ranges.slice(index + 1)];
          expect(checkKeyRanges(broken.map(String)).length).toBeGreaterThan(0);
          expect(() => synth({ partitionings: [broken] })).toThrow(
            gap
              ? /must cover the keyspace exactly once: .*(gap|no key ranges)/
              : /must cover the keyspace exactly once: .*overlaps/,
          );
        },
      ),
      { numRuns: 60 },
    );
    expect(() => synth({ partitionings: [['-40', '80-'].map((r) => KeyRange.parse(r))] })).toThrow(
      `'partitionings[0]' must cover the keyspace exactly once: "80-" leaves a gap after "-40"`,
    );
    expect(() => synth({ partitionings: [['-80', '40-'].map((r) => KeyRange.parse(r))] })).toThrow(
      'overlaps "-80"',
    );
  });

  it('validates against the VitessCluster CRD, with VTOrc, semi-sync and the backup schedule', () => {
    const { manifests, vc } = synth();
    const cluster = manifests.find((m) => m.kind === 'VitessCluster');
    expect(validateAgainstCrd(cluster)).toEqual([]);
    expect(cluster.spec.keyspaces[0]).toMatchObject({ name: 'users', durabilityPolicy: 'semi_sync' });
    expect(cluster.spec.keyspaces[0].vitessOrchestrator).toBeDefined();
    expect(cluster.spec.backup.schedules).toEqual([vc.backupScheduleTemplate]);
    expect(
      validateAgainstCrd({ ...cluster, spec: { ...cluster.spec, keyspaces: [{ name: 'x' }] } }),
    ).not.toEqual([]);
    const monitor = manifests.find((m) => m.kind === 'PodMonitor');
    expect(validateAgainstCrd(monitor)).toEqual([]);
  });

  it('writes both partitionings during a reshard, a shard both share once', () => {
    const serving = ['-80', '80-'].map((r) => KeyRange.parse(r));
    const target = ['-80', '80-c0', 'c0-'].map((r) => KeyRange.parse(r));
    const { manifests, vc } = synth({ partitionings: [serving, target] });
    expect(shardsOf(manifests).map((p: KeyRange[]) => p.map(String))).toEqual([
      ['-80', '80-'],
      ['-80', '80-c0', 'c0-'],
    ]);
    expect(vc.shards.map((s) => [s.name, s.partitioning])).toEqual([
      ['-80', 0],
      ['80-', 0],
      ['80-c0', 1],
      ['c0-', 1],
    ]);
    expect(validateAgainstCrd(manifests.find((m) => m.kind === 'VitessCluster'))).toEqual([]);
    expect(() => synth({ partitionings: [serving, serving] })).toThrow('the two partitionings are the same');
  });

  it('refuses too few tablets, a bad cell and a bad schedule', () => {
    expect(() => synth({ tabletsPerShard: 1 })).toThrow(`'tabletsPerShard' (1) must be at least 2`);
    expect(() => synth({ cell: 'dc-1' })).toThrow(`'cell' ("dc-1") must match`);
    expect(() => synth({ backup: { ...props().backup, schedule: '0 2 * *' } })).toThrow(
      `'backup.schedule' ("0 2 * *") has 4 fields`,
    );
  });
});

describe('cronScheduleProblem', () => {
  it.each([
    ['0 2 * * *'],
    ['*/15 * * * *'],
    ['0 0 1,15 * *'],
    ['30 3 * JAN-MAR sun'],
    ['0 4 * * 7'],
    ['@weekly'],
    ['@every 6h'],
  ])('accepts %s', (schedule) => {
    expect(cronScheduleProblem(schedule)).toBeUndefined();
  });
  it.each([
    ['', 'is empty'],
    ['0 2 * *', 'has 4 fields'],
    ['60 2 * * *', 'minute field "60": 60 is outside 0-59'],
    ['0 2 0 * *', 'day of month field "0": 0 is outside 1-31'],
    ['0 2 * 13 *', 'month field "13"'],
    ['0 5-2 * * *', 'runs backwards'],
    ['0 */0 * * *', 'step "0" is not a positive number'],
    ['@sometimes', 'is not a known descriptor'],
    ['CRON_TZ=UTC 0 2 * * *', 'time zone prefix'],
  ])('refuses %j', (schedule, message) => {
    expect(cronScheduleProblem(schedule)).toContain(message);
  });
});
