/**
 * The drill's clients, run as one Node process in the client namespace: everything they do goes
 * through https://VIP:port, authenticated with the admin certificate kubeadm made, and the
 * server's certificate is verified against the cluster CA (the VIP is one of its SANs).
 *
 * - probes: `GET` of a ConfigMap every 100 ms, each on a new connection as a fresh kubectl makes
 *   it, each independent of the others (a black-holed one does not hold up the next), each
 *   ending by a deadline of its own;
 * - heartbeats: a merge-patch of another ConfigMap every 500 ms (writes, through etcd's quorum);
 * - a watch of the heartbeat ConfigMap, resumed from its last resourceVersion when its stream
 *   ends. A stream that is black-holed (its master lost its link) is noticed by its silence: no
 *   heartbeat event for WATCH_IDLE_MS, as client-go's HTTP/2 health check notices it by a
 *   missing ping answer.
 *
 * Every outcome is one JSON line on stdout (see ClientEvent).
 */
export const PROBE_INTERVAL_MS = 100;
export const HEARTBEAT_INTERVAL_MS = 500;
export const REQUEST_DEADLINE_MS = 2000;
export const WATCH_IDLE_MS = 2500;

export type ClientEvent =
  | { k: 'get' | 'patch'; start: number; end: number; ok?: true; error?: string }
  | { k: 'watch-open'; at: number; lostAt: number | null; attemptStart: number }
  | { k: 'watch-lost'; at: number; why: string }
  | { k: 'watch-failed'; at: number; why: string }
  | { k: 'watch-event'; at: number; type: string };

export interface ClientConfig {
  readonly host: string;
  readonly port: number;
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
  readonly readName: string;
  readonly heartbeatName: string;
}

export const CLIENT_SCRIPT = `
const https = require('node:https');
const fs = require('node:fs');
const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const base = { host: cfg.host, port: cfg.port, ca: cfg.ca, cert: cfg.cert, key: cfg.key, agent: false };
const out = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
let stopping = false;
const pending = new Set();

function call(kind, method, path, body) {
  const p = new Promise((resolve) => {
    const start = Date.now();
    let done = false;
    const finish = (r) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      out({ k: kind, start, end: Date.now(), ...r });
      resolve();
    };
    const headers = body ? { 'content-type': 'application/merge-patch+json' } : {};
    const req = https.request({ ...base, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => finish(res.statusCode >= 200 && res.statusCode < 300 ? { ok: true } : { error: 'HTTP ' + res.statusCode + ' ' + text.slice(0, 160) }));
      res.on('error', (e) => finish({ error: e.code || e.message }));
    });
    req.on('error', (e) => finish({ error: e.code || e.message }));
    const timer = setTimeout(() => { finish({ error: 'deadline ${REQUEST_DEADLINE_MS} ms' }); req.destroy(); }, ${REQUEST_DEADLINE_MS});
    req.end(body);
  });
  pending.add(p);
  p.then(() => pending.delete(p));
}

const probes = setInterval(() => call('get', 'GET', '/api/v1/namespaces/default/configmaps/' + cfg.readName), ${PROBE_INTERVAL_MS});
let beat = 0;
const beats = setInterval(() => call('patch', 'PATCH', '/api/v1/namespaces/default/configmaps/' + cfg.heartbeatName, JSON.stringify({ data: { beat: String(++beat) } })), ${HEARTBEAT_INTERVAL_MS});

let rv = '';
let lostAt = null;
function watch() {
  if (stopping) return;
  const attemptStart = Date.now();
  let established = false;
  let ended = false;
  let idle;
  const path = '/api/v1/namespaces/default/configmaps?watch=true&fieldSelector=metadata.name%3D' + cfg.heartbeatName + (rv ? '&resourceVersion=' + rv : '');
  const arm = () => { clearTimeout(idle); idle = setTimeout(() => end('no event for ${WATCH_IDLE_MS} ms'), ${WATCH_IDLE_MS}); };
  const end = (why) => {
    if (ended) return;
    ended = true;
    clearTimeout(idle);
    clearTimeout(opening);
    req.destroy();
    if (stopping) return;
    const at = Date.now();
    if (established) { lostAt = at; out({ k: 'watch-lost', at, why }); }
    else out({ k: 'watch-failed', at, why });
    setTimeout(watch, 100);
  };
  const req = https.get({ ...base, path }, (res) => {
    if (res.statusCode !== 200) return end('HTTP ' + res.statusCode);
    established = true;
    out({ k: 'watch-open', at: Date.now(), lostAt, attemptStart });
    lostAt = null;
    arm();
    let buf = '';
    res.on('data', (chunk) => {
      buf += chunk;
      for (let i = buf.indexOf('\\n'); i >= 0; i = buf.indexOf('\\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (!line.trim()) continue;
        let ev;
        try { ev = JSON.parse(line); } catch { continue; }
        if (ev.type === 'ERROR') { rv = ''; return end('ERROR ' + (ev.object && ev.object.code)); }
        rv = ev.object.metadata.resourceVersion;
        out({ k: 'watch-event', at: Date.now(), type: ev.type });
        arm();
      }
    });
    res.on('end', () => end('closed by the server'));
    res.on('error', (e) => end(e.code || e.message));
  });
  req.on('error', (e) => end(e.code || e.message));
  const opening = setTimeout(() => { if (!established) end('no answer in ${REQUEST_DEADLINE_MS} ms'); }, ${REQUEST_DEADLINE_MS});
}
watch();

process.on('SIGTERM', () => {
  stopping = true;
  clearInterval(probes);
  clearInterval(beats);
  Promise.all([...pending]).then(() => process.exit(0));
  setTimeout(() => process.exit(0), ${REQUEST_DEADLINE_MS + 500}).unref();
});
`;

/** The client's events so far, from its output lines. */
export function parseClientOutput(lines: readonly string[]): ClientEvent[] {
  return lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as ClientEvent);
}

/** Requests of `kind` that started in [from, to). */
export function requestsBetween(
  events: readonly ClientEvent[],
  kind: 'get' | 'patch',
  from: number,
  to: number,
): Extract<ClientEvent, { k: 'get' | 'patch' }>[] {
  return events.filter(
    (e): e is Extract<ClientEvent, { k: 'get' | 'patch' }> => e.k === kind && e.start >= from && e.start < to,
  );
}

/**
 * How long new requests failed, for each run of failures (failed requests that started less
 * than `apartMs` after the one before): from the start of its first failed request to the start
 * of its last, plus one probe interval. Longest first; empty when none failed. A run may hold a
 * lucky success (a retransmitted SYN that reached the new holder before its deadline).
 */
export function errorSpansMs(
  requests: readonly Extract<ClientEvent, { k: 'get' | 'patch' }>[],
  apartMs = 1000,
): number[] {
  const failed = requests
    .filter((r) => r.error !== undefined)
    .map((r) => r.start)
    .sort((a, b) => a - b);
  const spans: number[] = [];
  let first = failed[0];
  let last = failed[0];
  for (const start of failed.slice(1)) {
    if (start - (last as number) >= apartMs) {
      spans.push((last as number) - (first as number) + PROBE_INTERVAL_MS);
      first = start;
    }
    last = start;
  }
  if (first !== undefined) spans.push((last as number) - first + PROBE_INTERVAL_MS);
  return spans.sort((a, b) => b - a);
}

/** The watch's outages that ended in [from, to): ms from losing a stream to the next one open. */
export function watchGapsMs(events: readonly ClientEvent[], from: number, to: number): number[] {
  return events
    .filter(
      (e): e is Extract<ClientEvent, { k: 'watch-open' }> =>
        e.k === 'watch-open' && e.lostAt !== null && e.at >= from && e.at < to,
    )
    .map((e) => e.at - (e.lostAt as number));
}
