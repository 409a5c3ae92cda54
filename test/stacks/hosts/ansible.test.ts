import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { placeHostFile } from '../../../stacks/hosts/ansible';
import { TempProject } from '../../support/cli';
import { itNeeding } from '../../support/requirements';

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

  it('knows where every generated host file goes (none falls back to /etc/platform-blueprint/)', () => {
    const hosts = hostsOf(parse(project.read('out/prod/ansible/inventory.yaml')));
    const unplaced = Object.entries(hosts).flatMap(([name, host]) =>
      host.blueprint_files
        .filter((file) => file.dest.startsWith('/etc/platform-blueprint/'))
        .map((file) => `${name}/${file.src}`),
    );
    expect(unplaced).toEqual([]);
  });

  it('copies what a check reads before the file it checks, and the preflight last', () => {
    const hosts = hostsOf(parse(project.read('out/prod/ansible/inventory.yaml')));
    const order = (hosts['master-1'] as InventoryHost).blueprint_files.map((file) => file.src);
    const at = (src: string) => order.indexOf(src);
    expect(at('check-apiserver.sh')).toBeLessThan(at('keepalived.conf'));
    expect(at('check-vrrp-auth.sh')).toBeLessThan(at('keepalived.conf'));
    expect(at('containerd/config.toml')).toBe(2);
    expect(order[order.length - 1]).toBe('blueprint-preflight.sh');
  });

  it('gives every machine containerd and kubeadm, kubelet and kubectl at the environment version; masters keepalived and HAProxy', () => {
    const inventory = parse(project.read('out/prod/ansible/inventory.yaml'));
    const hosts = hostsOf(inventory) as Record<string, InventoryHost & Record<string, unknown>>;
    const version = parse(project.read('environments/prod.yaml')).kubernetesVersion;
    const node = ['containerd', `kubeadm=${version}-*`, `kubectl=${version}-*`, `kubelet=${version}-*`];
    expect(hosts['master-1']?.blueprint_packages).toEqual([
      ...node,
      'keepalived',
      'haproxy',
      'curl',
      'openssl',
      'etcd-client',
    ]);
    expect(hosts['master-1']?.blueprint_services).toEqual([
      'containerd',
      'haproxy',
      'keepalived',
      'etcd-backup.timer',
      'kubeadm-certificates.timer',
    ]);
    // The password file keepalived.conf includes, if any (none with VRRPv3).
    const include = /include (\S+)/.exec(project.read('out/prod/hosts/master-1/keepalived.conf'))?.[1];
    expect(hosts['master-1']?.blueprint_vrrp_auth_file).toBe(include);
    expect(hosts['node-01']?.blueprint_packages).toEqual(node);
    expect(hosts['node-01']?.blueprint_services).toEqual(['containerd']);
    expect(hosts['node-01']?.blueprint_vrrp_auth_file).toBeUndefined();
  });

  itNeeding(
    'passes ansible-playbook --syntax-check and ansible-inventory',
    [hasBinary('ansible-playbook') ? undefined : 'ansible-playbook (Debian ansible-core)'],
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
      validate: 'keepalived -t -f %s',
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

  it('puts kubeadm files under /etc/kubernetes/ (where the docs run kubeadm), mode 0600, and unknown files under /etc/platform-blueprint/', () => {
    expect(placeHostFile('kubeadm-join.yaml', undefined, false)).toEqual({
      source: 'kubeadm-join.yaml',
      destination: '/etc/kubernetes/kubeadm-join.yaml',
      mode: 0o600,
    });
    expect(placeHostFile('kubeadm-init.yaml', undefined, false).destination).toBe(
      '/etc/kubernetes/kubeadm-init.yaml',
    );
    expect(placeHostFile('notes.txt', undefined, false).destination).toBe(
      '/etc/platform-blueprint/notes.txt',
    );
  });

  it('places the prerequisites, any unit drop-in and the preflight, and checks keepalived.conf with keepalived -t', () => {
    expect(placeHostFile('containerd/config.toml', undefined, false)).toEqual({
      source: 'containerd/config.toml',
      destination: '/etc/containerd/config.toml',
      restart: 'containerd',
    });
    expect(placeHostFile('sysctl.d/90-kubernetes.conf', undefined, false).destination).toBe(
      '/etc/sysctl.d/90-kubernetes.conf',
    );
    expect(placeHostFile('modules-load.d/kubernetes.conf', undefined, false).destination).toBe(
      '/etc/modules-load.d/kubernetes.conf',
    );
    expect(placeHostFile('haproxy.service.d/10-restart.conf', undefined, false)).toEqual({
      source: 'haproxy.service.d/10-restart.conf',
      destination: '/etc/systemd/system/haproxy.service.d/10-restart.conf',
      reload: 'haproxy',
    });
    expect(placeHostFile('blueprint-preflight.sh', 0o755, false).destination).toBe(
      '/usr/local/sbin/blueprint-preflight',
    );
    expect(placeHostFile('keepalived.conf', undefined, false).validate).toBe('keepalived -t -f %s');
    expect(placeHostFile('keepalived.conf', undefined, true).validate).toBeUndefined();
  });
});
