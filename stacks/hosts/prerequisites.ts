import {
  HostPrerequisites,
  kubeadmPauseImage,
  PREREQUISITE_DESTINATIONS,
} from '../../constructs/hosts/host-prerequisites';
import { PreflightScript } from '../../constructs/hosts/preflight-script';
import type { LoadedEnvironment } from '../../environments/load';
import type { OutputFile } from '../output-file';
import { KUBEADM_INIT_FILE, KUBEADM_JOIN_FILE } from './control-plane';

/** Where the kubeadm files go on a machine (the directory docs/host-provisioning.md runs them from). */
export const KUBEADM_DIR = '/etc/kubernetes';

/** The programs every node needs; the Debian packages of the same names install them. */
export const NODE_PROGRAMS = ['containerd', 'kubeadm', 'kubelet', 'kubectl'] as const;
/** The programs a master needs when keepalived and HAProxy run as services (curl: the check script). */
export const LOAD_BALANCER_PROGRAMS = ['keepalived', 'haproxy', 'curl'] as const;

/** Whether a rendered haproxy.cfg binds the VIP itself (rather than every address, `bind :port`). */
function bindsAddress(haproxyCfg: string, vip: string): boolean {
  return haproxyCfg.split('\n').some((line) => line.trim().startsWith(`bind ${vip}:`));
}

/**
 * The prerequisite files of every machine that has kubeadm files (the masters and the fixed
 * workers): sysctls, kernel modules, containerd's configuration and `blueprint-preflight`,
 * which checks them (and the programs and files the machine's role needs) before kubeadm runs.
 */
export function renderHostPrerequisites(env: LoadedEnvironment, files: readonly OutputFile[]): OutputFile[] {
  const { spec } = env;
  const cp = spec.controlPlane;
  const sandboxImage = spec.cluster.sandboxImage ?? kubeadmPauseImage(spec.kubernetesVersion);
  const service = cp.loadBalancer.type === 'keepalived' && cp.loadBalancer.runAs === 'service';
  const passwordFile =
    cp.loadBalancer.type === 'keepalived' && cp.loadBalancer.authentication.type === 'pass'
      ? cp.loadBalancer.authentication.passwordFile
      : undefined;
  const out: OutputFile[] = [];
  const machines = [
    ...cp.masters.map((master) => ({ name: master.name, master: true })),
    ...spec.nodePools.flatMap((pool) =>
      (pool.nodes ?? []).map((node) => ({ name: node.name, master: false })),
    ),
  ];
  for (const machine of machines) {
    const mine = (name: string) => files.find((file) => file.path === `hosts/${machine.name}/${name}`);
    const kubeadm = mine(KUBEADM_INIT_FILE)
      ? KUBEADM_INIT_FILE
      : mine(KUBEADM_JOIN_FILE)
        ? KUBEADM_JOIN_FILE
        : undefined;
    if (kubeadm === undefined) continue;
    const haproxy = mine('haproxy.cfg');
    const prerequisites = new HostPrerequisites({
      host: machine.name,
      sandboxImage,
      nonlocalBind: haproxy !== undefined && cp.vip !== undefined && bindsAddress(haproxy.content, cp.vip),
    });
    const hostFiles = prerequisites.hostFiles();
    const config = `${KUBEADM_DIR}/${kubeadm}`;
    const preflight = new PreflightScript({
      host: machine.name,
      next: `kubeadm ${kubeadm === KUBEADM_INIT_FILE ? 'init' : 'join'} --config ${config}`,
      modules: prerequisites.modules,
      sysctls: prerequisites.sysctls,
      binaries: [...NODE_PROGRAMS, ...(machine.master && service ? LOAD_BALANCER_PROGRAMS : [])],
      files: [
        ...hostFiles
          .filter((file) => file.path !== 'containerd/config.toml')
          .map((file) => ({
            path: PREREQUISITE_DESTINATIONS[file.path] as string,
            fix: `copy hosts/${machine.name}/${file.path} there`,
          })),
        // Not discovery.conf of a joining node: it is made after `kubeadm init`, long after provisioning.
        { path: config, fix: `copy hosts/${machine.name}/${kubeadm} there (mode 0600)` },
        ...(machine.master && passwordFile !== undefined
          ? [
              {
                path: passwordFile,
                fix: 'create it (mode 0600) with the line: auth_pass <the VRRP password, 1-8 characters>',
              },
            ]
          : []),
      ],
      containerd: { config: PREREQUISITE_DESTINATIONS['containerd/config.toml'] as string, sandboxImage },
    });
    for (const file of [...hostFiles, preflight.hostFile()]) {
      out.push({
        path: `hosts/${machine.name}/${file.path}`,
        content: file.content,
        ...(file.mode === undefined ? {} : { mode: file.mode }),
      });
    }
  }
  return out;
}
