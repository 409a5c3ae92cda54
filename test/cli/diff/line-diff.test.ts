import fc from 'fast-check';
import { diffLines, splitLines, textHunks, toHunks } from '../../../cli/diff/line-diff';

/** The length of a longest common subsequence, by dynamic programming (the reference). */
function lcs(a: readonly string[], b: readonly string[]): number {
  const row = new Array<number>(b.length + 1).fill(0);
  for (const x of a) {
    let prev = 0;
    for (let j = 1; j <= b.length; j++) {
      const saved = row[j] as number;
      row[j] = x === b[j - 1] ? prev + 1 : Math.max(row[j] as number, row[j - 1] as number);
      prev = saved;
    }
  }
  return row[b.length] as number;
}

const lines = fc.array(fc.constantFrom('a', 'b', 'c', 'd', ''), { maxLength: 30 });

describe('line diff', () => {
  it('is an edit script from before to after, and a shortest one', () => {
    fc.assert(
      fc.property(lines, lines, (before, after) => {
        const script = diffLines(before, after);
        expect(script.filter((l) => l.op !== '+').map((l) => l.text)).toEqual(before);
        expect(script.filter((l) => l.op !== '-').map((l) => l.text)).toEqual(after);
        expect(script.filter((l) => l.op === ' ').length).toBe(lcs(before, after));
      }),
      { numRuns: 300 },
    );
  });

  it('groups changes into hunks whose headers count their lines', () => {
    fc.assert(
      fc.property(lines, lines, (before, after) => {
        for (const hunk of toHunks(diffLines(before, after), 2)) {
          expect(hunk.lines.filter((l) => l.op !== '+').length).toBe(hunk.oldLines);
          expect(hunk.lines.filter((l) => l.op !== '-').length).toBe(hunk.newLines);
          const old = hunk.lines.filter((l) => l.op !== '+').map((l) => l.text);
          if (hunk.oldLines > 0)
            expect(before.slice(hunk.oldStart - 1, hunk.oldStart - 1 + hunk.oldLines)).toEqual(old);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps changes far apart in separate hunks with three lines of context', () => {
    const before = Array.from({ length: 30 }, (_, i) => `l${i + 1}`);
    const after = [...before];
    after[2] = 'x';
    after[25] = 'y';
    const hunks = toHunks(diffLines(before, after));
    expect(hunks.map((h) => [h.oldStart, h.oldLines, h.newStart, h.newLines])).toEqual([
      [1, 6, 1, 6],
      [23, 7, 23, 7],
    ]);
    expect(textHunks('same\n', 'same\n')).toEqual([]);
  });

  it('treats a final newline as the end of the last line', () => {
    expect(splitLines('a\nb\n')).toEqual(['a', 'b']);
    expect(splitLines('')).toEqual([]);
    expect(textHunks('', 'a\n')[0]).toMatchObject({ oldStart: 0, oldLines: 0, newStart: 1, newLines: 1 });
  });

  it('falls back to replacing the block when inputs differ on thousands of lines', () => {
    const before = Array.from({ length: 3000 }, (_, i) => `old ${i}`);
    const after = Array.from({ length: 3000 }, (_, i) => `new ${i}`);
    const script = diffLines(before, after);
    expect(script.filter((l) => l.op === '-')).toHaveLength(3000);
    expect(script.filter((l) => l.op === '+')).toHaveLength(3000);
  });
});
