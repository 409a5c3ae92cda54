import { ipv4InCidr } from '../../constructs/data/endpoint-address';
import { checkKeyRanges, KeyRange } from '../../constructs/data/key-range';
import { headlessServiceName, MAX_STATEFUL_SET_NAME, shardName } from '../../constructs/data/shard-names';
import { EXTERNAL_DEFAULT_PORTS } from './data';
import type { EnvironmentSpec } from './index';
import { type Rule, report, reportDuplicates } from './rules';

/**
 * Cross-field rules of the data area: references to namespaces, pools and StorageClasses,
 * key-range coverage, schedulability of the replicas, and addresses of external services.
 */

/** The key ranges of a database, or undefined when one is malformed (reported by the schema). */
export function databaseKeyRanges(shards: number | readonly string[]): KeyRange[] | undefined {
  // The rules run even where the field's own check failed; a bad count is reported there.
  if (typeof shards === 'number')
    return Number.isInteger(shards) && shards >= 1 && shards <= 256 ? KeyRange.evenSplit(shards) : undefined;
  if (!Array.isArray(shards)) return undefined;
  if (shards.some((range) => KeyRange.problem(range) !== undefined)) return undefined;
  return shards.map((range) => KeyRange.parse(range));
}

/** Databases and external services share one name space: services name them in `uses`. */
export const uniqueDataNames: Rule = (spec, ctx) => {
  const entries = [
    ...spec.databases.map((db, index) => ({ name: db.name, path: ['databases', index, 'name'] })),
    ...spec.externalServices.map((svc, index) => ({
      name: svc.name,
      path: ['externalServices', index, 'name'],
    })),
  ];
  reportDuplicates(
    ctx,
    entries,
    (entry) => entry.name,
    (index) => entries[index]?.path ?? [],
    'the name',
  );
  const serviceNames = new Map(spec.services.map((service, index) => [service.name, index]));
  for (const entry of entries) {
    const index = serviceNames.get(entry.name);
    if (index !== undefined) {
      report(
        ctx,
        entry.path,
        entry.name,
        `is also the name of services[${index}]; databases, external services and services need distinct names so that \`uses\` is unambiguous`,
      );
    }
  }
};

/** Databases and external services live in namespaces the environment creates. */
export const dataNamespacesExist: Rule = (spec, ctx) => {
  const known = new Set(spec.namespaces.map((ns) => ns.name));
  const allowed = [...known].join(', ') || 'none defined';
  const check = (namespace: string, path: PropertyKey[]) => {
    if (!known.has(namespace)) report(ctx, path, namespace, `is not one of namespaces[].name (${allowed})`);
  };
  spec.databases.forEach((db, index) => {
    check(db.namespace, ['databases', index, 'namespace']);
  });
  spec.externalServices.forEach((svc, index) => {
    check(svc.namespace, ['externalServices', index, 'namespace']);
  });
};

/** Nodes a pool can hold at most: its fixed nodes, or its autoscaler maximum; undefined when unbounded. */
function poolCapacity(pool: EnvironmentSpec['nodePools'][number]): { count?: number; what: string } {
  return pool.nodes
    ? { count: pool.nodes.length, what: 'fixed nodes' }
    : { count: pool.maxSize, what: 'nodes at most (maxSize)' };
}

/**
 * A database's pool exists and can hold its shards so that draining any one node is safe:
 * a shard's pods need one host each (required anti-affinity on kubernetes.io/hostname), and
 * with vitess one more node, so that a drained node's tablet is rebuilt elsewhere while the
 * shard keeps its primary (VTOrc promotes a replica) and, with semi_sync, an acknowledging replica.
 */
export const databasePlacement: Rule = (spec, ctx) => {
  spec.databases.forEach((db, index) => {
    const pool = spec.nodePools.find((candidate) => candidate.name === db.pool);
    if (!pool) {
      const names = spec.nodePools.map((candidate) => candidate.name).join(', ') || 'none defined';
      report(ctx, ['databases', index, 'pool'], db.pool, `is not one of nodePools[].name (${names})`);
      return;
    }
    const { count, what } = poolCapacity(pool);
    const needed = db.engine === 'vitess' ? db.replicas + 1 : db.replicas;
    if (count !== undefined && needed > count) {
      report(
        ctx,
        ['databases', index, 'replicas'],
        db.replicas,
        db.engine === 'vitess'
          ? `needs ${needed} nodes in pool ${JSON.stringify(pool.name)}, which has ${count} ${what}: each of a shard's ${db.replicas} tablets needs its own host (required anti-affinity on kubernetes.io/hostname), plus one spare host so that a drained node's tablet is rebuilt while the shard keeps serving; add nodes to the pool or lower replicas`
          : `is more than pool ${JSON.stringify(pool.name)} can hold: it has ${count} ${what}, and a shard's pods need one host each (required anti-affinity on kubernetes.io/hostname); lower replicas or add nodes to the pool`,
      );
    }
    if (db.zoneSpread === 'required' && pool.zone === undefined) {
      report(
        ctx,
        ['databases', index, 'zoneSpread'],
        db.zoneSpread,
        `needs zone labels, but pool ${JSON.stringify(pool.name)} has no zone; set its zone or use preferred`,
      );
    }
  });
};

/** What each engine needs: tablets for failover and backups with vitess, one pod with mysql-single. */
export const databaseEngine: Rule = (spec, ctx) => {
  spec.databases.forEach((db, index) => {
    const base = ['databases', index];
    if (db.engine === 'mysql-single') {
      if (db.replicas !== 1)
        report(
          ctx,
          [...base, 'replicas'],
          db.replicas,
          'must be 1 with engine mysql-single (one MySQL pod, no replication); use engine vitess for replicas and failover',
        );
      const count = databaseKeyRanges(db.shards)?.length;
      if (count !== undefined && count !== 1)
        report(
          ctx,
          [...base, 'shards'],
          db.shards,
          `must be 1 (or ["-"]) with engine mysql-single, not ${count} shards; use engine vitess to shard`,
        );
      for (const field of ['backup', 'reshardTo'] as const)
        if (db[field] !== undefined)
          report(
            ctx,
            [...base, field],
            undefined,
            'applies to engine vitess only (this database is mysql-single)',
          );
      for (const key of ['initScript', 'gatewayUsers'] as const)
        if (db.credentials[key] !== undefined)
          report(ctx, [...base, 'credentials', key], undefined, 'applies to engine vitess only');
      for (const key of ['root', 'exporter'] as const)
        if (db.credentials[key] === undefined)
          report(ctx, [...base, 'credentials', key], undefined, 'is required with engine mysql-single');
      return;
    }
    const minimum = db.vitess.durability === 'semi_sync' ? 3 : 2;
    if (db.replicas < minimum)
      report(
        ctx,
        [...base, 'replicas'],
        db.replicas,
        db.vitess.durability === 'semi_sync'
          ? 'must be at least 3 with durability semi_sync: with one tablet drained, the primary still needs a replica to acknowledge each commit, or writes stop'
          : 'must be at least 2 with engine vitess: a failover needs a replica to promote',
      );
    if (db.backup === undefined)
      report(
        ctx,
        [...base, 'backup'],
        undefined,
        'is required with engine vitess: a schedule, a retention and S3 storage (new and rebuilt tablets restore from the newest backup)',
      );
    for (const key of ['initScript', 'gatewayUsers'] as const)
      if (db.credentials[key] === undefined)
        report(ctx, [...base, 'credentials', key], undefined, 'is required with engine vitess');
    for (const key of ['root', 'exporter'] as const)
      if (db.credentials[key] !== undefined)
        report(
          ctx,
          [...base, 'credentials', key],
          undefined,
          'applies to engine mysql-single only (the vitess accounts come from credentials.initScript)',
        );
  });
};

/** innodb_buffer_pool_size in MiB: the given size, or 3/4 of the memory limit in 128Mi steps. */
export function innodbBufferPoolMebibytes(db: EnvironmentSpec['databases'][number]): number {
  if (db.innodbBufferPool !== undefined) return mebibytes(db.innodbBufferPool);
  return Math.max(128, Math.floor((mebibytes(db.resources.limits.memory) * 3) / 4 / 128) * 128);
}

/** The buffer pool leaves mysqld room under its memory limit. */
export const databaseBufferPool: Rule = (spec, ctx) => {
  spec.databases.forEach((db, index) => {
    if (db.innodbBufferPool === undefined) return;
    if (mebibytes(db.innodbBufferPool) >= mebibytes(db.resources.limits.memory))
      report(
        ctx,
        ['databases', index, 'innodbBufferPool'],
        db.innodbBufferPool,
        `must be below resources.limits.memory (${db.resources.limits.memory}): mysqld also needs memory for connections and buffers, or it is OOM-killed`,
      );
  });
};

/** Every database's StorageClass is one the environment creates. */
export const databaseStorageClass: Rule = (spec, ctx) => {
  const known = spec.storage.classes.map((sc) => sc.name);
  spec.databases.forEach((db, index) => {
    const name = db.storage.class;
    if (name !== undefined && !known.includes(name)) {
      report(
        ctx,
        ['databases', index, 'storage', 'class'],
        name,
        `is not one of storage.classes[].name (${known.join(', ') || 'none defined'}); leave it out to use the cluster's default StorageClass`,
      );
    }
  });
};

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;
}

/**
 * Key ranges (of `shards` and `reshardTo`) cover the keyspace exactly once; vitess counts are
 * powers of two; a reshard changes the partitioning; shard names fit Kubernetes' limits.
 */
export const databaseShards: Rule = (spec, ctx) => {
  spec.databases.forEach((db, index) => {
    for (const field of ['shards', 'reshardTo'] as const) {
      const value = db[field];
      if (value === undefined) continue;
      if (Array.isArray(value)) {
        for (const problem of checkKeyRanges(value)) {
          // Syntax problems are reported by the schema, at the same path.
          if (KeyRange.problem(problem.value) !== undefined) continue;
          report(ctx, ['databases', index, field, problem.index], problem.value, problem.message);
        }
      } else if (db.engine === 'vitess' && typeof value === 'number' && !isPowerOfTwo(value)) {
        const lower = 2 ** Math.floor(Math.log2(Math.max(1, value)));
        report(
          ctx,
          ['databases', index, field],
          value,
          `is not a power of two: engine vitess splits a count evenly on byte boundaries, which needs 1, 2, 4, 8, ... (e.g. ${lower} or ${lower * 2}); list explicit key ranges for uneven shards`,
        );
      }
    }
    const ranges = databaseKeyRanges(db.shards);
    if (db.reshardTo !== undefined && ranges) {
      const target = databaseKeyRanges(db.reshardTo);
      if (target && target.map(String).join(' ') === ranges.map(String).join(' '))
        report(
          ctx,
          ['databases', index, 'reshardTo'],
          db.reshardTo,
          `is the same partitioning as shards (${ranges.map(String).join(' ')}); a reshard changes it (remove reshardTo when the reshard is done)`,
        );
    }
    for (const partitioning of [ranges, db.reshardTo === undefined ? [] : databaseKeyRanges(db.reshardTo)]) {
      if (!partitioning) continue;
      const longest = partitioning
        .map((range) => shardName(db.name, range))
        .reduce((a, b) => (b.length > a.length ? b : a), '');
      if (longest.length > MAX_STATEFUL_SET_NAME) {
        report(
          ctx,
          ['databases', index, 'name'],
          db.name,
          `makes the shard name ${JSON.stringify(longest)} ${longest.length} characters long; names are at most ${MAX_STATEFUL_SET_NAME}: shorten the name or the key-range bounds`,
        );
      }
    }
  });
};

function millicores(cpu: string): number {
  return cpu.endsWith('m') ? Number(cpu.slice(0, -1)) : Math.round(Number(cpu) * 1000);
}

function mebibytes(memory: string): number {
  return memory.endsWith('Gi') ? Number(memory.slice(0, -2)) * 1024 : Number(memory.slice(0, -2));
}

/** Requests do not exceed limits (the API server would refuse the StatefulSet). */
export const databaseResources: Rule = (spec, ctx) => {
  spec.databases.forEach((db, index) => {
    const { requests, limits } = db.resources;
    if (millicores(requests.cpu) > millicores(limits.cpu)) {
      report(
        ctx,
        ['databases', index, 'resources', 'requests', 'cpu'],
        requests.cpu,
        `is more than the CPU limit (${limits.cpu}); a request must be at most its limit`,
      );
    }
    if (mebibytes(requests.memory) > mebibytes(limits.memory)) {
      report(
        ctx,
        ['databases', index, 'resources', 'requests', 'memory'],
        requests.memory,
        `is more than the memory limit (${limits.memory}); a request must be at most its limit`,
      );
    }
  });
};

/** The addresses of the environment's own machines, with what they are. */
function machineAddresses(spec: EnvironmentSpec): Map<string, string> {
  const machines = new Map<string, string>();
  if (spec.controlPlane.vip !== undefined) machines.set(spec.controlPlane.vip, 'the control-plane VIP');
  for (const master of spec.controlPlane.masters) machines.set(master.address, `master ${master.name}`);
  for (const pool of spec.nodePools) {
    for (const node of pool.nodes ?? []) machines.set(node.address, `node ${node.name}`);
  }
  return machines;
}

/** External addresses are machines outside the cluster: not its networks, nodes or VIP. */
export const externalAddresses: Rule = (spec, ctx) => {
  const machines = machineAddresses(spec);
  spec.externalServices.forEach((svc, index) => {
    svc.addresses.forEach((address, addressIndex) => {
      const path = ['externalServices', index, 'addresses', addressIndex];
      const machine = machines.get(address);
      if (machine !== undefined) {
        report(
          ctx,
          path,
          address,
          `is the address of ${machine}; an external service runs outside the cluster`,
        );
      } else if (ipv4InCidr(address, spec.cluster.podSubnet)) {
        report(ctx, path, address, `is in the pod network (cluster.podSubnet ${spec.cluster.podSubnet})`);
      } else if (ipv4InCidr(address, spec.cluster.serviceSubnet)) {
        report(
          ctx,
          path,
          address,
          `is in the Service network (cluster.serviceSubnet ${spec.cluster.serviceSubnet})`,
        );
      }
    });
    reportDuplicates(
      ctx,
      svc.addresses,
      (address) => address,
      (i) => ['externalServices', index, 'addresses', i],
      'the address',
    );
  });
};

/** Ports: given for `tcp`, named and numbered uniquely. NFS: one server, and volumes only there. */
export const externalPortsAndVolumes: Rule = (spec, ctx) => {
  const claims = new Map<string, string>();
  spec.externalServices.forEach((svc, index) => {
    const base = ['externalServices', index];
    if (svc.type === 'tcp' && svc.ports === undefined) {
      report(ctx, [...base, 'type'], svc.type, 'has no default port: list the service’s `ports`');
    }
    if (svc.ports) {
      reportDuplicates(
        ctx,
        svc.ports,
        (p) => p.name,
        (i) => [...base, 'ports', i, 'name'],
        'the port name',
      );
      reportDuplicates(
        ctx,
        svc.ports,
        (p) => `${p.port}/${p.protocol}`,
        (i) => [...base, 'ports', i, 'port'],
        'the port',
      );
    }
    if (svc.type !== 'nfs') {
      if (svc.volumes.length > 0) {
        report(ctx, [...base, 'volumes'], undefined, `is for type nfs only (this service is ${svc.type})`);
      }
      return;
    }
    if (svc.volumes.length > 0 && svc.addresses.length !== 1) {
      report(
        ctx,
        [...base, 'addresses'],
        svc.addresses,
        'must be exactly one address (the NFS server or its virtual IP) when volumes are listed: a volume mounts one server',
      );
    }
    svc.volumes.forEach((volume, volumeIndex) => {
      const key = `${svc.namespace}/${volume.name}`;
      const first = claims.get(key);
      if (first !== undefined) {
        report(
          ctx,
          [...base, 'volumes', volumeIndex, 'name'],
          volume.name,
          `is already a volume claim in namespace ${svc.namespace} (${first}); claim names must be unique per namespace`,
        );
      } else claims.set(key, `externalServices[${index}].volumes[${volumeIndex}]`);
    });
  });
};

/** Objects named by several areas must not collide: Services in one namespace are unique. */
export const dataServiceNamesFree: Rule = (spec, ctx) => {
  const taken = new Map<string, string>();
  spec.services.forEach((service, index) => {
    taken.set(`${service.namespace}/${service.name}`, `services[${index}]`);
  });
  const claim = (namespace: string, name: string, owner: string, path: PropertyKey[], value: string) => {
    const key = `${namespace}/${name}`;
    const first = taken.get(key);
    if (first !== undefined && first !== owner) {
      report(
        ctx,
        path,
        value,
        `creates the Service ${name} in namespace ${namespace}, which ${first} also creates`,
      );
    } else taken.set(key, owner);
  };
  spec.externalServices.forEach((svc, index) => {
    claim(
      svc.namespace,
      svc.name,
      `externalServices[${index}]`,
      ['externalServices', index, 'name'],
      svc.name,
    );
  });
  spec.databases.forEach((db, index) => {
    const owner = `databases[${index}]`;
    const path = ['databases', index, 'name'];
    // Applications reach every database through the Service of its own name.
    claim(db.namespace, db.name, owner, path, db.name);
    if (db.engine !== 'mysql-single') return;
    for (const range of databaseKeyRanges(db.shards) ?? []) {
      claim(db.namespace, shardName(db.name, range), owner, path, db.name);
      claim(db.namespace, headlessServiceName(db.name, range), owner, path, db.name);
    }
  });
};

/** StorageClass names are unique, at most one is the default, and each driver has its fields. */
export const storageClassRules: Rule = (spec, ctx) => {
  const classes = spec.storage.classes;
  reportDuplicates(
    ctx,
    classes,
    (sc) => sc.name,
    (i) => ['storage', 'classes', i, 'name'],
    'the name',
  );
  const defaults = classes.flatMap((sc, index) => (sc.default ? [index] : []));
  for (const index of defaults.slice(1)) {
    report(
      ctx,
      ['storage', 'classes', index, 'default'],
      true,
      `is also set on storage.classes[${defaults[0]}]; at most one StorageClass is the default`,
    );
  }
  classes.forEach((sc, index) => {
    const base = ['storage', 'classes', index];
    if (sc.driver === 'cephfs' && sc.fsName === undefined) {
      report(
        ctx,
        [...base, 'fsName'],
        undefined,
        'is required with driver cephfs (the CephFS file system name)',
      );
    }
    if (sc.driver === 'rbd' && sc.pool === undefined) {
      report(ctx, [...base, 'pool'], undefined, 'is required with driver rbd (the RBD pool)');
    }
    if (sc.driver === 'rbd' && sc.fsName !== undefined) {
      report(ctx, [...base, 'fsName'], sc.fsName, 'applies to driver cephfs only');
    }
    if (sc.driver === 'cephfs') {
      if (sc.imageFeatures !== undefined)
        report(ctx, [...base, 'imageFeatures'], sc.imageFeatures, 'applies to driver rbd only');
      if (sc.fsType !== undefined) report(ctx, [...base, 'fsType'], sc.fsType, 'applies to driver rbd only');
    }
  });
};

/** The default port of an external service's type, when it lists none. */
export function externalServicePorts(svc: EnvironmentSpec['externalServices'][number]) {
  if (svc.ports) return svc.ports;
  if (svc.type === 'tcp') return [];
  return [{ ...EXTERNAL_DEFAULT_PORTS[svc.type], protocol: 'TCP' as const }];
}

/** The data area's rules, in the order their problems are usually fixed. */
export const dataRules: Rule[] = [
  uniqueDataNames,
  dataNamespacesExist,
  databasePlacement,
  databaseEngine,
  databaseStorageClass,
  databaseShards,
  databaseResources,
  databaseBufferPool,
  externalAddresses,
  externalPortsAndVolumes,
  dataServiceNamesFree,
  storageClassRules,
];
