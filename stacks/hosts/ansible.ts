import { AUDIT_POLICY_HOST_FILE, AUDIT_POLICY_PATH } from '../../constructs/control-plane/audit-policy';
import {
  type AnsibleHost,
  type AnsibleHostFile,
  AnsibleInventory,
} from '../../constructs/hosts/ansible-inventory';
import { AnsiblePlaybook } from '../../constructs/hosts/ansible-playbook';
import { HostPrerequisites, PREREQUISITE_DESTINATIONS } from '../../constructs/hosts/host-prerequisites';
import { PREFLIGHT_DESTINATION } from '../../constructs/hosts/preflight-script';
import type { LoadedEnvironment } from '../../environments/load';
import type { OutputFile } from '../output-file';
import { MASTER_TIMER_SCRIPTS, masterTimerPackages, masterTimers } from './master-timers';
import { KUBEADM_DIR, LOAD_BALANCER_PROGRAMS } from './prerequisites';

/**
 * `ansible/inventory.yaml` and `ansible/playbook.yaml`: a way to provision the machines from
 * `hosts/<host>/`. Synthesized with the rest of the output (so `synth --check` and review cover
 * it), never run by the blueprint.
 */

/**
 * Where a host file goes on the machine, which unit restarts or reloads when it changes, and
 * how it is checked before it replaces the old one. `staticPods`: kubelet runs keepalived and
 * HAProxy, so there is no unit to reload and no host binary to check with.
 */
export function placeHostFile(
  source: string,
  mode: number | undefined,
  staticPods: boolean,
): AnsibleHostFile {
  const base = { source, ...(mode === undefined ? {} : { mode }) };
  const name = source.slice(source.lastIndexOf('/') + 1);
  const reload = (unit: string) => (staticPods ? {} : { reload: unit });
  const prerequisite = PREREQUISITE_DESTINATIONS[source];
  if (prerequisite !== undefined) {
    return {
      ...base,
      destination: prerequisite,
      ...(source.startsWith('containerd/') ? { restart: 'containerd' } : {}),
    };
  }
  if (source.startsWith('manifests/')) return { ...base, destination: `/etc/kubernetes/manifests/${name}` };
  const dropIn = /^([a-z0-9@_-]+)\.service\.d\/[^/]+$/.exec(source);
  if (dropIn) {
    return {
      ...base,
      destination: `/etc/systemd/system/${source}`,
      ...reload(dropIn[1] as string),
    };
  }
  // The masters' timers and their oneshot services; the scripts they start.
  if (/^[a-z0-9@_-]+\.(service|timer)$/.test(source))
    return { ...base, destination: `/etc/systemd/system/${source}` };
  const timerScript = MASTER_TIMER_SCRIPTS.find((script) => script.file === source);
  if (timerScript !== undefined) return { ...base, destination: timerScript.destination };
  // keepalived's check scripts (check-apiserver.sh, check-vrrp-auth.sh, …).
  if (/^check-[a-z0-9-]+\.sh$/.test(source)) {
    return { ...base, destination: `/etc/keepalived/${name}`, ...reload('keepalived') };
  }
  switch (source) {
    case 'keepalived.conf':
      // Checked by the host's keepalived, which only the systemd runtime installs. It reads the
      // check scripts and the password file, so those are in place first.
      return {
        ...base,
        destination: '/etc/keepalived/keepalived.conf',
        ...(staticPods ? {} : { validate: 'keepalived -t -f %s', reload: 'keepalived' }),
      };
    case 'haproxy.cfg':
      return {
        ...base,
        destination: '/etc/haproxy/haproxy.cfg',
        ...(staticPods ? {} : { validate: 'haproxy -c -f %s', reload: 'haproxy' }),
      };
    case 'handoff-vip.sh':
      // haproxy.service's ExecStop (the drop-in): read when HAProxy stops, nothing reloads.
      return { ...base, destination: `/etc/haproxy/${name}` };
    case 'blueprint-preflight.sh':
      return { ...base, destination: PREFLIGHT_DESTINATION };
    case AUDIT_POLICY_HOST_FILE:
      // Read by kube-apiserver when it starts (kubeadm's ClusterConfiguration names it).
      return { ...base, destination: AUDIT_POLICY_PATH };
    case 'kubeadm-init.yaml':
    case 'kubeadm-join.yaml':
      // Where docs/host-provisioning.md runs kubeadm from; 0600 as the docs say.
      return { ...base, mode: 0o600, destination: `${KUBEADM_DIR}/${name}` };
    default:
      // Anything new: kept where an operator finds it, nothing reloads.
      return { ...base, destination: `/etc/platform-blueprint/${source}` };
  }
}

/** Copy order: what a check reads comes before the file it checks; the preflight last. */
function copyRank(file: AnsibleHostFile): number {
  if (Object.values(PREREQUISITE_DESTINATIONS).includes(file.destination)) return 0;
  if (file.destination.startsWith('/etc/systemd/')) return 1;
  if (file.destination.startsWith('/etc/keepalived/') && file.source.endsWith('.sh')) return 2;
  if (file.destination === PREFLIGHT_DESTINATION) return 5;
  if (file.validate !== undefined || file.reload !== undefined) return 3;
  return 4;
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
  const cp = env.spec.controlPlane;
  const lb = cp.loadBalancer;
  const vrrpAuthFile =
    lb.type === 'keepalived' && lb.authentication.type === 'pass'
      ? lb.authentication.passwordFile
      : undefined;
  const machines: { name: string; address: string; group: string }[] = [
    ...cp.masters.map((master) => ({ ...master, group: 'masters' })),
    ...env.spec.nodePools.flatMap((pool) =>
      (pool.nodes ?? []).map((node) => ({ ...node, group: `pool_${pool.name.replace(/-/g, '_')}` })),
    ),
  ];
  const version = env.spec.kubernetesVersion;
  const nodePackages = ['containerd', ...['kubeadm', 'kubectl', 'kubelet'].map((p) => `${p}=${version}-*`)];
  const hosts: AnsibleHost[] = [];
  for (const machine of machines) {
    const files = byHost.get(machine.name);
    if (!files) continue;
    const relative = files.map((file) => ({
      ...file,
      path: file.path.slice(`hosts/${machine.name}/`.length),
    }));
    const staticPods = relative.some((file) => file.path.startsWith('manifests/'));
    const master = machine.group === 'masters';
    const services = master && lb.type === 'keepalived' && !staticPods;
    hosts.push({
      name: machine.name,
      address: machine.address,
      groups: [machine.group],
      files: relative
        .map((file) => placeHostFile(file.path, file.mode, staticPods))
        .sort((a, b) => copyRank(a) - copyRank(b)),
      packages: [
        ...nodePackages,
        ...(services ? LOAD_BALANCER_PROGRAMS : []),
        ...(master ? masterTimerPackages(env) : []),
      ],
      // HAProxy before keepalived: the VIP comes here only once HAProxy is up.
      services: [
        'containerd',
        ...(services ? ['haproxy', 'keepalived'] : []),
        ...(master ? masterTimers(env) : []),
      ],
      ...(master && vrrpAuthFile !== undefined ? { vrrpAuthFile } : {}),
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
  const playbook = new AnsiblePlaybook({
    environment: env.name,
    kubernetesVersion: version,
    kernelModules: HostPrerequisites.KERNEL_MODULES,
  });
  return [
    { path: 'ansible/inventory.yaml', content: inventory.render() },
    { path: 'ansible/playbook.yaml', content: playbook.render() },
  ];
}
