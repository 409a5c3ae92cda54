import type { DiffLine, Hunk } from './model';

/** Above this many differing lines the diff gives up on a minimal script and replaces the block. */
const MAX_EDIT_DISTANCE = 1000;

/** Splits text into lines; a final newline does not make an empty last line. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * A shortest edit script between two line lists (Myers' O((N+M)·D) algorithm), after the
 * common prefix and suffix are stripped. Very different inputs (D above 1000) fall back to
 * "remove all, add all" for the middle, which keeps the cost bounded.
 */
export function diffLines(before: readonly string[], after: readonly string[]): DiffLine[] {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let endB = before.length;
  let endA = after.length;
  while (endB > start && endA > start && before[endB - 1] === after[endA - 1]) {
    endB--;
    endA--;
  }
  const out: DiffLine[] = [];
  for (let i = 0; i < start; i++) out.push({ op: ' ', text: before[i] as string });
  out.push(...myers(before.slice(start, endB), after.slice(start, endA)));
  for (let i = endB; i < before.length; i++) out.push({ op: ' ', text: before[i] as string });
  return out;
}

function myers(a: readonly string[], b: readonly string[]): DiffLine[] {
  const n = a.length;
  const m = b.length;
  if (n === 0) return b.map((text) => ({ op: '+', text }));
  if (m === 0) return a.map((text) => ({ op: '-', text }));
  const max = Math.min(n + m, MAX_EDIT_DISTANCE);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (k === -d || (k !== d && (v[offset + k - 1] as number) < (v[offset + k + 1] as number)))
        x = v[offset + k + 1] as number;
      else x = (v[offset + k - 1] as number) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
  }
  if (!found)
    return [
      ...a.map((text) => ({ op: '-' as const, text })),
      ...b.map((text) => ({ op: '+' as const, text })),
    ];
  // Walk the trace back from (n, m) to (0, 0).
  const script: DiffLine[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const vd = trace[d] as Int32Array;
    const k = x - y;
    let prevK: number;
    if (k === -d || (k !== d && (vd[offset + k - 1] as number) < (vd[offset + k + 1] as number)))
      prevK = k + 1;
    else prevK = k - 1;
    const prevX = d === 0 ? 0 : (vd[offset + prevK] as number);
    const prevY = d === 0 ? 0 : prevX - prevK;
    while (x > prevX && y > prevY) {
      script.push({ op: ' ', text: a[x - 1] as string });
      x--;
      y--;
    }
    if (d > 0) {
      if (x === prevX) script.push({ op: '+', text: b[y - 1] as string });
      else script.push({ op: '-', text: a[x - 1] as string });
    }
    x = prevX;
    y = prevY;
  }
  return script.reverse();
}

/** Groups a line diff into unified-diff hunks with `context` unchanged lines around each change. */
export function toHunks(lines: readonly DiffLine[], context = 3): Hunk[] {
  const hunks: Hunk[] = [];
  const changed: number[] = [];
  lines.forEach((line, i) => {
    if (line.op !== ' ') changed.push(i);
  });
  if (changed.length === 0) return hunks;
  // Line numbers before each index.
  const oldAt: number[] = [];
  const newAt: number[] = [];
  let o = 1;
  let n = 1;
  for (const line of lines) {
    oldAt.push(o);
    newAt.push(n);
    if (line.op !== '+') o++;
    if (line.op !== '-') n++;
  }
  let i = 0;
  while (i < changed.length) {
    const first = changed[i] as number;
    let last = first;
    while (i + 1 < changed.length && (changed[i + 1] as number) - last <= 2 * context + 1) {
      i++;
      last = changed[i] as number;
    }
    i++;
    const from = Math.max(0, first - context);
    const to = Math.min(lines.length - 1, last + context);
    const slice = lines.slice(from, to + 1);
    const oldLines = slice.filter((line) => line.op !== '+').length;
    const newLines = slice.filter((line) => line.op !== '-').length;
    hunks.push({
      oldStart: oldLines === 0 ? (oldAt[from] as number) - 1 : (oldAt[from] as number),
      oldLines,
      newStart: newLines === 0 ? (newAt[from] as number) - 1 : (newAt[from] as number),
      newLines,
      lines: slice,
    });
  }
  return hunks;
}

/** The hunks between two texts. */
export function textHunks(before: string, after: string, context = 3): Hunk[] {
  return toHunks(diffLines(splitLines(before), splitLines(after)), context);
}

/** `@@ -1,4 +1,5 @@` */
export function hunkHeader(hunk: Hunk): string {
  return `@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`;
}
