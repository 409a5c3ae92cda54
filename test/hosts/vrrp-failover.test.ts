import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TempProject } from '../support/cli';
import { Daemons, HAPROXY, KEEPALIVED, netnsUnavailable, sleep, waitFor } from './daemons';

/**
 * The generated keepalived.conf, check script and haproxy.cfg of three masters, run by the real
 * keepalived and HAProxy in three network namespaces joined by a bridge (in a fourth namespace),
 * each with a stand-in kube-apiserver. Addresses are TEST-NET-1 (192.0.2.0/24) and exist only in
 * these namespaces. The only rewrite is the directory of the check script and password file
 * (/etc/keepalived -> a temporary directory per master).
 */
const unavailable = netnsUnavailable();
const describeNetns = unavailable === undefined ? describe : describe.skip;
if (unavailable !== undefined) {
  console.warn(`SKIPPED test/hosts/vrrp-failover.test.ts: ${unavailable}`);
}

const MASTERS = ['vm-1', 'vm-2', 'vm-3'];
const ADDRESSES = ['192.0.2.11', '192.0.2.12', '192.0.2.13'];
const VIP = '192.0.2.10';
const ENV = `template: idc-ha
kubernetesVersion: 1.28.15
cluster:
  kubeconfig:
    context: vrrp-admin@vrrp
controlPlane:
  vip: ${VIP}
  subnet: 192.0.2.0/24
  port: 8443
  apiServerPort: 6443
  interface: eth0
  virtualRouterId: 199
  masters:
${MASTERS.map((name, i) => `    - { name: ${name}, address: ${ADDRESSES[i]} }`).join('\n')}
`;

/** Requests https://VIP:8443/version in a loop, one new connection each, and prints one JSON line per request. */
const CLIENT = `
const https = require('node:https');
const [host, port] = process.argv.slice(2);
function once() {
  const start = Date.now();
  const req = https.get({ host, port: Number(port), path: '/version', rejectUnauthorized: false, agent: false, timeout: 10000 }, (res) => {
    let body = '';
    res.on('data', (c) => { body += c; });
    res.on('end', () => { console.log(JSON.stringify({ start, end: Date.now(), server: body })); setTimeout(once, 20); });
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', (e) => { console.log(JSON.stringify({ start, end: Date.now(), error: e.message })); setTimeout(once, 20); });
}
once();
`;

interface Master {
  readonly name: string;
  readonly ns: string;
  readonly dir: string;
  apiserver?: ChildProcess;
  haproxy?: ChildProcess;
  keepalived?: ChildProcess;
}

describeNetns('VRRP failover of the generated keepalived.conf (three namespaces, real keepalived)', () => {
  const tag = `pbv${process.pid % 100000}`;
  let daemons: Daemons;
  let project: TempProject;
  const masters: Master[] = [];
  /** Every sample of who holds the VIP, oldest first. */
  const samples: { at: number; holders: string[] }[] = [];
  let sampling = false;
  let sampler: Promise<void> | undefined;
  let client: ChildProcess | undefined;
  /** Measured hand-over times, printed at the end for the record (CI logs, docs). */
  const measured: Record<string, number> = {};

  /** Who holds the VIP, read from all namespaces in one shell so that the reads are milliseconds apart. */
  const holders = (): string[] => {
    const script = masters
      .map((m) => `echo "== ${m.name}"; ip -n ${m.ns} -brief addr show dev eth0`)
      .join('; ');
    const out = execFileSync('sh', ['-c', script], { encoding: 'utf8' });
    return out
      .split('== ')
      .filter((block) => block.includes(` ${VIP}/`))
      .map((block) => block.split('\n')[0] as string);
  };
  const daemonsIp = (ns: string, ...args: string[]) =>
    execFileSync('ip', ['-n', ns, ...args], { encoding: 'utf8' });
  const soleHolder = (): string | undefined => {
    const now = holders();
    return now.length === 1 ? now[0] : undefined;
  };

  beforeAll(async () => {
    daemons = new Daemons('pb-vrrp-');
    project = new TempProject({ withEnvironments: false });
    project.write('environments/vrrp.yaml', ENV);
    const synth = await project.run(['synth', '--env', 'vrrp', '--out', 'out']);
    if (synth.code !== 0) throw new Error(`synth failed (${synth.code}): ${synth.stderr}`);

    const sw = `${tag}-sw`;
    daemons.addNamespace(sw);
    daemons.ip(sw, 'link', 'add', 'br0', 'type', 'bridge');
    daemons.ip(sw, 'link', 'set', 'br0', 'up');
    MASTERS.forEach((name, i) => {
      const ns = `${tag}-m${i + 1}`;
      daemons.addNamespace(ns);
      daemons.ip(sw, 'link', 'add', `m${i + 1}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      daemons.ip(sw, 'link', 'set', `m${i + 1}`, 'master', 'br0', 'up');
      daemons.ip(ns, 'addr', 'add', `${ADDRESSES[i]}/24`, 'dev', 'eth0');
      daemons.ip(ns, 'link', 'set', 'eth0', 'up');
      const dir = path.join(daemons.dir, name);
      fs.mkdirSync(dir, { mode: 0o755 });
      const hostDir = project.path('out', 'vrrp', 'hosts', name);
      for (const file of ['keepalived.conf', 'check-apiserver.sh', 'check-vrrp-auth.sh', 'haproxy.cfg']) {
        const text = fs
          .readFileSync(path.join(hostDir, file), 'utf8')
          .replaceAll('/etc/keepalived/', `${dir}/`);
        fs.writeFileSync(path.join(dir, file), text, {
          mode: fs.statSync(path.join(hostDir, file)).mode & 0o777,
        });
      }
      // The operator's host-local password file; the test's password is not a secret.
      fs.writeFileSync(path.join(dir, 'vrrp-auth.conf'), 'auth_pass pbvrrp01\n', { mode: 0o600 });
      masters.push({ name, ns, dir });
    });

    for (const [i, m] of masters.entries()) {
      // The pre-start check the systemd drop-in runs accepts the password file.
      execFileSync(path.join(m.dir, 'check-vrrp-auth.sh'));
      m.apiserver = await daemons.startApiServer(m.name, '0.0.0.0', 6443, m.ns);
      m.haproxy = daemons.start(HAPROXY, ['-db', '-f', path.join(m.dir, 'haproxy.cfg')], m.ns);
      expect(i).toBeGreaterThanOrEqual(0);
    }
    for (const m of masters) m.keepalived = startKeepalived(m);

    // A client on the same segment, opening a new connection to VIP:8443 for every request.
    const clientNs = `${tag}-c`;
    daemons.addNamespace(clientNs);
    daemons.ip(sw, 'link', 'add', 'c', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', clientNs);
    daemons.ip(sw, 'link', 'set', 'c', 'master', 'br0', 'up');
    daemons.ip(clientNs, 'addr', 'add', '192.0.2.50/24', 'dev', 'eth0');
    daemons.ip(clientNs, 'link', 'set', 'eth0', 'up');
    const clientScript = path.join(daemons.dir, 'client.js');
    fs.writeFileSync(clientScript, CLIENT);
    client = daemons.start(process.execPath, [clientScript, VIP, '8443'], clientNs);

    sampling = true;
    sampler = (async () => {
      while (sampling) {
        samples.push({ at: Date.now(), holders: holders() });
        await sleep(100);
      }
    })();
  }, 60000);

  function startKeepalived(m: Master): ChildProcess {
    return daemons.start(
      KEEPALIVED,
      [
        '--dont-fork',
        '--log-console',
        '--no-syslog',
        '--vrrp',
        '-f',
        path.join(m.dir, 'keepalived.conf'),
        '-p',
        path.join(m.dir, 'keepalived.pid'),
        '-r',
        path.join(m.dir, 'vrrp.pid'),
      ],
      m.ns,
    );
  }

  afterAll(async () => {
    if (process.env.PB_DEBUG) {
      for (const m of masters) {
        for (const child of [m.keepalived, m.haproxy]) {
          if (child) console.log(m.name, daemons.output(child).slice(-40).join('\n'));
        }
      }
    }
    sampling = false;
    await sampler;
    console.info(`VRRP failover measurements: ${JSON.stringify(measured)}`);

    await daemons?.cleanup();
    project?.dispose();
  }, 30000);

  /**
   * The holders since `since`, starting with the one just before it: consecutive repeats and
   * moments without a holder (between one master releasing the VIP and the next taking it)
   * are dropped, so that any flap (a return to an earlier holder) shows as an extra entry.
   */
  function history(since: number): string[] {
    const before = samples.filter((s) => s.at < since).slice(-1);
    const out: string[] = [];
    for (const sample of [...before, ...samples.filter((s) => s.at >= since)]) {
      const label = sample.holders.join('+');
      if (label !== '' && out[out.length - 1] !== label) out.push(label);
    }
    return out;
  }

  it('puts the VIP on exactly one master: the first, which has the highest priority', async () => {
    await waitFor('one holder of the VIP', () => soleHolder() !== undefined, 15000);
    const steadyFrom = Date.now();
    await sleep(3000);
    expect(history(steadyFrom)).toEqual(['vm-1']);
  }, 30000);

  it("moves the VIP within 10 s when the holder's apiserver stops (track script), without flapping", async () => {
    const from = Date.now();
    await daemons.stop(masters[0]?.apiserver as ChildProcess);
    const took = await waitFor('the VIP to leave vm-1', () => soleHolder() === 'vm-2', 10000);
    measured['apiserver stopped -> VIP moved (ms)'] = took;
    await sleep(3000);
    // vm-2 has the next priority; vm-3 never takes the VIP, and vm-1 never gets it back.
    expect(history(from)).toEqual(['vm-1', 'vm-2']);
    expect(took).toBeLessThan(10000);
  }, 30000);

  it('moves the VIP within 5 s when the holder stops keepalived, without flapping', async () => {
    const from = Date.now();
    await daemons.stop(masters[1]?.keepalived as ChildProcess);
    const took = await waitFor('the VIP to leave vm-2', () => soleHolder() === 'vm-3', 5000);
    measured['keepalived stopped -> VIP moved (ms)'] = took;
    await sleep(3000);
    // vm-1 still fails its check (priority below vm-3's), so vm-3 is the healthiest master left.
    expect(history(from)).toEqual(['vm-2', 'vm-3']);
    expect(took).toBeLessThan(5000);
  }, 30000);

  it('moves the VIP within 5 s when the holding host dies (link cut, daemons killed)', async () => {
    // Bring vm-1 back to health and restart vm-2's keepalived first: vm-1 preempts (highest priority).
    const m1 = masters[0] as Master;
    const m2 = masters[1] as Master;
    m1.apiserver = await daemons.startApiServer(m1.name, '0.0.0.0', 6443, m1.ns);
    m2.keepalived = startKeepalived(m2);
    await waitFor('vm-1 to take the VIP back', () => soleHolder() === 'vm-1', 15000);
    await sleep(1500);
    const from = Date.now();
    execFileSync('ip', ['-n', `${tag}-sw`, 'link', 'set', 'm1', 'down']);
    await Promise.all([
      daemons.stop(m1.keepalived as ChildProcess, 'SIGKILL'),
      daemons.stop(m1.haproxy as ChildProcess, 'SIGKILL'),
      daemons.stop(m1.apiserver as ChildProcess, 'SIGKILL'),
    ]);
    daemonsIp(m1.ns, 'addr', 'flush', 'dev', 'eth0');
    const took = await waitFor('a live master to take the VIP', () => soleHolder() === 'vm-2', 5000);
    measured['host died -> VIP moved (ms)'] = took;
    await sleep(2000);
    expect(history(from)).toEqual(['vm-1', 'vm-2']);
    expect(took).toBeLessThan(5000);
  }, 40000);

  it('through the VIP, fails no request except around a hand-over', () => {
    interface ClientRequest {
      start: number;
      end: number;
      server?: string;
      error?: string;
    }
    const requests: ClientRequest[] = daemons
      .output(client as ChildProcess)
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line));
    // When the VIP changed hands: from the last sample with the old holder to the first with the new one.
    const handOvers: { from: number; to: number }[] = [];
    let last = '';
    let lastSeen = 0;
    for (const sample of samples) {
      const label = sample.holders.join('+');
      if (label === '') continue;
      if (label !== last && last !== '') handOvers.push({ from: lastSeen, to: sample.at });
      last = label;
      lastSeen = sample.at;
    }
    const failed = requests.filter((r) => r.error !== undefined);
    console.info(
      `client through the VIP: ${requests.length} requests, ${failed.length} failed (${failed.map((r) => r.error).join('; ')}), ${handOvers.length} hand-overs`,
    );
    expect(requests.length).toBeGreaterThan(300);
    expect(handOvers.length).toBeGreaterThanOrEqual(4);
    // A connection lives on the master that held the VIP when it was opened; when the VIP moves,
    // the request in flight on it is cut (TCP reset), and while a dead holder's VIP has no new
    // holder yet (about 3 s) a new connection cannot be made. Clients retry such requests
    // (kubectl and client-go do). Everything else must succeed: every failure overlaps a
    // hand-over, and there are few (this client sends one request at a time).
    expect(failed.length).toBeLessThanOrEqual(2 * handOvers.length);
    // "Near" allows one ARP resolution cycle (3 probes, 1 s apart) after the sampled take-over:
    // a connect that began while the client's neighbour entry for the VIP still pointed at the
    // dead holder waits out that cycle (EHOSTUNREACH) even though the new holder already
    // answers. On a loaded 2-core CI machine the samples themselves lag by up to a second.
    const ARP_CYCLE_MS = 3000;
    for (const r of failed) {
      const near = handOvers.some((h) => r.start <= h.to + ARP_CYCLE_MS + 1500 && r.end >= h.from - 1500);
      expect({ request: r, nearHandOver: near, handOvers }).toEqual({
        request: r,
        nearHandOver: true,
        handOvers,
      });
    }
  });

  it('never had two holders at once, beyond the instant of a hand-over', () => {
    // VRRP hands over by the new master announcing itself; the old one releases the VIP when
    // that advert arrives, milliseconds later. A single sample may catch that instant, and only
    // at a hand-over (different holders before and after); a real split brain lasts.
    expect(samples.length).toBeGreaterThan(100);
    samples.forEach((sample, i) => {
      if (sample.holders.length < 2) return;
      const prev = samples[i - 1]?.holders ?? [];
      const next = samples[i + 1]?.holders ?? [];
      expect(next.length).toBeLessThan(2);
      expect(prev.length).toBeLessThan(2);
      expect(prev.join()).not.toBe(next.join());
    });
  });
});
