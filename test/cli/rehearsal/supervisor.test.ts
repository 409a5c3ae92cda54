import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ComponentPlan, SupervisorPlan, SupervisorState } from '../../../cli/rehearsal/supervisor';
import { REPO_ROOT } from '../../support/cli';

// The real supervisor process, with small stand-in components (sleep, a memory hog), so that
// each way a rehearsal stops by itself is checked in seconds.
jest.setTimeout(60_000);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!what()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the rehearsal supervisor', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blueprint-supervisor-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Starts the supervisor; resolves once every component runs (its state file is written). */
  async function start(
    components: ComponentPlan[],
    limits: { ttlSeconds?: number; memoryLimitBytes?: number } = {},
  ) {
    const plan: SupervisorPlan = {
      components,
      logDir: dir,
      stateFile: path.join(dir, 'state.json'),
      stoppedFile: path.join(dir, 'stopped.json'),
      ttlSeconds: limits.ttlSeconds ?? 600,
      memoryLimitBytes: limits.memoryLimitBytes ?? 2 ** 40,
    };
    fs.writeFileSync(path.join(dir, 'plan.json'), JSON.stringify(plan));
    const child = spawn(
      process.execPath,
      [
        '-r',
        path.join(REPO_ROOT, 'bin', 'register-ts.js'),
        path.join(REPO_ROOT, 'cli', 'rehearsal', 'supervisor.ts'),
        path.join(dir, 'plan.json'),
      ],
      { stdio: 'ignore' },
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await until(() => fs.existsSync(plan.stateFile) || fs.existsSync(plan.stoppedFile));
    const state = fs.existsSync(plan.stateFile)
      ? (JSON.parse(fs.readFileSync(plan.stateFile, 'utf8')) as SupervisorState)
      : undefined;
    return {
      child,
      exited,
      state,
      reason: () => JSON.parse(fs.readFileSync(plan.stoppedFile, 'utf8')).reason as string,
    };
  }

  const sleeper = (name: string): ComponentPlan => ({ name, argv: ['sleep', '300'] });

  it('stops every component by itself at its time limit', async () => {
    const run = await start([sleeper('a'), sleeper('b')], { ttlSeconds: 2 });
    const pids = Object.values(run.state?.pids ?? {});
    expect(pids).toHaveLength(2);
    expect(pids.every(alive)).toBe(true);
    expect(await run.exited).toBe(0);
    expect(run.reason()).toBe('stopped by itself after its time limit (2 s)');
    expect(pids.some(alive)).toBe(false);
    expect(fs.existsSync(path.join(dir, 'state.json'))).toBe(false);
  });

  it('stops everything when the components use more memory than allowed', async () => {
    const hog: ComponentPlan = {
      name: 'hog',
      argv: [
        process.execPath,
        '-e',
        'const b = Buffer.alloc(200 * 2 ** 20, 1); setInterval(() => b[0]++, 100);',
      ],
    };
    const run = await start([sleeper('a'), hog], { memoryLimitBytes: 100 * 2 ** 20 });
    expect(await run.exited).toBe(1);
    expect(run.reason()).toMatch(/^stopped: its components used \d+ MiB, over the limit of 100 MiB$/);
    expect(Object.values(run.state?.pids ?? {}).some(alive)).toBe(false);
  });

  it('stops everything when one component dies, naming it', async () => {
    const run = await start([sleeper('a'), { name: 'flaky', argv: ['sh', '-c', 'sleep 1; exit 3'] }]);
    expect(await run.exited).toBe(1);
    expect(run.reason()).toBe('flaky exited (code 3); see flaky.log');
    expect(Object.values(run.state?.pids ?? {}).some(alive)).toBe(false);
  });

  it('gives up on a component whose port never opens, and stops the ones before it', async () => {
    const run = await start([
      sleeper('a'),
      { name: 'deaf', argv: ['sleep', '300'], readyPort: 1, readySeconds: 2 },
    ]);
    expect(run.state).toBeUndefined();
    expect(await run.exited).toBe(1);
    expect(run.reason()).toBe('deaf did not start: port 1 did not open within 2 s; see deaf.log');
  });

  it('stops on SIGTERM (`rehearse --stop`)', async () => {
    const run = await start([sleeper('a')]);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.reason()).toBe('stopped on request (SIGTERM)');
    expect(Object.values(run.state?.pids ?? {}).some(alive)).toBe(false);
  });
});
