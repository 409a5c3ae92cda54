import { ValidationError } from '../core/validation-error';

/** One alerting rule, as written into the PrometheusRule. */
export interface AlertRule {
  /** Alert name, e.g. `PodCrashLooping`. */
  readonly alert: string;
  /** The PromQL expression; every series it returns is one firing alert. */
  readonly expr: string;
  /** How long the expression must hold before the alert fires (a Prometheus duration). */
  readonly for: string;
  /** `critical` pages someone; `warning` goes to the team's queue. */
  readonly severity: 'critical' | 'warning';
  /** One line: what is wrong. */
  readonly summary: string;
  /** What is affected and where to look; may use `{{ $labels.x }}` and `{{ $value }}`. */
  readonly description: string;
}

const DURATION = /^((\d+)y)?((\d+)w)?((\d+)d)?((\d+)h)?((\d+)m)?((\d+)s)?((\d+)ms)?$/;
const UNIT_SECONDS: Readonly<Record<string, number>> = {
  y: 365 * 86400,
  w: 7 * 86400,
  d: 86400,
  h: 3600,
  m: 60,
  s: 1,
  ms: 0.001,
};

/** `value` when it is a Prometheus duration longer than zero; else a ValidationError naming `name`. */
export function duration(name: string, value: string | undefined, fallback?: string): string {
  const result = value ?? fallback;
  if (result === undefined || result === '' || !DURATION.test(result) || !/[1-9]/.test(result)) {
    throw new ValidationError(
      `PlatformAlerts: '${name}' (${JSON.stringify(result)}) must be a Prometheus duration such as 5m`,
    );
  }
  return result;
}

/** Seconds of a Prometheus duration (validated with {@link duration}). */
export function durationSeconds(name: string, value: string): number {
  let total = 0;
  for (const [, amount, unit] of duration(name, value).matchAll(/(\d+)(ms|y|w|d|h|m|s)/g))
    total += Number(amount) * (UNIT_SECONDS[unit as string] ?? 0);
  return total;
}

/** `value` when it is a finite number inside (min, max]; else a ValidationError naming `name`. */
export function positive(name: string, value: number, max: number): number {
  if (!(Number.isFinite(value) && value > 0 && value <= max))
    throw new ValidationError(
      `PlatformAlerts: '${name}' (${value}) must be greater than 0 and at most ${max}`,
    );
  return value;
}

/** `value` when it is a share strictly between 0 and 1; else a ValidationError naming `name`. */
export function share(name: string, value: number): number {
  if (!(value > 0 && value < 1))
    throw new ValidationError(`PlatformAlerts: '${name}' (${value}) must be between 0 and 1`);
  return value;
}
