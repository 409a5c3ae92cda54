import type { Io } from '../io';
import type { Step } from './plan';

/** How a step ended. */
export type StepStatus = 'ok' | 'skipped' | 'warning' | 'failed';

/** Receives the runner's events and shows them. */
export interface Progress {
  /** The whole list, before the first step runs. */
  begin(steps: readonly Step[]): void;
  start(index: number, step: Step): void;
  /** A line of a step's output that the user should see (plans, diffs, rollouts). */
  output(line: string): void;
  /** A message before a question or a warning, on its own line. */
  note(line: string): void;
  finish(index: number, step: Step, status: StepStatus, detail: string, ms: number): void;
}

const SYMBOLS: Readonly<Record<StepStatus, string>> = { ok: '✓', skipped: '-', warning: '!', failed: '✗' };

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Plain lines for CI logs: one line when a step starts, one when it ends, nothing rewritten.
 */
export class PlainProgress implements Progress {
  private total = 0;

  constructor(private readonly io: Io) {}

  begin(steps: readonly Step[]): void {
    this.total = steps.length;
  }

  start(index: number, step: Step): void {
    this.io.out(`[${index + 1}/${this.total}] ${step.title} ...`);
  }

  output(line: string): void {
    this.io.out(`    ${line}`);
  }

  note(line: string): void {
    this.io.out(line);
  }

  finish(index: number, step: Step, status: StepStatus, detail: string, ms: number): void {
    const suffix = detail ? `: ${detail}` : '';
    this.io.out(`[${index + 1}/${this.total}] ${step.title}: ${status}${suffix} (${seconds(ms)})`);
  }
}

/** Moves the cursor up one line and clears it. */
const REWRITE = '\u001b[1A\u001b[2K';

/**
 * A step list with live status for a terminal: the list is printed first, then the running
 * step's line counts seconds in place and turns into ✓, ✗, ! or - when the step ends.
 */
export class TtyProgress implements Progress {
  private total = 0;
  private live: { index: number; step: Step; started: number } | undefined;
  /** Whether the last line printed is the live status line (so it can be rewritten). */
  private statusIsLast = false;
  private ticker: NodeJS.Timeout | undefined;

  constructor(
    private readonly io: Io,
    private readonly tickMs = 1000,
  ) {}

  begin(steps: readonly Step[]): void {
    this.total = steps.length;
    this.io.out('steps:');
    steps.forEach((step, index) => {
      this.io.out(`  ○ ${String(index + 1).padStart(2)}. ${step.title}`);
    });
    this.io.out('');
  }

  start(index: number, step: Step): void {
    this.live = { index, step, started: performance.now() };
    this.io.out(this.statusLine());
    this.statusIsLast = true;
    this.ticker = setInterval(() => {
      if (!this.statusIsLast) return;
      this.io.out(`${REWRITE}${this.statusLine()}`);
    }, this.tickMs);
    this.ticker.unref();
  }

  output(line: string): void {
    this.statusIsLast = false;
    this.io.out(`    │ ${line}`);
  }

  note(line: string): void {
    this.statusIsLast = false;
    this.io.out(line);
  }

  finish(index: number, step: Step, status: StepStatus, detail: string, ms: number): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    const line = `  ${SYMBOLS[status]} [${index + 1}/${this.total}] ${step.title}${detail ? ` — ${detail}` : ''} (${seconds(ms)})`;
    this.io.out(this.statusIsLast ? `${REWRITE}${line}` : line);
    this.statusIsLast = false;
    this.live = undefined;
  }

  private statusLine(): string {
    if (!this.live) return '';
    const elapsed = Math.floor((performance.now() - this.live.started) / 1000);
    return `  ◐ [${this.live.index + 1}/${this.total}] ${this.live.step.title} (${elapsed} s)`;
  }
}
