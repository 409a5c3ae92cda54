import { type ChildProcess, execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as YAML from 'yaml';
import type { Components } from '../../../cli/rehearsal/components';
import { TempProject } from '../../support/cli';
import { Daemons, HAPROXY, KEEPALIVED, keepalivedArgs, sleep, type VipSample, waitFor } from '../daemons';
import { CLIENT_SCRIPT, type ClientConfig, type ClientEvent, parseClientOutput } from './client';

/**
 * The HA drill's cluster: three masters in network namespaces on one bridge (in a fourth
 * namespace), each running a member of a three-member etcd cluster, the real kube-apiserver,
 * and the generated haproxy.cfg and keepalived.conf with the real daemons, plus a client
 * namespace on the same bridge. Addresses are TEST-NET-1 (192.0.2.0/24) and exist only inside
 * these namespaces.
 *
 * What is generated and what the drill adds:
 * - the environment below is synthesized by `blueprint synth`; keepalived.conf, its scripts and
 *   haproxy.cfg are used as generated, with paths moved into a directory per master
 *   (/etc/keepalived, /etc/haproxy, /run/haproxy, /etc/kubernetes: the namespaces share one
 *   file system) and, when haproxy.cfg has no `stats socket`, one added to read its stats;
 * - the PKI is made by the real `kubeadm init phase certs all` from the generated
 *   kubeadm-init.yaml (the first master) and from that file with the joining master's own
 *   `localAPIEndpoint` and `nodeRegistration` from its kubeadm-join.yaml (what `kubeadm join`
 *   does with the cluster's ClusterConfiguration), after the first master's CAs and
 *   service-account key were copied (kubeadm's manual certificate distribution, as the docs say);
 * - etcd and kube-apiserver run with the command lines of the static pod manifests that
 *   `kubeadm init phase etcd local` and `control-plane apiserver` write from the same files,
 *   as processes in the namespace; etcd's `--initial-cluster` names all three members (kubeadm
 *   grows it member by member on join).
 */
export const VIP = '192.0.2.10';
export const ADDRESSES = ['192.0.2.11', '192.0.2.12', '192.0.2.13'] as const;
export const CLIENT_ADDRESS = '192.0.2.50';
export const NAMES = ['drill-1', 'drill-2', 'drill-3'] as const;
const ENV_NAME = 'drill';
export const ENVIRONMENT = `template: idc-ha
kubernetesVersion: 1.28.15
cluster:
  kubeconfig:
    context: drill-admin@drill
controlPlane:
  vip: ${VIP}
  subnet: 192.0.2.0/24
  port: 8443
  apiServerPort: 6443
  interface: eth0
  virtualRouterId: 197
  masters:
${NAMES.map((name, i) => `    - { name: ${name}, address: ${ADDRESSES[i]} }`).join('\n')}
`;
/** The test's VRRP password (host-local on real masters; not a secret here). */
const VRRP_PASSWORD = 'bpdrill1';

const run = promisify(execFile);

export interface DrillMaster {
  readonly name: string;
  readonly address: string;
  readonly ns: string;
  /** The master's interface, as its generated keepalived.conf names it. */
  readonly iface: string;
  /** Its veth's end on the bridge (in the switch namespace). */
  readonly port: string;
  /** keepalived's and HAProxy's files. */
  readonly dir: string;
  /** The scratch root kubeadm wrote /etc/kubernetes into. */
  readonly rootfs: string;
  readonly haproxyStats: string;
  /** haproxy.service's drop-in as generated, with its paths moved (see haproxyUnit). */
  unit: HaproxyUnit;
  etcdArgs: string[];
  apiserverArgs: string[];
  etcd?: ChildProcess;
  apiserver?: ChildProcess;
  haproxy?: ChildProcess;
  keepalived?: ChildProcess;
}

/** What the generated haproxy.service drop-in tells systemd, with the paths moved for the drill. */
export interface HaproxyUnit {
  /** `ExecStartPre=` command lines ("-" prefix removed: their failure is ignored). */
  readonly execStartPre: string[][];
  /** `ExecStop=` command lines. */
  readonly execStop: string[][];
  /** `RestartSec=` in ms. */
  readonly restartMs: number;
}

/** How often the drill samples which master holds the VIP, in ms. */
export const VIP_SAMPLE_MS = 100;

export interface StatsSample {
  readonly at: number;
  readonly master: string;
  /** Backend server name -> HAProxy's status (UP, DOWN, UP 1/2, ...). */
  readonly servers: Record<string, string>;
}

export class DrillCluster {
  readonly tag = `bpd${process.pid}`;
  readonly daemons = new Daemons('pb-drill-');
  readonly project = new TempProject({ withEnvironments: false });
  readonly masters: DrillMaster[] = [];
  readonly vipSamples: VipSample[] = [];
  readonly statsSamples: StatsSample[] = [];
  /** The paths rewritten in the generated host files, for the record. */
  readonly rewrites: string[] = [];
  clientNs = '';
  client?: ChildProcess;
  adminConf = '';
  /** The generated keepalived.conf of the first master, for the design's parameters. */
  keepalivedConf = '';
  haproxyCfg = '';
  private sampling = false;
  private samplers: Promise<void>[] = [];

  constructor(private readonly components: Components) {}

  get switchNs(): string {
    return `${this.tag}-sw`;
  }

  /** Deletes namespaces of earlier drills whose test process is gone (a killed run cannot clean up). */
  static removeStaleNamespaces(): string[] {
    const removed: string[] = [];
    for (const line of execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n')) {
      const match = /^(bpd(\d+)-\S+)/.exec(line);
      if (!match || fs.existsSync(`/proc/${match[2]}`)) continue;
      execFileSync('ip', ['netns', 'del', match[1] as string], { stdio: 'ignore' });
      removed.push(match[1] as string);
    }
    return removed;
  }

  /** Synthesizes the environment, builds the network, the PKI and every master's files. */
  async prepare(): Promise<void> {
    this.project.write(`environments/${ENV_NAME}.yaml`, ENVIRONMENT);
    const synth = await this.project.run(['synth', '--env', ENV_NAME, '--out', 'out']);
    if (synth.code !== 0) throw new Error(`synth failed (${synth.code}): ${synth.stderr}`);
    const hosts = this.project.path('out', ENV_NAME, 'hosts');

    const d = this.daemons;
    d.addNamespace(this.switchNs);
    d.ip(this.switchNs, 'link', 'add', 'br0', 'type', 'bridge');
    d.ip(this.switchNs, 'link', 'set', 'br0', 'up');
    const join = (ns: string, port: string, iface: string, address: string) => {
      d.addNamespace(ns);
      d.ip(this.switchNs, 'link', 'add', port, 'type', 'veth', 'peer', 'name', iface, 'netns', ns);
      d.ip(this.switchNs, 'link', 'set', port, 'master', 'br0', 'up');
      d.ip(ns, 'addr', 'add', `${address}/24`, 'dev', iface);
      d.ip(ns, 'link', 'set', iface, 'up');
    };

    for (const [i, name] of NAMES.entries()) {
      const hostDir = path.join(hosts, name);
      const keepalived = fs.readFileSync(path.join(hostDir, 'keepalived.conf'), 'utf8');
      const iface = /^\s*interface\s+(\S+)/m.exec(keepalived)?.[1];
      if (!iface) throw new Error(`${name}: no interface in the generated keepalived.conf`);
      const dir = path.join(d.dir, name);
      const rootfs = path.join(dir, 'root');
      fs.mkdirSync(rootfs, { recursive: true, mode: 0o755 });
      const master: DrillMaster = {
        name,
        address: ADDRESSES[i] as string,
        ns: `${this.tag}-m${i + 1}`,
        iface,
        port: `m${i + 1}`,
        dir,
        rootfs,
        haproxyStats: path.join(dir, 'haproxy-stats.sock'),
        unit: { execStartPre: [], execStop: [], restartMs: 100 },
        etcdArgs: [],
        apiserverArgs: [],
      };
      join(master.ns, master.port, iface, master.address);
      this.installHostFiles(master, hostDir);
      this.masters.push(master);
    }
    this.keepalivedConf = fs.readFileSync(path.join(hosts, NAMES[0], 'keepalived.conf'), 'utf8');
    this.haproxyCfg = fs.readFileSync(path.join(hosts, NAMES[0], 'haproxy.cfg'), 'utf8');
    this.makePki(hosts);

    this.clientNs = `${this.tag}-c`;
    join(this.clientNs, 'c', 'eth0', CLIENT_ADDRESS);
  }

  /** Copies a master's generated files with their paths moved into its directory. */
  private installHostFiles(m: DrillMaster, hostDir: string): void {
    const moves: [string, string][] = [
      ['/etc/keepalived/', `${m.dir}/`],
      ['/etc/haproxy/', `${m.dir}/`],
      ['/var/run/haproxy/', `${m.dir}/run/`],
      ['/run/haproxy/', `${m.dir}/run/`],
      ['/run/platform-blueprint/', `${m.dir}/run/`],
      ['/etc/kubernetes/', `${m.rootfs}/etc/kubernetes/`],
    ];
    fs.mkdirSync(path.join(m.dir, 'run'), { mode: 0o755 });
    for (const file of fs.readdirSync(hostDir)) {
      const from = path.join(hostDir, file);
      if (!fs.statSync(from).isFile() || file.startsWith('kubeadm-')) continue;
      let text = fs.readFileSync(from, 'utf8');
      for (const [a, b] of moves) {
        if (text.includes(a) && m.name === NAMES[0]) this.rewrites.push(`${file}: ${a}`);
        text = text.replaceAll(a, b);
      }
      if (file === 'haproxy.cfg') text = withStatsSocket(text, m.haproxyStats);
      fs.writeFileSync(path.join(m.dir, file), text, { mode: fs.statSync(from).mode & 0o777 });
    }
    // With VRRPv2 + PASS: the operator's password file, and the pre-start check accepts it.
    if (fs.existsSync(path.join(m.dir, 'check-vrrp-auth.sh'))) {
      fs.writeFileSync(path.join(m.dir, 'vrrp-auth.conf'), `auth_pass ${VRRP_PASSWORD}\n`, { mode: 0o600 });
      execFileSync(path.join(m.dir, 'check-vrrp-auth.sh'), { stdio: 'pipe' });
    }
    let dropIn = fs.readFileSync(
      path.join(hostDir, 'haproxy.service.d', '10-platform-blueprint.conf'),
      'utf8',
    );
    for (const [a, b] of moves) dropIn = dropIn.replaceAll(a, b);
    m.unit = haproxyUnit(dropIn);
  }

  private kubeadm(rootfs: string, ...args: string[]): void {
    execFileSync(this.components.kubeadm, [...args, '--config=/kubeadm.yaml', `--rootfs=${rootfs}`], {
      stdio: 'pipe',
      timeout: 60_000,
    });
  }

  /** The PKI and the static pod command lines, by the real kubeadm (see the class comment). */
  private makePki(hosts: string): void {
    const init = fs.readFileSync(path.join(hosts, NAMES[0], 'kubeadm-init.yaml'), 'utf8');
    const first = this.masters[0] as DrillMaster;
    const shared = [
      'ca.crt',
      'ca.key',
      'sa.key',
      'sa.pub',
      'front-proxy-ca.crt',
      'front-proxy-ca.key',
      'etcd/ca.crt',
      'etcd/ca.key',
    ];
    for (const m of this.masters) {
      let config = init;
      if (m !== first) {
        const joinFile = YAML.parse(fs.readFileSync(path.join(hosts, m.name, 'kubeadm-join.yaml'), 'utf8'));
        const docs = YAML.parseAllDocuments(init);
        const initDoc = docs.find((doc) => doc.get('kind') === 'InitConfiguration');
        if (!initDoc) throw new Error('kubeadm-init.yaml has no InitConfiguration');
        initDoc.set('localAPIEndpoint', joinFile.controlPlane.localAPIEndpoint);
        initDoc.set('nodeRegistration', joinFile.nodeRegistration);
        config = docs.map((doc) => doc.toString()).join('---\n');
        for (const file of shared) {
          const to = path.join(m.rootfs, 'etc', 'kubernetes', 'pki', file);
          fs.mkdirSync(path.dirname(to), { recursive: true });
          fs.copyFileSync(path.join(first.rootfs, 'etc', 'kubernetes', 'pki', file), to);
        }
      }
      fs.writeFileSync(path.join(m.rootfs, 'kubeadm.yaml'), config);
      // The master's generated audit policy, where the playbook installs it (the API server's
      // --audit-policy-file); the audit log goes under the rootfs too (see local() below).
      const policy = path.join(m.rootfs, 'etc', 'kubernetes', 'audit', 'policy.yaml');
      fs.mkdirSync(path.dirname(policy), { recursive: true });
      fs.copyFileSync(path.join(hosts, m.name, 'audit-policy.yaml'), policy);
      fs.mkdirSync(path.join(m.rootfs, 'var', 'log', 'kubernetes', 'audit'), { recursive: true });
      this.kubeadm(m.rootfs, 'init', 'phase', 'certs', 'all');
      this.kubeadm(m.rootfs, 'init', 'phase', 'etcd', 'local');
      this.kubeadm(m.rootfs, 'init', 'phase', 'control-plane', 'apiserver');
    }
    this.kubeadm(first.rootfs, 'init', 'phase', 'kubeconfig', 'admin');
    this.adminConf = path.join(first.rootfs, 'etc', 'kubernetes', 'admin.conf');

    const cluster = this.masters.map((m) => `${m.name}=https://${m.address}:2380`).join(',');
    for (const m of this.masters) {
      const local = (line: string) =>
        line
          .replaceAll('/etc/kubernetes/', `${m.rootfs}/etc/kubernetes/`)
          .replaceAll('/var/lib/etcd', `${m.rootfs}/var/lib/etcd`)
          .replaceAll('/var/log/kubernetes/', `${m.rootfs}/var/log/kubernetes/`);
      m.etcdArgs = manifestCommand(m.rootfs, 'etcd')
        .map(local)
        .map((arg) => (arg.startsWith('--initial-cluster=') ? `--initial-cluster=${cluster}` : arg));
      m.etcdArgs.push('--initial-cluster-state=new', `--initial-cluster-token=${this.tag}`);
      // The manifest is for kubeadm's etcd image (3.5), where Raft's pre-vote is on by default;
      // Debian's etcd 3.4 has it off, and then a member that was cut off rejoins with a higher
      // term and deposes the leader (measured: ~3 s without a leader, requests failing, after
      // the link came back). The drill runs 3.5's default.
      if (!m.etcdArgs.some((arg) => arg.startsWith('--pre-vote'))) m.etcdArgs.push('--pre-vote=true');
      m.apiserverArgs = manifestCommand(m.rootfs, 'kube-apiserver').map(local);
    }
  }

  /** Runs `command` in namespace `ns`; whether it succeeded, and what it printed. */
  async tryExec(
    ns: string,
    command: string,
    args: readonly string[],
    timeoutMs = 3000,
  ): Promise<{ ok: boolean; output: string }> {
    try {
      const { stdout } = await run('ip', ['netns', 'exec', ns, command, ...args], {
        encoding: 'utf8',
        timeout: timeoutMs,
      });
      return { ok: true, output: stdout };
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      return { ok: false, output: e.stderr || e.message };
    }
  }

  /** Runs `command` in namespace `ns` and returns its stdout ('' on failure). */
  async exec(ns: string, command: string, args: readonly string[], timeoutMs = 3000): Promise<string> {
    const result = await this.tryExec(ns, command, args, timeoutMs);
    return result.ok ? result.output : '';
  }

  etcdHealthy(m: DrillMaster): Promise<boolean> {
    return this.exec(m.ns, 'curl', ['-s', '--max-time', '1', 'http://127.0.0.1:2381/health']).then((out) =>
      out.includes('"health":"true"'),
    );
  }

  async etcdLeader(): Promise<DrillMaster | undefined> {
    for (const m of this.masters) {
      const metrics = await this.exec(m.ns, 'curl', [
        '-s',
        '--max-time',
        '1',
        'http://127.0.0.1:2381/metrics',
      ]);
      if (/^etcd_server_is_leader 1$/m.test(metrics)) return m;
    }
    return undefined;
  }

  apiserverReady(m: DrillMaster): Promise<boolean> {
    return this.exec(m.ns, 'curl', ['-sk', '--max-time', '1', 'https://127.0.0.1:6443/readyz']).then(
      (out) => out.trim() === 'ok',
    );
  }

  startEtcd(m: DrillMaster): void {
    m.etcd = this.daemons.start(this.components.etcd, m.etcdArgs, m.ns);
  }

  async startApiserver(m: DrillMaster, timeoutMs = 120_000): Promise<number> {
    m.apiserver = this.daemons.start(this.components.kubeApiserver, m.apiserverArgs, m.ns);
    return waitFor(`${m.name}'s kube-apiserver to be ready`, () => this.apiserverReady(m), timeoutMs, 250);
  }

  startHaproxy(m: DrillMaster): void {
    m.haproxy = this.daemons.start(HAPROXY, ['-db', '-f', path.join(m.dir, 'haproxy.cfg')], m.ns);
  }

  startKeepalived(m: DrillMaster): void {
    m.keepalived = this.daemons.start(KEEPALIVED, keepalivedArgs(m.dir), m.ns);
  }

  /** Runs the drop-in's command lines in `m`'s namespace, with `env` added; their output, joined. */
  private async runUnitCommands(
    m: DrillMaster,
    commands: string[][],
    env: Record<string, string>,
  ): Promise<string> {
    const out: string[] = [];
    for (const [command, ...args] of commands) {
      const argv = ['netns', 'exec', m.ns, 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`)];
      try {
        const { stdout, stderr } = await run('ip', [...argv, command as string, ...args], {
          encoding: 'utf8',
          timeout: 15_000,
        });
        out.push(`${stdout}${stderr}`.trim());
      } catch (error) {
        const e = error as { stderr?: string; message: string };
        out.push(`FAILED ${command}: ${(e.stderr || e.message).trim()}`);
      }
    }
    return out.filter(Boolean).join('; ');
  }

  /**
   * `systemctl stop haproxy` as systemd does it with the generated drop-in: `ExecStop=` (the
   * hand-off script) with $MAINPID set, then Debian's KillSignal (SIGTERM) to HAProxy. Resolves
   * to what the hand-off printed and how long it took.
   */
  async stopHaproxyAsSystemd(m: DrillMaster): Promise<{ output: string; ms: number }> {
    const haproxy = m.haproxy as ChildProcess;
    const start = Date.now();
    // haproxy runs under `ip netns exec`, which execs it: the child's pid is HAProxy's.
    const output = await this.runUnitCommands(m, m.unit.execStop, { MAINPID: String(haproxy.pid) });
    const ms = Date.now() - start;
    await this.daemons.stop(haproxy, 'SIGTERM', 10_000);
    return { output, ms };
  }

  /**
   * HAProxy is killed (SIGKILL, as by the OOM killer) and systemd does what the drop-in says:
   * `ExecStop=` with $MAINPID unset (the main process is gone), `RestartSec=`, `ExecStartPre=`,
   * then the start. Resolves when HAProxy runs again, to what the hand-off printed.
   */
  async crashHaproxyAsSystemd(m: DrillMaster): Promise<string> {
    await this.daemons.stop(m.haproxy as ChildProcess, 'SIGKILL');
    const output = await this.runUnitCommands(m, m.unit.execStop, {});
    await sleep(m.unit.restartMs);
    await this.startHaproxyAsSystemd(m);
    return output;
  }

  /** `systemctl start haproxy`: `ExecStartPre=` (removes the hand-off's marker), then HAProxy. */
  async startHaproxyAsSystemd(m: DrillMaster): Promise<void> {
    await this.runUnitCommands(m, m.unit.execStartPre, {});
    this.startHaproxy(m);
  }

  /** Who holds the VIP, read from all namespaces in one shell so that the reads are milliseconds apart. */
  async holders(): Promise<string[]> {
    const script = this.masters
      .map((m) => `echo "== ${m.name}"; ip -n ${m.ns} -brief addr show dev ${m.iface}`)
      .join('; ');
    const { stdout } = await run('sh', ['-c', script], { encoding: 'utf8', timeout: 2000 });
    return stdout
      .split('== ')
      .filter((block) => block.includes(` ${VIP}/`))
      .map((block) => block.split('\n')[0] as string);
  }

  async soleHolder(): Promise<DrillMaster | undefined> {
    const now = await this.holders();
    return now.length === 1 ? this.masters.find((m) => m.name === now[0]) : undefined;
  }

  /** A running HAProxy's backend servers and their status, from its stats socket. */
  haproxyServers(m: DrillMaster): Promise<Record<string, string> | undefined> {
    return new Promise((resolve) => {
      const socket = net.connect(m.haproxyStats);
      let text = '';
      const timer = setTimeout(() => socket.destroy(), 1000);
      socket.on('connect', () => socket.write('show stat\n'));
      socket.on('data', (chunk) => {
        text += chunk;
      });
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearTimeout(timer);
        const [header, ...rows] = text.split('\n').filter(Boolean);
        if (!header?.startsWith('# ')) return resolve(undefined);
        const columns = header.slice(2).split(',');
        const at = (row: string[], name: string) => row[columns.indexOf(name)] ?? '';
        const servers: Record<string, string> = {};
        for (const row of rows.map((r) => r.split(','))) {
          // type 2 is a server (0 frontend, 1 backend, 3 listener)
          if (at(row, 'type') === '2')
            servers[`${at(row, 'pxname')}/${at(row, 'svname')}`] = at(row, 'status');
        }
        resolve(servers);
      });
    });
  }

  /** Samples the VIP's holders every {@link VIP_SAMPLE_MS} and every HAProxy's servers every 250 ms, until `stop()`. */
  startSampling(): void {
    this.sampling = true;
    this.samplers.push(
      (async () => {
        while (this.sampling) {
          const at = Date.now();
          try {
            this.vipSamples.push({ at, holders: await this.holders() });
          } catch {
            // a slow read (the machine is busy) is a missing sample, not a holder
          }
          await sleep(Math.max(0, VIP_SAMPLE_MS - (Date.now() - at)));
        }
      })(),
      (async () => {
        while (this.sampling) {
          const at = Date.now();
          for (const m of this.masters) {
            if (m.haproxy?.exitCode !== null || m.haproxy.signalCode !== null) continue;
            const servers = await this.haproxyServers(m);
            if (servers) this.statsSamples.push({ at, master: m.name, servers });
          }
          await sleep(Math.max(0, 250 - (Date.now() - at)));
        }
      })(),
    );
  }

  async startClient(readName: string, heartbeatName: string): Promise<void> {
    const admin = YAML.parse(fs.readFileSync(this.adminConf, 'utf8'));
    const decode = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');
    const server = new URL(admin.clusters[0].cluster.server as string);
    const config: ClientConfig = {
      host: server.hostname,
      port: Number(server.port),
      ca: decode(admin.clusters[0].cluster['certificate-authority-data']),
      cert: decode(admin.users[0].user['client-certificate-data']),
      key: decode(admin.users[0].user['client-key-data']),
      readName,
      heartbeatName,
    };
    const dir = path.join(this.daemons.dir, 'client');
    fs.mkdirSync(dir, { mode: 0o700 });
    fs.writeFileSync(path.join(dir, 'client.json'), JSON.stringify(config), { mode: 0o600 });
    fs.writeFileSync(path.join(dir, 'client.js'), CLIENT_SCRIPT);
    this.client = this.daemons.start(
      process.execPath,
      [path.join(dir, 'client.js'), path.join(dir, 'client.json')],
      this.clientNs,
    );
    await waitFor(
      'the client to open its watch and read through the VIP',
      () => {
        const events = this.clientEvents();
        return events.some((e) => e.k === 'watch-open') && events.some((e) => e.k === 'get' && e.ok);
      },
      20_000,
    );
  }

  clientEvents(): ClientEvent[] {
    return this.client ? parseClientOutput(this.daemons.output(this.client)) : [];
  }

  /** kubectl through the VIP with kubeadm's admin.conf, from the client namespace. */
  async kubectl(...args: string[]): Promise<{ ok: boolean; output: string }> {
    try {
      const { stdout, stderr } = await run(
        'ip',
        [
          'netns',
          'exec',
          this.clientNs,
          'kubectl',
          `--kubeconfig=${this.adminConf}`,
          `--cache-dir=${path.join(this.daemons.dir, 'kube-cache')}`,
          '--request-timeout=5s',
          ...args,
        ],
        { encoding: 'utf8', timeout: 15_000 },
      );
      return { ok: true, output: `${stdout}${stderr}` };
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; message: string };
      return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? e.message}` };
    }
  }

  /** Stops the samplers and the client, then every process, and removes the namespaces and files. */
  async cleanup(): Promise<void> {
    this.sampling = false;
    // PB_DEBUG=<dir>: every process's output, for reading after the run.
    const debug = process.env.PB_DEBUG;
    if (debug) {
      fs.mkdirSync(debug, { recursive: true });
      for (const m of this.masters)
        for (const component of ['etcd', 'apiserver', 'haproxy', 'keepalived'] as const) {
          const child = m[component];
          if (child)
            fs.writeFileSync(
              path.join(debug, `${m.name}-${component}.log`),
              this.daemons.output(child).join('\n'),
            );
        }
    }
    await Promise.all(this.samplers);
    if (this.client) await this.daemons.stop(this.client, 'SIGTERM', 5000);
    // keepalived first and gracefully, so that its VRRP child goes with it.
    await Promise.all(
      this.masters.map((m) => (m.keepalived ? this.daemons.stop(m.keepalived, 'SIGTERM', 3000) : undefined)),
    );
    await this.daemons.cleanup();
    this.project.dispose();
  }
}

/** The commands and restart delay of a haproxy.service drop-in (the subset the generator writes). */
export function haproxyUnit(dropIn: string): HaproxyUnit {
  const values = (key: string) =>
    [...dropIn.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((match) => (match[1] as string).trim());
  const commands = (key: string) =>
    values(key)
      .filter(Boolean)
      .map((line) => line.replace(/^-/, '').split(/\s+/));
  const restart = values('RestartSec').pop() ?? '100ms';
  const match = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(restart);
  if (!match) throw new Error(`haproxy drop-in: RestartSec=${restart} is not understood by the drill`);
  const restartMs = Number(match[1]) * (match[2] === 'ms' ? 1 : 1000);
  return { execStartPre: commands('ExecStartPre'), execStop: commands('ExecStop'), restartMs };
}

/** The command line of the static pod manifest kubeadm wrote for `component`. */
function manifestCommand(rootfs: string, component: string): string[] {
  const manifest = YAML.parse(
    fs.readFileSync(path.join(rootfs, 'etc', 'kubernetes', 'manifests', `${component}.yaml`), 'utf8'),
  );
  const command = manifest.spec.containers[0].command as string[];
  return command.slice(1);
}

/** haproxy.cfg with a stats socket at `socket`: the generated one moved there, or one added to `global`. */
function withStatsSocket(config: string, socket: string): string {
  if (/^\s*stats socket\s/m.test(config)) return config.replace(/^(\s*stats socket\s+)\S+/m, `$1${socket}`);
  return config.replace(/^global\n/m, `global\n    stats socket ${socket} mode 600 level user\n`);
}
