import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import { InputError, type InputProblem } from '../environments/input-error';
import type { LoadedEnvironment } from '../environments/load';
import { type EnvironmentOutput, synthesizeEnvironment } from '../stacks/environment';
import { ownModule, workerSource } from './own-module';

/** One environment's output and how long its synthesis took. */
export interface TimedOutput {
  readonly output: EnvironmentOutput;
  readonly ms: number;
}

interface WorkerReply {
  readonly index: number;
  readonly output?: EnvironmentOutput;
  readonly ms?: number;
  readonly error?: { name: string; message: string; stack?: string; problems?: InputProblem[] };
}

/** From this many environments on, synthesis runs in worker threads (when there are 2+ cores). */
export const PARALLEL_THRESHOLD = 4;

/** How many workers to use for `count` environments: one per core, at most one per environment. */
export function workerCount(count: number, cores = os.availableParallelism()): number {
  if (count < PARALLEL_THRESHOLD || cores < 2) return 0;
  return Math.min(cores, count);
}

/**
 * Synthesizes validated environments, in order. Few environments are synthesized in this
 * thread; many are spread over worker threads (each loads cdk8s and cdktf once, then takes
 * environments from a shared queue). `onDone` is called as each environment finishes.
 */
export async function synthesizeAll(
  envs: readonly LoadedEnvironment[],
  onDone: (done: TimedOutput, finished: number) => void = () => {},
  workers = workerCount(envs.length),
): Promise<TimedOutput[]> {
  if (workers === 0) {
    return envs.map((env, i) => {
      const started = performance.now();
      const timed = { output: synthesizeEnvironment(env), ms: Math.round(performance.now() - started) };
      onDone(timed, i + 1);
      return timed;
    });
  }
  const results: TimedOutput[] = new Array(envs.length);
  let next = 0;
  let finished = 0;
  const source = workerSource(ownModule(__dirname, 'synth-worker'));
  const pool = Array.from({ length: workers }, () => new Worker(source, { eval: true }));
  try {
    await Promise.all(
      pool.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const feed = () => {
              if (next >= envs.length) return resolve();
              const index = next++;
              worker.postMessage({ index, env: envs[index] });
            };
            worker.on('message', (message: WorkerReply) => {
              if (message.error?.problems) return reject(new InputError(message.error.problems));
              if (message.error) {
                const error = new Error(message.error.message);
                error.name = message.error.name;
                error.stack = message.error.stack;
                return reject(error);
              }
              const timed = { output: message.output as EnvironmentOutput, ms: message.ms ?? 0 };
              results[message.index] = timed;
              onDone(timed, ++finished);
              feed();
            });
            worker.on('error', reject);
            worker.on('exit', (code) => {
              if (code !== 0) reject(new Error(`synthesis worker exited with code ${code}`));
            });
            feed();
          }),
      ),
    );
  } finally {
    await Promise.all(pool.map((worker) => worker.terminate()));
  }
  return results;
}
