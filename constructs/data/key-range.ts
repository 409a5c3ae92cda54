import { ValidationError } from '../core/validation-error';
/**
 * Key ranges in Vitess notation. A keyspace id is a byte string; a range is `start-end`
 * with both bounds written as lowercase hex of whole bytes, the start inclusive and the end
 * exclusive, and `''` meaning unbounded: `-80` and `80-` are the two halves of the keyspace,
 * `-` is all of it.
 *
 * Bounds compare as fractions of the keyspace: `80` and `8000` are the same boundary
 * (shorter bounds are padded with zero bytes), so `-80` followed by `8000-` has no gap.
 */

/** The longest bound accepted, in hex digits: 8 bytes, the size of Vitess' hash keyspace ids. */
export const MAX_BOUND_HEX_DIGITS = 16;

/** The most shards {@link KeyRange.evenSplit} produces. */
export const MAX_EVEN_SPLIT = 65536;

const RANGE = /^([^-]*)-([^-]*)$/;

/** One contiguous part of the keyspace, `start` inclusive, `end` exclusive, `''` unbounded. */
export class KeyRange {
  /**
   * Parses `start-end` (e.g. `-80`, `40-80`, `c0-`), throwing an error that carries the value
   * when it is not a valid Vitess key range. Use {@link KeyRange.problem} to test without throwing.
   */
  public static parse(text: string): KeyRange {
    const problem = KeyRange.problem(text);
    if (problem !== undefined) throw new ValidationError(`key range ${JSON.stringify(text)} ${problem}`);
    const [, start = '', end = ''] = RANGE.exec(text) ?? [];
    return new KeyRange(start, end);
  }

  /** What is wrong with `text` as a key range, or undefined when it is a valid one. */
  public static problem(text: string): string | undefined {
    const match = RANGE.exec(text);
    if (!match) {
      return 'is not a key range: write start-end in lowercase hex, e.g. -80, 40-80, c0- (one "-" between the bounds)';
    }
    const start = match[1] ?? '';
    const end = match[2] ?? '';
    for (const [bound, side] of [
      [start, 'start'],
      [end, 'end'],
    ] as const) {
      if (/[A-F]/.test(bound) && /^[0-9A-Fa-f]+$/.test(bound)) {
        return `has an uppercase ${side} bound (${bound}): Vitess key ranges are lowercase hex, e.g. ${bound.toLowerCase()}`;
      }
      if (!/^[0-9a-f]*$/.test(bound)) {
        return `has ${side === 'end' ? 'an' : 'a'} ${side} bound (${JSON.stringify(bound)}) that is not hex: bounds are lowercase hex digits 0-9 a-f, or empty for unbounded`;
      }
      if (bound.length % 2 !== 0) {
        return `has ${side === 'end' ? 'an' : 'a'} ${side} bound (${bound}) of an odd number of hex digits: bounds are whole bytes, e.g. 80 or 8000`;
      }
      if (bound.length > MAX_BOUND_HEX_DIGITS) {
        return `has ${side === 'end' ? 'an' : 'a'} ${side} bound (${bound}) longer than ${MAX_BOUND_HEX_DIGITS} hex digits (8 bytes)`;
      }
    }
    if (start !== '' && /^0+$/.test(start)) {
      return `starts at ${start}, the start of the keyspace: write the unbounded start as '' (e.g. -${end})`;
    }
    if (end !== '' && compareHex(start, end) >= 0) {
      return `is empty: its start (${start === '' ? "''" : start}) must be below its end (${end})`;
    }
    return undefined;
  }

  /**
   * `count` ranges that split the keyspace evenly, in order. A power of two gives exactly
   * equal parts on byte boundaries (2: `-80`, `80-`; 4: `-40`, `40-80`, `80-c0`, `c0-`);
   * other counts give parts that differ by at most one unit of the last byte.
   */
  public static evenSplit(count: number): KeyRange[] {
    if (!Number.isInteger(count) || count < 1 || count > MAX_EVEN_SPLIT) {
      throw new ValidationError(
        `KeyRange.evenSplit: 'count' (${count}) must be a whole number from 1 to ${MAX_EVEN_SPLIT}`,
      );
    }
    let bytes = 1;
    while (256 ** bytes < count) bytes++;
    const space = BigInt(256 ** bytes);
    const n = BigInt(count);
    const bounds: string[] = [''];
    for (let i = 1n; i < n; i++) {
      bounds.push(((i * space) / n).toString(16).padStart(bytes * 2, '0'));
    }
    bounds.push('');
    return bounds.slice(0, -1).map((start, index) => new KeyRange(start, bounds[index + 1] ?? ''));
  }

  /** Inclusive start, lowercase hex; `''` is the start of the keyspace. */
  public readonly start: string;
  /** Exclusive end, lowercase hex; `''` is the end of the keyspace. */
  public readonly end: string;

  private constructor(start: string, end: string) {
    this.start = start;
    this.end = end;
  }

  /** Vitess notation, `start-end`: the shard's name in Vitess (`-80`, `80-c0`, `c0-`). */
  public toString(): string {
    return `${this.start}-${this.end}`;
  }

  /**
   * A form usable in Kubernetes names and label values (which cannot start or end with
   * `-`): unbounded ends become `x`, as in vitess-operator (`x-80`, `80-c0`, `c0-x`, `x-x`).
   */
  public get kubernetesName(): string {
    return `${this.start || 'x'}-${this.end || 'x'}`;
  }

  /** Whether the keyspace id (lowercase hex) falls in this range. */
  public contains(keyspaceId: string): boolean {
    return (
      compareHex(this.start, keyspaceId) <= 0 && (this.end === '' || compareHex(keyspaceId, this.end) < 0)
    );
  }
}

/**
 * Compares two hex strings as fractions of the keyspace (the shorter padded with zeros):
 * negative, zero or positive. `''` is zero, the lowest value.
 */
export function compareHex(a: string, b: string): number {
  const length = Math.max(a.length, b.length);
  const left = a.padEnd(length, '0');
  const right = b.padEnd(length, '0');
  return left < right ? -1 : left > right ? 1 : 0;
}

/** One problem with a list of key ranges: the index of the offending range and what is wrong. */
export interface KeyRangeProblem {
  /** Index of the range in the list. */
  readonly index: number;
  /** The range as written. */
  readonly value: string;
  /** What is wrong and what is allowed. */
  readonly message: string;
}

function showBound(bound: string): string {
  return bound === '' ? "''" : bound;
}

/**
 * Checks that key ranges are valid, sorted, and cover the keyspace exactly once: the first
 * starts at `''`, each starts where the previous ends (no gap, no overlap), the last ends at
 * `''`. Returns one problem per offending range; empty when the list is a valid shard map.
 */
export function checkKeyRanges(ranges: readonly string[]): KeyRangeProblem[] {
  if (ranges.length === 0)
    return [{ index: 0, value: '', message: 'no key ranges: list at least one, e.g. "-"' }];
  const syntax = ranges.flatMap((value, index) => {
    const message = KeyRange.problem(value);
    return message === undefined ? [] : [{ index, value, message }];
  });
  if (syntax.length > 0) return syntax;
  const parsed = ranges.map((value) => KeyRange.parse(value));
  const problems: KeyRangeProblem[] = [];
  const first = parsed[0] as KeyRange;
  if (first.start !== '') {
    problems.push({
      index: 0,
      value: ranges[0] as string,
      message: `leaves a gap at the start of the keyspace: keys from '' to ${first.start} belong to no shard (the first range must start unbounded, e.g. -${first.start})`,
    });
  }
  for (let index = 1; index < parsed.length; index++) {
    const previous = parsed[index - 1] as KeyRange;
    const current = parsed[index] as KeyRange;
    const value = ranges[index] as string;
    const previousText = ranges[index - 1] as string;
    if (previous.end === '') {
      problems.push({
        index,
        value,
        message: `overlaps ${JSON.stringify(previousText)}, which already runs to the end of the keyspace; ranges must be sorted and disjoint`,
      });
      continue;
    }
    if (compareHex(current.start, previous.start) < 0) {
      problems.push({
        index,
        value,
        message: `is out of order: it starts before the previous range ${JSON.stringify(previousText)}; list ranges sorted by start`,
      });
      continue;
    }
    const order = compareHex(current.start, previous.end);
    if (order > 0) {
      problems.push({
        index,
        value,
        message: `leaves a gap after ${JSON.stringify(previousText)}: keys from ${previous.end} to ${current.start} belong to no shard`,
      });
    } else if (order < 0) {
      const overlapEnd =
        current.end === '' || compareHex(current.end, previous.end) > 0 ? previous.end : current.end;
      problems.push({
        index,
        value,
        message: `overlaps ${JSON.stringify(previousText)}: keys from ${showBound(current.start)} to ${overlapEnd} are in both`,
      });
    }
  }
  const lastIndex = parsed.length - 1;
  const last = parsed[lastIndex] as KeyRange;
  if (last.end !== '') {
    problems.push({
      index: lastIndex,
      value: ranges[lastIndex] as string,
      message: `leaves a gap at the end of the keyspace: keys from ${last.end} on belong to no shard (the last range must end unbounded, e.g. ${last.end}-)`,
    });
  }
  return problems;
}
