import { parseArgs } from 'node:util';
import { ExitCode } from '../errors';
import type { Io } from '../io';
import { Project } from '../project';
import { usage } from './usage';

export const LIST_USAGE = 'blueprint list';

/** `blueprint list`: each environment with its template, masters and pools; then the templates. */
export async function listCommand(argv: string[], io: Io): Promise<number> {
  usage(LIST_USAGE, () => parseArgs({ args: argv, options: {}, strict: true, allowPositionals: false }));
  const project = Project.find(io.cwd);
  const envs = project.loadEnvironments(project.environmentNames());
  io.out('ENVIRONMENT  TEMPLATE  MASTERS  POOLS  CONTEXT');
  const rows = envs.map((env) => [
    env.name,
    env.spec.template,
    String(env.spec.controlPlane.masters.length),
    env.spec.nodePools.map((pool) => pool.name).join(',') || '-',
    env.spec.cluster.kubeconfig.context,
  ]);
  for (const line of table(rows)) io.out(line);
  io.out('');
  io.out('TEMPLATES');
  for (const name of project.templateNames()) io.out(`${name}`);
  return ExitCode.OK;
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
