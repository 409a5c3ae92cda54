import { ValidationError } from '../core/validation-error';

/**
 * Field of a seconds-first cron expression, as the CronHPA controller (ringtail/go-cron, a
 * robfig/cron fork) reads it.
 */
interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Upper-case three-letter names mapped to their numbers (months, days of week). */
  readonly names?: Readonly<Record<string, number>>;
  /** Whether `?` (no specific value) is allowed, as in day-of-month and day-of-week. */
  readonly question?: boolean;
}

const MONTHS: Record<string, number> = {
  JAN: 1,
  FEB: 2,
  MAR: 3,
  APR: 4,
  MAY: 5,
  JUN: 6,
  JUL: 7,
  AUG: 8,
  SEP: 9,
  OCT: 10,
  NOV: 11,
  DEC: 12,
};

const DAYS: Record<string, number> = { SUN: 0, MON: 1, TUE: 2, WED: 3, THU: 4, FRI: 5, SAT: 6 };

const FIELDS: readonly CronField[] = [
  { name: 'seconds', min: 0, max: 59 },
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31, question: true },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 6, names: DAYS, question: true },
];

/** Days in each month of a leap year: a day-of-month that exists in no selected month never fires. */
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const DESCRIPTORS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

/** Go's time.ParseDuration units. */
const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

/** The kinds of schedule the CronHPA controller accepts. */
export type CronScheduleKind = 'cron' | 'descriptor' | 'every' | 'date';

/** What `CronSchedule.check` found: the parsed form, or the first problem. */
export type CronCheck =
  | { readonly ok: true; readonly kind: CronScheduleKind; readonly values?: readonly (readonly number[])[] }
  | { readonly ok: false; readonly problem: string };

/**
 * A schedule of the CronHPA controller (kubernetes-cronhpa-controller): six fields with seconds
 * first (`0 30 8 * * MON-FRI`), a descriptor (`@daily`), an interval (`@every 1h30m`) or a
 * single date (`@date 2026-11-27 08:00:00`).
 *
 * The checks follow the controller's parser: each field is a comma list of `*`, `?` (day of
 * month or week only), a value or a range `a-b`, each optionally with a step `/n`; months and
 * days of week also take three-letter names. A schedule that can never fire (30 February) is
 * rejected too, because the controller accepts it and then silently never scales.
 */
export class CronSchedule {
  /**
   * Parses `expression`, throwing an error that names the expression and the problem.
   * @param expression the schedule as written in the CronHPA job
   */
  public static parse(expression: string): CronSchedule {
    const result = CronSchedule.check(expression);
    if (!result.ok)
      throw new ValidationError(
        `${JSON.stringify(expression)} is not a valid CronHPA schedule: ${result.problem}`,
      );
    return new CronSchedule(expression, result.kind);
  }

  /**
   * Checks `expression` without throwing. The problem is a clause such as
   * `field 1 (seconds): value 61 is outside 0-59`.
   * @param options.fieldsOnly accept only the six-field form (as for `excludeDates`)
   */
  public static check(expression: string, options: { readonly fieldsOnly?: boolean } = {}): CronCheck {
    if (typeof expression !== 'string' || expression.trim() === '')
      return { ok: false, problem: 'it is empty; expected six cron fields, seconds first' };
    const text = expression.trim();
    if (text.startsWith('@')) {
      if (options.fieldsOnly)
        return {
          ok: false,
          problem:
            'it must be six cron fields (seconds minutes hours day-of-month month day-of-week), not a descriptor',
        };
      return checkDescriptor(text);
    }
    const parts = text.split(/\s+/);
    if (parts.length !== FIELDS.length)
      return {
        ok: false,
        problem: `it has ${parts.length} field${parts.length === 1 ? '' : 's'}; expected 6 (seconds minutes hours day-of-month month day-of-week), or @every <duration>, @date <YYYY-MM-DD hh:mm:ss>, @daily…`,
      };
    const values: number[][] = [];
    for (const [index, field] of FIELDS.entries()) {
      const parsed = parseField(parts[index] as string, field);
      if (typeof parsed === 'string')
        return { ok: false, problem: `field ${index + 1} (${field.name}): ${parsed}` };
      values.push(parsed);
    }
    const never = neverFires(parts, values);
    if (never) return { ok: false, problem: never };
    return { ok: true, kind: 'cron', values };
  }

  private constructor(
    /** The expression as written. */
    public readonly expression: string,
    /** Which form it uses. */
    public readonly kind: CronScheduleKind,
  ) {}

  public toString(): string {
    return this.expression;
  }
}

function checkDescriptor(text: string): CronCheck {
  if (DESCRIPTORS.includes(text)) return { ok: true, kind: 'descriptor' };
  if (text.startsWith('@every')) {
    const duration = text.slice('@every'.length).trim();
    if (!GO_DURATION.test(duration))
      return {
        ok: false,
        problem: `the interval ${JSON.stringify(duration)} is not a Go duration (e.g. 30s, 15m, 1h30m)`,
      };
    if (!/[1-9]/.test(duration)) return { ok: false, problem: 'the interval is zero; it must be positive' };
    return { ok: true, kind: 'every' };
  }
  if (text.startsWith('@date')) {
    const date = text.slice('@date'.length).trim();
    const match = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(date);
    if (!match) return { ok: false, problem: `the date ${JSON.stringify(date)} is not YYYY-MM-DD hh:mm:ss` };
    const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as number[];
    const probe = new Date(Date.UTC(year as number, (month as number) - 1, day, hour, minute, second));
    if (
      probe.getUTCFullYear() !== year ||
      probe.getUTCMonth() !== (month as number) - 1 ||
      probe.getUTCDate() !== day ||
      probe.getUTCHours() !== hour ||
      probe.getUTCMinutes() !== minute ||
      probe.getUTCSeconds() !== second
    )
      return { ok: false, problem: `the date ${JSON.stringify(date)} is not a real calendar time` };
    return { ok: true, kind: 'date' };
  }
  return {
    ok: false,
    problem: `${JSON.stringify(text.split(/\s/)[0])} is not a known descriptor (allowed: ${DESCRIPTORS.join(', ')}, @every <duration>, @date <YYYY-MM-DD hh:mm:ss>)`,
  };
}

/** The values a field selects, or a problem such as `value 61 is outside 0-59`. */
function parseField(text: string, field: CronField): number[] | string {
  const selected = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '') return `${JSON.stringify(text)} has an empty list item`;
    const [rangePart, stepPart, ...extra] = item.split('/');
    if (extra.length > 0) return `${JSON.stringify(item)} has more than one "/"`;
    let step = 1;
    if (stepPart !== undefined) {
      if (!/^\d+$/.test(stepPart))
        return `${JSON.stringify(item)} has step ${JSON.stringify(stepPart)}; a step is a whole number`;
      step = Number(stepPart);
      if (step < 1 || step > field.max)
        return `${JSON.stringify(item)} has step ${step}; it must be 1-${field.max}`;
    }
    let low: number;
    let high: number;
    if (rangePart === '*' || (rangePart === '?' && field.question)) {
      if (rangePart === '?' && stepPart !== undefined) return `${JSON.stringify(item)}: "?" takes no step`;
      low = field.min;
      high = field.max;
    } else if (rangePart === '?') {
      return `${JSON.stringify(item)}: "?" is allowed only in day of month and day of week`;
    } else {
      const bounds = (rangePart as string).split('-');
      if (bounds.length > 2) return `${JSON.stringify(item)} is not a value or a range a-b`;
      const first = parseValue(bounds[0] as string, field);
      if (typeof first === 'string') return first;
      low = first;
      if (bounds.length === 2) {
        const second = parseValue(bounds[1] as string, field);
        if (typeof second === 'string') return second;
        high = second;
        if (high < low) return `range ${JSON.stringify(rangePart)} runs backwards (${low} > ${high})`;
      } else {
        // robfig/cron: "N/step" means N through the maximum.
        high = stepPart === undefined ? low : field.max;
      }
    }
    for (let value = low; value <= high; value += step) selected.add(value);
  }
  return [...selected].sort((a, b) => a - b);
}

function parseValue(text: string, field: CronField): number | string {
  const upper = text.toUpperCase();
  if (field.names && upper in field.names) return field.names[upper] as number;
  if (!/^\d+$/.test(text)) {
    const names = field.names ? ` or ${Object.keys(field.names)[0]}-${Object.keys(field.names).at(-1)}` : '';
    return `value ${JSON.stringify(text)} is not a number ${field.min}-${field.max}${names}`;
  }
  const value = Number(text);
  if (value < field.min || value > field.max) return `value ${value} is outside ${field.min}-${field.max}`;
  return value;
}

/**
 * When only the day of month restricts the date, a day that no selected month has (31 April,
 * 30 February) means the job never runs.
 */
function neverFires(parts: readonly string[], values: readonly number[][]): string | undefined {
  const dayOfMonthRestricted = !['*', '?'].includes(parts[3] as string);
  const dayOfWeekRestricted = !['*', '?'].includes(parts[5] as string);
  if (!dayOfMonthRestricted || dayOfWeekRestricted) return undefined;
  const days = values[3] as number[];
  const months = values[4] as number[];
  const possible = months.some((month) => days.some((day) => day <= (DAYS_IN_MONTH[month - 1] as number)));
  return possible
    ? undefined
    : `it never fires: no selected month (${months.join(',')}) has day ${days.join(',')}`;
}
