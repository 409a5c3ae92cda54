import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';

/**
 * Writes a project with `environments` generated environments of `services` services each,
 * with fixed node pools and sharded databases, in the shape of the shipped `prod`
 * (template idc-ha). Every environment has its own subnet, VIP and context, so cross-environment
 * checks pass.
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
  const namespaces = ['apps', 'data'];
  return {
    template: 'idc-ha',
    kubernetesVersion: '1.28.15',
    cluster: { kubeconfig: { context: `env-${index}` } },
    controlPlane: {
      vip: `${net}.10`,
      virtualRouterId: 1 + (index % 255),
      masters: [1, 2, 3].map((i) => ({ name: `master-${index}-${i}`, address: `${net}.${10 + i}` })),
    },
    nodePools: [
      {
        name: 'general',
        zone: 'zone-a',
        labels: { tier: 'general' },
        nodes: [1, 2, 3, 4].map((i) => node('general', i)),
      },
      {
        name: 'database',
        zone: 'zone-b',
        labels: { tier: 'database' },
        taints: [{ key: 'dedicated', value: 'database', effect: 'NoSchedule' }],
        nodes: [1, 2, 3].map((i) => node('db', i)),
      },
    ],
    namespaces: namespaces.map((name) => ({ name })),
    services: Array.from({ length: services }, (_, s) => ({
      name: `svc-${s}`,
      namespace: 'apps',
      image: `registry.example.com/svc-${s}:1.0.${s}`,
      autoscaling: { minReplicas: 2, maxReplicas: 10, cpuUtilization: 70 },
    })),
  };
}
