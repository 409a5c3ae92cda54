import { parseArgs } from 'node:util';
import { crossCheckEnvironments } from '../../environments/cross-checks';
import { InputError, type InputProblem } from '../../environments/input-error';
import { type LoadedEnvironment, loadEnvironment } from '../../environments/load';
import { ExitCode } from '../errors';
import type { Io } from '../io';
import { Project } from '../project';
import { usage } from './usage';

export const LIST_USAGE = 'blueprint list';

/**
 * `blueprint list`: each environment with its template, site, masters, pools (with their
 * sizes) and number of services; then the templates with their descriptions. An invalid
 * environment is listed as such; its problems, and conflicts between environments (the
 * cross-environment checks of synth), go to stderr, and the exit code is 2.
 */
export async function listCommand(argv: string[], io: Io): Promise<number> {
  usage(LIST_USAGE, () => parseArgs({ args: argv, options: {}, strict: true, allowPositionals: false }));
  const project = Project.find(io.cwd);
  const names = project.environmentNames();
  const templates = project.templateNames();
  const readTemplate = (template: string) =>
    templates.includes(template) ? project.readSource(project.templateFile(template)) : undefined;
  const problems: InputProblem[] = [];
  const loaded: LoadedEnvironment[] = [];
  const rows: string[][] = [['ENVIRONMENT', 'TEMPLATE', 'SITE', 'MASTERS', 'POOLS', 'SERVICES', 'CONTEXT']];
  // Each file on its own, so that one broken file does not hide the others.
  for (const name of names) {
    const file = project.environmentFile(name);
    try {
      const source = project.readSource(file);
      if (!source) throw new InputError({ file, message: 'does not exist' });
      const env = loadEnvironment(name, source, readTemplate, templates);
      loaded.push(env);
      rows.push(environmentRow(env));
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problems.push(...error.problems);
      const count = error.problems.length;
      rows.push([name, '-', '-', '-', `invalid: ${count} problem${count === 1 ? '' : 's'}`, '-', '-']);
    }
  }
  problems.push(...crossCheckEnvironments(loaded));
  if (names.length === 0)
    io.out('no environments yet: create one with `blueprint new-env NAME --from TEMPLATE`');
  else for (const line of table(rows)) io.out(line);
  io.out('');
  const described = templates.map((name) => [
    name,
    templateDescription(project.readSource(project.templateFile(name))?.text ?? '', name),
  ]);
  for (const line of table([['TEMPLATE', 'DESCRIPTION'], ...described])) io.out(line);
  if (problems.length === 0) return ExitCode.OK;
  throw new InputError(problems);
}

function environmentRow(env: LoadedEnvironment): string[] {
  const { spec } = env;
  const pools = spec.nodePools.map((pool) => {
    const size =
      pool.nodes !== undefined ? String(pool.nodes.length) : `${pool.minSize ?? '?'}-${pool.maxSize ?? '?'}`;
    return `${pool.name}(${size})`;
  });
  return [
    env.name,
    spec.template,
    spec.cluster.site ?? '-',
    String(spec.controlPlane.masters.length),
    pools.join(',') || '-',
    String(spec.services.length),
    spec.cluster.kubeconfig.context,
  ];
}

/**
 * A template's one-line description: the first sentence of the comment at the top of its
 * file (after the editor modeline), without a leading `name:`.
 */
export function templateDescription(text: string, name: string): string {
  const comment: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('#')) break;
    const content = line.replace(/^#\s?/, '').trim();
    if (content.startsWith('yaml-language-server:')) continue;
    if (content === '' && comment.length > 0) break;
    if (content !== '') comment.push(content);
  }
  const paragraph = comment.join(' ').replace(new RegExp(`^${name}:\\s*`), '');
  const sentence = /^(.*?[.!?])(\s|$)/.exec(paragraph)?.[1] ?? paragraph;
  return sentence || '-';
}

/** Left-aligned columns separated by two spaces. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows.map((row) =>
    row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '),
  );
}
