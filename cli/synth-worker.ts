import { parentPort } from 'node:worker_threads';
import { InputError } from '../environments/input-error';
import type { LoadedEnvironment } from '../environments/load';
import { synthesizeEnvironment } from '../stacks/environment';

/**
 * A synthesis worker: receives validated environments, one at a time, and posts back their
 * output. Validation happened in the main thread, so the worker only builds constructs.
 */
export interface WorkerRequest {
  readonly index: number;
  readonly env: LoadedEnvironment;
}

if (parentPort) {
  const port = parentPort;
  port.on('message', (request: WorkerRequest) => {
    const started = performance.now();
    try {
      const output = synthesizeEnvironment(request.env);
      port.postMessage({ index: request.index, output, ms: Math.round(performance.now() - started) });
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      // An InputError crosses the thread boundary as its problems, so the CLI still exits 2.
      const problems = error instanceof InputError ? error.problems : undefined;
      port.postMessage({
        index: request.index,
        error: { name: err.name, message: err.message, stack: err.stack, problems },
      });
    }
  });
}
