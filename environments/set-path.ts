import { parse as parseYamlValue } from 'yaml';
import type { z } from 'zod';
import { InputError, joinPath } from './input-error';
import { environmentShape } from './schema/index';

/**
 * `--set PATH=VALUE` for environment files: the path syntax (`a.b[0].c`, and `a["x.y/z"]` for
 * keys with dots such as label keys), the schema's type at a path, parsing VALUE by that type,
 * and applying a value to an environment's values. Pure: no files.
 */

export type PathSegment = string | number;

/** One parsed `--set` argument. */
export interface SetArgument {
  /** The argument as given, `PATH=VALUE`. */
  readonly text: string;
  readonly path: readonly PathSegment[];
  /** The path as messages show it, `a.b[0].c`. */
  readonly pathText: string;
  /** VALUE, parsed by the schema's type at PATH; {@link REMOVE} for `null`. */
  readonly value: unknown;
}

/** The value of `--set PATH=null`: take PATH out of the file, so the template's value or the default applies. */
export const REMOVE: unique symbol = Symbol('remove');

/** The kinds of value the schema accepts at a path. */
export type ValueKind = 'string' | 'number' | 'boolean' | 'list' | 'mapping' | 'any';

/** What the schema says about one path. */
export interface FieldInfo {
  readonly kinds: ReadonlySet<ValueKind>;
  /** Whether the field may be left out (optional, or it has a default). */
  readonly optional: boolean;
  /** The field's `.describe()` text. @default - no description */
  readonly description?: string;
  /** Allowed values of an enum or literal field. @default - any value of its kind */
  readonly allowed?: readonly string[];
  /** The keys of a mapping field with a fixed shape. @default - not a fixed mapping */
  readonly keys?: readonly string[];
  /** For a list of mappings: the required keys of one item. @default - not a list of mappings */
  readonly itemKeys?: readonly string[];
}

type Schema = z.core.$ZodType;
type Def = {
  type: string;
  innerType?: Schema;
  in?: Schema;
  shape?: Record<string, Schema>;
  element?: Schema;
  valueType?: Schema;
  options?: Schema[];
  left?: Schema;
  right?: Schema;
  entries?: Record<string, string | number>;
  values?: unknown[];
  items?: Schema[];
};

function defOf(schema: Schema): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

function descriptionOf(schema: Schema): string | undefined {
  return (schema as unknown as { description?: string }).description;
}

const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional']);

/** Strips wrappers (optional, default, pipes) down to the schemas that describe the input. */
function resolve(schema: Schema): Schema[] {
  let current = schema;
  for (let depth = 0; depth < 20; depth++) {
    const def = defOf(current);
    if (WRAPPERS.has(def.type) && def.innerType) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else if (def.type === 'lazy')
      current = (current as unknown as { _zod: { innerType: Schema } })._zod.innerType;
    else break;
  }
  const def = defOf(current);
  if (def.type === 'union' && def.options) return def.options.flatMap(resolve);
  if (def.type === 'intersection' && def.left && def.right)
    return [...resolve(def.left), ...resolve(def.right)];
  return [current];
}

function isOptional(schema: Schema): boolean {
  let current: Schema | undefined = schema;
  for (let depth = 0; current && depth < 20; depth++) {
    const def = defOf(current);
    if (def.type === 'optional' || def.type === 'default' || def.type === 'prefault') return true;
    if (WRAPPERS.has(def.type) && def.innerType) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else break;
  }
  return false;
}

/** The schemas at `path` (more than one where a union allows several shapes), or why there are none. */
function schemasAt(
  root: Schema,
  path: readonly PathSegment[],
): { schemas: Schema[]; field?: Schema } | { error: string } {
  let current: Schema[] = [root];
  let field: Schema | undefined;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i] as PathSegment;
    const next: Schema[] = [];
    const keys = new Set<string>();
    let wantsIndex = false;
    let wantsKey = false;
    for (const schema of current.flatMap(resolve)) {
      const def = defOf(schema);
      if (def.type === 'object' && def.shape) {
        wantsKey = true;
        for (const key of Object.keys(def.shape)) keys.add(key);
        if (typeof segment === 'string' && def.shape[segment]) next.push(def.shape[segment]);
      } else if (def.type === 'record' && def.valueType) {
        wantsKey = true;
        if (typeof segment === 'string') next.push(def.valueType);
      } else if (def.type === 'array' && def.element) {
        wantsIndex = true;
        if (typeof segment === 'number') next.push(def.element);
      } else if (def.type === 'tuple' && def.items) {
        wantsIndex = true;
        if (typeof segment === 'number' && def.items[segment]) next.push(def.items[segment]);
      } else if (def.type === 'any' || def.type === 'unknown') {
        next.push(schema);
      }
    }
    if (next.length === 0) {
      const where = joinPath(path.slice(0, i)) || 'the top level';
      if (typeof segment === 'number' && wantsKey)
        return { error: `${where} is a mapping, not a list: use a key instead of [${segment}]` };
      if (typeof segment === 'string' && wantsIndex)
        return { error: `${where} is a list: select an item with [index] instead of .${segment}` };
      if (keys.size > 0)
        return {
          error:
            i === path.length - 1
              ? `is not a known field (allowed in ${where}: ${[...keys].join(', ')})`
              : `${joinPath(path.slice(0, i + 1))} is not a known field (allowed in ${where}: ${[...keys].join(', ')})`,
        };
      return {
        error: `${where} holds a single value; it has no ${typeof segment === 'number' ? 'items' : 'fields'}`,
      };
    }
    field = next.length === 1 ? next[0] : (next.find((schema) => descriptionOf(schema)) ?? next[0]);
    current = next;
  }
  return { schemas: current, field };
}

/** What the environment schema says about `path`; throws an InputError when the path does not exist. */
export function fieldAt(path: readonly PathSegment[], label = joinPath(path)): FieldInfo {
  const found = schemasAt(environmentShape, path);
  if ('error' in found) throw new InputError({ path: `--set ${label}`, message: found.error });
  const kinds = new Set<ValueKind>();
  const allowed: string[] = [];
  let keys: string[] | undefined;
  let itemKeys: string[] | undefined;
  for (const schema of found.schemas.flatMap(resolve)) {
    const def = defOf(schema);
    switch (def.type) {
      case 'string':
      case 'template_literal':
        kinds.add('string');
        break;
      case 'enum':
        kinds.add('string');
        allowed.push(...Object.values(def.entries ?? {}).map(String));
        break;
      case 'literal':
        for (const value of def.values ?? []) {
          kinds.add(typeof value === 'number' ? 'number' : typeof value === 'boolean' ? 'boolean' : 'string');
          allowed.push(String(value));
        }
        break;
      case 'number':
      case 'int':
      case 'bigint':
        kinds.add('number');
        break;
      case 'boolean':
        kinds.add('boolean');
        break;
      case 'array':
      case 'tuple': {
        kinds.add('list');
        const element = def.element ? resolve(def.element)[0] : undefined;
        const shape = element ? defOf(element).shape : undefined;
        if (shape) itemKeys = Object.keys(shape).filter((key) => !isOptional(shape[key] as Schema));
        break;
      }
      case 'object':
        kinds.add('mapping');
        keys = Object.keys(def.shape ?? {});
        break;
      case 'record':
        kinds.add('mapping');
        break;
      default:
        kinds.add('any');
    }
  }
  const field = found.field;
  return {
    kinds,
    optional: field === undefined ? false : isOptional(field),
    description: field ? descriptionOf(field) : undefined,
    allowed: allowed.length > 0 ? allowed : undefined,
    keys,
    itemKeys,
  };
}

/**
 * Parses a `--set` path: dotted keys, `[index]` for list items, `["key"]` for keys that hold
 * dots or slashes (label keys such as `topology.kubernetes.io/zone`).
 */
export function parseSetPath(text: string): PathSegment[] {
  const segments: PathSegment[] = [];
  const fail = (message: string): never => {
    throw new InputError({ path: '--set', value: text, message });
  };
  let i = 0;
  const identifier = /[A-Za-z0-9_-]+/y;
  if (text === '') fail('has an empty path; write PATH=VALUE, e.g. controlPlane.vip=10.40.0.10');
  while (i < text.length) {
    if (text[i] === '[') {
      const index = /\[(\d+)\]/y;
      index.lastIndex = i;
      const quoted = /\[(["'])(.*?)\1\]/y;
      quoted.lastIndex = i;
      const asIndex = index.exec(text);
      const asKey = asIndex ? null : quoted.exec(text);
      if (asIndex) {
        segments.push(Number(asIndex[1]));
        i = index.lastIndex;
      } else if (asKey) {
        segments.push(asKey[2] as string);
        i = quoted.lastIndex;
      } else {
        fail(`is not a valid path at "${text.slice(i)}": use [0] for a list item or ["key"] for a key`);
      }
    } else {
      if (segments.length > 0) {
        if (text[i] !== '.') fail(`is not a valid path at "${text.slice(i)}": expected "." or "["`);
        i++;
      }
      identifier.lastIndex = i;
      const match = identifier.exec(text);
      if (!match)
        fail(
          `is not a valid path at "${text.slice(i)}": keys are letters, digits, "_" and "-" (quote others: ["a.b/c"])`,
        );
      segments.push((match as RegExpExecArray)[0]);
      i = identifier.lastIndex;
    }
  }
  return segments;
}

/** Parses one `--set PATH=VALUE` argument, checking the path against the schema and parsing VALUE by its type. */
export function parseSetArgument(text: string): SetArgument {
  const equals = text.indexOf('=');
  if (equals === -1) {
    throw new InputError({
      path: '--set',
      value: text,
      message: 'has no "="; write PATH=VALUE, e.g. controlPlane.vip=10.40.0.10',
    });
  }
  const path = parseSetPath(text.slice(0, equals));
  const pathText = joinPath(path);
  const raw = text.slice(equals + 1);
  const field = fieldAt(path, pathText);
  // A list item can always be removed; a field only when it is optional.
  const removable = field.optional || typeof path[path.length - 1] === 'number';
  return { text, path, pathText, value: coerce(raw, { ...field, optional: removable }, pathText) };
}

/** Parses VALUE by the kinds the schema accepts at the path. */
function coerce(raw: string, field: FieldInfo, pathText: string): unknown {
  const fail = (message: string): never => {
    throw new InputError({ path: `--set ${pathText}`, value: raw, message });
  };
  const { kinds } = field;
  if (raw === 'null') {
    if (!field.optional) fail(`cannot be removed: ${pathText} is required`);
    return REMOVE;
  }
  if ([...kinds].every((kind) => kind === 'string')) {
    if (field.allowed && !field.allowed.includes(raw)) fail(`must be one of ${field.allowed.join(', ')}`);
    return raw;
  }
  let parsed: unknown;
  try {
    parsed = parseYamlValue(raw);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return fail(`is not valid YAML (${reason}); lists are written [a, b] and mappings { key: value }`);
  }
  if (kinds.has('any')) return parsed;
  if (kinds.has('number') && typeof parsed === 'number') return parsed;
  if (kinds.has('boolean') && typeof parsed === 'boolean') return parsed;
  if (kinds.has('list') && Array.isArray(parsed)) return parsed;
  if (kinds.has('mapping') && typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
    return parsed;
  if (kinds.has('string') && (parsed === null || typeof parsed !== 'object')) return raw;
  return fail(`is not ${describeKinds(field)}`);
}

/** `a number`, `true or false`, `a list, e.g. [a, b]`, joined with "or". */
export function describeKinds(field: FieldInfo): string {
  const parts: string[] = [];
  for (const kind of field.kinds) {
    if (kind === 'string') parts.push(field.allowed ? `one of ${field.allowed.join(', ')}` : 'a string');
    else if (kind === 'number') parts.push('a number');
    else if (kind === 'boolean') parts.push('true or false');
    else if (kind === 'list') parts.push(`a list (YAML flow, e.g. ${listExample(field)})`);
    else if (kind === 'mapping') parts.push(`a mapping (YAML flow, e.g. ${mappingExample(field.keys)})`);
    else parts.push('a YAML value');
  }
  return parts.join(' or ');
}

function listExample(field: FieldInfo): string {
  return field.itemKeys ? `[${mappingExample(field.itemKeys)}, ...]` : '[a, b]';
}

function mappingExample(keys: readonly string[] | undefined): string {
  const shown = (keys ?? ['key']).slice(0, 3);
  return `{ ${shown.map((key) => `${key}: ...`).join(', ')} }`;
}

/**
 * Sets `value` at `path` inside `target` (an environment's own values), creating mappings on
 * the way. Lists replace the template's lists when merged, so a path into a list the
 * environment does not have yet starts from a copy of `base`'s list (the template's values):
 * `--set nodePools[0].maxSize=20` changes one pool and keeps the others. An index may append
 * (`[length]`) but not leave a gap. {@link REMOVE} deletes the key, or the list item.
 */
export function applySetValue(
  target: Record<string, unknown>,
  path: readonly PathSegment[],
  value: unknown,
  base: unknown,
): void {
  let current: unknown = target;
  let baseCurrent: unknown = base;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i] as PathSegment;
    const last = i === path.length - 1;
    const container = current as Record<PathSegment, unknown> & unknown[];
    if (typeof segment === 'number') {
      const list = container as unknown[];
      if (segment > list.length || (segment === list.length && last && value === REMOVE)) {
        throw new InputError({
          path: `--set ${joinPath(path)}`,
          message: `has no item [${segment}]: ${joinPath(path.slice(0, i)) || 'the list'} has ${list.length} items${value === REMOVE ? '' : ` (use [${list.length}] to append one)`}`,
        });
      }
    }
    const baseNext = childOf(baseCurrent, segment);
    if (last) {
      if (value === REMOVE) {
        if (typeof segment === 'number') (container as unknown[]).splice(segment, 1);
        else delete container[segment];
      } else {
        container[segment] = structuredClone(value);
      }
      return;
    }
    let next = container[segment];
    if (next === undefined || next === null) {
      const nextSegment = path[i + 1];
      if (Array.isArray(baseNext)) next = structuredClone(baseNext);
      else next = typeof nextSegment === 'number' ? [] : {};
      container[segment] = next;
    } else if (typeof next !== 'object') {
      throw new InputError({
        path: `--set ${joinPath(path)}`,
        message: `cannot be set: ${joinPath(path.slice(0, i + 1))} holds ${JSON.stringify(next)}, not a ${typeof path[i + 1] === 'number' ? 'list' : 'mapping'}`,
      });
    }
    current = next;
    baseCurrent = baseNext;
  }
}

function childOf(value: unknown, segment: PathSegment): unknown {
  if (value === null || typeof value !== 'object') return undefined;
  return (value as Record<PathSegment, unknown>)[segment];
}

/** The value at `path`, or undefined. */
export function valueAt(value: unknown, path: readonly PathSegment[]): unknown {
  let current = value;
  for (const segment of path) current = childOf(current, segment);
  return current;
}
