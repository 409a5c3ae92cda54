import { parse } from 'yaml';
import { AnsibleInventory } from '../../../constructs/hosts/ansible-inventory';
import { AnsiblePlaybook } from '../../../constructs/hosts/ansible-playbook';

const master = {
  name: 'master-1',
  address: '10.20.0.11',
  groups: ['masters'],
  files: [
    {
      source: 'haproxy.cfg',
      destination: '/etc/haproxy/haproxy.cfg',
      reload: 'haproxy',
      validate: 'haproxy -c -f %s',
    },
    {
      source: 'check-apiserver.sh',
      destination: '/etc/keepalived/check-apiserver.sh',
      mode: 0o755,
      reload: 'keepalived',
    },
  ],
  vrrpAuthFile: '/etc/keepalived/vrrp-auth.conf',
};
const worker = {
  name: 'node-01',
  address: '10.20.1.11',
  groups: ['pool_general'],
  files: [{ source: 'kubeadm-join.yaml', destination: '/etc/kubernetes/kubeadm-join.yaml', mode: 0o600 }],
  packages: ['containerd', 'kubeadm=1.28.15-*'],
  services: ['containerd'],
};

describe('AnsibleInventory', () => {
  it('lists each host in its groups with its address and the files it gets', () => {
    const text = new AnsibleInventory({
      environment: 'prod',
      hosts: [master, worker],
      parentGroups: { workers: ['pool_general'] },
    }).render();
    expect(text.startsWith('# Ansible inventory of environment prod')).toBe(true);
    const inventory = parse(text);
    expect(inventory.all.children.masters.hosts['master-1']).toEqual({
      ansible_host: '10.20.0.11',
      blueprint_files: [
        {
          src: 'haproxy.cfg',
          dest: '/etc/haproxy/haproxy.cfg',
          mode: '0644',
          reload: 'haproxy',
          validate: 'haproxy -c -f %s',
        },
        {
          src: 'check-apiserver.sh',
          dest: '/etc/keepalived/check-apiserver.sh',
          mode: '0755',
          reload: 'keepalived',
        },
      ],
      blueprint_packages: [],
      blueprint_services: [],
      blueprint_vrrp_auth_file: '/etc/keepalived/vrrp-auth.conf',
    });
    expect(inventory.all.children.pool_general.hosts['node-01']).toEqual({
      ansible_host: '10.20.1.11',
      blueprint_files: [
        { src: 'kubeadm-join.yaml', dest: '/etc/kubernetes/kubeadm-join.yaml', mode: '0600' },
      ],
      blueprint_packages: ['containerd', 'kubeadm=1.28.15-*'],
      blueprint_services: ['containerd'],
    });
    expect(inventory.all.children.workers).toEqual({ children: { pool_general: {} } });
  });

  it('writes no YAML aliases even when a host is in two groups', () => {
    const text = new AnsibleInventory({
      environment: 'prod',
      hosts: [{ ...master, groups: ['masters', 'dc1'] }],
    }).render();
    expect(text).not.toMatch(/[&*]a\d/);
  });

  it('refuses group names Ansible would mangle, relative destinations and repeated hosts', () => {
    expect(
      () => new AnsibleInventory({ environment: 'prod', hosts: [{ ...worker, groups: ['pool-general'] }] }),
    ).toThrow(
      'AnsibleInventory: group "pool-general" of host node-01 must be letters, digits and "_", not starting with a digit',
    );
    expect(
      () =>
        new AnsibleInventory({
          environment: 'prod',
          hosts: [{ ...worker, files: [{ source: 'x', destination: 'etc/x' }] }],
        }),
    ).toThrow(`'destination' ("etc/x") of node-01/x must be an absolute path without ".."`);
    expect(() => new AnsibleInventory({ environment: 'prod', hosts: [worker, worker] })).toThrow(
      'host "node-01" is listed twice',
    );
    expect(
      () =>
        new AnsibleInventory({ environment: 'prod', hosts: [{ ...master, vrrpAuthFile: 'vrrp-auth.conf' }] }),
    ).toThrow(`'vrrpAuthFile' ("vrrp-auth.conf") of master-1 must be an absolute path`);
    expect(
      () =>
        new AnsibleInventory({
          environment: 'prod',
          hosts: [{ ...worker, packages: ['kubeadm; rm -rf /'] }],
        }),
    ).toThrow('package or unit "kubeadm; rm -rf /" of node-01');
  });
});

describe('AnsiblePlaybook', () => {
  const plays = parse(
    new AnsiblePlaybook({
      environment: 'prod',
      kubernetesVersion: '1.28.15',
      kernelModules: ['overlay', 'br_netfilter'],
    }).render(),
  );
  const [masters, others] = plays;
  type Task = Record<string, unknown> & { name: string; tags: string[] };
  const tasks: Task[] = masters.tasks;
  const index = (pattern: RegExp) => tasks.findIndex((task) => pattern.test(task.name));

  it('changes the masters one at a time, then the other machines, and stops everywhere on the first error', () => {
    expect(masters).toMatchObject({ hosts: 'masters', become: true, serial: 1, any_errors_fatal: true });
    expect(others).toMatchObject({ hosts: 'all:!masters', become: true, any_errors_fatal: true });
    expect(others.serial).toBeUndefined();
    expect(others.tasks).toEqual(masters.tasks);
  });

  it("installs from the environment's pkgs.k8s.io repository, signed by its key, under the packages tag", () => {
    expect(masters.vars.blueprint_kubernetes_repository).toBe('https://pkgs.k8s.io/core:/stable:/v1.28/deb/');
    const source = tasks[index(/Add the Kubernetes 1.28 repository/)] as Task;
    expect((source['ansible.builtin.copy'] as { content: string }).content).toBe(
      'deb [signed-by={{ blueprint_kubernetes_keyring }}] {{ blueprint_kubernetes_repository }} /\n',
    );
    const install = tasks[index(/^Install the packages/)] as Task;
    expect(install['ansible.builtin.apt']).toEqual({ name: '{{ blueprint_packages }}', update_cache: true });
    for (const task of tasks.filter((t) => 'ansible.builtin.apt' in t || 'ansible.builtin.get_url' in t))
      expect(task.tags).toEqual(['packages']);
  });

  it('refuses to start without the VRRP password before anything changes, and writes it before the files', () => {
    expect(index(/^Refuse to go on without the VRRP password/)).toBeLessThan(index(/^Install the packages/));
    expect(tasks[index(/^Refuse to go on/)]?.tags).toEqual(['always']);
    const write = tasks[index(/^Write the VRRP password file/)] as Task;
    expect(write).toMatchObject({ no_log: true, diff: false });
    expect(write['ansible.builtin.copy']).toMatchObject({
      mode: '0600',
      content: 'auth_pass {{ blueprint_vrrp_password }}\n',
    });
    expect(index(/^Write the VRRP password file/)).toBeLessThan(index(/^Copy the host files/));
  });

  it('copies from hosts/<inventory_hostname>/ beside the ansible/ directory, with the check first', () => {
    const copy = tasks[index(/^Copy the host files/)] as Task;
    expect(copy['ansible.builtin.copy']).toMatchObject({
      src: '{{ playbook_dir }}/../hosts/{{ inventory_hostname }}/{{ item.src }}',
      dest: '{{ item.dest }}',
      mode: '{{ item.mode }}',
      validate: '{{ item.validate | default(omit) }}',
    });
    expect(copy.register).toBe('blueprint_copied');
  });

  it('restarts or reloads only the units of files that changed, after the files, under the services tag', () => {
    const reload = tasks[index(/^Reload \(or start\)/)] as Task;
    expect(reload.loop).toContain("blueprint_copied.results | selectattr('changed')");
    expect(reload.loop).toContain("map(attribute='reload')");
    expect(tasks[index(/^Restart the services/)]?.loop).toContain("map(attribute='restart')");
    for (const task of tasks.filter((t) => 'ansible.builtin.systemd_service' in t)) {
      expect(task.tags).toEqual(['services']);
      expect(tasks.indexOf(task)).toBeGreaterThan(index(/^Copy the host files/));
    }
  });

  it('turns swap off and loads the kernel settings (the running kernel under the kernel tag), and runs the preflight last', () => {
    expect(tasks[index(/^Turn swap off now/)]?.tags).toEqual(['kernel']);
    expect(tasks[index(/^Load the kernel modules/)]?.loop).toEqual(['overlay', 'br_netfilter']);
    expect(tasks[index(/^Keep swap off at boot: comment/)]?.tags).toEqual(['files']);
    expect(index(/^Check the machine is ready/)).toBe(tasks.length - 2);
    for (const task of tasks) expect(task.tags.length).toBeGreaterThan(0);
  });

  it('refuses a serial below one and a version that is not x.y.z', () => {
    expect(
      () => new AnsiblePlaybook({ environment: 'prod', kubernetesVersion: '1.28.15', serial: 0 }),
    ).toThrow("AnsiblePlaybook: 'serial' (0) must be a whole number >= 1");
    expect(() => new AnsiblePlaybook({ environment: 'prod', kubernetesVersion: 'v1.28' })).toThrow(
      `AnsiblePlaybook: 'kubernetesVersion' ("v1.28") must be x.y.z, e.g. 1.28.15`,
    );
  });
});
