import { type Document, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { InputError, type InputProblem, joinPath } from './input-error';
// './schema/index', not './schema': Node and jest would resolve './schema' to the generated schema.json.
import { type EnvironmentSpec, environmentSchema } from './schema/index';

/** A file's repository-relative name and its text. Reading it is the caller's job. */
export interface SourceFile {
  readonly file: string;
  readonly text: string;
}

/** An environment file merged with its template and validated. */
export interface LoadedEnvironment {
  /** The environment's name: its file name without `.yaml`. */
  readonly name: string;
  readonly file: string;
  readonly templateFile: string;
  readonly spec: EnvironmentSpec;
}

interface ParsedYaml {
  readonly source: SourceFile;
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
  readonly value: unknown;
}

/** Parses YAML, turning syntax errors into problems with the file and line. */
export function parseYaml(source: SourceFile): ParsedYaml {
  const lines = new LineCounter();
  const doc = parseDocument(source.text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new InputError(
      doc.errors.map((error) => {
        const pos = lines.linePos(error.pos[0]);
        return {
          file: source.file,
          message: `YAML syntax error at line ${pos.line}, column ${pos.col}: ${error.message.split('\n')[0]}`,
        };
      }),
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // The yaml library refuses alias expansion beyond the limit (an "alias bomb").
    if (error instanceof ReferenceError)
      throw new InputError({
        file: source.file,
        message: `expands YAML aliases too far (${error.message}); an environment file may use aliases, but at most ${MAX_ALIAS_COUNT} expanded nodes of them`,
      });
    throw error;
  }
  return { source, doc, lines, value: value ?? {} };
}

/** How many nodes aliases may expand to in one file (yaml's `maxAliasCount`). */
const MAX_ALIAS_COUNT = 100;

/** Objects merge key by key; lists and scalars from the environment replace the template's. */
export function mergeValues(base: unknown, override: unknown): unknown {
  if (isPlainObject(base) && isPlainObject(override)) {
    const out: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(override)) out[key] = mergeValues(base[key], value);
    return out;
  }
  return override === undefined ? base : override;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Loads one environment: parses its file, merges it over its template's values, and
 * validates the result with the environment schema. Every problem of the file is reported
 * together, each naming the file that holds the value (the environment or its template).
 *
 * @param readTemplate returns the template file, or undefined when there is no such template
 * @param templateNames the known templates, listed when the environment names another
 */
export function loadEnvironment(
  name: string,
  source: SourceFile,
  readTemplate: (template: string) => SourceFile | undefined,
  templateNames: readonly string[],
): LoadedEnvironment {
  const env = parseYaml(source);
  if (!isPlainObject(env.value)) {
    throw new InputError({ file: source.file, message: 'must be a YAML mapping of environment fields' });
  }
  const templateName = env.value.template;
  if (typeof templateName !== 'string') {
    throw new InputError({
      file: source.file,
      path: 'template',
      value: templateName,
      message: `is required: the name of a template (one of ${templateNames.join(', ')})`,
    });
  }
  const templateSource = readTemplate(templateName);
  if (templateSource === undefined) {
    throw new InputError({
      file: source.file,
      path: 'template',
      value: templateName,
      message: `is not a known template (known: ${templateNames.join(', ')})`,
    });
  }
  const template = parseYaml(templateSource);
  if (!isPlainObject(template.value)) {
    throw new InputError({
      file: templateSource.file,
      message: 'must be a YAML mapping of environment fields',
    });
  }
  const { template: _ignored, ...templateValues } = template.value;
  const merged = mergeValues(templateValues, env.value);
  const result = environmentSchema.safeParse(merged, { reportInput: true });
  if (!result.success) {
    throw new InputError(
      sortProblems(result.error.issues.flatMap((issue) => toProblems(issue, env, template))),
    );
  }
  return { name, file: source.file, templateFile: templateSource.file, spec: result.data };
}

function sortProblems(problems: InputProblem[]): InputProblem[] {
  return problems
    .map((problem, index) => ({ problem, index }))
    .sort((a, b) => lineOf(a.problem) - lineOf(b.problem) || a.index - b.index)
    .map(({ problem }) => problem);
}

function lineOf(problem: InputProblem): number {
  const match = /\(line (\d+)\)$/.exec(problem.message);
  return match ? Number(match[1]) : Number.MAX_SAFE_INTEGER;
}

/** Turns one zod issue into problems that name the file, the field path and the value. */
function toProblems(issue: z.core.$ZodIssue, env: ParsedYaml, template: ParsedYaml): InputProblem[] {
  const path = issue.path as (string | number)[];
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeys(path);
    return issue.keys.map((key) =>
      locate([...path, key], env, template, {
        message: `is not a known field${allowed ? ` (allowed here: ${allowed.join(', ')})` : ''}`,
      }),
    );
  }
  const input = (issue as { input?: unknown }).input;
  let message = issue.message;
  if (issue.code === 'invalid_type' && input === undefined) {
    message = `is required (${describeExpected(issue.expected)})`;
    return [locate(path, env, template, { message })];
  }
  if (issue.code === 'invalid_type' && message.startsWith('Invalid input')) {
    message = `must be ${describeExpected(issue.expected)}, not ${typeName(input)}`;
  } else if (message.startsWith('Invalid option: expected one of ')) {
    message = `must be one of ${message.slice('Invalid option: expected one of '.length).replaceAll('|', ', ')}`;
  } else if (
    message.startsWith('Too small') ||
    message.startsWith('Too big') ||
    message.startsWith('Invalid')
  ) {
    message = message
      .replace(/^Too small: expected /, 'is too small: must be ')
      .replace(/^Too big: expected /, 'is too big: must be ');
    message = message.charAt(0).toLowerCase() + message.slice(1);
  }
  return [locate(path, env, template, { value: input, message })];
}

function describeExpected(expected: string): string {
  if (expected === 'array') return 'a list';
  if (expected === 'object') return 'a mapping';
  if (expected === 'int') return 'a whole number';
  return `a ${expected}`;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}

/** Names the file that holds the value at `path` and appends its line number. */
function locate(
  path: (string | number)[],
  env: ParsedYaml,
  template: ParsedYaml,
  problem: { value?: unknown; message: string },
): InputProblem {
  const owner = findNode(env, path) ? env : findNode(template, path) ? template : env;
  const node = findNode(owner, path) ?? nearestNode(owner, path);
  const line = node?.range ? ` (line ${owner.lines.linePos(node.range[0]).line})` : '';
  return { file: owner.source.file, path: joinPath(path), ...problem, message: `${problem.message}${line}` };
}

type RangedNode = { range?: [number, number, number] | null };

function findNode(parsed: ParsedYaml, path: (string | number)[]): RangedNode | undefined {
  if (path.length === 0) return parsed.doc.contents as RangedNode;
  const map = parsed.doc.getIn(path.slice(0, -1), true);
  const last = path[path.length - 1];
  if (isMap(map)) {
    const pair = map.items.find((item) => isScalar(item.key) && item.key.value === last);
    return pair ? ((pair.key as RangedNode) ?? undefined) : undefined;
  }
  if (isSeq(map) && typeof last === 'number') return (map.items[last] as RangedNode) ?? undefined;
  return undefined;
}

function nearestNode(parsed: ParsedYaml, path: (string | number)[]): RangedNode | undefined {
  for (let length = path.length - 1; length >= 0; length--) {
    const node = findNode(parsed, path.slice(0, length));
    if (node) return node;
  }
  return undefined;
}

/** The keys the schema allows at `path`, for "unknown field" messages. */
function allowedKeys(path: (string | number)[]): string[] | undefined {
  let schema: z.core.$ZodType | undefined = environmentSchema;
  for (const segment of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject && typeof segment === 'string') schema = schema.shape[segment];
    else if (schema instanceof z.ZodArray && typeof segment === 'number') schema = schema.element;
    else if (schema instanceof z.ZodRecord) schema = schema.valueType;
    else return undefined;
  }
  schema = unwrap(schema);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : undefined;
}

function unwrap(schema: z.core.$ZodType | undefined): z.core.$ZodType | undefined {
  let current = schema;
  for (let depth = 0; current && depth < 10; depth++) {
    const def = (
      current as { _zod: { def: { type: string; innerType?: z.core.$ZodType; in?: z.core.$ZodType } } }
    )._zod.def;
    if (def.innerType) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else break;
  }
  return current;
}
