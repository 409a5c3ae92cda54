import { changeSummary } from './format-value';
import { hunkHeader } from './line-diff';
import type { DiffCounts, DiffReport, ResourceDiff } from './model';

const CODES = { red: 31, green: 32, yellow: 33, cyan: 36, bold: 1, dim: 2 } as const;
type Colour = keyof typeof CODES;

const MARK = { added: '+', removed: '-', changed: '~', renamed: '>' } as const;
const MARK_COLOUR: Record<ResourceDiff['action'], Colour> = {
  added: 'green',
  removed: 'red',
  changed: 'yellow',
  renamed: 'cyan',
};

/** `1 added, 2 changed, 0 removed, 1 renamed (1 destructive)` */
export function countsLine(counts: DiffCounts): string {
  const main = `${counts.added} added, ${counts.changed} changed, ${counts.removed} removed, ${counts.renamed} renamed`;
  return counts.destructive > 0 ? `${main} (${counts.destructive} destructive)` : main;
}

/**
 * The report for a terminal or a log: one block per environment, one line per resource, then
 * its field changes (changed and renamed resources) or line hunks (host files). ANSI colour
 * only when `colour` is set (stdout is a TTY).
 */
export function renderText(report: DiffReport, colour: boolean): string {
  const paint = (name: Colour, text: string) => (colour ? `\u001b[${CODES[name]}m${text}\u001b[0m` : text);
  const lines: string[] = [`${report.base} → ${report.head}`];
  for (const env of report.environments) {
    if (env.status === 'unchanged') {
      lines.push(`${paint('bold', env.name)}: no changes`);
      continue;
    }
    const note =
      env.status === 'added'
        ? ' (new environment)'
        : env.status === 'removed'
          ? ' (environment removed)'
          : '';
    lines.push(`${paint('bold', env.name)}${note}: ${countsLine(env.counts)}`);
    for (const resource of env.resources) {
      const mark = paint(MARK_COLOUR[resource.action], MARK[resource.action]);
      const title = resource.previousId ? `${resource.title} (was ${resource.previousId})` : resource.title;
      const file = resource.file !== resource.title ? `  ${paint('dim', resource.file)}` : '';
      lines.push(`  ${mark} ${title}${file}`);
      for (const reason of resource.reasons) lines.push(`      ${paint('red', `DESTRUCTIVE: ${reason}`)}`);
      if (resource.action === 'added' || resource.action === 'removed') continue;
      for (const change of resource.changes) {
        const replaces = change.replaces ? paint('red', '  (replace)') : '';
        lines.push(`      ${changeSummary(change)}${replaces}`);
        for (const hunk of change.hunks ?? []) {
          lines.push(`        ${paint('cyan', hunkHeader(hunk))}`);
          for (const line of hunk.lines) lines.push(`        ${paintLine(paint, line.op, line.text)}`);
        }
      }
      for (const hunk of resource.hunks) {
        lines.push(`      ${paint('cyan', hunkHeader(hunk))}`);
        for (const line of hunk.lines) lines.push(`      ${paintLine(paint, line.op, line.text)}`);
      }
    }
  }
  const totals = report.totals;
  const changed = report.environments.filter((env) => env.status !== 'unchanged').length;
  lines.push(
    changed === 0
      ? `no changes in ${report.environments.length} environments`
      : `${changed} of ${report.environments.length} environments changed: ${countsLine(totals)}`,
  );
  return lines.join('\n');
}

function paintLine(paint: (name: Colour, text: string) => string, op: string, text: string): string {
  if (op === '+') return paint('green', `+${text}`);
  if (op === '-') return paint('red', `-${text}`);
  return ` ${text}`;
}
