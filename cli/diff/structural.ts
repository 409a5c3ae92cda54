import { indexLabel, keyedLabels } from './list-keys';
import type { FieldAction, Json } from './model';

/** A step of a field path: an object key, or a list item by its label (`name=api`, `0`). */
export type Segment = { readonly key: string } | { readonly item: string };

/** One difference between two JSON values, before display and masking. */
export interface RawChange {
  readonly segments: readonly Segment[];
  readonly action: FieldAction;
  readonly before?: Json;
  readonly after?: Json;
  /** The one-sided value this leaf belongs to (an added list item, a removed block). @default - none */
  readonly subtree?: Subtree;
}

/** Leaves out bookkeeping paths (cdktf `//` blocks, cdk8s address labels). */
export type IgnorePath = (segments: readonly Segment[]) => boolean;

type JsonObject = { [key: string]: Json };

function isObject(value: Json | undefined): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isContainer(value: Json | undefined): value is JsonObject | Json[] {
  return value !== null && typeof value === 'object';
}

/** Structural equality of JSON values; object key order does not matter. */
export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (!isContainer(a) || !isContainer(b)) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i]));
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]));
}

/**
 * The differences between two JSON values, one per changed leaf, in a stable order (object
 * keys sorted, keyed list items in the head's order, then removed ones). Lists are matched by
 * key where one identifies their items (see LIST_KEYS), so reordering is not a change; lists
 * of scalars (`args`, `command`) are compared as a whole, since their order matters. A value
 * that exists on one side only is reported leaf by leaf, so that masking and replacement
 * rules see every field.
 */
export function diffJson(
  before: Json | undefined,
  after: Json | undefined,
  ignore?: IgnorePath,
): RawChange[] {
  const out: RawChange[] = [];
  walk(before, after, [], { out, ignore: ignore ?? (() => false) });
  return out;
}

function lastKey(segments: readonly Segment[]): string | undefined {
  const last = segments[segments.length - 1];
  return last && 'key' in last ? last.key : undefined;
}

/** Where a one-sided value (an added list item, a removed block) starts, and the whole value. */
export interface Subtree {
  readonly segments: readonly Segment[];
  readonly value: Json;
}

interface Walk {
  readonly out: RawChange[];
  readonly ignore: IgnorePath;
}

function walk(
  before: Json | undefined,
  after: Json | undefined,
  segments: Segment[],
  ctx: Walk,
  subtree?: Subtree,
): void {
  if (segments.length > 0 && ctx.ignore(segments)) return;
  if (before === undefined && after === undefined) return;
  if (before === undefined || after === undefined) {
    const value = (before ?? after) as Json;
    const action: FieldAction = before === undefined ? 'added' : 'removed';
    // The outermost one-sided container below the resource's root, so a renderer can show it whole.
    const root = subtree ?? (segments.length > 0 && isContainer(value) ? { segments, value } : undefined);
    if (isObject(value) && Object.keys(value).length > 0) {
      for (const key of Object.keys(value).sort()) {
        walk(
          action === 'removed' ? value[key] : undefined,
          action === 'added' ? value[key] : undefined,
          [...segments, { key }],
          ctx,
          root,
        );
      }
      return;
    }
    if (Array.isArray(value) && value.some(isContainer)) {
      walkList(action === 'removed' ? value : [], action === 'added' ? value : [], segments, ctx, root);
      return;
    }
    const change =
      action === 'added' ? { segments, action, after: value } : { segments, action, before: value };
    ctx.out.push(root ? { ...change, subtree: root } : change);
    return;
  }
  if (isObject(before) && isObject(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const key of [...keys].sort()) walk(before[key], after[key], [...segments, { key }], ctx);
    return;
  }
  if (
    Array.isArray(before) &&
    Array.isArray(after) &&
    (before.some(isContainer) || after.some(isContainer))
  ) {
    walkList(before, after, segments, ctx);
    return;
  }
  if (!jsonEqual(before, after)) ctx.out.push({ segments, action: 'changed', before, after });
}

function walkList(
  before: readonly Json[],
  after: readonly Json[],
  segments: Segment[],
  ctx: Walk,
  subtree?: Subtree,
): void {
  const labels = keyedLabels(lastKey(segments), before, after);
  if (labels) {
    // Maps keep this linear in the list's length.
    const base = new Map<string, Json>();
    labels.before.forEach((label, i) => {
      base.set(label, before[i] as Json);
    });
    const seen = new Set<string>();
    labels.after.forEach((label, i) => {
      seen.add(label);
      walk(base.get(label), after[i], [...segments, { item: label }], ctx, subtree);
    });
    labels.before.forEach((label, i) => {
      if (!seen.has(label)) walk(before[i], undefined, [...segments, { item: label }], ctx, subtree);
    });
    return;
  }
  const length = Math.max(before.length, after.length);
  for (let i = 0; i < length; i++) {
    walk(before[i], after[i], [...segments, { item: indexLabel(i, after[i] ?? before[i]) }], ctx, subtree);
  }
}

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `spec.template.spec.containers[name=api].image`; keys with dots or slashes are quoted. */
export function formatPath(segments: readonly Segment[]): string {
  let out = '';
  for (const segment of segments) {
    if ('item' in segment) out += `[${segment.item}]`;
    else if (PLAIN_KEY.test(segment.key)) out += out === '' ? segment.key : `.${segment.key}`;
    else out += `[${JSON.stringify(segment.key)}]`;
  }
  return out;
}

/** The keys of a path joined by dots, list items left out: `spec.template.spec.containers.image`. */
export function normalizedPath(segments: readonly Segment[]): string {
  return segments
    .filter((segment): segment is { key: string } => 'key' in segment)
    .map((segment) => segment.key)
    .join('.');
}

/** The number of leaves of a value (scalars, empty containers, scalar lists); for similarity. */
export function leafCount(value: Json | undefined): number {
  if (value === undefined) return 0;
  if (isObject(value)) {
    const keys = Object.keys(value);
    return keys.length === 0 ? 1 : keys.reduce((sum, key) => sum + leafCount(value[key]), 0);
  }
  if (Array.isArray(value) && value.some(isContainer))
    return value.reduce<number>((s, v) => s + leafCount(v), 0);
  return 1;
}

/** A value without the parts `ignore` leaves out (bookkeeping inside an added block). */
export function pruneIgnored(value: Json, segments: readonly Segment[], ignore: IgnorePath): Json {
  if (isObject(value)) {
    const out: { [key: string]: Json } = {};
    for (const key of Object.keys(value).sort()) {
      const path = [...segments, { key }];
      if (!ignore(path)) out[key] = pruneIgnored(value[key] as Json, path, ignore);
    }
    return out;
  }
  if (Array.isArray(value))
    return value.map((item, i) => pruneIgnored(item, [...segments, { item: String(i) }], ignore));
  return value;
}
