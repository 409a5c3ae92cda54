/**
 * Schedules of Kubernetes CronJobs and of vitess-operator's VitessBackupSchedule, both read
 * with robfig/cron's standard parser: five fields (minute, hour, day of month, month, day of
 * week), or a descriptor (`@daily`), or `@every <Go duration>`. `TZ=`/`CRON_TZ=` prefixes are
 * refused (Kubernetes refuses them in `schedule`).
 */

interface Field {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: Readonly<Record<string, number>>;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const FIELDS: readonly Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: Object.fromEntries(MONTHS.map((m, i) => [m, i + 1])) },
  // robfig/cron accepts 7 for Sunday too.
  { name: 'day of week', min: 0, max: 7, names: Object.fromEntries(DAYS.map((d, i) => [d, i])) },
];

const DESCRIPTORS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

function value(text: string, field: Field): number | string {
  const upper = text.toUpperCase();
  if (field.names && upper in field.names) return field.names[upper] as number;
  if (!/^\d+$/.test(text)) return `"${text}" is not a number${field.names ? ' or a name' : ''}`;
  const n = Number(text);
  if (n < field.min || n > field.max) return `${n} is outside ${field.min}-${field.max}`;
  return n;
}

function fieldProblem(text: string, field: Field): string | undefined {
  for (const part of text.split(',')) {
    const [range = '', step, extra] = part.split('/');
    if (extra !== undefined) return `"${part}" has more than one "/"`;
    if (step !== undefined && !/^[1-9]\d*$/.test(step)) return `step "${step}" is not a positive number`;
    if (range === '*' || range === '?') continue;
    const bounds = range.split('-');
    if (bounds.length > 2 || bounds.some((b) => b === '')) return `"${range}" is not a value or a range a-b`;
    const parsed = bounds.map((b) => value(b, field));
    const bad = parsed.find((p) => typeof p === 'string');
    if (bad !== undefined) return bad as string;
    const [low, high] = parsed as number[];
    if (high !== undefined && (low as number) > high) return `range "${range}" runs backwards`;
  }
  return undefined;
}

/** What is wrong with `schedule` as a CronJob schedule, or undefined when it is valid. */
export function cronScheduleProblem(schedule: string): string | undefined {
  const text = schedule.trim();
  if (text === '') return 'is empty: write five fields such as "0 2 * * *" or a descriptor such as @daily';
  if (/^(CRON_)?TZ=/.test(text))
    return 'has a time zone prefix, which Kubernetes refuses in a schedule; the operator runs it in its own time zone';
  if (text.startsWith('@')) {
    if (DESCRIPTORS.includes(text)) return undefined;
    const every = /^@every (.+)$/.exec(text);
    if (every && GO_DURATION.test(every[1] as string)) return undefined;
    return `is not a known descriptor (${DESCRIPTORS.join(', ')}, or @every <duration> such as @every 6h)`;
  }
  const fields = text.split(/\s+/);
  if (fields.length !== FIELDS.length)
    return `has ${fields.length} field${fields.length === 1 ? '' : 's'}; a schedule has 5: minute hour day-of-month month day-of-week (e.g. "0 2 * * *")`;
  for (const [index, field] of FIELDS.entries()) {
    const problem = fieldProblem(fields[index] as string, field);
    if (problem !== undefined) return `has an invalid ${field.name} field "${fields[index]}": ${problem}`;
  }
  return undefined;
}
