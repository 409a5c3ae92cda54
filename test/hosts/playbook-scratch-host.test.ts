import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { TempProject } from '../support/cli';
import { describeNeeding } from '../support/requirements';
import { hasCommand, netnsUnavailable } from './daemons';

// The generated playbook, run for real by ansible-playbook against a scratch root: inside a
// mount and network namespace of its own, a copy of this machine's /etc is bind-mounted over
// /etc and an empty directory over /usr/local/sbin, so that the playbook writes the real paths
// (/etc/keepalived, /etc/haproxy, /etc/kubernetes, /etc/containerd, /etc/fstab, …), its
// validators (`keepalived -t`, `haproxy -c`) read them, and nothing of the machine changes.
// The network namespace holds the interfaces keepalived.conf names (veths), which `keepalived -t`
// requires. Skipped tags: `packages` (no internet: the binaries the packages install are
// linked or stubbed into the scratch root instead), `kernel` (modprobe, sysctl --system,
// swapoff act on the shared kernel, which no namespace isolates) and `services` (no systemd
// here). blueprint-preflight then reads the scratch root (`PREFLIGHT_ROOT`), whose /proc is a
// fake the test writes: loaded modules, sysctls, swaps.
jest.setTimeout(5 * 60_000);

const missing = [
  netnsUnavailable(),
  ...['ansible-playbook', 'keepalived', 'haproxy', 'unshare', 'containerd', 'curl'].map((tool) =>
    hasCommand(tool) ? undefined : `the scratch-host test needs ${tool}`,
  ),
];

const PASSWORD = 'Zq7-scr8';
const PROGRAMS = ['containerd', 'curl', 'keepalived', 'haproxy'];
const STUBBED = ['kubeadm', 'kubelet', 'kubectl'];

/** The path of a program on this machine, or undefined. */
function which(program: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

interface Kernel {
  readonly modules: readonly string[];
  readonly sysctls: Readonly<Record<string, string>>;
  readonly swaps: readonly string[];
}
const HEALTHY: Kernel = {
  modules: ['overlay', 'br_netfilter'],
  sysctls: {
    'net.ipv4.ip_forward': '1',
    'net.bridge.bridge-nf-call-iptables': '1',
    'net.bridge.bridge-nf-call-ip6tables': '1',
  },
  swaps: [],
};

/** A fake /proc (modules, sysctls, swaps) under the scratch root. */
function writeProc(root: string, kernel: Kernel): void {
  fs.rmSync(path.join(root, 'proc'), { recursive: true, force: true });
  fs.mkdirSync(path.join(root, 'proc'), { recursive: true });
  fs.writeFileSync(
    path.join(root, 'proc/modules'),
    kernel.modules.map((module) => `${module} 32768 0 - Live 0x0000000000000000\n`).join(''),
  );
  for (const [key, value] of Object.entries(kernel.sysctls)) {
    const file = path.join(root, 'proc/sys', ...key.split('.'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${value}\n`);
  }
  fs.writeFileSync(
    path.join(root, 'proc/swaps'),
    `Filename\tType\tSize\tUsed\tPriority\n${kernel.swaps.map((s) => `${s}\tpartition\t1048572\t0\t-2\n`).join('')}`,
  );
}

/**
 * A scratch root: a copy of /etc (with a swap line in fstab, as a fresh Debian with a swap
 * partition has), an empty /usr/local/sbin, the fake /proc, and the programs the packages would
 * install: this machine's containerd, curl, keepalived and HAProxy linked in, kubeadm, kubelet
 * and kubectl stubbed (only their presence is checked).
 */
function makeScratch(parent: string, host: string): string {
  const root = path.join(parent, host);
  for (const dir of ['usr/local/sbin', 'usr/bin', 'home', 'tmp'])
    fs.mkdirSync(path.join(root, dir), { recursive: true });
  execFileSync('cp', ['-a', '/etc', path.join(root, 'etc')]);
  fs.appendFileSync(path.join(root, 'etc/fstab'), '/dev/vdb1 none swap sw 0 0\n');
  writeProc(root, HEALTHY);
  for (const program of PROGRAMS) {
    const real = which(program);
    const target = path.join(root, 'usr/bin', program);
    if (real !== undefined) fs.symlinkSync(real, target);
  }
  for (const program of STUBBED)
    fs.writeFileSync(path.join(root, 'usr/bin', program), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  return root;
}

/** The interfaces keepalived.conf names, which `keepalived -t` insists exist. */
function interfacesOf(hostDir: string): string[] {
  const file = path.join(hostDir, 'keepalived.conf');
  if (!fs.existsSync(file)) return [];
  const text = fs.readFileSync(file, 'utf8');
  return [...new Set([...text.matchAll(/^\s*(?:interface|.*\bdev)\s+(\S+)/gm)].map((m) => m[1] as string))];
}

interface Run {
  readonly status: number | null;
  readonly output: string;
}

describeNeeding('the generated playbook provisions a scratch Debian root', missing, () => {
  let project: TempProject;
  let scratch: string;
  /** prod as shipped (VRRPv3: no password file). */
  let ansible: string;
  /** prod with VRRPv2 and a password file, for the password's tasks. */
  let ansiblePass: string;
  beforeAll(async () => {
    project = new TempProject();
    expect((await project.run(['synth', '--env', 'prod', '--out', 'out'])).code).toBe(0);
    ansible = project.path('out/prod/ansible');
    const prod = parse(project.read('environments/prod.yaml'));
    prod.controlPlane.loadBalancer = {
      ...prod.controlPlane.loadBalancer,
      vrrpVersion: 2,
      advertIntervalSeconds: 1,
      authentication: { type: 'pass', passwordFile: '/etc/keepalived/vrrp-auth.conf' },
    };
    project.write('environments/prod.yaml', stringify(prod));
    const pass = await project.run(['synth', '--env', 'prod', '--out', 'out-pass']);
    expect([pass.code, pass.stderr]).toEqual([0, '']);
    ansiblePass = project.path('out-pass/prod/ansible');
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'blueprint-scratch-host-'));
    fs.chmodSync(scratch, 0o755);
  });
  afterAll(() => {
    project?.dispose();
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  /** ansible-playbook --limit host, local connection, inside a mount and network namespace. */
  function provision(root: string, host: string, vars: Record<string, string> = {}, dir = ansible): Run {
    const varsFile = path.join(scratch, `${host}-vars.json`);
    fs.writeFileSync(varsFile, JSON.stringify({ ...vars, blueprint_preflight_root: root }));
    const links = interfacesOf(path.join(dir, '..', 'hosts', host)).map(
      (link, index) => `ip link add ${link} type veth peer name bp-peer${index}`,
    );
    const script = [
      'set -eu',
      `mount --bind ${root}/etc /etc`,
      `mount --bind ${root}/usr/local/sbin /usr/local/sbin`,
      'ip link set lo up',
      ...links,
      `cd ${dir}`,
      [
        `HOME=${root}/home ANSIBLE_LOCAL_TEMP=${root}/tmp ANSIBLE_REMOTE_TEMP=${root}/tmp`,
        'ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0',
        'exec ansible-playbook -i inventory.yaml playbook.yaml',
        `--limit ${host} --skip-tags packages,kernel,services`,
        '-e ansible_connection=local -e ansible_become=false -e ansible_python_interpreter=/usr/bin/python3',
        `-e @${varsFile}`,
      ].join(' '),
    ].join('\n');
    const result = spawnSync(
      'unshare',
      ['--mount', '--net', '--propagation', 'private', 'bash', '-c', script],
      {
        encoding: 'utf8',
        timeout: 150_000,
        killSignal: 'SIGKILL',
      },
    );
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  }

  function preflight(root: string): Run {
    const result = spawnSync(path.join(root, 'usr/local/sbin/blueprint-preflight'), [], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PREFLIGHT_ROOT: root },
      timeout: 30_000,
    });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  }

  const succeeded = (run: Run) =>
    expect({ status: run.status, tail: run.output.slice(-3000) }).toMatchObject({ status: 0 });
  const changes = (run: Run, host: string) =>
    new RegExp(`${host}\\s+: ok=\\d+\\s+changed=(\\d+)\\s+unreachable=0\\s+failed=0`).exec(run.output)?.[1];
  const mode = (file: string) => (fs.statSync(file).mode & 0o777).toString(8);

  let master: string;
  it("provisions master-1 of prod: validated files at the docs' paths, swap off in fstab, then a passing preflight", () => {
    master = makeScratch(scratch, 'master-1');
    const start = Date.now();
    const run = provision(master, 'master-1');
    succeeded(run);
    console.log(`playbook on master-1's scratch root: ${((Date.now() - start) / 1000).toFixed(1)} s`);
    expect(changes(run, 'master-1')).toBeDefined();
    expect(run.output).toContain(
      'preflight: master-1: ready for kubeadm init --config /etc/kubernetes/kubeadm-init.yaml',
    );
    const hosts = path.join(ansible, '..', 'hosts', 'master-1');
    const placed: [string, string, string][] = [
      ['keepalived.conf', 'etc/keepalived/keepalived.conf', '644'],
      ['haproxy.cfg', 'etc/haproxy/haproxy.cfg', '644'],
      ['kubeadm-init.yaml', 'etc/kubernetes/kubeadm-init.yaml', '600'],
      ['audit-policy.yaml', 'etc/kubernetes/audit/policy.yaml', '644'],
      ['sysctl.d/90-kubernetes.conf', 'etc/sysctl.d/90-kubernetes.conf', '644'],
      ['modules-load.d/kubernetes.conf', 'etc/modules-load.d/kubernetes.conf', '644'],
      ['containerd/config.toml', 'etc/containerd/config.toml', '644'],
      ['blueprint-preflight.sh', 'usr/local/sbin/blueprint-preflight', '755'],
      ...fs
        .readdirSync(hosts)
        .filter((file) => /^check-.*\.sh$/.test(file))
        .map((file): [string, string, string] => [file, `etc/keepalived/${file}`, '755']),
      ...fs
        .readdirSync(hosts)
        .filter((entry) => entry.endsWith('.service.d'))
        .flatMap((dropIn) =>
          fs
            .readdirSync(path.join(hosts, dropIn))
            .map((file): [string, string, string] => [
              `${dropIn}/${file}`,
              `etc/systemd/system/${dropIn}/${file}`,
              '644',
            ]),
        ),
    ];
    expect(placed.length).toBeGreaterThan(9);
    for (const [source, destination, wanted] of placed) {
      expect([destination, fs.readFileSync(path.join(master, destination), 'utf8')]).toEqual([
        destination,
        fs.readFileSync(path.join(hosts, source), 'utf8'),
      ]);
      expect([destination, mode(path.join(master, destination))]).toEqual([destination, wanted]);
    }
    expect(fs.readFileSync(path.join(master, 'etc/fstab'), 'utf8')).toMatch(
      /^# \/dev\/vdb1 none swap sw 0 0/m,
    );
    expect(fs.readlinkSync(path.join(master, 'etc/systemd/system/swap.target'))).toBe('/dev/null');
    // The machine's own /etc is untouched.
    expect(fs.existsSync('/etc/kubernetes/kubeadm-init.yaml')).toBe(false);
  });

  it('changes nothing when run again', () => {
    const run = provision(master, 'master-1');
    succeeded(run);
    expect(changes(run, 'master-1')).toBe('0');
  });

  it('provisions a worker (node-01) that then passes its preflight', () => {
    const root = makeScratch(scratch, 'node-01');
    const run = provision(root, 'node-01');
    succeeded(run);
    expect(run.output).toContain(
      'preflight: node-01: ready for kubeadm join --config /etc/kubernetes/kubeadm-join.yaml',
    );
    expect(mode(path.join(root, 'etc/kubernetes/kubeadm-join.yaml'))).toBe('600');
    expect(fs.existsSync(path.join(root, 'etc/keepalived/keepalived.conf'))).toBe(false);
  });

  it('keeps the old haproxy.cfg when `haproxy -c` refuses the new one', () => {
    const root = makeScratch(scratch, 'master-3');
    const cfg = path.join(ansible, '..', 'hosts', 'master-3', 'haproxy.cfg');
    const good = fs.readFileSync(cfg, 'utf8');
    fs.writeFileSync(cfg, good.replace('balance ', 'balance no-such-algorithm '));
    try {
      const run = provision(root, 'master-3');
      expect(run.status).not.toBe(0);
      expect(run.output).toMatch(/failed to validate/);
      expect(fs.readFileSync(path.join(root, 'etc/haproxy/haproxy.cfg'), 'utf8')).toBe(
        fs.readFileSync('/etc/haproxy/haproxy.cfg', 'utf8'),
      );
    } finally {
      fs.writeFileSync(cfg, good);
    }
  });

  let passMaster: string;
  it('with a VRRP password (VRRPv2): writes the password file before keepalived.conf, 0600, never printing it', () => {
    passMaster = makeScratch(scratch, 'pass-master-1');
    const run = provision(passMaster, 'master-1', { blueprint_vrrp_password: PASSWORD }, ansiblePass);
    succeeded(run);
    expect(run.output).not.toContain(PASSWORD);
    const auth = path.join(passMaster, 'etc/keepalived/vrrp-auth.conf');
    expect(fs.readFileSync(auth, 'utf8')).toBe(`auth_pass ${PASSWORD}\n`);
    expect(mode(auth)).toBe('600');
    // keepalived -t read it: the validated keepalived.conf includes it.
    expect(fs.readFileSync(path.join(passMaster, 'etc/keepalived/keepalived.conf'), 'utf8')).toContain(
      'include /etc/keepalived/vrrp-auth.conf',
    );
  });

  it('stops a master before changing anything when the VRRP password is neither given nor on the machine', () => {
    const root = makeScratch(scratch, 'pass-master-2');
    const run = provision(root, 'master-2', {}, ansiblePass);
    expect(run.status).not.toBe(0);
    expect(run.output).toContain(
      '/etc/keepalived/vrrp-auth.conf is missing on master-2 and blueprint_vrrp_password is not given',
    );
    expect(fs.existsSync(path.join(root, 'etc/kubernetes'))).toBe(false);
    expect(fs.existsSync(path.join(root, 'etc/sysctl.d/90-kubernetes.conf'))).toBe(false);
    const long = provision(root, 'master-2', { blueprint_vrrp_password: 'nine-char' }, ansiblePass);
    expect(long.output).toContain('blueprint_vrrp_password must be 1 to 8 characters');
    expect(long.output).not.toContain('nine-char');
  });

  it('blueprint-preflight names every problem of a host that is not ready, one line each, and exits 1', () => {
    writeProc(passMaster, {
      modules: ['overlay'],
      sysctls: { 'net.ipv4.ip_forward': '0' },
      swaps: ['/dev/vdb1'],
    });
    fs.appendFileSync(path.join(passMaster, 'etc/fstab'), '/swapfile none swap sw 0 0\n');
    const config = path.join(passMaster, 'etc/containerd/config.toml');
    fs.writeFileSync(
      config,
      fs.readFileSync(config, 'utf8').replace('SystemdCgroup = true', 'SystemdCgroup = false'),
    );
    fs.rmSync(path.join(passMaster, 'usr/bin/kubelet'));
    fs.rmSync(path.join(passMaster, 'etc/keepalived/vrrp-auth.conf'));
    const run = preflight(passMaster);
    expect(run.status).toBe(1);
    expect(run.output.trim().split('\n')).toEqual([
      'preflight: master-1: kernel module br_netfilter is not loaded; run: modprobe br_netfilter (/etc/modules-load.d/ loads it at boot)',
      'preflight: master-1: sysctl net.bridge.bridge-nf-call-iptables does not exist (net.bridge.* appear when br_netfilter is loaded); it must be 1',
      'preflight: master-1: sysctl net.bridge.bridge-nf-call-ip6tables does not exist (net.bridge.* appear when br_netfilter is loaded); it must be 1',
      'preflight: master-1: sysctl net.ipv4.ip_forward is 0, must be 1; run: sysctl --system (/etc/sysctl.d/ sets it at boot)',
      'preflight: master-1: swap is on (/dev/vdb1); run: swapoff -a',
      'preflight: master-1: /etc/fstab still turns swap on at boot (/swapfile); comment the line out',
      'preflight: master-1: kubelet is not installed',
      'preflight: master-1: /etc/keepalived/vrrp-auth.conf is missing; create it (mode 0600) with the line: auth_pass <the VRRP password, 1-8 characters>',
      "preflight: master-1: containerd's runc runtime does not use the systemd cgroup driver (set SystemdCgroup = true in " +
        `${passMaster}/etc/containerd/config.toml); the kubelet uses systemd`,
    ]);
    fs.writeFileSync(config, 'version = 2\n[plugins\n');
    expect(preflight(passMaster).output).toMatch(/containerd cannot read .*config\.toml/);
  });
});
