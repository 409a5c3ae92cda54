import { parser } from '@prometheus-io/lezer-promql';

/**
 * Problems of a PromQL expression, as `column N: near "text"` strings; empty when it parses.
 * Uses Prometheus' own grammar (the lezer parser of the Prometheus UI), so what passes here
 * is what Prometheus' rule loader accepts syntactically.
 */
export function promqlProblems(expr: string): string[] {
  const problems: string[] = [];
  if (expr.trim() === '') return ['the expression is empty'];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) {
        const near = expr.slice(Math.max(0, node.from - 10), node.to + 10);
        problems.push(`column ${node.from + 1}: cannot parse near ${JSON.stringify(near)}`);
      }
    },
  });
  return problems;
}
