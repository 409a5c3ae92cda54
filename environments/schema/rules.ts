import type { z } from 'zod';
import type { EnvironmentSpec } from './index';

/**
 * Rules that span fields (uniqueness, references, counts). Each adds issues with the exact
 * path, so that every problem of a file is reported together.
 */
export type Rule = (spec: EnvironmentSpec, ctx: z.RefinementCtx) => void;

/** Adds one issue at `path`, carrying the offending value. */
export function report(ctx: z.RefinementCtx, path: PropertyKey[], value: unknown, message: string): void {
  ctx.addIssue({ code: 'custom', path: path as (string | number)[], input: value, message });
}

/** Reports every item after the first whose key repeats an earlier one. */
export function reportDuplicates<T>(
  ctx: z.RefinementCtx,
  items: readonly T[],
  key: (item: T) => string,
  path: (index: number) => PropertyKey[],
  what: string,
): void {
  const seen = new Map<string, number>();
  items.forEach((item, index) => {
    const k = key(item);
    const first = seen.get(k);
    if (first === undefined) seen.set(k, index);
    else report(ctx, path(index), k, `repeats ${what} of item ${first}; ${what}s must be unique`);
  });
}
