import {
  Document,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type Node,
  parseDocument,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
import { joinPath } from './input-error';
import { fieldAt, type PathSegment, REMOVE, valueAt } from './set-path';

/**
 * Writes environment files the way people write them: keys in the schema's order, block style
 * for sections, flow style for small items (`- { name: master-1, address: 10.20.0.11 }`,
 * `labels: { tier: general }`), and a header comment. Pure: returns text.
 */

/** The modeline that makes editors (the YAML language server) validate and complete the file. */
export const SCHEMA_MODELINE = 'yaml-language-server: $schema=./schema.json';

/** Flow style only while a collection fits comfortably on one line. */
const FLOW_WIDTH = 90;

/** The text of a new environment file: `header` as comment lines, then `values`. */
export function renderEnvironmentFile(header: readonly string[], values: Record<string, unknown>): string {
  const doc = new Document(orderBySchema(values, []));
  styleNode(doc.contents as Node, []);
  setHeader(doc, header);
  return stringify(doc);
}

/** One change to an existing file: the final value at `path`, or {@link REMOVE}. */
export interface FileEdit {
  readonly path: readonly PathSegment[];
  readonly value: unknown;
}

/**
 * `sourceText` (an environment file) with `header` replacing its leading comment and each edit
 * applied. Everything else (other comments, the style of untouched values) is kept, so that
 * the copy reads like the original and a diff of the two shows only what changed.
 *
 * @param values the environment's final values, where an edit that creates a list item or a
 *   section finds its whole content
 */
export function editEnvironmentFile(
  sourceText: string,
  header: readonly string[],
  edits: readonly FileEdit[],
  values: Record<string, unknown>,
): string {
  const doc = parseDocument(sourceText);
  for (const edit of edits) {
    if (edit.value === REMOVE) {
      if (doc.hasIn(edit.path)) doc.deleteIn(edit.path);
      continue;
    }
    // Create missing parents from the final values, so new sections get the same styling.
    let depth = 0;
    while (depth < edit.path.length - 1 && isCollectionNode(doc.getIn(edit.path.slice(0, depth + 1), true)))
      depth++;
    const target = edit.path.slice(0, depth + 1);
    const finalValue = valueAt(values, target);
    const existing = doc.getIn(target, true);
    if (isScalar(existing) && (finalValue === null || typeof finalValue !== 'object')) {
      // In place, so that a comment on the line stays.
      existing.value = finalValue;
      continue;
    }
    const node = doc.createNode(orderBySchema(finalValue, target));
    styleNode(node as Node, target);
    const added = !doc.hasIn(target);
    doc.setIn(target, node);
    if (added) placeNewKey(doc, target);
  }
  setHeader(doc, header);
  return stringify(doc);
}

/** Documents as the shipped files write them: `{ key: value }` and `[a, b]`. */
function stringify(doc: Document): string {
  return unpadFlowLists(doc.toString({ lineWidth: 0, flowCollectionPadding: true }));
}

/** `[ a, b ]` → `[a, b]` outside quoted strings (flow mappings keep their padding). */
function unpadFlowLists(text: string): string {
  let out = '';
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (quote) {
      if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") {
      // Only a quote that starts a scalar opens a string (not an apostrophe inside a word).
      if (i === 0 || /[\s[{,:]/.test(text[i - 1] as string)) quote = char;
    } else if (char === '#' && (i === 0 || /\s/.test(text[i - 1] as string))) {
      const end = text.indexOf('\n', i);
      out += text.slice(i, end === -1 ? undefined : end);
      i = (end === -1 ? text.length : end) - 1;
      continue;
    } else if (char === '[' && text[i + 1] === ' ' && text[i + 2] !== ']') {
      out += '[';
      i++;
      continue;
    } else if (char === ' ' && text[i + 1] === ']' && text[i - 1] !== '[') {
      continue;
    }
    out += char;
  }
  return out;
}

function isCollectionNode(node: unknown): boolean {
  return isMap(node) || isSeq(node);
}

function setHeader(doc: Document, header: readonly string[]): void {
  const contents = doc.contents;
  if (isMap(contents) || isSeq(contents)) {
    contents.commentBefore = undefined;
    const first = contents.items[0];
    if (isPair(first) && isScalar(first.key)) first.key.commentBefore = undefined;
  }
  doc.commentBefore = header.map((line) => (line === '' ? '' : ` ${line}`)).join('\n');
}

/** The keys of the fixed mapping at `path` in schema order, or undefined for records and unknown paths. */
function schemaKeys(path: readonly PathSegment[]): readonly string[] | undefined {
  try {
    return fieldAt(path).keys;
  } catch {
    return undefined;
  }
}

/** A copy of `value` whose mappings list their keys in the schema's order (unknown keys last). */
function orderBySchema(value: unknown, path: readonly PathSegment[]): unknown {
  if (Array.isArray(value)) return value.map((item, index) => orderBySchema(item, [...path, index]));
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const order = schemaKeys(path) ?? [];
  const keys = Object.keys(record).sort((a, b) => rank(order, a) - rank(order, b));
  return Object.fromEntries(keys.map((key) => [key, orderBySchema(record[key], [...path, key])]));
}

function rank(order: readonly string[], key: string): number {
  const index = order.indexOf(key);
  return index === -1 ? order.length : index;
}

/** Moves a key that was just added (at the end of its mapping) to its place in the schema's order. */
function placeNewKey(doc: Document, path: readonly PathSegment[]): void {
  const parentPath = path.slice(0, -1);
  const parent = parentPath.length === 0 ? doc.contents : doc.getIn(parentPath, true);
  const order = schemaKeys(parentPath);
  if (!isMap(parent) || !order) return;
  const added = parent.items.pop();
  if (!added) return;
  const keyOf = (item: unknown) =>
    isPair(item) ? String(isScalar(item.key) ? item.key.value : (item.key as unknown)) : '';
  const rankOfAdded = rank(order, keyOf(added));
  const before = parent.items.findIndex((item) => rank(order, keyOf(item)) > rankOfAdded);
  parent.items.splice(before === -1 ? parent.items.length : before, 0, added);
}

/**
 * Flow style for small collections of plain values: list items that are mappings of scalars,
 * label-like records, and lists of scalars. Sections (fixed-shape mappings outside lists) stay
 * in block style, so that each is easy to find and to change.
 */
function styleNode(node: Node, path: readonly PathSegment[]): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (isScalar(pair.key) && pair.value && typeof pair.value === 'object')
        styleNode(pair.value as Node, [...path, String(pair.key.value)]);
    }
    const inList = typeof path[path.length - 1] === 'number';
    const isRecord = schemaKeys(path) === undefined;
    node.flow = (inList || isRecord || node.items.length === 0) && isSmallFlat(node);
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => {
      if (item && typeof item === 'object') styleNode(item as Node, [...path, index]);
    });
    node.flow = node.items.length === 0 || (node.items.every(isScalar) && isSmallFlat(node));
  }
}

function isSmallFlat(node: YAMLMap | YAMLSeq): boolean {
  const values = isMap(node) ? node.items.map((pair) => pair.value) : node.items;
  if (!values.every((value) => value === null || isScalar(value))) return false;
  return JSON.stringify(node.toJSON()).length <= FLOW_WIDTH;
}

/** Shows a value in one line for header comments and messages: YAML flow style. */
export function showValue(value: unknown): string {
  if (value === undefined) return '(not set)';
  const doc = new Document(value);
  if (isMap(doc.contents) || isSeq(doc.contents)) markFlow(doc.contents);
  return unpadFlowLists(doc.toString({ lineWidth: 0, flowCollectionPadding: true })).trim();
}

function markFlow(node: YAMLMap | YAMLSeq): void {
  node.flow = true;
  const children = isMap(node) ? node.items.map((pair) => pair.value) : node.items;
  for (const child of children) if (isMap(child) || isSeq(child)) markFlow(child);
}

/** One leaf that differs between two environments' values. */
export interface ValueDifference {
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
}

/**
 * The differences between two value trees, leaf by leaf (mappings by key, lists by index), in
 * the order of `after`'s keys. A list item or section that exists on one side only is one
 * difference.
 */
export function differences(before: unknown, after: unknown, path: PathSegment[] = []): ValueDifference[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...Object.keys(after), ...Object.keys(before).filter((key) => !(key in after))];
    return keys.flatMap((key) => differences(before[key], after[key], [...path, key]));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const length = Math.max(before.length, after.length);
    const out: ValueDifference[] = [];
    for (let i = 0; i < length; i++) out.push(...differences(before[i], after[i], [...path, i]));
    return out;
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  return [{ path: joinPath(path), before, after }];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
