import { z } from 'zod';

/**
 * systemd calendar events (`OnCalendar=` of a timer, systemd.time(7)), checked the way systemd
 * 252's `calendar_spec_from_string()` checks them, so that the schema refuses every expression
 * systemd refuses and a generated timer never fails to load. test/environments/calendar.test.ts
 * compares this parser with `systemd-analyze calendar` on several hundred expressions.
 *
 * Deliberately narrower than systemd in two places, with their own messages: a time zone other
 * than UTC (systemd accepts the machine's zone names and whatever /usr/share/zoneinfo holds,
 * which differs between machines, so the output would not mean the same everywhere) and
 * `@<epoch seconds>` (a single moment, not a recurring schedule).
 */

const USEC_PER_SEC = 1_000_000;
const INT_MAX = 2_147_483_647;
/** systemd refuses chains longer than this many `,`-separated components (CALENDARSPEC_COMPONENTS_MAX + 1). */
const MAX_COMPONENTS = 241;

interface Component {
  start: number;
  stop: number;
  repeat: number;
}

class Invalid extends Error {}

const WEEKDAYS: readonly [string, number][] = [
  ['monday', 0],
  ['mon', 0],
  ['tuesday', 1],
  ['tue', 1],
  ['wednesday', 2],
  ['wed', 2],
  ['thursday', 3],
  ['thu', 3],
  ['friday', 4],
  ['fri', 4],
  ['saturday', 5],
  ['sat', 5],
  ['sunday', 6],
  ['sun', 6],
];

const KEYWORDS = new Set([
  'minutely',
  'hourly',
  'daily',
  'monthly',
  'annually',
  'yearly',
  'anually',
  'weekly',
  'quarterly',
  'biannually',
  'bi-annually',
  'semiannually',
  'semi-annually',
]);

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

/** A cursor over the expression; `peek(n)` past the end is undefined (C's NUL). */
class Cursor {
  constructor(
    public readonly text: string,
    public at = 0,
  ) {}
  peek(offset = 0): string | undefined {
    return this.text[this.at + offset];
  }
  get done(): boolean {
    return this.at >= this.text.length;
  }
  rest(): string {
    return this.text.slice(this.at);
  }
  skipSpaces(): void {
    while (this.peek() === ' ') this.at++;
  }
}

/** A run of decimal digits as a number; overlong runs overflow (systemd: ERANGE). */
function readNumber(cursor: Cursor, start: number): number {
  const digits = cursor.text.slice(start, cursor.at);
  return digits.length > 19 ? Number.POSITIVE_INFINITY : Number(digits);
}

/** Six digits of a fraction of a second, rounded on the seventh, as parse_fractional_part_u does. */
function readFraction(cursor: Cursor): number {
  let value = 0;
  let i = 0;
  for (; i < 6; i++) {
    const c = cursor.peek();
    if (!isDigit(c)) {
      if (i === 0) throw new Invalid();
      break;
    }
    value = value * 10 + Number(c);
    cursor.at++;
  }
  for (; i < 6; i++) value *= 10;
  const next = cursor.peek();
  if (next !== undefined && next >= '5' && next <= '9') value++;
  while (isDigit(cursor.peek())) cursor.at++;
  return value;
}

function readDecimal(cursor: Cursor, usec: boolean): number {
  if (!isDigit(cursor.peek())) throw new Invalid();
  const start = cursor.at;
  while (isDigit(cursor.peek())) cursor.at++;
  let value = readNumber(cursor, start);
  if (usec) {
    value *= USEC_PER_SEC;
    // One "." is a decimal point, ".." a range.
    if (cursor.peek() === '.' && cursor.peek(1) !== '.') {
      cursor.at++;
      value += readFraction(cursor);
    }
  }
  if (value > INT_MAX) throw new Invalid();
  return value;
}

/** One `,`-separated chain of `start[..stop][/repeat]` components, or `*` (undefined: any). */
function readChain(cursor: Cursor, usec: boolean): Component[] | undefined {
  if (cursor.peek() === '*') {
    cursor.at++;
    return usec ? [{ start: 0, stop: -1, repeat: USEC_PER_SEC }] : undefined;
  }
  const chain: Component[] = [];
  for (;;) {
    if (chain.length >= MAX_COMPONENTS) throw new Invalid();
    const start = readDecimal(cursor, usec);
    let stop = -1;
    let repeat = 0;
    if (cursor.peek() === '.' && cursor.peek(1) === '.') {
      cursor.at += 2;
      stop = readDecimal(cursor, usec);
      repeat = usec ? USEC_PER_SEC : 1;
    }
    if (cursor.peek() === '/') {
      cursor.at++;
      repeat = readDecimal(cursor, usec);
      if (repeat === 0) throw new Invalid();
    } else {
      if (start > INT_MAX - repeat) throw new Invalid();
      if (usec && stop >= 0 && start + repeat > stop) throw new Invalid();
    }
    const next = cursor.peek();
    if (next !== undefined && !' ,-~:'.includes(next)) throw new Invalid();
    chain.push({ start, stop, repeat });
    if (next !== ',') return chain;
    cursor.at++;
  }
}

interface Spec {
  weekdays: number;
  endOfMonth: boolean;
  year?: Component[] | undefined;
  month?: Component[] | undefined;
  day?: Component[] | undefined;
  hour?: Component[] | undefined;
  minute?: Component[] | undefined;
  second?: Component[] | undefined;
}

function readWeekdays(cursor: Cursor, spec: Spec): void {
  let rangeStart = -1;
  let first = true;
  for (;;) {
    const rest = cursor.rest().toLowerCase();
    const found = WEEKDAYS.find(([name]) => rest.startsWith(name));
    if (found === undefined) {
      if (first) return;
      throw new Invalid();
    }
    const [name, day] = found;
    const after = cursor.peek(name.length);
    if (after !== undefined && !'-., '.includes(after)) throw new Invalid();
    spec.weekdays |= 1 << day;
    if (rangeStart >= 0) {
      if (rangeStart > day) throw new Invalid();
      for (let j = rangeStart + 1; j < day; j++) spec.weekdays |= 1 << j;
    }
    cursor.at += name.length;
    if (cursor.done) return;
    if (cursor.peek() === ' ') {
      cursor.skipSpaces();
      return;
    }
    if (cursor.peek() === '.') {
      if (rangeStart >= 0 || cursor.peek(1) !== '.') throw new Invalid();
      rangeStart = day;
      cursor.at += 2;
    } else if (cursor.peek() === '-') {
      // "-" ranges, for backwards compatibility.
      if (rangeStart >= 0) throw new Invalid();
      rangeStart = day;
      cursor.at += 1;
    } else if (cursor.peek() === ',') {
      rangeStart = -1;
      cursor.at += 1;
    }
    // A trailing comma is allowed, an open range is not.
    if (cursor.done || cursor.peek() === ' ') {
      cursor.skipSpaces();
      if (rangeStart >= 0) throw new Invalid();
      return;
    }
    first = false;
  }
}

/** The date part, if any: `[year-]month-day` (`~`: counted from the end of the month). */
function readDate(cursor: Cursor, spec: Spec): void {
  if (cursor.done) return;
  const t = new Cursor(cursor.text, cursor.at);
  const first = readChain(t, false);
  if (t.done || t.peek() === ':') return; // a time, not a date
  if (t.peek() === '~') spec.endOfMonth = true;
  else if (t.peek() !== '-') throw new Invalid();
  t.at++;
  const second = readChain(t, false);
  if (t.done || t.peek() === ' ') {
    t.skipSpaces();
    cursor.at = t.at;
    spec.month = first;
    spec.day = second;
    return;
  }
  if (spec.endOfMonth) throw new Invalid();
  if (t.peek() === '~') spec.endOfMonth = true;
  else if (t.peek() !== '-') throw new Invalid();
  t.at++;
  const third = readChain(t, false);
  if (!(t.done || t.peek() === ' ')) throw new Invalid();
  t.skipSpaces();
  cursor.at = t.at;
  spec.year = first;
  spec.month = second;
  spec.day = third;
}

function readTime(cursor: Cursor, spec: Spec): void {
  const zero = (): Component[] => [{ start: 0, stop: -1, repeat: 0 }];
  if (cursor.done) {
    spec.hour = zero();
    spec.minute = zero();
    spec.second = zero();
    return;
  }
  spec.hour = readChain(cursor, false);
  if (cursor.peek() !== ':') throw new Invalid();
  cursor.at++;
  spec.minute = readChain(cursor, false);
  if (cursor.done) {
    spec.second = zero();
    return;
  }
  if (cursor.peek() !== ':') throw new Invalid();
  cursor.at++;
  spec.second = readChain(cursor, true);
  if (!cursor.done) throw new Invalid();
}

/** systemd's normalize_chain, as far as validity depends on it. */
function normalize(chain: Component[] | undefined): void {
  for (const c of chain ?? []) {
    if (c.stop > c.start && c.repeat > 0) c.stop -= (c.stop - c.start) % c.repeat;
    if ((c.stop > c.start && c.repeat > 0 && c.start + c.repeat > c.stop) || c.start === c.stop) {
      c.repeat = 0;
      c.stop = -1;
    }
  }
}

function chainValid(
  chain: Component[] | undefined,
  from: number,
  upTo: number,
  endOfMonth: boolean,
): boolean {
  const to = endOfMonth ? upTo - 3 : upTo;
  for (const c of chain ?? []) {
    if (c.start < from || c.start > to) return false;
    if (c.repeat > to - from) return false;
    if (c.stop >= 0) {
      if (c.stop < from || c.stop > to) return false;
      if (c.start + c.repeat > c.stop) return false;
    } else {
      if (endOfMonth && c.start - c.repeat < from) return false;
      if (!endOfMonth && c.start + c.repeat > to) return false;
    }
  }
  return true;
}

/** Why `text` is not a calendar event systemd accepts, or undefined when it is one. */
export function calendarEventProblem(text: string): string | undefined {
  if (text.includes('%')) return 'contains "%", which systemd would expand as a unit specifier';
  let body = text;
  if (/ utc$/i.test(body)) body = body.slice(0, -' UTC'.length);
  else {
    // After the last space, a word starting with a letter: systemd would take it as a time zone
    // (or refuse it); no calendar component starts with a letter there.
    const last = body.slice(body.lastIndexOf(' ') + 1);
    if (body.includes(' ') && /^[A-Za-z]/.test(last)) {
      return `ends in ${JSON.stringify(last)}: a time zone other than UTC is not allowed (leave it out for the master's local time)`;
    }
  }
  if (body.includes('@')) return 'holds a single moment (@<seconds>), not a recurring schedule';
  if (body === '') return 'is empty';
  try {
    const spec: Spec = { weekdays: 0, endOfMonth: false };
    if (!KEYWORDS.has(body.toLowerCase())) {
      const cursor = new Cursor(body);
      readWeekdays(cursor, spec);
      readDate(cursor, spec);
      readTime(cursor, spec);
      if (!cursor.done) throw new Invalid();
    }
    if (spec.endOfMonth && spec.day === undefined) spec.endOfMonth = false;
    for (const c of spec.year ?? []) {
      for (const key of ['start', 'stop'] as const) {
        if (c[key] >= 0 && c[key] < 70) c[key] += 2000;
        else if (c[key] >= 70 && c[key] < 100) c[key] += 1900;
      }
    }
    for (const chain of [spec.year, spec.month, spec.day, spec.hour, spec.minute, spec.second])
      normalize(chain);
    const valid =
      chainValid(spec.year, 1970, 2199, false) &&
      chainValid(spec.month, 1, 12, false) &&
      chainValid(spec.day, 1, 31, spec.endOfMonth) &&
      chainValid(spec.hour, 0, 23, false) &&
      chainValid(spec.minute, 0, 59, false) &&
      chainValid(spec.second, 0, 60 * USEC_PER_SEC - 1, false);
    if (!valid) throw new Invalid();
    return undefined;
  } catch (error) {
    if (error instanceof Invalid) return SYNTAX;
    throw error;
  }
}

const SYNTAX =
  'is not a systemd calendar event (OnCalendar=, systemd.time(7)): e.g. hourly, daily, ' +
  '"*-*-* 00/6:00:00" (every 6 hours), "Mon..Fri 02:30", "*-*-* *:00/15:00" (every 15 minutes); ' +
  'check one with `systemd-analyze calendar`';

/** A systemd `OnCalendar=` expression that systemd 252 accepts (see {@link calendarEventProblem}). */
export const calendarEvent = z
  .string({ error: 'must be a string holding a systemd calendar event (OnCalendar=)' })
  .superRefine((value, ctx) => {
    const problem = calendarEventProblem(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });
