import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TempProject } from '../support/cli';
import { describeNeeding } from '../support/requirements';
import {
  Daemons,
  HAPROXY,
  KEEPALIVED,
  keepalivedArgs,
  netnsUnavailable,
  sleep,
  vipPath,
  waitFor,
} from './daemons';

/**
 * The generated keepalived.conf, check scripts and haproxy.cfg of three masters, run by the real
 * keepalived and HAProxy in three network namespaces joined by a bridge (in a fourth namespace),
 * each with a stand-in kube-apiserver. Addresses are TEST-NET-1 (192.0.2.0/24) and exist only in
 * these namespaces. The masters' NICs have Debian's predictable names, one of them its own
 * (controlPlane.masters[].interface). The only rewrite is the directory of the check scripts and
 * password file (/etc/keepalived -> a temporary directory per master).
 *
 * The design under test: the VIP moves once per failure, and only when that helps. An API
 * server that stops moves nothing (HAProxy routes around it), nor do all of them stopping; a
 * HAProxy or keepalived that stops, or a host that dies, moves the VIP once, and a master that
 * recovers does not take it back (nopreempt).
 */
const unavailable = netnsUnavailable();
const describeNetns = (name: string, body: () => void) => describeNeeding(name, [unavailable], body);
if (unavailable !== undefined) {
  console.warn(`SKIPPED test/hosts/vrrp-failover.test.ts: ${unavailable}`);
}

const MASTERS = ['vm-1', 'vm-2', 'vm-3'];
/** Each master's NIC: the default of controlPlane.interface, and vm-3's own. */
const INTERFACES = ['ens18', 'ens18', 'enp1s0'];
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
  interface: ens18
  virtualRouterId: 199
  # VRRPv2 with the PASS password file: this test keeps that path running with the real daemons
  # (the template's VRRPv3 runs in the HA drill, test/hosts/ha-drill.test.ts).
  loadBalancer: { vrrpVersion: 2, advertIntervalSeconds: 1, authentication: { type: pass } }
  masters:
${MASTERS.map((name, i) => `    - { name: ${name}, address: ${ADDRESSES[i]}${i === 2 ? `, interface: ${INTERFACES[i]}` : ''} }`).join('\n')}
`;

/**
 * The stand-in API servers' shutdown delay, as the generated kubeadm configuration gives
 * kube-apiserver (--shutdown-delay-duration 5 s): longer than HAProxy needs to mark a server
 * that fails /readyz down (inter 2 s, then fastinter 1 s, fall 3: at most 4 s).
 */
const SHUTDOWN_DELAY_MS = 5000;

/**
 * Milliseconds after which the client gives up on a request. A connection that the holder had
 * accepted just before the VIP left it is black-holed: that master can no longer send from the
 * VIP, and a client that has sent its request and waits for the answer sends nothing that the
 * new holder could reset, so only the client's own deadline ends the request (or the VIP coming
 * back to that master, as when vm-1 preempts).
 */
const REQUEST_DEADLINE_MS = 5000;

/**
 * Requests https://VIP:8443/version in a loop, one new connection each, and prints one JSON line
 * per request. Every request ends within REQUEST_DEADLINE_MS, by a timer of its own: Node's
 * socket `timeout` option measured here fired only after about twice its value for such a
 * request, and a request that never ends is missing from the record instead of failing. On
 * SIGTERM the client sends no new request and exits once the one in flight has ended.
 */
const CLIENT = `
const https = require('node:https');
const [host, port, deadlineMs] = process.argv.slice(2);
let stopping = false;
let inFlight = false;
process.on('SIGTERM', () => { stopping = true; if (!inFlight) process.exit(0); });
function once() {
  const start = Date.now();
  inFlight = true;
  let done = false;
  const finish = (result) => {
    if (done) return;
    done = true;
    clearTimeout(deadline);
    inFlight = false;
    console.log(JSON.stringify({ start, end: Date.now(), ...result }));
    if (stopping) process.exit(0);
    setTimeout(once, 20);
  };
  const req = https.get({ host, port: Number(port), path: '/version', rejectUnauthorized: false, agent: false }, (res) => {
    let body = '';
    res.on('data', (c) => { body += c; });
    res.on('end', () => finish({ server: body }));
    res.on('error', (e) => finish({ error: e.message }));
  });
  req.on('error', (e) => finish({ error: e.message }));
  const deadline = setTimeout(() => {
    req.destroy(new Error('timeout'));
    finish({ error: 'timeout' });
  }, Number(deadlineMs));
}
once();
`;

/** How often each value occurs. */
function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

interface Master {
  readonly name: string;
  readonly ns: string;
  readonly dir: string;
  /** Its NIC on the bridge. */
  readonly nic: string;
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
  const measured: Record<string, number | string> = {};
  /**
   * Times in which requests through the VIP are expected to fail, besides the instant of a
   * hand-over: a holder whose HAProxy died refuses connections until the VIP has moved, and
   * with every API server down nothing answers.
   */
  const disruptions: { what: string; from: number; to: number }[] = [];
  /** The master whose HAProxy the HAProxy test stopped. */
  let haproxyStoppedOn: Master | undefined;
  /** Times in which no request through the VIP may fail at all. */
  const undisturbed: { what: string; from: number; to: number }[] = [];

  /** Who holds the VIP, read from all namespaces in one shell so that the reads are milliseconds apart. */
  const holders = (): string[] => {
    const script = masters
      .map((m) => `echo "== ${m.name}"; ip -n ${m.ns} -brief addr show dev ${m.nic}`)
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
      const nic = INTERFACES[i] as string;
      daemons.addNamespace(ns);
      daemons.ip(sw, 'link', 'add', `m${i + 1}`, 'type', 'veth', 'peer', 'name', nic, 'netns', ns);
      daemons.ip(sw, 'link', 'set', `m${i + 1}`, 'master', 'br0', 'up');
      daemons.ip(ns, 'addr', 'add', `${ADDRESSES[i]}/24`, 'dev', nic);
      daemons.ip(ns, 'link', 'set', nic, 'up');
      const dir = path.join(daemons.dir, name);
      fs.mkdirSync(dir, { mode: 0o755 });
      const hostDir = project.path('out', 'vrrp', 'hosts', name);
      const files = [
        'keepalived.conf',
        'check-apiserver.sh',
        'check-interface.sh',
        'check-vrrp-auth.sh',
        'haproxy.cfg',
      ];
      for (const file of files) {
        const text = fs
          .readFileSync(path.join(hostDir, file), 'utf8')
          .replaceAll('/etc/keepalived/', `${dir}/`);
        fs.writeFileSync(path.join(dir, file), text, {
          mode: fs.statSync(path.join(hostDir, file)).mode & 0o777,
        });
      }
      // The operator's host-local password file; the test's password is not a secret.
      fs.writeFileSync(path.join(dir, 'vrrp-auth.conf'), 'auth_pass pbvrrp01\n', { mode: 0o600 });
      masters.push({ name, ns, dir, nic });
    });

    for (const m of masters) {
      // The pre-start checks the systemd drop-in runs accept the interface and the password file.
      execFileSync('ip', ['netns', 'exec', m.ns, path.join(m.dir, 'check-interface.sh')]);
      execFileSync(path.join(m.dir, 'check-vrrp-auth.sh'));
      m.apiserver = await startMasterApiServer(m);
      m.haproxy = startHaproxy(m);
    }
    for (const m of masters) m.keepalived = startKeepalived(m);
    sampling = true;
    sampler = (async () => {
      while (sampling) {
        samples.push({ at: Date.now(), holders: holders() });
        await sleep(100);
      }
    })();

    // The client measures hand-overs, not the cold start: until the first master's master-down
    // timer (3 adverts + skew, ~3 s after keepalived starts) runs out nobody answers ARP for the
    // VIP, and the client's kernel fails its connect with EHOSTUNREACH once its 3 ARP probes
    // (1 s apart) have gone unanswered. A client started right after keepalived lost that race
    // whenever keepalived took longer to come up than the client.
    await waitFor('a master to take the VIP', () => soleHolder() !== undefined, 15000);

    // A client on the same segment, opening a new connection to VIP:8443 for every request.
    const clientNs = `${tag}-c`;
    daemons.addNamespace(clientNs);
    daemons.ip(sw, 'link', 'add', 'c', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', clientNs);
    daemons.ip(sw, 'link', 'set', 'c', 'master', 'br0', 'up');
    daemons.ip(clientNs, 'addr', 'add', '192.0.2.50/24', 'dev', 'eth0');
    daemons.ip(clientNs, 'link', 'set', 'eth0', 'up');
    const clientScript = path.join(daemons.dir, 'client.js');
    fs.writeFileSync(clientScript, CLIENT);
    client = daemons.start(
      process.execPath,
      [clientScript, VIP, '8443', String(REQUEST_DEADLINE_MS)],
      clientNs,
    );
  }, 60000);

  /** The master's stand-in apiserver, with the shutdown delay of kube-apiserver. */
  function startMasterApiServer(m: Master): Promise<ChildProcess> {
    return daemons.startApiServer(m.name, '0.0.0.0', 6443, m.ns, SHUTDOWN_DELAY_MS);
  }

  /** Stops a stand-in gracefully, as kubelet stops kube-apiserver; it exits after its shutdown delay. */
  function stopApiServer(m: Master): Promise<void> {
    return daemons.stop(m.apiserver as ChildProcess, 'SIGTERM', SHUTDOWN_DELAY_MS + 5000);
  }

  function startHaproxy(m: Master): ChildProcess {
    return daemons.start(HAPROXY, ['-db', '-f', path.join(m.dir, 'haproxy.cfg')], m.ns);
  }

  const keepalivedLines = (m: Master, pattern: RegExp) =>
    daemons.output(m.keepalived as ChildProcess).filter((line) => pattern.test(line)).length;

  /** The master that holds the VIP alone now. */
  const holder = (): Master => {
    const name = soleHolder();
    const m = masters.find((x) => x.name === name);
    if (!m) throw new Error(`no sole holder of the VIP (holders: ${holders().join(', ') || 'none'})`);
    return m;
  };
  /** The master with the highest priority (the earliest in MASTERS) among `candidates`. */
  const firstOf = (candidates: Master[]): string => (candidates[0] as Master).name;

  function startKeepalived(m: Master): ChildProcess {
    return daemons.start(KEEPALIVED, keepalivedArgs(m.dir), m.ns);
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

  /** The holders since `since` (see {@link vipPath}). */
  const history = (since: number): string[] => vipPath(samples, since);

  it('puts the VIP on exactly one master, and keeps it there', async () => {
    // Three keepalived started at once, all BACKUP: the first whose master-down timer runs out
    // takes the VIP. That is vm-1 (highest priority, shortest timer) unless its keepalived came
    // up a few hundred ms late on a loaded machine; without preemption the VIP then stays where
    // it went. Either way exactly one master holds it, and keeps it.
    await waitFor('one master to hold the VIP alone', () => soleHolder() !== undefined, 15000);
    const first = holder().name;
    measured['first holder'] = first;
    const steadyFrom = Date.now();
    await sleep(3000);
    expect(history(steadyFrom)).toEqual([first]);
  }, 30000);

  it("does not move the VIP when the holder's apiserver stops: HAProxy routes around it", async () => {
    const h = holder();
    const from = Date.now();
    const downs = daemons.output(h.haproxy as ChildProcess).length;
    // A graceful stop, as kubelet stops kube-apiserver: /readyz fails at once, it serves for its
    // shutdown delay while every HAProxy takes it out, then it exits.
    const stopped = stopApiServer(h);
    const markedDown = await waitFor(
      `HAProxy on ${h.name} to mark ${h.name} down`,
      () =>
        daemons
          .output(h.haproxy as ChildProcess)
          .slice(downs)
          .some((l) => l.includes(`${h.name} is DOWN`)),
      10000,
      50,
    );
    measured["apiserver stopped -> marked down by the holder's HAProxy (ms)"] = markedDown;
    await stopped;
    // Longer than keepalived needs to act on a failing check (interval 1 s, fall 2).
    await sleep(4000);
    h.apiserver = await startMasterApiServer(h);
    await waitFor(
      `HAProxy on ${h.name} to take ${h.name} back`,
      () =>
        daemons
          .output(h.haproxy as ChildProcess)
          .slice(downs)
          .some((l) => l.includes(`${h.name} is UP`)),
      15000,
      50,
    );
    await sleep(2000);
    undisturbed.push({ what: `${h.name}'s apiserver stopped and back`, from, to: Date.now() });
    expect(history(from)).toEqual([h.name]);
    expect(markedDown).toBeLessThan(SHUTDOWN_DELAY_MS);
  }, 40000);

  it('does not move the VIP when every apiserver is down: no master would do better', async () => {
    const h = holder();
    const from = Date.now();
    const before = daemons.output(h.haproxy as ChildProcess).length;
    await Promise.all(masters.map((m) => daemons.stop(m.apiserver as ChildProcess, 'SIGKILL')));
    await waitFor(
      `HAProxy on ${h.name} to have no API server left`,
      () =>
        daemons
          .output(h.haproxy as ChildProcess)
          .slice(before)
          .some((l) => /has no server available/.test(l)),
      15000,
      50,
    );
    // Every master's chk_apiservers fails (each loses the same weight); nobody takes over.
    await sleep(4000);
    for (const m of masters) m.apiserver = await startMasterApiServer(m);
    await waitFor(
      `HAProxy on ${h.name} to have every API server back`,
      () =>
        masters.every((m) =>
          daemons
            .output(h.haproxy as ChildProcess)
            .slice(before)
            .some((l) => l.includes(`${m.name} is UP`)),
        ),
      20000,
      50,
    );
    await sleep(1000);
    disruptions.push({ what: 'every apiserver down', from, to: Date.now() });
    expect(history(from)).toEqual([h.name]);
  }, 60000);

  it("moves the VIP once, within 5 s, when the holder's HAProxy stops", async () => {
    const h = holder();
    const next = firstOf(masters.filter((m) => m !== h));
    const from = Date.now();
    await daemons.stop(h.haproxy as ChildProcess);
    haproxyStoppedOn = h;
    const took = await waitFor(`the VIP to move to ${next}`, () => soleHolder() === next, 5000, 50);
    measured['HAProxy stopped -> VIP moved (ms)'] = took;
    disruptions.push({ what: `${h.name}'s HAProxy stopped`, from, to: from + took });
    await sleep(3000);
    expect(history(from)).toEqual([h.name, next]);
    expect(took).toBeLessThan(5000);
  }, 30000);

  it('does not move the VIP back when that HAProxy returns (nopreempt)', async () => {
    const old = haproxyStoppedOn as Master;
    const h = holder();
    const from = Date.now();
    const backups = keepalivedLines(old, /Entering BACKUP STATE/);
    old.haproxy = startHaproxy(old);
    // Its checks pass again (rise 2): it leaves FAULT for BACKUP, and stays there.
    const recovered = await waitFor(
      `${old.name} to leave FAULT`,
      () => keepalivedLines(old, /Entering BACKUP STATE/) > backups,
      15000,
      50,
    );
    measured['HAProxy back -> BACKUP again (ms)'] = recovered;
    await sleep(5000);
    expect(history(from)).toEqual([h.name]);
  }, 30000);

  it('moves the VIP once, within 5 s, when the holder stops keepalived', async () => {
    const h = holder();
    const next = firstOf(masters.filter((m) => m !== h));
    const from = Date.now();
    await daemons.stop(h.keepalived as ChildProcess);
    const took = await waitFor(`the VIP to move to ${next}`, () => soleHolder() === next, 5000, 50);
    measured['keepalived stopped -> VIP moved (ms)'] = took;
    await sleep(3000);
    expect(history(from)).toEqual([h.name, next]);
    expect(took).toBeLessThan(5000);
    // It comes back as a backup and leaves the VIP where it is.
    const back = Date.now();
    h.keepalived = startKeepalived(h);
    await waitFor(
      `${h.name}'s keepalived to run as BACKUP`,
      () => keepalivedLines(h, /Entering BACKUP STATE/) > 0,
      10000,
    );
    await sleep(5000);
    expect(history(back)).toEqual([next]);
  }, 40000);

  it('moves the VIP once, within 5 s, when the holding host dies (link cut, daemons killed)', async () => {
    const h = holder();
    const next = firstOf(masters.filter((m) => m !== h));
    const from = Date.now();
    execFileSync('ip', ['-n', `${tag}-sw`, 'link', 'set', `m${masters.indexOf(h) + 1}`, 'down']);
    await Promise.all([
      daemons.stop(h.keepalived as ChildProcess, 'SIGKILL'),
      daemons.stop(h.haproxy as ChildProcess, 'SIGKILL'),
      daemons.stop(h.apiserver as ChildProcess, 'SIGKILL'),
    ]);
    daemonsIp(h.ns, 'addr', 'flush', 'dev', h.nic);
    const took = await waitFor(`${next} to take the VIP`, () => soleHolder() === next, 5000);
    measured['host died -> VIP moved (ms)'] = took;
    await sleep(2000);
    expect(history(from)).toEqual([h.name, next]);
    expect(took).toBeLessThan(5000);
  }, 40000);

  it('through the VIP, fails no request except around a hand-over or while nothing can serve', async () => {
    // The request in flight ends (by its deadline at the latest) before the record is read.
    await daemons.stop(client as ChildProcess, 'SIGTERM', REQUEST_DEADLINE_MS + 5000);
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
    // When the VIP changed hands: from the last sample with the old holder alone to the first
    // with the new one alone.
    const handOvers: { from: number; to: number }[] = [];
    let last = '';
    let lastSeen = 0;
    for (const sample of samples) {
      if (sample.holders.length !== 1) continue;
      const label = sample.holders[0] as string;
      if (label !== last && last !== '') handOvers.push({ from: lastSeen, to: sample.at });
      last = label;
      lastSeen = sample.at;
    }
    const failed = requests.filter((r) => r.error !== undefined);
    const overlaps = (r: ClientRequest, w: { from: number; to: number }, slackMs: number) =>
      r.start <= w.to + slackMs && r.end >= w.from - slackMs;
    const inDisruption = failed.filter((r) => disruptions.some((d) => overlaps(r, d, 1500)));
    const others = failed.filter((r) => !inDisruption.includes(r));
    measured['client requests'] = requests.length;
    measured['client requests failed while a holder had no HAProxy or no apiserver was up'] =
      inDisruption.length;
    measured['client requests failed otherwise'] = others.length;
    console.info(
      `client through the VIP: ${requests.length} requests, ${failed.length} failed (${JSON.stringify(countBy(failed.map((r) => r.error as string)))}), ${handOvers.length} hand-overs`,
    );
    // The client ran through the hand-overs: there were three while it ran (HAProxy stopped,
    // keepalived stopped, host died), and it had a request in flight around each. Its rate is the
    // machine's: a black-holed request takes this one-at-a-time client out for its deadline.
    expect(requests.length).toBeGreaterThan(100);
    const whileClientRan = handOvers.filter((h) => h.to > (requests[0]?.start ?? Number.POSITIVE_INFINITY));
    expect(whileClientRan.length).toBe(3);
    for (const h of whileClientRan) {
      const seen = requests.some((r) => overlaps(r, h, 1500));
      expect({ handOver: h, clientSawIt: seen }).toEqual({ handOver: h, clientSawIt: true });
    }
    // An apiserver that stops and comes back, even on the holder, fails nothing.
    for (const w of undisturbed) {
      expect({ window: w.what, failed: failed.filter((r) => overlaps(r, w, 0)) }).toEqual({
        window: w.what,
        failed: [],
      });
    }
    // A connection lives on the master that held the VIP when it was opened; when the VIP moves,
    // the request in flight on it is cut: reset by the new holder when the client sends more,
    // else black-holed until the client's deadline. While a dead holder's VIP has no new holder
    // yet (about 3 s) a new connection cannot be made. Clients retry such requests (kubectl and
    // client-go do). Everything else must succeed: every other failure overlaps a hand-over, and
    // there are few (this client sends one request at a time).
    expect(others.length).toBeLessThanOrEqual(2 * handOvers.length);
    // "Near" allows for the sampling: on a loaded 2-core CI machine the samples lag by up to a
    // second. No more is needed after a take-over: the new master's gratuitous ARP rewrites the
    // client's neighbour entry for the VIP at once, so a connect after the take-over reaches the
    // new holder.
    for (const r of others) {
      const near = handOvers.some((h) => overlaps(r, h, 1500));
      expect({ request: r, nearHandOver: near, handOvers }).toEqual({
        request: r,
        nearHandOver: true,
        handOvers,
      });
    }
  }, 30000);

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
