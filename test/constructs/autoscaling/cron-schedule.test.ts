import fc from 'fast-check';
import { CronSchedule } from '../../../constructs/autoscaling/cron-schedule';

function problem(expression: string, options?: { fieldsOnly?: boolean }): string | undefined {
  const check = CronSchedule.check(expression, options);
  return check.ok ? undefined : check.problem;
}

describe('CronSchedule', () => {
  it.each([
    '0 0 8 * * *',
    '*/30 * * * * *',
    '0 0/15 9-17 * * MON-FRI',
    '0 0 8 27 11 ?',
    '0 0 8 ? * sat,sun',
    '30 5 0 1,15 JAN-MAR,OCT *',
    '0 0 0 29 2 *',
    '0 0 0 31 1-12 *',
    '@daily',
    '@every 1h30m10s',
    '@every 90s',
    '@date 2026-11-27 08:00:00',
    '@date 2028-02-29 00:00:00',
  ])('accepts %s', (expression) => {
    expect(problem(expression)).toBeUndefined();
  });

  it.each([
    ['0 8 * * *', 'it has 5 fields; expected 6'],
    ['0 0 0 8 * * *', 'it has 7 fields; expected 6'],
    ['', 'it is empty'],
    ['60 * * * * *', 'field 1 (seconds): value 60 is outside 0-59'],
    ['0 60 * * * *', 'field 2 (minutes): value 60 is outside 0-59'],
    ['0 0 24 * * *', 'field 3 (hours): value 24 is outside 0-23'],
    ['0 0 0 0 * *', 'field 4 (day of month): value 0 is outside 1-31'],
    ['0 0 0 1 13 *', 'field 5 (month): value 13 is outside 1-12'],
    ['0 0 0 * * 7', 'field 6 (day of week): value 7 is outside 0-6'],
    ['0 0 0 * FOO *', 'field 5 (month): value "FOO" is not a number 1-12 or JAN-DEC'],
    ['0 0 0 * * MON-FOO', 'value "FOO" is not a number 0-6 or SUN-SAT'],
    ['0 0 17-9 * * *', 'range "17-9" runs backwards (17 > 9)'],
    ['*/0 * * * * *', 'step 0; it must be 1-59'],
    ['*/x * * * * *', 'has step "x"'],
    ['0 0 0 1,,2 * *', 'has an empty list item'],
    ['? * * * * *', '"?" is allowed only in day of month and day of week'],
    ['0 0 0 L * *', 'value "L" is not a number 1-31'],
    ['0 0 0 31 4 *', 'it never fires: no selected month (4) has day 31'],
    ['0 0 0 30,31 2 *', 'it never fires'],
    ['@every', 'the interval "" is not a Go duration'],
    ['@every 5 minutes', 'is not a Go duration'],
    ['@every 0s', 'the interval is zero'],
    ['@date 2026-02-30 08:00:00', 'is not a real calendar time'],
    ['@date 2026-11-27 25:00:00', 'is not a real calendar time'],
    ['@date 2026-11-27', 'is not YYYY-MM-DD hh:mm:ss'],
    ['@tomorrow', '"@tomorrow" is not a known descriptor'],
  ])('rejects %j: %s', (expression, expected) => {
    expect(problem(expression)).toContain(expected);
  });

  it('takes day of month with day of week restricted as "either", so a 31 April with Mondays still fires', () => {
    expect(problem('0 0 0 31 4 MON')).toBeUndefined();
  });

  it('accepts only six fields for excluded dates', () => {
    expect(problem('* * * 25 12 *', { fieldsOnly: true })).toBeUndefined();
    expect(problem('@daily', { fieldsOnly: true })).toContain('must be six cron fields');
  });

  it('parse() throws with the expression and the problem', () => {
    expect(() => CronSchedule.parse('0 0 25 * * *')).toThrow(
      '"0 0 25 * * *" is not a valid CronHPA schedule: field 3 (hours): value 25 is outside 0-23',
    );
    expect(CronSchedule.parse('@hourly').kind).toBe('descriptor');
  });

  it('selects exactly the values of a range with a step', () => {
    const check = CronSchedule.check('0 5/20 10-12 * * *');
    expect(check.ok && check.values?.[1]).toEqual([5, 25, 45]);
    expect(check.ok && check.values?.[2]).toEqual([10, 11, 12]);
  });

  it('accepts every in-range single value and rejects every out-of-range one', () => {
    const ranges: [number, number][] = [
      [0, 59],
      [0, 59],
      [0, 23],
      [1, 28],
      [1, 12],
      [0, 6],
    ];
    fc.assert(
      fc.property(
        fc.tuple(...ranges.map(([min, max]) => fc.integer({ min, max }))),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 1, max: 40 }),
        (values, field, overflow) => {
          expect(problem(values.join(' '))).toBeUndefined();
          const bad = [...values];
          bad[field] = (field === 3 ? 31 : (ranges[field] as [number, number])[1]) + overflow;
          expect(problem(bad.join(' '))).toMatch(new RegExp(`^field ${field + 1} `));
        },
      ),
    );
  });
});
