import { type ChildProcess, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as path from 'node:path';
import { TempProject } from '../support/cli';
import { Daemons, HAPROXY, sleep, waitFor } from './daemons';

/**
 * prod's generated haproxy.cfg of master-1, run by the real HAProxy in front of three stand-in
 * HTTPS apiservers. The only rewrite: the masters' addresses and the ports (the stats listener's
 * too) become free loopback ports (and the privilege drop is left out when the test does not run
 * as root). Clients keep opening new connections while one apiserver goes away and comes back,
 * and while every apiserver answers /readyz slowly.
 */

/** The stand-ins' shutdown delay: kube-apiserver's --shutdown-delay-duration in the generated kubeadm configuration. */
const SHUTDOWN_DELAY_MS = 5000;

interface Outcome {
  readonly at: number;
  readonly server?: string;
  readonly error?: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** One request on a new connection, as a fresh kubectl would make. */
function request(port: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = https.get(
      { host: '127.0.0.1', port, path: '/version', rejectUnauthorized: false, agent: false, timeout: 5000 },
      (res) => {
        let body = '';
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () =>
          resolve(
            res.statusCode === 200
              ? { at: Date.now(), server: body }
              : { at: Date.now(), error: `HTTP ${res.statusCode}` },
          ),
        );
        res.on('error', (error) => resolve({ at: Date.now(), error: error.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => resolve({ at: Date.now(), error: error.message }));
  });
}

describe('HAProxy failover with the generated haproxy.cfg (real haproxy, stand-in apiservers)', () => {
  let daemons: Daemons;
  let project: TempProject;
  let haproxy: ChildProcess;
  let frontend: number;
  let stats: number;
  let checkScript: string;
  const ports = new Map<string, number>();
  const apiservers = new Map<string, ChildProcess>();
  const outcomes: Outcome[] = [];
  let running = false;
  let clients: Promise<void>[] = [];
  const measured: Record<string, number> = {};

  beforeAll(async () => {
    daemons = new Daemons('pb-haproxy-');
    project = new TempProject();
    const synth = await project.run(['synth', '--env', 'prod', '--out', 'out']);
    if (synth.code !== 0) throw new Error(`synth failed (${synth.code}): ${synth.stderr}`);
    let config = project.read('out/prod/hosts/master-1/haproxy.cfg');
    frontend = await freePort();
    config = config.replace(/^(\s+bind) :8443$/m, `$1 127.0.0.1:${frontend}`);
    stats = await freePort();
    if (!/^\s+bind 127\.0\.0\.1:8404$/m.test(config)) throw new Error('no stats listener in haproxy.cfg');
    config = config.replace(/^(\s+bind) 127\.0\.0\.1:8404$/m, `$1 127.0.0.1:${stats}`);
    for (const name of ['master-1', 'master-2', 'master-3']) {
      const port = await freePort();
      ports.set(name, port);
      const line = new RegExp(`^(\\s+server ${name}) 10\\.20\\.0\\.1\\d:6443$`, 'm');
      if (!line.test(config)) throw new Error(`no server line for ${name} in haproxy.cfg`);
      config = config.replace(line, `$1 127.0.0.1:${port}`);
    }
    if (process.getuid?.() !== 0) config = config.replace(/^\s+(user|group) haproxy\n/gm, '');
    const file = path.join(daemons.dir, 'haproxy.cfg');
    fs.writeFileSync(file, config);
    checkScript = path.join(daemons.dir, 'check-apiserver.sh');
    fs.writeFileSync(
      checkScript,
      project
        .read('out/prod/hosts/master-1/check-apiserver.sh')
        .replaceAll('127.0.0.1:8404', `127.0.0.1:${stats}`),
      { mode: 0o755 },
    );
    for (const [name, port] of ports)
      apiservers.set(
        name,
        await daemons.startApiServer(name, '127.0.0.1', port, undefined, SHUTDOWN_DELAY_MS),
      );
    haproxy = daemons.start(HAPROXY, ['-db', '-f', file]);
    // Every apiserver answers through the frontend before the clients start.
    const seen = new Set<string>();
    await waitFor(
      'every apiserver to answer through HAProxy',
      async () => {
        const outcome = await request(frontend);
        if (outcome.server) seen.add(outcome.server);
        return seen.size === 3;
      },
      15000,
      50,
    );
    running = true;
    clients = Array.from({ length: 4 }, async () => {
      while (running) outcomes.push(await request(frontend));
    });
  }, 60000);

  afterAll(async () => {
    running = false;
    await Promise.all(clients);
    measured['requests in total'] = outcomes.length;
    measured['failed requests'] = failures().length;
    console.info(`HAProxy failover measurements: ${JSON.stringify(measured)}`);
    await daemons?.cleanup();
    project?.dispose();
  }, 30000);

  const log = () => daemons.output(haproxy).join('\n');
  const failures = (since = 0) => outcomes.filter((o) => o.at >= since && o.error !== undefined);

  it('serves every request while an apiserver stops: /readyz fails first, HAProxy takes it out, then it closes', async () => {
    await sleep(1000);
    const killedAt = Date.now();
    // SIGTERM: the stand-in fails /readyz at once and keeps serving for its shutdown delay.
    const stopped = daemons.stop(
      apiservers.get('master-2') as ChildProcess,
      'SIGTERM',
      SHUTDOWN_DELAY_MS + 5000,
    );
    const markedDownAfter = await waitFor(
      'HAProxy to mark master-2 down',
      () => /master-2 is DOWN/.test(log()),
      10000,
      20,
    );
    await stopped;
    await sleep(1000);
    const after = outcomes.filter((o) => o.at > killedAt);
    measured['apiserver stopped -> marked down (ms)'] = markedDownAfter;
    measured['requests while it went down'] = after.length;
    expect(failures()).toEqual([]);
    expect(after.length).toBeGreaterThan(20);
    // It is marked down within inter 2 s + 2 × fastinter 1 s, before its shutdown delay ends.
    expect(markedDownAfter).toBeLessThan(SHUTDOWN_DELAY_MS);
    // Once it is down, no request goes to it.
    const downAt = killedAt + markedDownAfter;
    expect(after.filter((o) => o.at > downAt + 200 && o.server === 'master-2')).toEqual([]);
    expect(log()).toMatch(/master-2 is DOWN.*Layer7 wrong status, code: 503/);
  }, 30000);

  it('takes the apiserver back when it returns, still without a failed request', async () => {
    const restartedAt = Date.now();
    apiservers.set(
      'master-2',
      await daemons.startApiServer('master-2', '127.0.0.1', ports.get('master-2') as number),
    );
    const upAfter = await waitFor(
      'HAProxy to mark master-2 up',
      () => /master-2 is UP/.test(log()),
      10000,
      20,
    );
    await sleep(1500);
    measured['apiserver back -> marked up (ms)'] = upAfter;
    expect(upAfter).toBeLessThan(6000);
    const served = new Set(outcomes.filter((o) => o.at > restartedAt + upAfter).map((o) => o.server));
    expect([...served].sort()).toEqual(['master-1', 'master-2', 'master-3']);
    expect(failures()).toEqual([]);
  }, 30000);

  it('keeps every apiserver in while all of them answer /readyz slowly (a slow etcd: 2.5 s, within timeout check 5 s)', async () => {
    const before = log().length;
    const from = Date.now();
    for (const child of apiservers.values()) child.kill('SIGUSR2');
    for (const [name, child] of apiservers)
      await waitFor(
        `${name} to answer /readyz slowly`,
        () => daemons.output(child).includes(`slow ${name}`),
        5000,
        20,
      );
    // Six checks of each server (inter 2 s), each taking 2.5 s.
    await sleep(12000);
    for (const child of apiservers.values()) child.kill('SIGUSR2');
    await sleep(1000);
    const during = outcomes.filter((o) => o.at > from);
    measured['requests while /readyz was slow'] = during.length;
    expect(log().slice(before)).not.toMatch(/is DOWN|no server available/);
    expect(during.length).toBeGreaterThan(20);
    expect(failures(from)).toEqual([]);
  }, 30000);

  it("serves stats for keepalived's check script and Prometheus on the local listener", async () => {
    const run = (arg: string) => spawnSync('sh', [checkScript, arg], { encoding: 'utf8' });
    expect([run('haproxy').status, run('apiservers').status]).toEqual([0, 0]);
    const metrics = await new Promise<string>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: stats, path: '/metrics' }, (res) => {
          let body = '';
          res.on('data', (chunk) => {
            body += chunk;
          });
          res.on('end', () => resolve(body));
        })
        .on('error', reject);
    });
    expect(metrics).toMatch(/^haproxy_backend_active_servers\{proxy="kube-apiserver"\} 3$/m);
  }, 30000);
});
