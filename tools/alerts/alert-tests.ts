/**
 * The alerts of every synthesized environment and their promtool unit tests: what the jest
 * harness (test/stacks/observability/promtool.test.ts) and the skeleton writer
 * (tools/alerts/skeleton.js) share.
 *
 * A test file is promtool's `test rules` format without `rule_files`: one per alert, at
 * `test/alerts/<AlertName>.yaml`, or `test/alerts/<env>/<AlertName>.yaml` where one
 * environment needs its own. For each environment whose rules hold the alert, the harness
 * writes the environment's rule files and a copy of the test file that names them, and fills
 * into every `exp_alerts` entry what the rule sets to a constant (see {@link prepareTestFile}).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { parseAllDocuments, parse as parseYaml, stringify } from 'yaml';

/** One rule of a PrometheusRule group, as synthesized. */
export interface RuleSpec {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A Prometheus rule file made from one PrometheusRule of one environment. */
export interface RuleFile {
  /** The environment. */
  readonly env: string;
  /** Where it came from: `kubernetes/monitoring.yaml: monitoring/platform-blueprint`. */
  readonly source: string;
  /** File name to write it under, unique within the environment. */
  readonly fileName: string;
  /** Its `groups`, as Prometheus reads them (the PrometheusRule's `spec.groups`). */
  readonly groups: readonly { readonly name: string; readonly rules: readonly RuleSpec[] }[];
}

/** The marker a skeleton carries until someone writes its cases. */
export const SKELETON_MARKER = 'ALERT-TEST-SKELETON';

/** The command that writes a skeleton for every alert without a test file. */
export const SKELETON_COMMAND = 'node tools/alerts/skeleton.js';

/** Where the alert test files live, relative to the repository root. */
export const ALERT_TESTS_DIR = 'test/alerts';

/** Every PrometheusRule in an environment's synthesized Kubernetes files, as rule files. */
export function ruleFilesOf(
  env: string,
  files: readonly { readonly path: string; readonly content: string }[],
): RuleFile[] {
  const result: RuleFile[] = [];
  for (const file of [...files].sort((a, b) => a.path.localeCompare(b.path))) {
    if (!/^kubernetes\/.+\.ya?ml$/.test(file.path)) continue;
    for (const doc of parseAllDocuments(file.content)) {
      // biome-ignore lint/suspicious/noExplicitAny: manifests are plain JSON
      const manifest = doc.toJS() as any;
      if (
        manifest?.kind !== 'PrometheusRule' ||
        !String(manifest.apiVersion).startsWith('monitoring.coreos.com/')
      )
        continue;
      const { namespace = 'default', name } = manifest.metadata ?? {};
      result.push({
        env,
        source: `${file.path}: ${namespace}/${name}`,
        fileName: `${namespace}--${name}.rules.yaml`,
        groups: manifest.spec?.groups ?? [],
      });
    }
  }
  return result;
}

/** The alerting rules of some rule files, by alert name (an alert in several groups: the first). */
export function alertsOf(ruleFiles: readonly RuleFile[]): Map<string, RuleSpec> {
  const alerts = new Map<string, RuleSpec>();
  for (const file of ruleFiles)
    for (const group of file.groups)
      for (const rule of group.rules) if (rule.alert && !alerts.has(rule.alert)) alerts.set(rule.alert, rule);
  return alerts;
}

/** The test file of an alert for an environment: its own when it has one, else the shared one. */
export function testFileFor(root: string, alert: string, env: string): string {
  const own = path.join(root, ALERT_TESTS_DIR, env, `${alert}.yaml`);
  return fs.existsSync(own) ? own : path.join(root, ALERT_TESTS_DIR, `${alert}.yaml`);
}

/** Every test file in the repository, relative to `test/alerts/`: `X.yaml` and `<env>/X.yaml`. */
export function existingTestFiles(root: string): string[] {
  const dir = path.join(root, ALERT_TESTS_DIR);
  if (!fs.existsSync(dir)) return [];
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.yaml')) found.push(entry.name);
    else if (entry.isDirectory())
      for (const inner of fs.readdirSync(path.join(dir, entry.name)))
        if (inner.endsWith('.yaml')) found.push(`${entry.name}/${inner}`);
  }
  return found.sort();
}

const TEMPLATED = /\{\{/;

// biome-ignore lint/suspicious/noExplicitAny: promtool's test file is untyped YAML
type TestFile = Record<string, any>;

/**
 * What is wrong with a test file of `alert`, before promtool runs it: empty when it may run.
 * It must be promtool's format without `rule_files`; its `alert_rule_test` entries name only
 * this alert; at least one expects it to fire and one expects it not to; every expected alert
 * states the labels and annotations the rule templates (the constant ones are filled in).
 */
export function testFileProblems(alert: string, text: string, rule: RuleSpec | undefined): string[] {
  if (text.includes(SKELETON_MARKER))
    return [
      `is still a skeleton: write its input series and expectations, then remove the ${SKELETON_MARKER} line`,
    ];
  let parsed: TestFile;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    return [`is not YAML: ${(error as Error).message}`];
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    return ["must be a mapping with promtool's `evaluation_interval` and `tests`"];
  const problems: string[] = [];
  if ('rule_files' in parsed)
    problems.push('must not set rule_files: the harness adds the rule files of each environment');
  const tests = parsed.tests;
  if (!Array.isArray(tests) || tests.length === 0) return [...problems, 'must have a non-empty `tests` list'];
  let firing = 0;
  let silent = 0;
  tests.forEach((test: TestFile, t: number) => {
    const cases = test?.alert_rule_test ?? [];
    if (!Array.isArray(cases)) {
      problems.push(`tests[${t}].alert_rule_test must be a list`);
      return;
    }
    cases.forEach((testCase: TestFile, c: number) => {
      const where = `tests[${t}].alert_rule_test[${c}]`;
      if (testCase?.alertname !== alert) {
        problems.push(
          `${where}.alertname is ${JSON.stringify(testCase?.alertname)}: this file tests ${alert} only`,
        );
        return;
      }
      const expected = testCase.exp_alerts ?? [];
      if (!Array.isArray(expected)) {
        problems.push(`${where}.exp_alerts must be a list`);
        return;
      }
      if (expected.length > 0) firing++;
      else silent++;
      expected.forEach((exp: TestFile, e: number) => {
        for (const [kind, key] of [
          ['labels', 'exp_labels'],
          ['annotations', 'exp_annotations'],
        ] as const) {
          const templated = Object.entries(rule?.[kind] ?? {}).filter(([, value]) => TEMPLATED.test(value));
          for (const [name] of templated)
            if (exp?.[key]?.[name] === undefined)
              problems.push(
                `${where}.exp_alerts[${e}].${key}.${name} is missing: the rule templates it, so the test must state what it renders to`,
              );
        }
      });
    });
  });
  if (firing === 0) problems.push(`has no case where ${alert} fires (an alert_rule_test with exp_alerts)`);
  if (silent === 0)
    problems.push(
      `has no case where ${alert} must not fire (an alert_rule_test without exp_alerts, or exp_alerts: [])`,
    );
  return problems;
}

/**
 * The test file promtool runs for one environment: the file as written, with `rule_files`
 * naming the environment's rule files, and every expected alert completed with what the rule
 * sets to a constant and the test left out (labels such as `environment` and `severity`,
 * annotations without templates). What a test states is compared exactly, as promtool does;
 * the series' own labels and every templated label and annotation are always stated.
 */
export function prepareTestFile(text: string, ruleFileNames: readonly string[], rule: RuleSpec): string {
  const parsed: TestFile = parseYaml(text);
  const constants = (values: Readonly<Record<string, string>> | undefined) =>
    Object.fromEntries(Object.entries(values ?? {}).filter(([, value]) => !TEMPLATED.test(value)));
  const labels = constants(rule.labels);
  const annotations = constants(rule.annotations);
  for (const test of parsed.tests ?? [])
    for (const testCase of test?.alert_rule_test ?? [])
      for (const exp of testCase?.exp_alerts ?? []) {
        exp.exp_labels = { ...labels, ...(exp.exp_labels ?? {}) };
        exp.exp_annotations = { ...annotations, ...(exp.exp_annotations ?? {}) };
      }
  // Every string double-quoted: promtool's YAML 1.1 reader would take some plain scalars
  // (0x10, yes, 1_000) for numbers or booleans.
  return stringify(
    { rule_files: [...ruleFileNames], ...parsed },
    { lineWidth: 0, defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' },
  );
}

/** The vector selectors of an expression, as written (`metric{a="b"}`), each once. */
export function selectorsOf(expr: string): string[] {
  const found = new Set<string>();
  parser.parse(expr).iterate({
    enter(node) {
      if (node.name === 'VectorSelector') {
        found.add(expr.slice(node.from, node.to));
        return false;
      }
      return undefined;
    },
  });
  return [...found];
}

/** Seconds of a Prometheus duration such as `1h30m`. */
export function durationSeconds(value: string | undefined): number {
  if (!value) return 0;
  const units: Record<string, number> = { y: 31536000, w: 604800, d: 86400, h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  for (const [, amount, unit] of value.matchAll(/(\d+)(ms|y|w|d|h|m|s)/g))
    total += Number(amount) * (units[unit as string] ?? 0);
  return total;
}

/** A YAML single-quoted scalar (promtool's series notation is full of double quotes). */
function quoted(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A Prometheus duration of whole minutes (at least 1m). */
function minutes(seconds: number): string {
  return `${Math.max(1, Math.ceil(seconds / 60))}m`;
}

/**
 * A skeleton test file for one alert, from its rule: the series its expression reads, a case
 * after `for` where it must fire and one where it must not. It carries {@link SKELETON_MARKER},
 * which the harness refuses, so that it cannot ship unedited.
 */
export function skeletonFor(alert: string, rule: RuleSpec): string {
  const forSeconds = durationSeconds(rule.for);
  const fireAt = minutes(forSeconds + 600);
  const span = Math.ceil((forSeconds + 900) / 60);
  const stated = Object.entries(rule.labels ?? {}).filter(([, value]) => TEMPLATED.test(value));
  const templatedAnnotations = Object.entries(rule.annotations ?? {}).filter(([, value]) =>
    TEMPLATED.test(value),
  );
  const lines = [
    `# ${SKELETON_MARKER}: written by ${SKELETON_COMMAND}; the harness refuses this file until you`,
    '# replace the values below with series that must fire the alert and series that must not, and',
    '# remove this line. Format: promtool test rules (docs/observability.md#testing-an-alert).',
    `# ${alert}: ${rule.expr.replace(/\s+/g, ' ')}`,
    `#   for: ${rule.for ?? '0s'}`,
    'evaluation_interval: 1m',
    'tests:',
    `  - name: ${alert} fires when the condition holds longer than ${rule.for ?? '0s'}`,
    '    interval: 1m',
    '    input_series:',
    ...selectorsOf(rule.expr).flatMap((selector) => [
      `      # ${selector}`,
      `      - series: ${quoted(selector.replace(/[!=]~"[^"]*"/g, '="TODO"'))}`,
      `        values: TODO 1x${span}`,
    ]),
    '    alert_rule_test:',
    `      - eval_time: ${fireAt}`,
    `        alertname: ${alert}`,
    '        exp_alerts:',
    '          # The labels of the series the expression returns (environment and severity are filled in).',
    '          - exp_labels: {}',
    ...(stated.length > 0
      ? [`            # the rule templates these labels: ${stated.map(([k]) => k).join(', ')}`]
      : []),
    ...(templatedAnnotations.length > 0
      ? [
          '            exp_annotations:',
          ...templatedAnnotations.map(([key, value]) => `              ${key}: ${quoted(`TODO ${value}`)}`),
        ]
      : []),
    `  - name: ${alert} stays quiet when the condition does not hold`,
    '    interval: 1m',
    '    input_series:',
    ...selectorsOf(rule.expr).flatMap((selector) => [
      `      - series: ${quoted(selector.replace(/[!=]~"[^"]*"/g, '="TODO"'))}`,
      `        values: TODO 0x${span}`,
    ]),
    '    alert_rule_test:',
    `      - eval_time: ${fireAt}`,
    `        alertname: ${alert}`,
    '        exp_alerts: []',
    '',
  ];
  return lines.join('\n');
}
