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
};
const worker = {
  name: 'node-01',
  address: '10.20.1.11',
  groups: ['pool_general'],
  files: [{ source: 'kubeadm-join.yaml', destination: '/etc/platform-blueprint/kubeadm-join.yaml' }],
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
    });
    expect(inventory.all.children.pool_general.hosts['node-01'].blueprint_files).toEqual([
      { src: 'kubeadm-join.yaml', dest: '/etc/platform-blueprint/kubeadm-join.yaml', mode: '0644' },
    ]);
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
  });
});

describe('AnsiblePlaybook', () => {
  const play = parse(new AnsiblePlaybook({ environment: 'prod' }).render())[0];

  it('changes one machine at a time and stops everywhere on the first error', () => {
    expect(play).toMatchObject({ hosts: 'all', become: true, serial: 1, any_errors_fatal: true });
  });

  it('copies from hosts/<inventory_hostname>/ beside the ansible/ directory, with the check first', () => {
    const copy = play.tasks.find((task: Record<string, unknown>) => 'ansible.builtin.copy' in task);
    expect(copy['ansible.builtin.copy']).toMatchObject({
      src: '{{ playbook_dir }}/../hosts/{{ inventory_hostname }}/{{ item.src }}',
      dest: '{{ item.dest }}',
      mode: '{{ item.mode }}',
      validate: '{{ item.validate | default(omit) }}',
    });
    expect(copy.register).toBe('blueprint_copied');
  });

  it('reloads only the units of files that changed', () => {
    const reload = play.tasks.find(
      (task: Record<string, unknown>) => 'ansible.builtin.systemd_service' in task,
    );
    expect(reload.loop).toContain("blueprint_copied.results | selectattr('changed')");
    expect(reload['ansible.builtin.systemd_service']).toMatchObject({
      state: 'reloaded',
      daemon_reload: true,
    });
  });

  it('refuses a serial below one', () => {
    expect(() => new AnsiblePlaybook({ environment: 'prod', serial: 0 })).toThrow(
      "AnsiblePlaybook: 'serial' (0) must be a whole number >= 1",
    );
  });
});
