import { spawn } from 'node:child_process';

/** The outcome of one command. */
export interface ExecResult {
  /** Exit code; -1 when the command did not start or was killed. */
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The binary was not found on PATH. */
  readonly missing: boolean;
  /** The command was killed after its timeout. */
  readonly timedOut: boolean;
  readonly ms: number;
}

/** How to run one command. */
export interface ExecOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Killed (SIGTERM, then SIGKILL 5 s later) after this many seconds. */
  readonly timeoutSeconds: number;
  /** Called with each complete line of stdout and stderr, as it arrives. @default - output is only collected */
  readonly onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

const KILL_GRACE_MS = 5000;

/**
 * Runs a command without a shell, stdin closed, collecting its output. Never rejects: a
 * missing binary, a crash or a timeout are all results.
 */
export function exec(argv: readonly string[], options: ExecOptions): Promise<ExecResult> {
  const [command, ...args] = argv;
  const started = performance.now();
  return new Promise((resolve) => {
    if (command === undefined) {
      resolve({ exitCode: -1, stdout: '', stderr: 'no command', missing: true, timedOut: false, ms: 0 });
      return;
    }
    const out: string[] = [];
    const err: string[] = [];
    const pending = { stdout: '', stderr: '' };
    let timedOut = false;
    let settled = false;
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onData = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      (stream === 'stdout' ? out : err).push(text);
      if (!options.onLine) return;
      const lines = (pending[stream] + text).split('\n');
      pending[stream] = lines.pop() ?? '';
      for (const line of lines) options.onLine(line.replace(/\r$/, ''), stream);
    };
    child.stdout.on('data', onData('stdout'));
    child.stderr.on('data', onData('stderr'));
    let killer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      killer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    }, options.timeoutSeconds * 1000);
    const finish = (exitCode: number, missing: boolean, extraErr = '') => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (killer) clearTimeout(killer);
      if (options.onLine) {
        for (const stream of ['stdout', 'stderr'] as const) {
          if (pending[stream] !== '') options.onLine(pending[stream], stream);
        }
      }
      resolve({
        exitCode,
        stdout: out.join(''),
        stderr: err.join('') + extraErr,
        missing,
        timedOut,
        ms: Math.round(performance.now() - started),
      });
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      finish(-1, error.code === 'ENOENT', error.code === 'ENOENT' ? '' : error.message);
    });
    child.on('close', (code) => finish(code ?? -1, false));
  });
}
