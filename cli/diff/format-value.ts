import { hunkHeader } from './line-diff';
import type { FieldChange, Json } from './model';

const PLAIN = /^[^\s"'{}[\],#&*!|>%@`][^\n]*$/;

/** A value as a reviewer reads it: plain strings bare, everything else as compact JSON. */
export function formatValue(value: Json | undefined): string {
  if (value === undefined) return '(none)';
  if (typeof value === 'string') {
    const ambiguous = /^(true|false|null|-?\d+(\.\d+)?)$/.test(value) || value !== value.trim();
    return PLAIN.test(value) && !ambiguous ? value : JSON.stringify(value);
  }
  return JSON.stringify(value);
}

/** Placeholders for masked values. */
export const MASKED = {
  changed: '(changed)',
  added: '(sensitive value)',
  removed: '(sensitive value)',
} as const;

/**
 * The lines of one field change in diff notation: `- path: old` / `+ path: new`, masked
 * values as `! path: (changed)`, a multi-line string as its own hunks.
 */
export function changeLines(change: FieldChange): string[] {
  const { path } = change;
  if (change.masked) {
    const mark = change.action === 'added' ? '+' : change.action === 'removed' ? '-' : '!';
    return [`${mark} ${path}: ${MASKED[change.action]}`];
  }
  if (change.hunks && change.hunks.length > 0) {
    const lines = [`! ${path}: (multi-line text)`];
    for (const hunk of change.hunks) {
      lines.push(`@@ ${path} ${hunkHeader(hunk).slice(3)}`);
      for (const line of hunk.lines) lines.push(`${line.op}   ${line.text}`);
    }
    return lines;
  }
  const lines: string[] = [];
  if (change.action !== 'added') lines.push(`- ${path}: ${formatValue(change.before)}`);
  if (change.action !== 'removed') lines.push(`+ ${path}: ${formatValue(change.after)}`);
  return lines;
}

/** `spec.template.spec.containers[name=api].image: app:1.2 → app:1.3`, one line. */
export function changeSummary(change: FieldChange): string {
  if (change.masked) return `${change.path}: ${MASKED[change.action]}`;
  if (change.action === 'added') return `${change.path}: + ${formatValue(change.after)}`;
  if (change.action === 'removed') return `${change.path}: - ${formatValue(change.before)}`;
  if (change.hunks && change.hunks.length > 0) return `${change.path}: (multi-line text changed)`;
  return `${change.path}: ${formatValue(change.before)} → ${formatValue(change.after)}`;
}
