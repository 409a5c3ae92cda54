import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';

/**
 * Writes a project with `environments` generated environments of `services` services each,
 * with fixed node pools and sharded databases, in the shape of the shipped `prod`
 * (template idc-ha). Every environment has its own subnet, VIP, context and MetalLB addresses (on
 * the general pool's network, which answers ARP for the gateway's address, as in prod), so
 * cross-environment checks pass.
 */
export function writeScaledProject(
  root: string,
  environmentsDir: string,
  environments: number,
  services: number,
): void {
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(path.join(root, 'environments'), { recursive: true });
  fs.cpSync(path.join(environmentsDir, 'templates'), path.join(root, 'environments', 'templates'), {
    recursive: true,
  });
  for (let e = 0; e < environments; e++) {
    fs.writeFileSync(
      path.join(root, 'environments', `env-${e}.yaml`),
      stringify(scaledEnvironment(e, services)),
    );
  }
}

export function scaledEnvironment(index: number, services: number): Record<string, unknown> {
  const net = `10.${100 + Math.floor(index / 200)}.${index % 200}`;
  const node = (pool: string, i: number) => ({
    name: `${pool}-${index}-${i}`,
    address: `${net}.${20 + i + (pool === 'db' ? 100 : 0)}`,
  });
  // Each service: up to 4 replicas of 100m/128Mi requests, 250m/256Mi limits, plus surge.
  const cpu = Math.ceil(services * 5 * 0.25) + 2;
  const memoryGi = Math.ceil((services * 5 * 256) / 1024) + 2;
  const databases = Math.max(1, Math.round(services / 25));
  return {
    template: 'idc-ha',
    kubernetesVersion: '1.28.15',
    cluster: { kubeconfig: { context: `env-${index}` } },
    controlPlane: {
      subnet: `${net}.0/24`,
      vip: `${net}.10`,
      virtualRouterId: 1 + (index % 255),
      masters: [1, 2, 3].map((i) => ({ name: `master-${index}-${i}`, address: `${net}.${10 + i}` })),
    },
    nodePools: [
      {
        name: 'general',
        subnet: `${net}.0/24`,
        zone: 'zone-a',
        labels: { tier: 'general' },
        nodes: [1, 2, 3, 4].map((i) => node('general', i)),
      },
      {
        name: 'database',
        zone: 'zone-b',
        labels: { tier: 'database' },
        taints: [{ key: 'dedicated', value: 'database', effect: 'NoSchedule' }],
        nodes: [1, 2, 3, 4].map((i) => node('db', i)),
      },
    ],
    namespaces: [
      {
        name: 'apps',
        team: 'apps',
        quota: {
          requestsCpu: cpu,
          requestsMemory: `${memoryGi}Gi`,
          limitsCpu: cpu * 2,
          limitsMemory: `${memoryGi * 2}Gi`,
          pods: services * 6 + 10,
          services: services * 2 + 10,
        },
      },
      {
        name: 'data',
        team: 'data',
        quota: {
          requestsCpu: databases * 8,
          requestsMemory: `${databases * 16}Gi`,
          limitsCpu: databases * 16,
          limitsMemory: `${databases * 16}Gi`,
          requestsStorage: `${databases * 200}Gi`,
          pods: databases * 10 + 10,
          services: databases * 10 + 10,
          persistentVolumeClaims: databases * 10 + 10,
        },
      },
      { name: 'gateway', team: 'platform' },
    ],
    gateway: {
      name: 'public',
      namespace: 'gateway',
      className: 'envoy-gateway',
      hostnames: [`api.env-${index}.example.com`],
      certificateRefs: [{ name: 'api-tls' }],
    },
    addons: {
      metallb: { enabled: true, addresses: [`${net}.240-${net}.250`], announcePool: 'general' },
    },
    databases: Array.from({ length: databases }, (_, d) => ({
      name: `db-${d}`,
      namespace: 'data',
      shards: 4,
      replicas: 3,
      pool: 'database',
      storage: { size: '20Gi' },
      resources: { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } },
      credentials: {
        initScript: { name: `db-${d}-vitess`, key: 'init_db.sql' },
        gatewayUsers: { name: `db-${d}-vitess`, key: 'users.json' },
      },
      backup: {
        schedule: '0 2 * * *',
        s3: {
          endpoint: `http://${net}.60:7480`,
          networks: [`${net}.60/32`],
          bucket: 'vitess-backups',
          credentials: { name: 'vitess-backup-s3', key: 'credentials' },
        },
      },
    })),
    services: Array.from({ length: services }, (_, s) => ({
      name: `svc-${s}`,
      namespace: 'apps',
      image: `registry.example.com/svc-${s}:1.0.${s}`,
      ports: [
        { name: 'http', port: 8080 },
        { name: 'metrics', port: 9090 },
      ],
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '250m', memory: '256Mi' } },
      autoscaling: { minReplicas: 2, maxReplicas: 4, cpuUtilization: 70 },
      uses: [`db-${s % databases}`],
      route: { pathPrefixes: [`/svc-${s}`] },
      ...(s % 10 === 0
        ? { gray: { image: `registry.example.com/svc-${s}:1.1.0`, weight: 10, replicas: 1 } }
        : {}),
    })),
  };
}
