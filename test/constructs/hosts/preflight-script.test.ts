import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PreflightScript } from '../../../constructs/hosts/preflight-script';

// blueprint-preflight run by bash against a scratch root (PREFLIGHT_ROOT) with a fake /proc;
// test/hosts/playbook-scratch-host.test.ts runs it after the real playbook.
const props = {
  host: 'node-01',
  next: 'kubeadm join --config /etc/kubernetes/kubeadm-join.yaml',
  modules: ['overlay', 'br_netfilter'],
  sysctls: { 'net.ipv4.ip_forward': '1' },
  binaries: ['kubeadm'],
  files: [{ path: '/etc/kubernetes/kubeadm-join.yaml', fix: 'copy it there' }],
  containerd: { config: '/etc/containerd/config.toml', sandboxImage: 'registry.k8s.io/pause:3.9' },
};
const script = new PreflightScript(props);

describe('PreflightScript', () => {
  let root: string;
  const write = (relative: string, text: string, mode = 0o644) => {
    const file = path.join(root, relative);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text, { mode });
  };
  const run = () => {
    const file = path.join(root, 'preflight');
    fs.writeFileSync(file, script.render(), { mode: 0o755 });
    // PATH without containerd: the script reads the file itself when containerd is not below the root.
    const result = spawnSync('bash', [file], {
      encoding: 'utf8',
      env: { PATH: '/usr/bin:/bin', PREFLIGHT_ROOT: root },
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'blueprint-preflight-'));
    write('proc/modules', 'overlay 151552 0 - Live 0x0\n');
    fs.mkdirSync(path.join(root, 'sys/module/br_netfilter'), { recursive: true }); // built in
    write('proc/sys/net/ipv4/ip_forward', '1\n');
    write('proc/swaps', 'Filename\tType\tSize\tUsed\tPriority\n');
    write(
      'etc/fstab',
      '# <file system> <mount point> <type>\n#/dev/vdb1 none swap sw 0 0\nUUID=1 / ext4 defaults 0 1\n',
    );
    write('usr/bin/kubeadm', '#!/bin/sh\n', 0o755);
    write('etc/kubernetes/kubeadm-join.yaml', 'kind: JoinConfiguration\n');
    write(
      'etc/containerd/config.toml',
      'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "registry.k8s.io/pause:3.9"\n' +
        '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n  SystemdCgroup = true\n',
    );
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('passes a ready host with one line on stdout', () => {
    expect(run()).toEqual({
      status: 0,
      stdout: 'preflight: node-01: ready for kubeadm join --config /etc/kubernetes/kubeadm-join.yaml\n',
      stderr: '',
    });
  });

  it('names each problem on one line of stderr and exits 1', () => {
    fs.rmSync(path.join(root, 'sys/module/br_netfilter'), { recursive: true });
    write('proc/sys/net/ipv4/ip_forward', '0\n');
    write(
      'proc/swaps',
      'Filename\tType\tSize\tUsed\tPriority\n/swapfile file 1000 0 -2\n/dev/zram0 partition 1 0 100\n',
    );
    write('etc/fstab', '/swapfile none swap sw 0 0\n');
    fs.rmSync(path.join(root, 'usr/bin/kubeadm'));
    fs.rmSync(path.join(root, 'etc/kubernetes/kubeadm-join.yaml'));
    write('etc/containerd/config.toml', 'version = 2\n');
    const result = run();
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([
      'preflight: node-01: kernel module br_netfilter is not loaded; run: modprobe br_netfilter (/etc/modules-load.d/ loads it at boot)',
      'preflight: node-01: sysctl net.ipv4.ip_forward is 0, must be 1; run: sysctl --system (/etc/sysctl.d/ sets it at boot)',
      'preflight: node-01: swap is on (/swapfile, /dev/zram0); run: swapoff -a',
      'preflight: node-01: /etc/fstab still turns swap on at boot (/swapfile); comment the line out',
      'preflight: node-01: kubeadm is not installed',
      'preflight: node-01: /etc/kubernetes/kubeadm-join.yaml is missing; copy it there',
      `preflight: node-01: containerd's runc runtime does not use the systemd cgroup driver (set SystemdCgroup = true in ${root}/etc/containerd/config.toml); the kubelet uses systemd`,
      `preflight: node-01: containerd's sandbox_image is not registry.k8s.io/pause:3.9, kubeadm's pause image (set it in ${root}/etc/containerd/config.toml)`,
    ]);
  });

  it('refuses names and paths that would break the script', () => {
    expect(() => new PreflightScript({ ...props, binaries: ['kube adm'] })).toThrow(
      'PreflightScript: "kube adm" of node-01 must be letters, digits and ._+-',
    );
    expect(() => new PreflightScript({ ...props, files: [{ path: '/etc/../x', fix: '' }] })).toThrow(
      'PreflightScript: path "/etc/../x" of node-01 must be absolute',
    );
  });
});
