import * as fs from 'node:fs';
import { findComponents } from '../../cli/rehearsal/components';
import { describeWithCluster } from '../support/rehearsal';
import { hasCommand, netnsUnavailable, sleep, vipPath, waitFor } from './daemons';
import { errorSpansMs, requestsBetween, watchGapsMs } from './ha-drill/client';
import { DrillCluster, type DrillMaster, VIP_SAMPLE_MS } from './ha-drill/cluster';

/**
 * The HA drill (issue #17): the real control plane of three masters in network namespaces
 * (etcd, kube-apiserver, the generated haproxy.cfg and keepalived.conf with the real daemons;
 * see ha-drill/cluster.ts), clients through the VIP (ha-drill/client.ts), and one fault after
 * another on the VIP's holder, each repaired before the next: its apiserver stops; its HAProxy
 * is stopped as `systemctl stop` does it with the generated drop-in (the hand-off script, then
 * SIGTERM) and started again; its HAProxy crashes (SIGKILL) and is restarted as systemd does it
 * with the drop-in (ExecStop with $MAINPID unset, RestartSec, ExecStartPre); its link is cut;
 * then one etcd member is slowed down. Every phase is measured from
 * the client's record, the VIP's holders (sampled every 100 ms) and every HAProxy's stats, the
 * measurements are printed as a table, and then asserted against the numbers.
 *
 * After a repair the drill watches RECOVERY_WINDOW_MS for the VIP to move back, instead of the
 * 60 s the issue names, so that the whole drill stays within about four minutes: keepalived
 * pre-empts as soon as the repaired master's check has passed `rise` times and it sends its next
 * advert (rise 2 × interval 1 s + advert_int 0.5 s ≈ 2.5 s with the generated timings), so a
 * pre-emption that the design does not prevent shows within a few seconds, well inside the
 * window. A `preempt_delay` in the generated config is a designed move back after that delay.
 */
const RECOVERY_WINDOW_MS = 15_000;
const MAX_ERROR_SPAN_HOLDER_DIES_MS = 2000;
const MAX_WATCH_GAP_MS = 5000;
jest.setTimeout(6 * 60_000);

const TOOLS = ['haproxy', 'keepalived', 'tc', 'kubectl', 'curl'];

function describeDrill(name: string, body: () => void): void {
  const missing = [
    netnsUnavailable(),
    ...TOOLS.filter((tool) => !hasCommand(tool) && !fs.existsSync(`/usr/sbin/${tool}`)).map(
      (tool) => `the ${tool} command`,
    ),
  ].filter((reason): reason is string => reason !== undefined);
  if (missing.length === 0) {
    describeWithCluster(name, body);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('has root, iproute2 (ip, tc), haproxy, keepalived, kubectl and curl', () => {
        throw new Error(`the HA drill cannot run: ${missing.join('; ')}`);
      });
    });
  } else {
    console.warn(`SKIPPED test/hosts/ha-drill.test.ts: ${missing.join('; ')}`);
    describe.skip(`${name} (needs ${missing.join('; ')})`, body);
  }
}

interface Phase {
  readonly name: string;
  readonly target: string;
  readonly faultAt: number;
  /** When the repaired component was serving again. */
  readonly restoredAt: number;
  readonly endAt: number;
  readonly write: { ok: boolean; output: string };
}

interface Measured {
  readonly phase: string;
  readonly target: string;
  readonly reads: number;
  readonly readsFailed: number;
  readonly writes: number;
  readonly writesFailed: number;
  /** The runs of failed requests, as ms during which new requests failed, longest first. */
  readonly errorSpansMs: number[];
  /** The slowest successful read and write (ms from start to the answer). */
  readonly slowestMs: number;
  readonly vipPath: string[];
  /** From the fault to the first sample with another master alone holding the VIP; -1 if it stayed. */
  readonly vipMovedAfterMs: number;
  readonly movesDuringFault: number;
  readonly movesAfterRepair: number;
  readonly watchLosses: number;
  readonly watchMaxGapMs: number;
  readonly kubectlWrite: boolean;
  /** The fewest backends any HAProxy had UP at one sample in the phase. */
  readonly fewestBackendsUp: number;
  readonly twoHolderSamples: number;
  /**
   * Failed requests that were already in flight (sent, not yet answered) when the VIP moved: the
   * new holder resets their connections, whatever the old one does. The rest failed otherwise
   * (refused, timed out).
   */
  readonly failedInFlightAtMove: number;
  readonly failures: string[];
}

describeDrill('the HA drill: the real control plane in three namespaces, faults on the VIP holder', () => {
  let drill: DrillCluster;
  const measured: Measured[] = [];
  const drillStart = Date.now();
  let readyIn = 0;
  let slowedBy = '';
  /** What the hand-off script printed in the HAProxy phases. */
  const handoffs: string[] = [];

  beforeAll(async () => {
    const stale = DrillCluster.removeStaleNamespaces();
    if (stale.length > 0) console.warn(`removed namespaces of earlier drills: ${stale.join(' ')}`);
    drill = new DrillCluster(findComponents());
    await drill.prepare();
    for (const m of drill.masters) drill.startEtcd(m);
    await waitFor(
      'the three etcd members to be healthy',
      async () => (await Promise.all(drill.masters.map((m) => drill.etcdHealthy(m)))).every(Boolean),
      60_000,
      250,
    );
    await Promise.all(drill.masters.map((m) => drill.startApiserver(m)));
    for (const m of drill.masters) drill.startHaproxy(m);
    for (const m of drill.masters) drill.startKeepalived(m);
    drill.startSampling();
    await waitFor('a master to hold the VIP', async () => (await drill.soleHolder()) !== undefined, 20_000);
    for (const name of ['drill-read', 'drill-heartbeat']) {
      const created = await drill.kubectl('create', 'configmap', name, '--from-literal=beat=0');
      if (!created.ok) throw new Error(`kubectl create configmap ${name} through the VIP: ${created.output}`);
    }
    await drill.startClient('drill-read', 'drill-heartbeat');
    readyIn = Date.now() - drillStart;
    // A steady start, measured as the baseline: every phase begins on a cluster that serves.
    const steadyFrom = Date.now();
    await sleep(2000);
    const write = await drill.kubectl('create', 'configmap', 'drill-steady', '--from-literal=at=0');
    await sleep(2000);
    const now = Date.now();
    measured.push(
      measure({ name: 'steady', target: '-', faultAt: steadyFrom, restoredAt: now, endAt: now, write }),
    );
  }, 4 * 60_000);

  afterAll(async () => {
    try {
      printTable();
    } finally {
      await drill?.cleanup();
      console.info(`HA drill: ${Math.round((Date.now() - drillStart) / 1000)} s in all`);
    }
  }, 60_000);

  /** The holders since `from` (with the one just before it) until `to`, repeats and gaps dropped. */
  const vipPathOf = (from: number, to: number): string[] => vipPath(drill.vipSamples, from, to);

  function vipMovedAfter(p: Phase): number {
    const before = vipPathOf(p.faultAt, p.faultAt)[0];
    const moved = drill.vipSamples.find(
      (s) => s.at >= p.faultAt && s.holders.length === 1 && s.holders[0] !== before,
    );
    return moved && moved.at < p.endAt ? moved.at - p.faultAt : -1;
  }

  function measure(p: Phase): Measured {
    const events = drill.clientEvents();
    const reads = requestsBetween(events, 'get', p.faultAt, p.endAt);
    const writes = requestsBetween(events, 'patch', p.faultAt, p.endAt);
    const lost = events.filter((e) => e.k === 'watch-lost' && e.at >= p.faultAt && e.at < p.endAt);
    const gaps = watchGapsMs(events, p.faultAt, Number.POSITIVE_INFINITY);
    const lastLost = events.filter((e) => e.k === 'watch-lost' || e.k === 'watch-open').pop();
    // A stream lost and not open again by the phase's end counts as a gap until then.
    if (lastLost?.k === 'watch-lost' && lastLost.at < p.endAt) gaps.push(p.endAt - lastLost.at);
    // The HAProxy of a master cut off from the others sees no backend but its own, and that one
    // has lost etcd's quorum: its view says nothing about the others'.
    const stats = drill.statsSamples.filter(
      (s) => s.at >= p.faultAt && s.at < p.endAt && !(p.name === 'link' && s.master === p.target),
    );
    const up = stats.map((s) => Object.values(s.servers).filter((status) => status.startsWith('UP')).length);
    const during = vipPathOf(p.faultAt, p.restoredAt);
    const after = vipPathOf(p.restoredAt, p.endAt);
    // The failed requests, one entry per kind and error: how many, from when to when.
    const byError = new Map<string, number[]>();
    for (const r of [...reads, ...writes].filter((x) => x.error !== undefined)) {
      const key = `${r.k} ${(r.error as string).slice(0, 60)}`;
      byError.set(key, [...(byError.get(key) ?? []), r.start - p.faultAt]);
    }
    const failures = [...byError].map(
      ([key, at]) => `${at.length}x ${key} (+${Math.min(...at)}..+${Math.max(...at)} ms)`,
    );
    if (!p.write.ok) failures.unshift(`kubectl create: ${p.write.output.trim()}`);
    for (const s of drill.vipSamples.filter(
      (x) => x.at >= p.faultAt && x.at < p.endAt && x.holders.length > 1,
    ))
      failures.push(`two holders at +${s.at - p.faultAt} ms: ${s.holders.join(', ')}`);
    return {
      phase: p.name,
      target: p.target,
      reads: reads.length,
      readsFailed: reads.filter((r) => r.error !== undefined).length,
      writes: writes.length,
      writesFailed: writes.filter((r) => r.error !== undefined).length,
      errorSpansMs: errorSpansMs([...reads, ...writes]),
      slowestMs: Math.max(0, ...[...reads, ...writes].filter((r) => r.ok).map((r) => r.end - r.start)),
      vipMovedAfterMs: vipMovedAfter(p),
      failedInFlightAtMove: (() => {
        const moved = vipMovedAfter(p);
        if (moved < 0) return 0;
        const at = p.faultAt + moved;
        // A VIP sample every 100 ms: the move happened at most one interval before it was seen.
        return [...reads, ...writes].filter(
          (r) => r.error !== undefined && r.start <= at && r.end >= at - VIP_SAMPLE_MS,
        ).length;
      })(),
      vipPath: vipPathOf(p.faultAt, p.endAt),
      movesDuringFault: during.length - 1,
      movesAfterRepair: after.length - 1,
      watchLosses: lost.length,
      watchMaxGapMs: Math.max(0, ...gaps.filter((g) => g >= 0)),
      kubectlWrite: p.write.ok,
      fewestBackendsUp: up.length === 0 ? -1 : Math.min(...up),
      twoHolderSamples: drill.vipSamples.filter(
        (s) => s.at >= p.faultAt && s.at < p.endAt && s.holders.length > 1,
      ).length,
      failures,
    };
  }

  function printTable(): void {
    const rows = measured.map((m) =>
      [
        m.phase,
        m.target,
        `${m.readsFailed}/${m.reads}`,
        `${m.writesFailed}/${m.writes}`,
        m.errorSpansMs.join(', ') || '0',
        `${m.slowestMs}`,
        m.vipPath.join(' > '),
        `${m.vipMovedAfterMs}`,
        `${m.movesDuringFault}/${m.movesAfterRepair}`,
        `${m.watchLosses}, ${m.watchMaxGapMs}`,
        m.kubectlWrite ? 'ok' : 'FAILED',
        `${m.fewestBackendsUp}`,
        `${m.twoHolderSamples}`,
      ].join(' | '),
    );
    const design = [
      ...[
        'vrrp_version',
        'state',
        'nopreempt',
        'preempt_delay',
        'advert_int',
        'check_unicast_src',
        'weight',
        'script',
      ].map((key) => {
        const line = new RegExp(`^\\s*(${key}\\b.*)$`, 'm').exec(drill?.keepalivedConf ?? '')?.[1];
        return line ? `keepalived ${line.trim()}` : undefined;
      }),
      ...[
        'balance',
        'http-check send',
        'timeout connect',
        'timeout check',
        'default-server',
        'hard-stop-after',
      ].map((key) => {
        const line = new RegExp(`^\\s*(${key}\\b.*)$`, 'm').exec(drill?.haproxyCfg ?? '')?.[1];
        return line ? `haproxy ${line.trim()}` : undefined;
      }),
    ].filter(Boolean);
    console.info(
      [
        `HA drill (cluster up and serving in ${readyIn} ms; slow etcd: ${slowedBy}; window after a repair ${RECOVERY_WINDOW_MS} ms; generated design: ${design.join('; ')}; paths moved: ${drill?.rewrites.join(', ')})`,
        'phase | on | reads failed/sent | writes failed/sent | error spans ms | slowest answer ms | VIP holders | VIP moved after ms | VIP moves during/after repair | watch losses, longest gap ms | kubectl create | fewest backends UP | samples with 2 holders',
        ...rows,
        ...measured.filter((m) => m.failures.length > 0).map((m) => `${m.phase}: ${m.failures.join('; ')}`),
        ...handoffs.map((line) => `hand-off ${line}`),
      ].join('\n'),
    );
  }

  async function holderNow(): Promise<DrillMaster> {
    let holder: DrillMaster | undefined;
    await waitFor(
      'one master to hold the VIP',
      async () => {
        holder = await drill.soleHolder();
        return holder !== undefined;
      },
      15_000,
    );
    return holder as DrillMaster;
  }

  /** Runs one fault: `fault`, a write with kubectl `writeAfterMs` later, `repair` (resolves when serving again), then the window. */
  async function runPhase(
    name: string,
    target: DrillMaster,
    fault: () => Promise<void>,
    holdMs: number,
    repair: () => Promise<void>,
    windowMs = RECOVERY_WINDOW_MS,
  ): Promise<Measured> {
    const faultAt = Date.now();
    await fault();
    await sleep(holdMs / 2);
    const write = await drill.kubectl(
      'create',
      'configmap',
      `drill-${name}`,
      `--from-literal=at=${Date.now()}`,
    );
    await sleep(Math.max(0, faultAt + holdMs - Date.now()));
    await repair();
    const restoredAt = Date.now();
    await sleep(windowMs);
    const result = measure({ name, target: target.name, faultAt, restoredAt, endAt: Date.now(), write });
    measured.push(result);
    return result;
  }

  /** The numbers for a fault that HAProxy or VRRP should hide from clients. */
  function expectMasked(m: Measured): void {
    expect({
      failedRequests: m.readsFailed + m.writesFailed,
      vipMovesDuringFaultAtMostOne: m.movesDuringFault <= 1,
      vipMovesBackAfterRepair: m.movesAfterRepair,
      watchReestablishedWithin5s: m.watchMaxGapMs <= MAX_WATCH_GAP_MS,
      writeWithOneMasterDown: m.kubectlWrite,
    }).toEqual({
      failedRequests: 0,
      vipMovesDuringFaultAtMostOne: true,
      vipMovesBackAfterRepair: 0,
      watchReestablishedWithin5s: true,
      writeWithOneMasterDown: true,
    });
  }

  /** The numbers for a fault that costs errors (the holder dies): at most 2 s of them. */
  function expectShortOutage(m: Measured, allowedMoves: number[]): void {
    expect({
      errorSpanAtMost2s: (m.errorSpansMs[0] ?? 0) <= MAX_ERROR_SPAN_HOLDER_DIES_MS,
      vipMovesDuringFaultAllowed: allowedMoves.includes(m.movesDuringFault),
      vipMovesBackAfterRepair: m.movesAfterRepair,
      watchReestablishedWithin5s: m.watchMaxGapMs <= MAX_WATCH_GAP_MS,
      writeWithOneMasterDown: m.kubectlWrite,
    }).toEqual({
      errorSpanAtMost2s: true,
      vipMovesDuringFaultAllowed: true,
      vipMovesBackAfterRepair: 0,
      watchReestablishedWithin5s: true,
      writeWithOneMasterDown: true,
    });
  }

  /**
   * Slows `m`'s etcd member down; resolves to the function that ends it. `tc qdisc … netem
   * delay 200ms` on its interface where the kernel has netem (sch_netem); where it has not (the
   * test machine's kernel answers "Specified qdisc kind is unknown"), the member is stalled
   * instead, 200 ms of every 300 ms (SIGSTOP/SIGCONT, as a slow disk's fsync stalls it), which
   * delays its answers and its Raft messages by up to 200 ms alike.
   */
  async function slowDown(m: DrillMaster): Promise<() => Promise<void>> {
    const netem = await drill.tryExec(m.ns, 'tc', [
      'qdisc',
      'add',
      'dev',
      m.iface,
      'root',
      'netem',
      'delay',
      '200ms',
    ]);
    if (netem.ok) {
      slowedBy = `tc netem delay 200ms on ${m.name}'s ${m.iface}`;
      return async () => {
        await drill.tryExec(m.ns, 'tc', ['qdisc', 'del', 'dev', m.iface, 'root']);
      };
    }
    slowedBy = `${m.name}'s etcd stalled 200 ms of every 300 ms (no netem: ${netem.output.trim()})`;
    const etcd = m.etcd as NonNullable<DrillMaster['etcd']>;
    let on = true;
    const loop = (async () => {
      while (on) {
        etcd.kill('SIGSTOP');
        await sleep(200);
        etcd.kill('SIGCONT');
        await sleep(100);
      }
    })();
    return async () => {
      on = false;
      await loop;
      etcd.kill('SIGCONT');
    };
  }

  it("the holder's kube-apiserver stops (graceful, as kubelet stops it) and comes back", async () => {
    const holder = await holderNow();
    const m = await runPhase(
      'apiserver',
      holder,
      () => drill.daemons.stop(holder.apiserver as NonNullable<DrillMaster['apiserver']>, 'SIGTERM', 30_000),
      4000,
      async () => {
        await drill.startApiserver(holder);
      },
    );
    expectMasked(m);
  });

  /** Resolves when `m`'s HAProxy serves /readyz of an API server through its frontend. */
  async function haproxyServes(m: DrillMaster): Promise<void> {
    await waitFor(
      `${m.name}'s HAProxy to serve`,
      async () =>
        (await drill.exec(m.ns, 'curl', ['-sk', '--max-time', '1', 'https://127.0.0.1:8443/readyz'])) ===
        'ok',
      20_000,
      100,
    );
  }

  it("the holder's HAProxy is stopped (systemctl stop: the drop-in's hand-off first) and started", async () => {
    const holder = await holderNow();
    const m = await runPhase(
      'haproxy-stop',
      holder,
      async () => {
        const handoff = await drill.stopHaproxyAsSystemd(holder);
        handoffs.push(`stop on ${holder.name}: ${handoff.ms} ms (${handoff.output})`);
      },
      6000,
      async () => {
        await drill.startHaproxyAsSystemd(holder);
        await haproxyServes(holder);
      },
    );
    // The hand-off moves the VIP before HAProxy stops: no request is refused. A request in flight
    // on the old holder at the very moment of the move is reset by the new holder (seen once in
    // seven runs at this drill's request rate); no VIP design avoids that, only a client retry
    // (client-go retries GETs on a reset). So those are counted apart, and at most one may occur.
    expect({
      failedOtherwise: m.readsFailed + m.writesFailed - m.failedInFlightAtMove,
      failedInFlightAtMoveAtMostOne: m.failedInFlightAtMove <= 1,
      vipMovesDuringFault: m.movesDuringFault,
      vipMovesBackAfterRepair: m.movesAfterRepair,
      watchReestablishedWithin5s: m.watchMaxGapMs <= MAX_WATCH_GAP_MS,
      writeWithOneMasterDown: m.kubectlWrite,
    }).toEqual({
      failedOtherwise: 0,
      failedInFlightAtMoveAtMostOne: true,
      vipMovesDuringFault: 1,
      vipMovesBackAfterRepair: 0,
      watchReestablishedWithin5s: true,
      writeWithOneMasterDown: true,
    });
  });

  it("the holder's HAProxy crashes (SIGKILL) and systemd restarts it as the drop-in says", async () => {
    const holder = await holderNow();
    let restarted: Promise<string> | undefined;
    const m = await runPhase(
      'haproxy-crash',
      holder,
      async () => {
        restarted = drill.crashHaproxyAsSystemd(holder);
      },
      4000,
      async () => {
        handoffs.push(`crash on ${holder.name}: ${await restarted}`);
        await haproxyServes(holder);
      },
    );
    // The restart (0.5 s) comes before chk_haproxy's 2 failures 1 s apart: the VIP may stay.
    expectShortOutage(m, [0, 1]);
  });

  it("the holder's link is cut (the host is gone for the others) and restored", async () => {
    const holder = await holderNow();
    const m = await runPhase(
      'link',
      holder,
      async () => {
        drill.daemons.ip(drill.switchNs, 'link', 'set', holder.port, 'down');
      },
      8000,
      async () => {
        drill.daemons.ip(drill.switchNs, 'link', 'set', holder.port, 'up');
        await waitFor(
          `${holder.name}'s etcd and apiserver to serve again`,
          async () => (await drill.etcdHealthy(holder)) && (await drill.apiserverReady(holder)),
          60_000,
          250,
        );
      },
    );
    expectShortOutage(m, [1]);
  });

  it('one etcd member (the leader) is slowed down: HAProxy keeps backends up', async () => {
    const leader = await drill.etcdLeader();
    if (!leader) throw new Error('no etcd leader');
    let slowing: (() => Promise<void>) | undefined;
    const m = await runPhase(
      'slow-etcd',
      leader,
      async () => {
        slowing = await slowDown(leader);
      },
      12_000,
      async () => {
        await slowing?.();
      },
      5000,
    );
    expect({
      fewestBackendsUp: m.fewestBackendsUp > 0,
      failedRequests: m.readsFailed + m.writesFailed,
    }).toEqual({
      fewestBackendsUp: true,
      failedRequests: 0,
    });
  });

  it('never had two VIP holders at one sample', () => {
    const samples = drill.vipSamples;
    expect(samples.length).toBeGreaterThan(500);
    const doubled = samples.filter((s) => s.holders.length > 1);
    expect(doubled.map((s) => `+${s.at - drillStart} ms: ${s.holders.join(', ')}`)).toEqual([]);
  });
});
