import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startLateComponents } from '../../../cli/rehearsal/cluster';
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
  // Laid out as a rehearsal's cluster directory, so that startLateComponents finds it.
  let root: string;
  let dir: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'blueprint-supervisor-'));
    dir = path.join(root, '.blueprint-rehearsal', 'env', 'cluster');
    fs.mkdirSync(dir, { recursive: true });
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

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
      lateComponentsFile: path.join(dir, 'late-components.json'),
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

  it('starts components handed over late, and stops them with the cluster', async () => {
    const run = await start([sleeper('a')]);
    const late = await startLateComponents(
      root,
      'env',
      [sleeper('controller-1'), sleeper('controller-2')],
      20,
    );
    expect(Object.keys(late)).toEqual(['controller-1', 'controller-2']);
    const state = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')) as SupervisorState;
    expect(Object.keys(state.pids)).toEqual(['a', 'controller-1', 'controller-2']);
    expect(Object.values(late).every(alive)).toBe(true);
    // The same names again are refused, and nothing else changes.
    await expect(startLateComponents(root, 'env', [sleeper('controller-1')], 20)).rejects.toThrow(
      "the rehearsal's supervisor refused to start controller-1: already running: controller-1",
    );
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(Object.values(late).some(alive)).toBe(false);
  });

  it('stops everything when a late component dies, naming it', async () => {
    const run = await start([sleeper('a')]);
    await startLateComponents(root, 'env', [{ name: 'late', argv: ['sh', '-c', 'sleep 1; exit 4'] }], 20);
    expect(await run.exited).toBe(1);
    expect(run.reason()).toBe('late exited (code 4); see late.log');
    expect(Object.values(run.state?.pids ?? {}).some(alive)).toBe(false);
    await expect(startLateComponents(root, 'env', [sleeper('b')], 5)).rejects.toThrow(
      'the rehearsal cluster stopped: late exited (code 4); see late.log',
    );
  });
});
