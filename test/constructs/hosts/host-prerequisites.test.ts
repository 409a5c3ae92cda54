import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HostPrerequisites, kubeadmPauseImage } from '../../../constructs/hosts/host-prerequisites';
import { hasCommand } from '../../hosts/daemons';
import { itNeeding } from '../../support/requirements';

describe('kubeadmPauseImage', () => {
  it("is kubeadm's pause image for the minor", () => {
    // kubeadm v1.28.15 (built for the rehearsal) prints registry.k8s.io/pause:3.9 in `config images list`.
    expect(kubeadmPauseImage('1.28.15')).toBe('registry.k8s.io/pause:3.9');
    expect(kubeadmPauseImage('1.30.0')).toBe('registry.k8s.io/pause:3.9');
    expect(kubeadmPauseImage('1.31.2')).toBe('registry.k8s.io/pause:3.10');
    expect(kubeadmPauseImage('1.34.1')).toBe('registry.k8s.io/pause:3.10.1');
  });

  it('asks for cluster.sandboxImage when the minor is not known', () => {
    expect(() => kubeadmPauseImage('1.36.0')).toThrow(
      'kubeadmPauseImage: the pause image of kubeadm 1.36.0 is not known (known: 1.26 to 1.35); set cluster.sandboxImage',
    );
  });
});

describe('HostPrerequisites', () => {
  const files = (props: Partial<ConstructorParameters<typeof HostPrerequisites>[0]> = {}) =>
    Object.fromEntries(
      new HostPrerequisites({ host: 'master-1', sandboxImage: 'registry.k8s.io/pause:3.9', ...props })
        .hostFiles()
        .map((file) => [file.path, file.content]),
    );

  it('loads overlay and br_netfilter and sets the bridge and forwarding sysctls', () => {
    const out = files();
    expect(out['modules-load.d/kubernetes.conf']?.split('\n').filter((l) => l && !l.startsWith('#'))).toEqual(
      ['overlay', 'br_netfilter'],
    );
    expect(out['sysctl.d/90-kubernetes.conf']?.split('\n').filter((l) => l && !l.startsWith('#'))).toEqual([
      'net.bridge.bridge-nf-call-iptables = 1',
      'net.bridge.bridge-nf-call-ip6tables = 1',
      'net.ipv4.ip_forward = 1',
    ]);
    expect(files({ nonlocalBind: true })['sysctl.d/90-kubernetes.conf']).toContain(
      'net.ipv4.ip_nonlocal_bind = 1',
    );
  });

  itNeeding(
    "gives containerd's runc the systemd cgroup driver and kubeadm's pause image, as containerd 1.6 itself reads it",
    [hasCommand('containerd') ? undefined : "Debian's containerd (for `containerd config dump`)"],
    () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blueprint-containerd-'));
      try {
        const config = path.join(dir, 'config.toml');
        fs.writeFileSync(config, files()['containerd/config.toml'] as string);
        const dump = execFileSync('containerd', ['--config', config, 'config', 'dump'], {
          encoding: 'utf8',
          timeout: 30_000,
        });
        expect(dump).toMatch(
          /\[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.runc\.options\]\s+SystemdCgroup = true/,
        );
        expect(dump).toContain('sandbox_image = "registry.k8s.io/pause:3.9"');
        expect(dump).toMatch(/runtimes\.runc\]\n(?:.*\n)*?\s+runtime_type = "io\.containerd\.runc\.v2"/);
        expect(dump).toContain('bin_dir = "/opt/cni/bin"');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('refuses a sandbox image that is not an image reference', () => {
    expect(() => new HostPrerequisites({ host: 'm', sandboxImage: 'pause 3.9' })).toThrow(
      `HostPrerequisites: 'sandboxImage' ("pause 3.9") must be an image reference`,
    );
  });
});
