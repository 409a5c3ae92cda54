import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { type AddressMapping, mapAddresses, parseAddressMapping } from '../../environments/address-map';
import { crossCheckEnvironments } from '../../environments/cross-checks';
import {
  differences,
  editEnvironmentFile,
  type FileEdit,
  renderEnvironmentFile,
  SCHEMA_MODELINE,
  showValue,
} from '../../environments/env-file';
import { InputError, type InputProblem, joinPath } from '../../environments/input-error';
import { type LoadedEnvironment, loadEnvironment, mergeValues, parseYaml } from '../../environments/load';
import {
  applySetValue,
  describeKinds,
  fieldAt,
  type PathSegment,
  parseSetArgument,
  type SetArgument,
  valueAt,
} from '../../environments/set-path';
import { synthesizeEnvironment } from '../../stacks/environment';
import { ExitCode } from '../errors';
import type { Io } from '../io';
import { ENVIRONMENT_NAME, Project } from '../project';
import { usage } from './usage';

export const NEW_ENV_USAGE =
  'blueprint new-env NAME --from TEMPLATE|ENV [--set PATH=VALUE]... [--map-addresses FROM=TO]... [--dry-run]';

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * `blueprint new-env NAME --from TEMPLATE|ENV [--set PATH=VALUE]...`: writes
 * `environments/NAME.yaml`.
 *
 * - From a template: the template reference plus the values given with `--set`; every value
 *   the template leaves open must be given.
 * - From an environment: a copy of its file. The values that must differ per site (every IPv4
 *   address, the kubeconfig context, an external load balancer's endpoint) must be given with
 *   `--set` (or moved with `--map-addresses FROM=TO`); the command refuses and lists the
 *   missing `--set` paths otherwise. The header of the new file lists every difference from
 *   the source.
 *
 * The result is validated like any environment (schema, rules, the cross-environment checks
 * against every other environment) and synthesized in memory before anything is written.
 * Every refusal exits 2 and writes nothing.
 */
export async function newEnvCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = usage(NEW_ENV_USAGE, () =>
    parseArgs({
      args: argv,
      options: {
        from: { type: 'string' },
        set: { type: 'string', multiple: true, default: [] },
        'map-addresses': { type: 'string', multiple: true, default: [] },
        'dry-run': { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: true,
    }),
  );
  if (positionals.length !== 1) {
    throw new InputError({
      message: `expects one NAME, got ${positionals.length === 0 ? 'none' : positionals.map((p) => JSON.stringify(p)).join(' ')}; usage: ${NEW_ENV_USAGE}`,
    });
  }
  const name = positionals[0] as string;
  if (values.from === undefined) {
    throw new InputError({
      path: '--from',
      message: `is required: the template or environment to start from; usage: ${NEW_ENV_USAGE}`,
    });
  }
  const from = values.from;
  const project = Project.find(io.cwd);
  const file = project.environmentFile(name);
  // Every problem of the request at once: the name, each --set and each --map-addresses.
  const problems: InputProblem[] = [];
  const collect = <T>(step: () => T, fallback: T): T => {
    try {
      return step();
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problems.push(...error.problems);
      return fallback;
    }
  };
  collect(() => checkName(project, name, file), undefined);
  const sets = collect(() => parseSets(values.set ?? []), []);
  const mappings = collect(() => parseMappings(values['map-addresses'] ?? []), []);
  if (problems.length > 0) throw new InputError(problems);
  const plan = resolveSource(project, from);
  if (plan.kind === 'template' && mappings.length > 0) {
    throw new InputError({
      path: '--map-addresses',
      message: `moves the addresses of a copied environment; ${from} is a template, which holds no addresses`,
    });
  }
  const draft =
    plan.kind === 'template'
      ? fromTemplate(project, name, from, sets)
      : fromEnvironment(project, name, from, sets, mappings);
  const loaded = validate(project, name, file, draft.text, sets);
  // Constructs check what the schema cannot (they throw with the values); a new environment
  // must synthesize before it exists.
  const output = synthesizeEnvironment(loaded);
  if (values['dry-run']) {
    io.out(draft.text.trimEnd());
    return ExitCode.OK;
  }
  const full = path.join(project.root, file);
  try {
    // `wx`: never replace a file that appeared since the check above.
    fs.writeFileSync(full, draft.text, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      throw new InputError({ file, message: 'already exists; new-env never overwrites an environment' });
    throw error;
  }
  io.out(`wrote ${file} (${draft.summary}); it synthesizes to ${output.files.length} files`);
  io.out(
    `next: review it, run \`blueprint synth --env ${name}\` and \`blueprint validate --env ${name}\`, and commit it with its output`,
  );
  return ExitCode.OK;
}

function checkName(project: Project, name: string, file: string): void {
  if (!ENVIRONMENT_NAME.test(name)) {
    throw new InputError({
      path: 'NAME',
      value: name,
      message:
        'is not a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63); it names the file, the output folder and Kubernetes objects',
    });
  }
  if (fs.existsSync(path.join(project.root, file))) {
    throw new InputError({
      file,
      message:
        'already exists; new-env never overwrites an environment (choose another NAME, or edit the file)',
    });
  }
  if (project.templateNames().includes(name)) {
    throw new InputError({
      path: 'NAME',
      value: name,
      message: `is the name of a template (${project.templateFile(name)}); environments and templates need different names so that --from is unambiguous`,
    });
  }
}

function parseSets(args: readonly string[]): SetArgument[] {
  const problems: InputProblem[] = [];
  const sets: SetArgument[] = [];
  for (const arg of args) {
    try {
      const set = parseSetArgument(arg);
      if (set.path[0] === 'template') {
        problems.push({
          path: `--set ${set.pathText}`,
          message:
            'cannot be set: the template is chosen with --from (a template, or an environment whose template is kept)',
        });
      } else sets.push(set);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  return sets;
}

function resolveSource(project: Project, from: string): { kind: 'template' | 'environment' } {
  const templates = project.templateNames();
  const environments = project.environmentNames();
  const isTemplate = templates.includes(from);
  const isEnvironment = environments.includes(from);
  if (isTemplate && isEnvironment) {
    throw new InputError({
      path: '--from',
      value: from,
      message: `is both a template (${project.templateFile(from)}) and an environment (${project.environmentFile(from)}); rename one of them`,
    });
  }
  if (!isTemplate && !isEnvironment) {
    throw new InputError({
      path: '--from',
      value: from,
      message: `is not a known template or environment (templates: ${templates.join(', ') || 'none'}; environments: ${environments.join(', ') || 'none'})`,
    });
  }
  return { kind: isTemplate ? 'template' : 'environment' };
}

interface Draft {
  readonly text: string;
  /** How the file was made, for the success message. */
  readonly summary: string;
}

/** The template's values, without its `template` key. */
function templateValues(project: Project, template: string): Record<string, unknown> {
  const source = project.readSource(project.templateFile(template));
  if (!source) throw new InputError({ file: project.templateFile(template), message: 'does not exist' });
  const value = parseYaml(source).value;
  if (!isPlainObject(value))
    throw new InputError({ file: source.file, message: 'must be a YAML mapping of environment fields' });
  const { template: _ignored, ...rest } = value;
  return rest;
}

function fromTemplate(project: Project, name: string, template: string, sets: readonly SetArgument[]): Draft {
  const base = templateValues(project, template);
  const values: Record<string, unknown> = { template };
  for (const set of sets) applySetValue(values, set.path, set.value, base);
  const header = [
    SCHEMA_MODELINE,
    `${name}: from the ${template} template (${project.templateFile(template)}), made with`,
    `\`blueprint new-env ${name} --from ${template}\`. Values not written here come from the template.`,
  ];
  return {
    text: renderEnvironmentFile(header, values),
    summary: `from template ${template}, ${sets.length} values set`,
  };
}

function parseMappings(args: readonly string[]): AddressMapping[] {
  const problems: InputProblem[] = [];
  const mappings: AddressMapping[] = [];
  for (const arg of args) {
    try {
      mappings.push(parseAddressMapping(arg));
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  return mappings;
}

function fromEnvironment(
  project: Project,
  name: string,
  from: string,
  sets: readonly SetArgument[],
  mappings: readonly AddressMapping[],
): Draft {
  // The source must be valid itself (and free of cross-environment conflicts).
  const [source] = project.loadEnvironments([from]) as [LoadedEnvironment];
  const sourceText = project.readSource(source.file)?.text ?? '';
  const own = parseYaml({ file: source.file, text: sourceText }).value as Record<string, unknown>;
  const base = templateValues(project, String(own.template));
  const values = structuredClone(own);
  const edits: FileEdit[] = [];
  // Addresses move first, so that a --set of the same path wins.
  const mapped = mapAddresses(own, mappings, source.file);
  for (const value of mapped) {
    applySetValue(values, value.path, value.after, base);
    edits.push({ path: value.path, value: value.after });
  }
  for (const set of sets) {
    applySetValue(values, set.path, set.value, base);
    edits.push({ path: set.path, value: set.value });
  }
  const before = mergeValues(base, own);
  const given = [...sets.map((set) => set.path), ...mapped.map((value) => value.path)];
  const missing = perSitePaths(before).filter(
    (required) => !given.some((path) => isPrefix(path, required.path)),
  );
  if (missing.length > 0) {
    throw new InputError([
      ...missing.map((required) => ({
        path: `--set ${joinPath(required.path)}`,
        message: `is required: ${required.why}, so the copy cannot keep ${from}'s ${showValue(valueAt(before, required.path))}`,
      })),
      {
        message: `give them one by one, a whole list at once (--set 'controlPlane.masters=[{ name: master-1, address: 10.40.0.11 }, ...]'), or move a whole addressing plan (--map-addresses 10.20.0.0/16=10.21.0.0/16); see docs/environments.md`,
      },
    ]);
  }
  const changed = differences(before, mergeValues(base, values));
  const header = [
    SCHEMA_MODELINE,
    `${name}: a copy of ${from} (${source.file}), made with \`blueprint new-env ${name} --from ${from}\`.`,
    changed.length === 0 ? `It does not differ from ${from}.` : `Differences from ${from}:`,
    ...changed.map((change) => `  ${change.path}: ${showValue(change.before)} -> ${showValue(change.after)}`),
  ];
  return {
    text: editEnvironmentFile(sourceText, header, edits, values),
    summary: `a copy of ${from} with ${changed.length} differences`,
  };
}

/**
 * The values of an environment that another site or cluster cannot share: every IPv4
 * address (masters, nodes, the VIP, addresses of other areas), the kubeconfig context, and
 * an external load balancer's endpoint.
 */
function perSitePaths(values: unknown): { path: PathSegment[]; why: string }[] {
  const out: { path: PathSegment[]; why: string }[] = [];
  const walk = (value: unknown, at: PathSegment[]) => {
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        walk(item, [...at, index]);
      });
    } else if (isPlainObject(value))
      for (const [key, child] of Object.entries(value)) walk(child, [...at, key]);
    else if (typeof value === 'string' && IPV4.test(value))
      out.push({ path: at, why: 'addresses differ per site and cluster' });
  };
  walk(values, []);
  const context = ['cluster', 'kubeconfig', 'context'];
  if (valueAt(values, context) !== undefined)
    out.unshift({ path: context, why: 'every environment needs its own kubeconfig context' });
  const endpoint = ['controlPlane', 'loadBalancer', 'endpoint'];
  if (typeof valueAt(values, endpoint) === 'string' && !IPV4.test(String(valueAt(values, endpoint))))
    out.push({ path: endpoint, why: 'every cluster has its own API server endpoint' });
  return out;
}

function isPrefix(prefix: readonly PathSegment[], full: readonly PathSegment[]): boolean {
  return prefix.length <= full.length && prefix.every((segment, i) => segment === full[i]);
}

/**
 * Validates the new file as `synth` would (the same loader, schema and rules, then the
 * cross-environment checks against every other environment). Problems in the new file are
 * shown as `--set PATH`, the way to fix them, without the line numbers of a file that does not
 * exist yet.
 */
function validate(
  project: Project,
  name: string,
  file: string,
  text: string,
  sets: readonly SetArgument[],
): LoadedEnvironment {
  const templates = project.templateNames();
  let loaded: LoadedEnvironment;
  try {
    loaded = loadEnvironment(
      name,
      { file, text },
      (template) =>
        templates.includes(template) ? project.readSource(project.templateFile(template)) : undefined,
      templates,
    );
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    throw new InputError(error.problems.map((problem) => asSetProblem(problem, file, sets)));
  }
  const conflicts = crossCheckEnvironments([...project.loadOthersQuietly([name]), loaded], [name]);
  if (conflicts.length > 0)
    throw new InputError(conflicts.map((problem) => asSetProblem(problem, file, sets)));
  return loaded;
}

function asSetProblem(problem: InputProblem, file: string, sets: readonly SetArgument[]): InputProblem {
  if (problem.file !== file || problem.path === undefined) return problem;
  const message = problem.message.replace(/ \(line \d+\)$/, '');
  const given = sets.some((set) => problem.path?.startsWith(set.pathText));
  if (!given && message.startsWith('is required')) {
    return { path: `--set ${problem.path}`, message: requiredMessage(problem.path) };
  }
  if (!given && problem.value === undefined) {
    return {
      path: `--set ${problem.path}`,
      message: `is not set and ${message}; give it with --set ${problem.path}=VALUE`,
    };
  }
  return { ...problem, file: undefined, path: `--set ${problem.path}`, message };
}

/** `is required: <description>; give it with --set PATH=VALUE (a string)`, listing the required fields under a missing section. */
function requiredMessage(pathText: string): string {
  try {
    const segments = pathText
      .split(/\.|(?=\[)/)
      .map((part) => (/^\[\d+\]$/.test(part) ? Number(part.slice(1, -1)) : part));
    const field = fieldAt(segments);
    if (field.keys) {
      const leaves = requiredLeaves(segments).map((leaf) => joinPath(leaf));
      return `is required: ${summary(field.description)}Give ${leaves.map((leaf) => `--set ${leaf}=...`).join(' ')}`;
    }
    return `is required: ${summary(field.description)}Give it with --set ${pathText}=VALUE (${describeKinds(field)}).`;
  } catch {
    return 'is required';
  }
}

/** A field's description without its `@default` note (a required field has none that applies). */
function summary(description: string | undefined): string {
  const text = (description ?? '').replace(/\s*@default[\s\S]*$/, '').trim();
  return text === '' ? '' : `${text}${/[.!?]$/.test(text) ? '' : '.'} `;
}

function requiredLeaves(at: PathSegment[]): PathSegment[][] {
  const field = fieldAt(at);
  if (!field.keys) return [at];
  return field.keys.flatMap((key) => (fieldAt([...at, key]).optional ? [] : requiredLeaves([...at, key])));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
