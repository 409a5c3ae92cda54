import { changeLines } from './format-value';
import { hunkHeader } from './line-diff';
import type { DiffReport, ResourceDiff } from './model';

/** GitHub refuses comments longer than 65,536 characters; stay clearly below. */
export const MARKDOWN_LIMIT = 65_000;
/** Room kept for the truncation note. */
const NOTE_RESERVE = 600;
/** Destructive changes listed by name at the top, at most. */
const MAX_LISTED_DESTRUCTIVE = 25;

const ICON = { added: '🟢', removed: '🔴', changed: '🟡', renamed: '🔵' } as const;

/** Escapes text for HTML inside `<summary>` and table cells. */
function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '&#124;');
}

/** A code fence longer than any backtick run in the content. */
function fenced(lang: string, lines: readonly string[]): string {
  let longest = 2;
  for (const line of lines)
    for (const run of line.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${lines.join('\n')}\n${fence}`;
}

/** The diff-notation body lines of one resource. */
function bodyLines(resource: ResourceDiff): string[] {
  const lines: string[] = [];
  for (const change of resource.changes) {
    lines.push(...changeLines(change));
    if (change.replaces) lines.push(`# ${change.replaces}`);
  }
  for (const hunk of resource.hunks) {
    lines.push(hunkHeader(hunk));
    for (const line of hunk.lines) lines.push(`${line.op}${line.text}`);
  }
  return lines;
}

/** One resource as a collapsible block; `maxChars` cuts its body to fit (with a note). */
function detailsBlock(resource: ResourceDiff, env: string, maxChars = Number.POSITIVE_INFINITY): string {
  const was = resource.previousId ? ` (was <code>${html(resource.previousId)}</code>)` : '';
  const flag = resource.destructive ? ' ⚠️ <b>destructive</b>' : '';
  const head = `<details><summary>${ICON[resource.action]} ${resource.action} <code>${html(resource.title)}</code>${was}${flag}</summary>\n\n`;
  const reasons =
    resource.reasons.map((reason) => `- ⚠️ ${html(reason)}\n`).join('') +
    (resource.reasons.length > 0 ? '\n' : '');
  const where = `<sub>${html(env)} · ${html(resource.file)}</sub>\n\n`;
  const tail = '\n\n</details>\n';
  let lines = bodyLines(resource);
  let body = lines.length > 0 ? fenced('diff', lines) : '_(no field changes)_';
  const fixed = head.length + reasons.length + where.length + tail.length;
  if (fixed + body.length > maxChars) {
    let budget = maxChars - fixed - 120;
    const kept: string[] = [];
    for (const line of lines) {
      if (budget - (line.length + 1) < 0) break;
      budget -= line.length + 1;
      kept.push(line);
    }
    const dropped = lines.length - kept.length;
    lines = kept;
    body = `${fenced('diff', lines)}\n\n_… ${dropped} more lines not shown._`;
  }
  return `${head}${reasons}${where}${body}${tail}`;
}

/**
 * The report as a pull-request comment: a summary table (one row per environment with
 * added, changed, removed, renamed and destructive counts), the destructive changes called
 * out, then one collapsible `<details>` block per resource. Kept under 65,000 characters:
 * blocks that do not fit are left out and a note says how many.
 */
export function renderMarkdown(report: DiffReport, limit = MARKDOWN_LIMIT): string {
  const parts: string[] = [];
  parts.push(`### Platform Blueprint diff: \`${report.base}\` → ${report.head}\n`);
  parts.push('| environment | added | changed | removed | renamed | destructive |');
  parts.push('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const env of report.environments) {
    const c = env.counts;
    const name =
      env.status === 'added'
        ? `${env.name} (new)`
        : env.status === 'removed'
          ? `${env.name} (removed)`
          : env.name;
    const destructive = c.destructive > 0 ? `⚠️ ${c.destructive}` : '0';
    parts.push(
      `| ${html(name)} | ${c.added} | ${c.changed} | ${c.removed} | ${c.renamed} | ${destructive} |`,
    );
  }
  parts.push('');
  const destructive = report.environments.flatMap((env) =>
    env.resources.filter((r) => r.destructive).map((r) => ({ env: env.name, resource: r })),
  );
  if (report.environments.every((env) => env.status === 'unchanged')) {
    parts.push('No changes to the generated Terraform, manifests or host files.\n');
    return parts.join('\n');
  }
  if (destructive.length > 0) {
    parts.push('> [!WARNING]');
    parts.push(
      `> ${destructive.length} destructive change${destructive.length === 1 ? '' : 's'} (deletions and replacements):`,
    );
    for (const { env, resource } of destructive.slice(0, MAX_LISTED_DESTRUCTIVE))
      parts.push(`> - **${html(env)}** \`${resource.title}\`: ${html(resource.reasons.join('; '))}`);
    if (destructive.length > MAX_LISTED_DESTRUCTIVE)
      parts.push(`> - … and ${destructive.length - MAX_LISTED_DESTRUCTIVE} more`);
    parts.push('');
  }
  let text = `${parts.join('\n')}\n`;
  const total = report.environments.reduce((sum, env) => sum + env.resources.length, 0);
  let shown = 0;
  let truncated = false;
  let cut = 0;
  for (const env of report.environments) {
    if (env.resources.length === 0 || truncated) continue;
    const heading = `#### ${html(env.name)}\n\n`;
    if (text.length + heading.length + NOTE_RESERVE > limit) {
      truncated = true;
      break;
    }
    text += heading;
    for (const resource of env.resources) {
      const room = limit - NOTE_RESERVE - text.length;
      let block = detailsBlock(resource, env.name);
      if (block.length > room) {
        // Too little room even for a cut block: stop here. Otherwise cut this block to fit.
        if (room < 1_000) {
          truncated = true;
          break;
        }
        block = detailsBlock(resource, env.name, room);
        cut++;
      }
      text += `${block}\n`;
      shown++;
    }
  }
  if (shown < total || cut > 0) {
    const cutNote = cut > 0 ? ` ${cut} shown resource${cut === 1 ? ' is' : 's are'} cut short.` : '';
    text +=
      `\n> [!NOTE]\n> Truncated to stay under ${limit.toLocaleString('en-US')} characters (the limit of a pull-request ` +
      `comment): ${total - shown} of ${total} changed resources are not shown.${cutNote} Run the same ` +
      '`blueprint diff` locally, or use `--format json`, for the full diff.\n';
  }
  return text;
}
