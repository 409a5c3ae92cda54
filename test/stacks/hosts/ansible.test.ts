import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { placeHostFile } from '../../../stacks/hosts/ansible';
import { TempProject } from '../../support/cli';

function hasBinary(name: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => fs.existsSync(path.join(dir, name)));
}

interface InventoryHost {
  ansible_host: string;
  blueprint_files: { src: string; dest: string; mode: string; reload?: string; validate?: string }[];
}

describe('ansible/ in the synthesized output', () => {
  let project: TempProject;
  beforeAll(async () => {
    project = new TempProject();
    const result = await project.run(['synth', '--env', 'prod', '--out', 'out']);
    expect(result.code).toBe(0);
  });
  afterAll(() => project.dispose());

  function hostsOf(inventory: {
    all: { children: Record<string, { hosts?: Record<string, InventoryHost> }> };
  }) {
    return Object.assign(
      {},
      ...Object.values(inventory.all.children).map((group) => group.hosts ?? {}),
    ) as Record<string, InventoryHost>;
  }

  it('lists every machine that has host files, at its address, with exactly its files', () => {
    const inventory = parse(project.read('out/prod/ansible/inventory.yaml'));
    const hosts = hostsOf(inventory);
    const machines = fs.readdirSync(project.path('out/prod/hosts')).sort();
    expect(Object.keys(hosts).sort()).toEqual(machines);
    const prod = parse(project.read('environments/prod.yaml'));
    for (const master of prod.controlPlane.masters)
      expect(hosts[master.name]?.ansible_host).toBe(master.address);
    for (const [name, host] of Object.entries(hosts)) {
      const files: string[] = [];
      const walk = (dir: string, prefix: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
          if (entry.isDirectory()) walk(path.join(dir, entry.name), `${prefix}${entry.name}/`);
          else files.push(`${prefix}${entry.name}`);
        }
      };
      walk(project.path('out/prod/hosts', name), '');
      expect(host.blueprint_files.map((file) => file.src).sort()).toEqual(files.sort());
    }
  });

  it('puts the workers in pool groups under workers', () => {
    const inventory = parse(project.read('out/prod/ansible/inventory.yaml'));
    expect(Object.keys(inventory.all.children.workers.children).sort()).toEqual([
      'pool_database',
      'pool_gateway',
      'pool_general',
      'pool_general_b',
    ]);
  });

  (hasBinary('ansible-playbook') ? it : it.skip)(
    'passes ansible-playbook --syntax-check and ansible-inventory',
    () => {
      const dir = project.path('out/prod/ansible');
      execFileSync('ansible-playbook', ['-i', 'inventory.yaml', 'playbook.yaml', '--syntax-check'], {
        cwd: dir,
        stdio: 'pipe',
        timeout: 60_000,
      });
      const graph = execFileSync('ansible-inventory', ['-i', 'inventory.yaml', '--graph'], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(graph).toContain('@masters:');
      expect(graph).toContain('master-1');
    },
  );
});

describe('placeHostFile', () => {
  it('puts keepalived and HAProxy files where the packages read them, and reloads their units', () => {
    expect(placeHostFile('keepalived.conf', undefined, false)).toEqual({
      source: 'keepalived.conf',
      destination: '/etc/keepalived/keepalived.conf',
      reload: 'keepalived',
    });
    expect(placeHostFile('haproxy.cfg', undefined, false)).toEqual({
      source: 'haproxy.cfg',
      destination: '/etc/haproxy/haproxy.cfg',
      validate: 'haproxy -c -f %s',
      reload: 'haproxy',
    });
    expect(
      placeHostFile('keepalived.service.d/10-platform-blueprint.conf', undefined, false).destination,
    ).toBe('/etc/systemd/system/keepalived.service.d/10-platform-blueprint.conf');
    expect(placeHostFile('check-apiserver.sh', 0o755, false)).toMatchObject({
      mode: 0o755,
      reload: 'keepalived',
    });
  });

  it('with static pods: manifests go to kubelet, and no unit reloads or host binary checks', () => {
    expect(placeHostFile('manifests/haproxy.yaml', undefined, true)).toEqual({
      source: 'manifests/haproxy.yaml',
      destination: '/etc/kubernetes/manifests/haproxy.yaml',
    });
    expect(placeHostFile('haproxy.cfg', undefined, true)).toEqual({
      source: 'haproxy.cfg',
      destination: '/etc/haproxy/haproxy.cfg',
    });
  });

  it('keeps kubeadm configuration and unknown files under /etc/platform-blueprint/ without reloading anything', () => {
    expect(placeHostFile('kubeadm-join.yaml', undefined, false)).toEqual({
      source: 'kubeadm-join.yaml',
      destination: '/etc/platform-blueprint/kubeadm-join.yaml',
    });
  });
});
