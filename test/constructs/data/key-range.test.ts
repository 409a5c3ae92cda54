import fc from 'fast-check';
import { checkKeyRanges, compareHex, KeyRange } from '../../../constructs/data/key-range';

/** A keyspace id: 1 to 8 random bytes, lowercase hex. */
const keyspaceId = fc
  .uint8Array({ minLength: 1, maxLength: 8 })
  .map((bytes) => Buffer.from(bytes).toString('hex'));

/** How many ranges hold the key. */
function owners(ranges: readonly KeyRange[], key: string): number {
  return ranges.filter((range) => range.contains(key)).length;
}

/** Random valid explicit ranges: distinct non-zero bounds of 1-3 bytes, sorted. */
const validRanges = fc
  .uniqueArray(
    fc.uint8Array({ minLength: 1, maxLength: 3 }).map((b) => Buffer.from(b).toString('hex')),
    {
      maxLength: 12,
    },
  )
  .map((bounds) => {
    // Distinct as keyspace boundaries (80 and 8000 are one boundary), none at the start.
    const unique: string[] = [];
    for (const bound of [...bounds].filter((b) => !/^0+$/.test(b)).sort(compareHex)) {
      const last = unique[unique.length - 1];
      if (last === undefined || compareHex(last, bound) !== 0) unique.push(bound);
    }
    const all = ['', ...unique, ''];
    return all.slice(0, -1).map((start, index) => `${start}-${all[index + 1]}`);
  });

describe('KeyRange.evenSplit', () => {
  it('splits 2 and 4 the way Vitess names them', () => {
    expect(KeyRange.evenSplit(1).map(String)).toEqual(['-']);
    expect(KeyRange.evenSplit(2).map(String)).toEqual(['-80', '80-']);
    expect(KeyRange.evenSplit(4).map(String)).toEqual(['-40', '40-80', '80-c0', 'c0-']);
    expect(KeyRange.evenSplit(8).map(String)[3]).toBe('60-80');
  });

  it('any count covers the keyspace exactly once (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1024 }),
        fc.array(keyspaceId, { maxLength: 20 }),
        (count, keys) => {
          const ranges = KeyRange.evenSplit(count);
          expect(ranges).toHaveLength(count);
          expect(checkKeyRanges(ranges.map(String))).toEqual([]);
          for (const key of keys) expect(owners(ranges, key)).toBe(1);
        },
      ),
    );
  });

  it('a power of two gives parts of exactly equal width (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 12 }), (exponent) => {
        const count = 2 ** exponent;
        const ranges = KeyRange.evenSplit(count);
        const digits = Math.max(2, ...ranges.map((range) => Math.max(range.start.length, range.end.length)));
        const value = (bound: string, end: boolean) =>
          bound === '' ? (end ? 16n ** BigInt(digits) : 0n) : BigInt(`0x${bound.padEnd(digits, '0')}`);
        const widths = new Set(ranges.map((range) => value(range.end, true) - value(range.start, false)));
        expect(widths.size).toBe(1);
        expect([...widths][0]).toBe(16n ** BigInt(digits) / BigInt(count));
      }),
    );
  });

  it('refuses counts outside 1..65536 with the value', () => {
    expect(() => KeyRange.evenSplit(0)).toThrow("'count' (0)");
    expect(() => KeyRange.evenSplit(2.5)).toThrow("'count' (2.5)");
  });
});

describe('checkKeyRanges', () => {
  it('random valid explicit ranges cover the keyspace exactly once (property)', () => {
    fc.assert(
      fc.property(validRanges, fc.array(keyspaceId, { maxLength: 20 }), (texts, keys) => {
        expect(checkKeyRanges(texts)).toEqual([]);
        const ranges = texts.map((text) => KeyRange.parse(text));
        for (const key of keys) expect(owners(ranges, key)).toBe(1);
        // Every bound is a key of exactly one range: starts are inclusive, ends exclusive.
        for (const range of ranges) if (range.start !== '') expect(owners(ranges, range.start)).toBe(1);
      }),
    );
  });

  it('dropping an inner range always reports a gap at the next one (property)', () => {
    fc.assert(
      fc.property(
        validRanges.filter((texts) => texts.length >= 3),
        fc.nat(),
        (texts, pick) => {
          const drop = 1 + (pick % (texts.length - 2));
          const broken = texts.filter((_, index) => index !== drop);
          const problems = checkKeyRanges(broken);
          expect(problems).toHaveLength(1);
          expect(problems[0]?.index).toBe(drop);
          expect(problems[0]?.message).toContain('leaves a gap after');
        },
      ),
    );
  });

  it('stretching a range over its neighbour always reports an overlap (property)', () => {
    fc.assert(
      fc.property(
        validRanges.filter((texts) => texts.length >= 3),
        fc.nat(),
        (texts, pick) => {
          const index = pick % (texts.length - 2);
          const ranges = texts.map((text) => KeyRange.parse(text));
          const next = ranges[index + 1] as KeyRange;
          // The range now ends where the next one ends: the next range's keys are in both.
          const stretched = [...texts];
          stretched[index] = `${(ranges[index] as KeyRange).start}-${next.end}`;
          const problems = checkKeyRanges(stretched);
          expect(problems.map((problem) => problem.index)).toEqual([index + 1]);
          expect(problems[0]?.message).toContain('overlaps');
        },
      ),
    );
  });

  it('names the gap, the overlap and the order problem with their keys', () => {
    expect(checkKeyRanges(['-40', '80-'])).toEqual([
      { index: 1, value: '80-', message: 'leaves a gap after "-40": keys from 40 to 80 belong to no shard' },
    ]);
    expect(checkKeyRanges(['-80', '40-'])).toEqual([
      { index: 1, value: '40-', message: 'overlaps "-80": keys from 40 to 80 are in both' },
    ]);
    expect(checkKeyRanges(['-80', '80-c0', '40-80', 'c0-'])[0]?.message).toContain('out of order');
    expect(checkKeyRanges(['40-'])[0]?.message).toContain('gap at the start');
    expect(checkKeyRanges(['-c0'])[0]?.message).toContain('gap at the end');
    expect(checkKeyRanges(['-', '80-'])[0]?.message).toContain('already runs to the end');
  });

  it('treats 80 and 8000 as the same boundary', () => {
    expect(checkKeyRanges(['-80', '8000-'])).toEqual([]);
    expect(checkKeyRanges(['-8000', '80-c0', 'c0-'])).toEqual([]);
  });

  it('refuses non-hex, uppercase, odd-length, zero-start and empty ranges', () => {
    const message = (text: string) => KeyRange.problem(text) ?? '';
    expect(message('-8g')).toContain('not hex');
    expect(message('-C0')).toContain('uppercase');
    expect(message('-8')).toContain('odd number of hex digits');
    expect(message('00-80')).toContain("write the unbounded start as ''");
    expect(message('80-40')).toContain('must be below its end');
    expect(message('80-80')).toContain('must be below its end');
    expect(message('80')).toContain('is not a key range');
    expect(message('-80-')).toContain('is not a key range');
    expect(message(`-${'11'.repeat(9)}`)).toContain('longer than 16');
    expect(() => KeyRange.parse('-zz')).toThrow('key range "-zz"');
    expect(checkKeyRanges([])).toHaveLength(1);
  });

  it('gives Kubernetes-safe names with x for unbounded ends', () => {
    expect(KeyRange.evenSplit(2).map((range) => range.kubernetesName)).toEqual(['x-80', '80-x']);
    expect(KeyRange.evenSplit(1)[0]?.kubernetesName).toBe('x-x');
  });
});
