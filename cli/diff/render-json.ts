import { type DiffReport, hasChanges } from './model';

/**
 * The report as JSON for tools: `{ version, base, head, changed, totals, environments }`,
 * with every resource's field changes and hunks. Masked values have no `before`/`after`.
 */
export function renderJson(report: DiffReport): string {
  return JSON.stringify({ version: 1, changed: hasChanges(report), ...report }, null, 2);
}
