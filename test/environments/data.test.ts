import { environmentSchema } from '../../environments/schema/index';
import { TempProject } from '../support/cli';
import { MINIMAL_ENVIRONMENT } from '../support/minimal-environment';

const CREDENTIALS = {
  initScript: { name: 'db', key: 'init_db.sql' },
  gatewayUsers: { name: 'db', key: 'users.json' },
};
const SINGLE_CREDENTIALS = { root: { name: 'db', key: 'root' }, exporter: { name: 'db', key: 'exporter' } };
const BACKUP = {
  schedule: '0 2 * * *',
  s3: {
    endpoint: 'http://10.0.3.60:7480',
    networks: ['10.0.3.60/32'],
    bucket: 'backups',
    credentials: { name: 's3', key: 'credentials' },
  },
};

/** A minimal valid environment with a 4-node database pool, a namespace, a Ceph class and `extra` on top. */
function parse(extra: Record<string, unknown>) {
  return environmentSchema.safeParse({
    ...MINIMAL_ENVIRONMENT,
    nodePools: [
      {
        name: 'db',
        zone: 'a',
        taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }],
        nodes: [
          { name: 'n1', address: '10.0.1.1' },
          { name: 'n2', address: '10.0.1.2' },
          { name: 'n3', address: '10.0.1.3' },
          { name: 'n4', address: '10.0.1.4' },
        ],
      },
      { name: 'scaled', minSize: 0, maxSize: 3 },
    ],
    clusterAutoscaler: { cloudProvider: 'magnum' },
    namespaces: [{ name: 'data' }],
    storage: {
      classes: [
        {
          name: 'rbd',
          driver: 'rbd',
          clusterId: 'c1',
          pool: 'k8s',
          secret: { name: 's', namespace: 'ceph' },
        },
      ],
    },
    // ceph-csi (on by default) needs the monitors of every Ceph cluster a class names: c1 here,
    // c in the StorageClass tests.
    addons: {
      cephCsi: {
        clusters: [
          { clusterId: 'c1', monitors: ['10.0.3.41:6789'] },
          { clusterId: 'c', monitors: ['10.0.3.42:6789'] },
        ],
      },
    },
    ...extra,
  });
}

function issues(extra: Record<string, unknown>): string[] {
  const result = parse(extra);
  return result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

const db = (overrides: Record<string, unknown> = {}) => ({
  name: 'users',
  namespace: 'data',
  shards: 4,
  pool: 'db',
  storage: { class: 'rbd', size: '10Gi' },
  credentials: CREDENTIALS,
  backup: BACKUP,
  ...overrides,
});

const single = (overrides: Record<string, unknown> = {}) =>
  db({
    engine: 'mysql-single',
    shards: 1,
    replicas: 1,
    credentials: SINGLE_CREDENTIALS,
    backup: undefined,
    ...overrides,
  });

const ext = (overrides: Record<string, unknown> = {}) => ({
  name: 'mysql',
  namespace: 'data',
  type: 'mysql',
  addresses: ['10.20.3.10'],
  ...overrides,
});

describe('data schema', () => {
  it('accepts a sharded database, external services and Ceph classes, filling defaults', () => {
    const result = parse({
      databases: [db()],
      externalServices: [
        ext(),
        ext({ name: 'files', type: 'nfs', volumes: [{ name: 'media', path: '/x', size: '1Gi' }] }),
      ],
    });
    expect(result.success).toBe(true);
    if (!result.success) return;
    expect(result.data.databases[0]).toMatchObject({
      engine: 'vitess',
      replicas: 3,
      zoneSpread: 'preferred',
      resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } },
      backup: {
        keepCount: 7,
        keepFor: '168h',
        maxAge: '26h',
        engine: 'builtin',
        s3: { region: 'us-east-1' },
      },
      vitess: {
        image: 'vitess/lite:v24.0.4',
        mysqldImage: 'mysql:8.0.40',
        durability: 'semi_sync',
        operatorNamespace: 'vitess-operator',
        maxReplicationLag: '30s',
        gateway: { replicas: 2 },
      },
    });
    expect(result.data.storage.classes[0]).toMatchObject({
      reclaimPolicy: 'Delete',
      allowVolumeExpansion: true,
    });
    expect(result.data.externalServices[1]?.volumes[0]?.mountOptions).toEqual([
      'nfsvers=4.1',
      'hard',
      'noresvport',
    ]);
  });

  it('reports explicit ranges that leave a gap, overlap, are unsorted or not hex, at the range', () => {
    expect(issues({ databases: [db({ shards: ['-40', '80-'] })] })).toEqual([
      'databases.0.shards.1: leaves a gap after "-40": keys from 40 to 80 belong to no shard',
    ]);
    expect(issues({ databases: [db({ shards: ['-80', '40-'] })] })).toEqual([
      'databases.0.shards.1: overlaps "-80": keys from 40 to 80 are in both',
    ]);
    expect(issues({ databases: [db({ shards: ['-8g', '8g-'] })] })).toHaveLength(2);
    expect(issues({ databases: [db({ shards: ['-80', '80-c0'] })] })[0]).toContain('gap at the end');
    expect(issues({ databases: [db({ shards: [] })] })).toEqual([
      'databases.0.shards: must list at least one key range',
    ]);
  });

  it('refuses 0 replicas, and more tablets than the pool has hosts for, with a spare', () => {
    expect(issues({ databases: [db({ replicas: 0 })] })).toContain(
      'databases.0.replicas: must be at least 1 (each shard needs its primary)',
    );
    // 4 tablets per shard need 4 hosts plus a spare for a drained node's tablet.
    expect(issues({ databases: [db({ replicas: 4 })] })).toEqual([
      expect.stringMatching(
        /^databases\.0\.replicas: needs 5 nodes in pool "db", which has 4 fixed nodes: each of a shard's 4 tablets needs its own host/,
      ),
    ]);
    expect(issues({ databases: [db({ replicas: 3 })] })).toEqual([]);
    expect(issues({ databases: [db({ pool: 'scaled' })] })).toEqual([
      expect.stringContaining('which has 3 nodes at most (maxSize)'),
    ]);
    expect(
      issues({ databases: [db({ replicas: 2, vitess: { durability: 'none' }, pool: 'scaled' })] }),
    ).toEqual([]);
  });

  it('asks vitess for enough tablets to fail over, and semi-sync for one more', () => {
    expect(issues({ databases: [db({ replicas: 2 })] })).toEqual([
      'databases.0.replicas: must be at least 3 with durability semi_sync: with one tablet drained, the primary still needs a replica to acknowledge each commit, or writes stop',
    ]);
    expect(issues({ databases: [db({ replicas: 1, vitess: { durability: 'none' } })] })).toEqual([
      'databases.0.replicas: must be at least 2 with engine vitess: a failover needs a replica to promote',
    ]);
  });

  it('requires a shard count that is a power of two with vitess, not with explicit ranges', () => {
    expect(issues({ databases: [db({ shards: 3 })] })).toEqual([
      'databases.0.shards: is not a power of two: engine vitess splits a count evenly on byte boundaries, which needs 1, 2, 4, 8, ... (e.g. 2 or 4); list explicit key ranges for uneven shards',
    ]);
    expect(issues({ databases: [db({ shards: 8 })] })).toEqual([]);
    expect(issues({ databases: [db({ shards: ['-55', '55-aa', 'aa-'] })] })).toEqual([]);
    expect(issues({ databases: [db({ reshardTo: 6 })] })[0]).toMatch(
      /^databases\.0\.reshardTo: is not a power of two/,
    );
  });

  it('checks a reshard: its ranges cover the keyspace once, and it changes the partitioning', () => {
    expect(issues({ databases: [db({ reshardTo: 8 })] })).toEqual([]);
    expect(issues({ databases: [db({ reshardTo: ['-80', '90-'] })] })).toEqual([
      'databases.0.reshardTo.1: leaves a gap after "-80": keys from 80 to 90 belong to no shard',
    ]);
    expect(issues({ databases: [db({ reshardTo: ['-40', '40-80', '80-c0', 'c0-'] })] })[0]).toMatch(
      /^databases\.0\.reshardTo: is the same partitioning as shards/,
    );
  });

  it('checks the backup schedule and retention', () => {
    const withBackup = (backup: Record<string, unknown>) =>
      issues({ databases: [db({ backup: { ...BACKUP, ...backup } })] });
    expect(withBackup({ schedule: '0 2 * *' })).toEqual([
      'databases.0.backup.schedule: is not a valid backup schedule: has 4 fields; a schedule has 5: minute hour day-of-month month day-of-week (e.g. "0 2 * * *")',
    ]);
    expect(withBackup({ schedule: '0 25 * * *' })).toEqual([
      'databases.0.backup.schedule: is not a valid backup schedule: has an invalid hour field "25": 25 is outside 0-23',
    ]);
    expect(withBackup({ schedule: '@daily' })).toEqual([]);
    expect(withBackup({ schedule: '*/15 1-5 * JAN-MAR MON,FRI' })).toEqual([]);
    expect(withBackup({ schedule: 'TZ=UTC 0 2 * * *' })[0]).toContain('time zone prefix');
    expect(withBackup({ keepCount: 0 })).toEqual([
      'databases.0.backup.keepCount: must be at least 1 (a restore needs a backup)',
    ]);
    expect(withBackup({ keepFor: '7d' })[0]).toMatch(/^databases\.0\.backup\.keepFor: is not a duration/);
    expect(issues({ databases: [db({ backup: undefined })] })).toEqual([
      'databases.0.backup: is required with engine vitess: a schedule, a retention and S3 storage (new and rebuilt tablets restore from the newest backup)',
    ]);
  });

  it('keeps mysql-single to one pod of one shard, with its own credentials and no backups', () => {
    expect(issues({ databases: [single()] })).toEqual([]);
    expect(issues({ databases: [single({ replicas: 2, shards: 2 })] }).sort()).toEqual([
      'databases.0.replicas: must be 1 with engine mysql-single (one MySQL pod, no replication); use engine vitess for replicas and failover',
      'databases.0.shards: must be 1 (or ["-"]) with engine mysql-single, not 2 shards; use engine vitess to shard',
    ]);
    expect(issues({ databases: [single({ backup: BACKUP, credentials: CREDENTIALS })] }).sort()).toEqual([
      'databases.0.backup: applies to engine vitess only (this database is mysql-single)',
      'databases.0.credentials.exporter: is required with engine mysql-single',
      'databases.0.credentials.gatewayUsers: applies to engine vitess only',
      'databases.0.credentials.initScript: applies to engine vitess only',
      'databases.0.credentials.root: is required with engine mysql-single',
    ]);
  });

  it('keeps the InnoDB buffer pool below the memory limit', () => {
    expect(issues({ databases: [db({ innodbBufferPool: '2Gi' })] })).toEqual([
      'databases.0.innodbBufferPool: must be below resources.limits.memory (2Gi): mysqld also needs memory for connections and buffers, or it is OOM-killed',
    ]);
    expect(issues({ databases: [db({ innodbBufferPool: '1536Mi' })] })).toEqual([]);
  });

  it('checks references: pool, namespace, StorageClass, credentials', () => {
    expect(issues({ databases: [db({ pool: 'nope' })] })).toEqual([
      'databases.0.pool: is not one of nodePools[].name (db, scaled)',
    ]);
    expect(issues({ databases: [db({ namespace: 'other' })] })).toEqual([
      'databases.0.namespace: is not one of namespaces[].name (data)',
    ]);
    expect(issues({ databases: [db({ storage: { class: 'gold', size: '1Gi' } })] })[0]).toContain(
      'databases.0.storage.class: is not one of storage.classes[].name (rbd)',
    );
    expect(issues({ databases: [db({ credentials: { initScript: CREDENTIALS.initScript } })] })).toEqual([
      'databases.0.credentials.gatewayUsers: is required with engine vitess',
    ]);
    expect(
      issues({
        databases: [
          db({ zoneSpread: 'required', pool: 'scaled', replicas: 2, vitess: { durability: 'none' } }),
        ],
      })[0],
    ).toContain('has no zone');
  });

  it('refuses unpinned images, requests above limits and over-long shard names', () => {
    expect(issues({ databases: [single({ image: 'mysql:latest' })] })[0]).toContain(
      'databases.0.image: is not pinned',
    );
    expect(issues({ databases: [db({ vitess: { image: 'vitess/lite' } })] })[0]).toContain('is not pinned');
    expect(
      issues({
        databases: [
          db({ resources: { requests: { cpu: '3', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } } }),
        ],
      }),
    ).toEqual([
      'databases.0.resources.requests.cpu: is more than the CPU limit (2); a request must be at most its limit',
    ]);
    const longBounds = ['-01', '01-0102030405060708', '0102030405060708-'];
    expect(issues({ databases: [db({ name: 'a'.repeat(35), shards: longBounds })] })[0]).toContain(
      'names are at most 52',
    );
  });

  it('keeps database and external service names distinct from each other and from services', () => {
    expect(issues({ databases: [db({ name: 'mysql' })], externalServices: [ext()] })).toContain(
      'externalServices.0.name: repeats the name of item 0; the names must be unique',
    );
  });

  it('lets services name databases and external services in `uses`', () => {
    const service = (uses: string[]) => ({ name: 'shop', namespace: 'data', image: 'shop:1.0.0', uses });
    expect(
      issues({ databases: [db()], externalServices: [ext()], services: [service(['users', 'mysql'])] }),
    ).toEqual([]);
    expect(issues({ databases: [db()], services: [service(['users-db'])] })).toEqual([
      // The wording belongs to the services rules; the path is what matters here.
      expect.stringMatching(/^services\.0\.uses\.0: /),
    ]);
  });

  it('refuses external addresses outside what a Service may reach', () => {
    const at = (address: string) => issues({ externalServices: [ext({ addresses: [address] })] });
    expect(at('127.0.0.1')[0]).toMatch(/^externalServices\.0\.addresses\.0: is a loopback address/);
    expect(at('169.254.1.1')[0]).toContain('is a link-local address');
    expect(at('0.0.0.0')[0]).toContain('unspecified');
    expect(at('224.0.0.1')[0]).toContain('multicast');
    expect(at('10.244.3.3')).toEqual([
      'externalServices.0.addresses.0: is in the pod network (cluster.podSubnet 10.244.0.0/16)',
    ]);
    expect(at('10.96.0.10')[0]).toContain('is in the Service network');
    expect(at('10.0.1.1')).toEqual([
      'externalServices.0.addresses.0: is the address of node n1; an external service runs outside the cluster',
    ]);
    expect(at('10.0.0.10')[0]).toContain('the control-plane VIP');
    expect(issues({ externalServices: [ext({ addresses: ['10.20.3.1', '10.20.3.1'] })] })[0]).toContain(
      'repeats the address',
    );
  });

  it('checks ports and NFS volumes', () => {
    expect(issues({ externalServices: [ext({ type: 'tcp' })] })[0]).toContain('has no default port');
    expect(
      issues({
        externalServices: [
          ext({
            ports: [
              { name: 'a', port: 1 },
              { name: 'a', port: 2 },
            ],
          }),
        ],
      }),
    ).toEqual([
      'externalServices.0.ports.1.name: repeats the port name of item 0; the port names must be unique',
    ]);
    expect(
      issues({ externalServices: [ext({ volumes: [{ name: 'v', path: '/x', size: '1Gi' }] })] })[0],
    ).toContain('is for type nfs only');
    const nfs = ext({
      type: 'nfs',
      addresses: ['10.20.3.1', '10.20.3.2'],
      volumes: [{ name: 'v', path: '/x', size: '1Gi' }],
    });
    expect(issues({ externalServices: [nfs] })[0]).toContain('must be exactly one address');
  });

  it('checks StorageClasses: one default, driver fields', () => {
    const secret = { name: 's', namespace: 'ceph' };
    const classes = [
      { name: 'fs', driver: 'cephfs', clusterId: 'c', secret, default: true, fsType: 'xfs' },
      { name: 'rbd', driver: 'rbd', clusterId: 'c', secret, default: true },
    ];
    expect(issues({ storage: { classes } }).sort()).toEqual([
      'storage.classes.0.fsName: is required with driver cephfs (the CephFS file system name)',
      'storage.classes.0.fsType: applies to driver rbd only',
      'storage.classes.1.default: is also set on storage.classes[0]; at most one StorageClass is the default',
      'storage.classes.1.pool: is required with driver rbd (the RBD pool)',
    ]);
  });
});

describe('blueprint synth with bad data input', () => {
  let project: TempProject;
  beforeAll(() => {
    project = new TempProject();
  });
  afterAll(() => project.dispose());

  async function synthWith(search: string | RegExp, replacement: string) {
    const original = project.read('environments/prod.yaml');
    project.edit('environments/prod.yaml', search, replacement);
    try {
      return await project.run(['synth', '--env', 'prod', '--out', 'out']);
    } finally {
      project.write('environments/prod.yaml', original);
    }
  }

  it.each([
    [
      'overlapping ranges',
      "shards: ['-80', '80-']",
      "shards: ['-80', '70-']",
      'databases[1].shards[1]: "70-" overlaps "-80"',
    ],
    [
      'a gap',
      "shards: ['-80', '80-']",
      "shards: ['-80', '90-']",
      'databases[1].shards[1]: "90-" leaves a gap after "-80"',
    ],
    [
      'non-hex bounds',
      "shards: ['-80', '80-']",
      "shards: ['-8x', '8x-']",
      'databases[1].shards[0]: "-8x" has an end bound ("8x") that is not hex',
    ],
    ['0 replicas', /replicas: 3/, 'replicas: 0', 'databases[0].replicas: 0 must be at least 1'],
    [
      'too few nodes for the anti-affinity',
      /replicas: 3/,
      'replicas: 4',
      'databases[0].replicas: 4 needs 5 nodes in pool "database", which has 4 fixed nodes',
    ],
    [
      'an invalid backup schedule',
      "schedule: '0 2 * * *'",
      "schedule: '0 2 * * * *'",
      'databases[0].backup.schedule: "0 2 * * * *" is not a valid backup schedule: has 6 fields',
    ],
    [
      'a shard count that is not a power of two',
      'shards: 4',
      'shards: 6',
      'databases[0].shards: 6 is not a power of two',
    ],
    [
      'a reshard target with an overlap',
      "shards: ['-80', '80-']",
      "shards: ['-80', '80-']\n    reshardTo: ['-40', '30-']",
      'databases[1].reshardTo[1]: "30-" overlaps "-40"',
    ],
    [
      'an external address of 127.0.0.1',
      'addresses: [10.20.3.20]',
      'addresses: [127.0.0.1]',
      'externalServices[0].addresses[0]: "127.0.0.1" is a loopback address',
    ],
  ])(
    '%s gives exit 2 naming the file, the field path and the value',
    async (_what, search, replacement, expected) => {
      const result = await synthWith(search, replacement);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`environments/prod.yaml: ${expected}`);
      expect(result.stderr).toMatch(/\(line \d+\)/);
      expect(result.stderr).not.toMatch(/^\s+at /m);
    },
  );
});
