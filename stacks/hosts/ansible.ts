import {
  type AnsibleHost,
  type AnsibleHostFile,
  AnsibleInventory,
} from '../../constructs/hosts/ansible-inventory';
import { AnsiblePlaybook } from '../../constructs/hosts/ansible-playbook';
import type { LoadedEnvironment } from '../../environments/load';
import type { OutputFile } from '../output-file';

/**
 * `ansible/inventory.yaml` and `ansible/playbook.yaml`: a way to push `hosts/<host>/` to the
 * machines. Synthesized with the rest of the output (so `synth --check` and review cover it),
 * never run by the blueprint.
 */

/** Where a host file goes on the machine, and which unit reloads when it changes. */
export function placeHostFile(
  source: string,
  mode: number | undefined,
  staticPods: boolean,
): AnsibleHostFile {
  const base = { source, ...(mode === undefined ? {} : { mode }) };
  const name = source.slice(source.lastIndexOf('/') + 1);
  // Under static pods kubelet runs keepalived and HAProxy; there is no systemd unit to reload.
  const reload = (unit: string) => (staticPods ? {} : { reload: unit });
  if (source.startsWith('manifests/')) return { ...base, destination: `/etc/kubernetes/manifests/${name}` };
  if (source.startsWith('keepalived.service.d/')) {
    return {
      ...base,
      destination: `/etc/systemd/system/keepalived.service.d/${name}`,
      ...reload('keepalived'),
    };
  }
  switch (source) {
    case 'keepalived.conf':
    case 'check-apiserver.sh':
    case 'check-vrrp-auth.sh':
      return { ...base, destination: `/etc/keepalived/${name}`, ...reload('keepalived') };
    case 'haproxy.cfg':
      // Checked by the host's haproxy binary, which only the systemd runtime installs.
      return {
        ...base,
        destination: '/etc/haproxy/haproxy.cfg',
        ...(staticPods ? {} : { validate: 'haproxy -c -f %s', reload: 'haproxy' }),
      };
    default:
      // kubeadm configuration and anything new: kept where an operator finds it, nothing reloads.
      return { ...base, destination: `/etc/platform-blueprint/${source}` };
  }
}

/** The Ansible files of an environment, from its host files. Empty when no machine has files. */
export function renderAnsible(env: LoadedEnvironment, hostFiles: readonly OutputFile[]): OutputFile[] {
  const byHost = new Map<string, OutputFile[]>();
  for (const file of hostFiles) {
    const [, host] = file.path.split('/');
    if (host === undefined) continue;
    byHost.set(host, [...(byHost.get(host) ?? []), file]);
  }
  if (byHost.size === 0) return [];
  const machines: { name: string; address: string; group: string }[] = [
    ...env.spec.controlPlane.masters.map((master) => ({ ...master, group: 'masters' })),
    ...env.spec.nodePools.flatMap((pool) =>
      (pool.nodes ?? []).map((node) => ({ ...node, group: `pool_${pool.name.replace(/-/g, '_')}` })),
    ),
  ];
  const hosts: AnsibleHost[] = [];
  for (const machine of machines) {
    const files = byHost.get(machine.name);
    if (!files) continue;
    const relative = files.map((file) => ({
      ...file,
      path: file.path.slice(`hosts/${machine.name}/`.length),
    }));
    const staticPods = relative.some((file) => file.path.startsWith('manifests/'));
    hosts.push({
      name: machine.name,
      address: machine.address,
      groups: [machine.group],
      files: relative.map((file) => placeHostFile(file.path, file.mode, staticPods)),
    });
  }
  const pools = [
    ...new Set(hosts.flatMap((host) => host.groups).filter((group) => group.startsWith('pool_'))),
  ];
  const inventory = new AnsibleInventory({
    environment: env.name,
    hosts,
    ...(pools.length > 0 ? { parentGroups: { workers: pools } } : {}),
  });
  return [
    { path: 'ansible/inventory.yaml', content: inventory.render() },
    { path: 'ansible/playbook.yaml', content: new AnsiblePlaybook({ environment: env.name }).render() },
  ];
}
