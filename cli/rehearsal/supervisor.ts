// The rehearsal cluster's supervisor: one detached process that starts the components in
// order, watches them, and stops them all, by itself, when one dies, when they use more memory
// than allowed, when the time limit is reached, or on SIGTERM (`blueprint rehearse --stop`).
// Components that can only start once the deploy installed what they need (the add-on
// controllers: their CRDs, namespaces and certificates) are handed over later through
// `lateComponentsFile`, and live and die with the cluster like the others.
//
// Run as: node -r bin/register-ts.js cli/rehearsal/supervisor.ts <plan.json>
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

/** One component's command line. */
export interface ComponentPlan {
  readonly name: string;
  readonly argv: readonly string[];
  /** Extra environment (GOMEMLIMIT, ...). */
  readonly env?: Readonly<Record<string, string>>;
  /** A loopback TCP port that accepts connections once the component serves. @default - started, not awaited */
  readonly readyPort?: number;
  /** How long the port may take to open. @default 60 */
  readonly readySeconds?: number;
}

/** What the supervisor runs, written by cluster.ts. */
export interface SupervisorPlan {
  readonly components: readonly ComponentPlan[];
  /** Where each component's output goes: `<logDir>/<name>.log`. */
  readonly logDir: string;
  /** Written when everything started: {@link SupervisorState}. */
  readonly stateFile: string;
  /** Written when the cluster stops, with the reason. */
  readonly stoppedFile: string;
  /** The cluster stops after this many seconds. */
  readonly ttlSeconds: number;
  /** The cluster stops when its components' resident memory exceeds this. */
  readonly memoryLimitBytes: number;
  /**
   * A file the supervisor polls (every second) once everything started: when it appears, holds
   * `{ "components": ComponentPlan[] }` and names no component already running, they are
   * started in order too and added to the state file (renamed to `<file>.started` when read).
   * A file it cannot use is renamed to `<file>.refused` with the reason inside.
   */
  readonly lateComponentsFile?: string;
}

/** The running cluster, as `--status` reads it. */
export interface SupervisorState {
  readonly supervisorPid: number;
  readonly startedAt: string;
  readonly stopsAt: string;
  readonly pids: Readonly<Record<string, number>>;
}

/** Resident memory of a process in bytes, from /proc (0 when it is gone). */
export function residentBytes(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

function waitForPort(port: number, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null || child.signalCode !== null)
        return reject(new Error('exited while starting'));
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline)
          reject(new Error(`port ${port} did not open within ${timeoutMs / 1000} s`));
        else setTimeout(attempt, 200);
      });
    };
    attempt();
  });
}

async function supervise(plan: SupervisorPlan): Promise<void> {
  const children = new Map<string, ChildProcess>();
  let stopping = false;
  let peakBytes = 0;
  const stop = (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    fs.writeFileSync(
      plan.stoppedFile,
      `${JSON.stringify({ reason, peakResidentMiB: Math.round(peakBytes / 2 ** 20) }, null, 2)}\n`,
    );
    // Stop in reverse order of start: kwok and the controllers before the API server and etcd.
    const running = [...children.values()].reverse();
    for (const child of running) child.kill('SIGTERM');
    const hard = setTimeout(() => {
      for (const child of running) child.kill('SIGKILL');
    }, 5000);
    hard.unref();
    Promise.all(
      running.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
          }),
      ),
    ).then(() => {
      fs.rmSync(plan.stateFile, { force: true });
      process.exit(code);
    });
  };
  process.on('SIGTERM', () => stop('stopped on request (SIGTERM)', 0));
  process.on('SIGINT', () => stop('stopped on request (SIGINT)', 0));
  process.on('SIGHUP', () => stop('stopped: the terminal went away (SIGHUP)', 0));

  const started = new Date();
  const startComponent = async (component: ComponentPlan): Promise<boolean> => {
    const log = fs.openSync(path.join(plan.logDir, `${component.name}.log`), 'a');
    const [command, ...args] = component.argv;
    const child = spawn(command as string, args, {
      stdio: ['ignore', log, log],
      env: { ...process.env, ...component.env },
    });
    fs.closeSync(log);
    children.set(component.name, child);
    child.on('exit', (code, signal) => {
      if (!stopping)
        stop(`${component.name} exited (${signal ?? `code ${code}`}); see ${component.name}.log`, 1);
    });
    child.on('error', (error) => {
      if (!stopping) stop(`${component.name} could not start: ${error.message}`, 1);
    });
    if (component.readyPort !== undefined) {
      try {
        await waitForPort(component.readyPort, (component.readySeconds ?? 60) * 1000, child);
      } catch (error) {
        stop(`${component.name} did not start: ${(error as Error).message}; see ${component.name}.log`, 1);
        return false;
      }
    }
    return true;
  };
  for (const component of plan.components) {
    if (stopping) return;
    if (!(await startComponent(component))) return;
  }
  const writeState = () => {
    const state: SupervisorState = {
      supervisorPid: process.pid,
      startedAt: started.toISOString(),
      stopsAt: new Date(started.getTime() + plan.ttlSeconds * 1000).toISOString(),
      pids: Object.fromEntries([...children].map(([name, child]) => [name, child.pid ?? 0])),
    };
    const temporary = `${plan.stateFile}.tmp`;
    fs.writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
    fs.renameSync(temporary, plan.stateFile);
  };
  writeState();
  let lateBusy = false;
  const startLate = async (file: string) => {
    lateBusy = true;
    try {
      let late: readonly ComponentPlan[];
      try {
        late = (JSON.parse(fs.readFileSync(file, 'utf8')) as { components: ComponentPlan[] }).components;
        if (!Array.isArray(late)) throw new Error('no components list');
        const taken = late.filter((component) => children.has(component.name)).map((c) => c.name);
        if (taken.length > 0) throw new Error(`already running: ${taken.join(', ')}`);
      } catch (error) {
        fs.writeFileSync(`${file}.refused`, `${(error as Error).message}\n`);
        fs.rmSync(file, { force: true });
        return;
      }
      fs.renameSync(file, `${file}.started`);
      for (const component of late) {
        if (stopping || !(await startComponent(component))) return;
        writeState();
      }
    } finally {
      lateBusy = false;
    }
  };
  setTimeout(
    () => stop(`stopped by itself after its time limit (${plan.ttlSeconds} s)`, 0),
    plan.ttlSeconds * 1000,
  );
  setInterval(() => {
    if (plan.lateComponentsFile && !lateBusy && !stopping && fs.existsSync(plan.lateComponentsFile))
      void startLate(plan.lateComponentsFile);
    const used = [...children.values()].reduce((sum, child) => sum + residentBytes(child.pid ?? 0), 0);
    peakBytes = Math.max(peakBytes, used);
    if (used > plan.memoryLimitBytes)
      stop(
        `stopped: its components used ${Math.round(used / 2 ** 20)} MiB, over the limit of ${Math.round(plan.memoryLimitBytes / 2 ** 20)} MiB`,
        1,
      );
  }, 1000);
}

if (require.main === module) {
  const planFile = process.argv[2];
  if (!planFile) {
    process.stderr.write('usage: supervisor.ts <plan.json>\n');
    process.exit(2);
  }
  supervise(JSON.parse(fs.readFileSync(planFile, 'utf8')) as SupervisorPlan).catch((error) => {
    process.stderr.write(`supervisor: ${String(error)}\n`);
    process.exit(1);
  });
}
