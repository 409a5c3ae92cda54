import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { selfSignedCertificateCommand } from '../../cli/rehearsal/self-signed-certificate';

/**
 * Helpers for the tests that run the generated host files with the real daemons: stand-in
 * API servers, HAProxy, keepalived, and network namespaces that hold their addresses. Every
 * process and namespace is tracked so that `cleanup()` removes them even after a failure.
 */

/** Why namespace tests cannot run here, or undefined when they can (root and `ip` present). */
export function netnsUnavailable(): string | undefined {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return 'network-namespace tests need root (they create namespaces, veths and a bridge)';
  }
  if (!hasCommand('ip')) return 'network-namespace tests need the `ip` command (iproute2)';
  return undefined;
}

export function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The daemon binaries as installed by the Debian packages (.ci/run installs them). */
export const HAPROXY = hasCommand('haproxy') ? 'haproxy' : '/usr/sbin/haproxy';
export const KEEPALIVED = hasCommand('keepalived') ? 'keepalived' : '/usr/sbin/keepalived';

/**
 * keepalived's command line for a test: in the foreground, logging to the console, only the
 * VRRP process (the checker process would need `virtual_server`s), with its configuration and
 * pid files in `dir` (keepalived.conf as generated, moved there).
 */
export function keepalivedArgs(dir: string): string[] {
  return [
    '--dont-fork',
    '--log-console',
    '--no-syslog',
    '--vrrp',
    '--use-file',
    path.join(dir, 'keepalived.conf'),
    '-p',
    path.join(dir, 'keepalived.pid'),
    '-r',
    path.join(dir, 'vrrp.pid'),
    '-c',
    path.join(dir, 'checkers.pid'),
  ];
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` every `stepMs` until it holds; throws after `timeoutMs` with `what`. */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  stepMs = 100,
): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await condition()) return Date.now() - start;
    if (Date.now() - start > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(stepMs);
  }
}

/** A directory that keepalived's script security accepts (not writable by others) and that `nobody` can read. */
export function makeTempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755);
  return dir;
}

/** A self-signed certificate and key for the stand-in API servers, generated now (never committed). */
export function makeCertificate(dir: string): { cert: string; key: string } {
  const cert = path.join(dir, 'apiserver.crt');
  const key = path.join(dir, 'apiserver.key');
  const [openssl, ...args] = selfSignedCertificateCommand({
    commonName: 'kube-apiserver-stand-in',
    days: 1,
    keyFile: key,
    certFile: cert,
  });
  execFileSync(openssl as string, args, { stdio: 'ignore' });
  return { cert, key };
}

/**
 * A stand-in kube-apiserver: HTTPS, `GET /healthz` and `/readyz` answer `ok`, every other path
 * answers the server's name. On SIGTERM it fails /readyz, keeps serving for its shutdown delay,
 * then stops accepting connections and exits when the requests in flight are done, like
 * kube-apiserver's graceful shutdown. SIGUSR2 toggles a slow /readyz (a slow etcd).
 */
const STAND_IN = `
const https = require('node:https');
const fs = require('node:fs');
const [name, host, port, cert, key, delay, slowMs] = process.argv.slice(2);
let stopping = false;
let slow = false;
const server = https.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) }, (req, res) => {
  res.setHeader('connection', 'close');
  if (req.url === '/readyz' && stopping) {
    res.statusCode = 503;
    return res.end('[-]shutdown failed');
  }
  const answer = () => res.end(req.url === '/healthz' || req.url === '/readyz' ? 'ok' : name);
  // A slow etcd: kube-apiserver's etcd checks in /readyz take up to their 2 s timeout.
  if (req.url === '/readyz' && slow) return setTimeout(answer, Number(slowMs || 2500));
  answer();
});
// SIGUSR2 toggles a slow /readyz.
process.on('SIGUSR2', () => { slow = !slow; console.log((slow ? 'slow ' : 'fast ') + name); });
server.listen(Number(port), host, () => console.log('listening ' + name));
// As kube-apiserver's graceful termination: /readyz fails at once, requests are still served
// for the shutdown delay (--shutdown-delay-duration), then it stops accepting, lets connections
// already accepted finish, and exits. Every response closes its connection.
process.on('SIGTERM', () => {
  stopping = true;
  setTimeout(() => {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  }, Number(delay || 0));
});
`;

/** Tracks every process and namespace a test starts, and removes them all. */
export class Daemons {
  public readonly dir: string;
  private readonly processes = new Set<ChildProcess>();
  private readonly namespaces: string[] = [];
  private readonly logs = new Map<ChildProcess, string[]>();
  private readonly standIn: string;
  private readonly tls: { cert: string; key: string };

  constructor(prefix: string) {
    this.dir = makeTempDir(prefix);
    this.standIn = path.join(this.dir, 'stand-in-apiserver.js');
    fs.writeFileSync(this.standIn, STAND_IN);
    this.tls = makeCertificate(this.dir);
  }

  /** Starts `command` (in namespace `ns` when given); its output is kept for `output()`. */
  start(command: string, args: readonly string[], ns?: string): ChildProcess {
    const [file, argv] = ns === undefined ? [command, args] : ['ip', ['netns', 'exec', ns, command, ...args]];
    const child = spawn(file, argv as string[], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    this.logs.set(child, lines);
    const collect = (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean));
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.processes.add(child);
    child.on('exit', () => this.processes.delete(child));
    return child;
  }

  /** Everything the process printed so far. */
  output(child: ChildProcess): string[] {
    return this.logs.get(child) ?? [];
  }

  /** Starts a stand-in API server listening on host:port; resolves once it listens. */
  /**
   * Starts a stand-in HTTPS apiserver. `shutdownDelayMs` is its --shutdown-delay-duration: how
   * long it keeps serving after SIGTERM while /readyz fails. @default 0
   */
  async startApiServer(
    name: string,
    host: string,
    port: number,
    ns?: string,
    shutdownDelayMs = 0,
  ): Promise<ChildProcess> {
    const child = this.start(
      process.execPath,
      [this.standIn, name, host, String(port), this.tls.cert, this.tls.key, String(shutdownDelayMs)],
      ns,
    );
    await waitFor(
      `stand-in apiserver ${name} to listen`,
      () => this.output(child).includes(`listening ${name}`),
      10000,
      50,
    );
    return child;
  }

  /** Sends `signal` and waits until the process has exited, at most `graceMs`; then SIGKILL. */
  async stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** Creates a network namespace with loopback up; removed by `cleanup()`. */
  addNamespace(name: string): void {
    execFileSync('ip', ['netns', 'add', name]);
    this.namespaces.push(name);
    this.ip(name, 'link', 'set', 'lo', 'up');
  }

  /** Runs `ip` inside namespace `ns`. */
  ip(ns: string, ...args: string[]): string {
    return execFileSync('ip', ['-n', ns, ...args], { encoding: 'utf8' });
  }

  /** Kills every process still running and deletes every namespace (and with it, its links). */
  async cleanup(): Promise<void> {
    await Promise.all([...this.processes].map((child) => this.stop(child, 'SIGKILL')));
    for (const ns of this.namespaces.reverse()) {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Runs `keepalived -t` on a master's generated files as they would sit on the host: in a fresh
 * network namespace that has a veth named `interfaceName`, with the files installed in
 * /etc/keepalived (a bind mount visible only inside that namespace's mount namespace) and the
 * operator's password file beside them. Returns keepalived's exit code and messages.
 */
export function keepalivedConfigTest(
  hostDir: string,
  interfaceName: string,
  passwordLine: string | undefined,
  nsName: string,
): { code: number; output: string } {
  const dir = makeTempDir('pb-kt-');
  try {
    for (const file of fs.readdirSync(hostDir)) {
      const from = path.join(hostDir, file);
      if (!fs.statSync(from).isFile()) continue;
      fs.copyFileSync(from, path.join(dir, file));
      fs.chmodSync(path.join(dir, file), fs.statSync(from).mode & 0o777);
    }
    if (passwordLine !== undefined)
      fs.writeFileSync(path.join(dir, 'vrrp-auth.conf'), `${passwordLine}\n`, { mode: 0o600 });
    execFileSync('ip', ['netns', 'add', nsName]);
    try {
      execFileSync('ip', [
        '-n',
        nsName,
        'link',
        'add',
        interfaceName,
        'type',
        'veth',
        'peer',
        'name',
        'peer0',
      ]);
      // `ip netns exec` gives the command its own mount namespace, so the bind mount stays inside.
      const script = fs.existsSync('/etc/keepalived')
        ? `mount --bind ${dir} /etc/keepalived && ${KEEPALIVED} -t -f /etc/keepalived/keepalived.conf`
        : `sed -i 's|/etc/keepalived/|${dir}/|g' ${dir}/keepalived.conf && ${KEEPALIVED} -t -f ${dir}/keepalived.conf`;
      const result = spawnSync('ip', ['netns', 'exec', nsName, 'sh', '-c', script], {
        encoding: 'utf8',
        timeout: 20000,
      });
      return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
    } finally {
      execFileSync('ip', ['netns', 'del', nsName]);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** One sample of which masters hold the VIP. */
export interface VipSample {
  readonly at: number;
  readonly holders: readonly string[];
}

/**
 * The VIP's holders from `from` (starting with the one just before it) until `to`: consecutive
 * repeats, moments without a holder (between one master releasing the VIP and the next taking
 * it) and moments with two (the instant of a hand-over) are dropped, so that any flap (a return
 * to an earlier holder) shows as an extra entry.
 */
export function vipPath(
  samples: readonly VipSample[],
  from: number,
  to = Number.POSITIVE_INFINITY,
): string[] {
  const sole = samples.filter((s) => s.holders.length === 1 && s.at < to);
  const before = sole.filter((s) => s.at < from).slice(-1);
  const out: string[] = [];
  for (const sample of [...before, ...sole.filter((s) => s.at >= from)]) {
    const label = sample.holders[0] as string;
    if (out[out.length - 1] !== label) out.push(label);
  }
  return out;
}
