import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { Project } from '../../../cli/project';
import { synthesizeEnvironment } from '../../../stacks/environment';
import {
  ALERT_TESTS_DIR,
  alertsOf,
  existingTestFiles,
  prepareTestFile,
  type RuleFile,
  type RuleSpec,
  ruleFilesOf,
  SKELETON_COMMAND,
  testFileFor,
  testFileProblems,
} from '../../../tools/alerts/alert-tests';
import { REPO_ROOT } from '../../support/cli';
import { describeNeeding } from '../../support/requirements';

/**
 * Every alert of every shipped environment, proven by Prometheus' own tools: each
 * PrometheusRule passes `promtool check rules`, and each alert's unit tests
 * (test/alerts/<AlertName>.yaml, see tools/alerts/alert-tests.ts) pass `promtool test rules`
 * against that environment's rules, with a case where the alert fires and one where it must not.
 */

const promtoolMissing = (() => {
  const result = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
  return result.error || result.status !== 0
    ? "promtool (Debian's prometheus package) is not installed"
    : undefined;
})();

interface Shipped {
  readonly env: string;
  readonly ruleFiles: readonly RuleFile[];
  readonly alerts: Map<string, RuleSpec>;
}

const project = Project.find(REPO_ROOT);
const shipped: Shipped[] = project.loadEnvironments(project.environmentNames()).map((env) => {
  const ruleFiles = ruleFilesOf(env.name, synthesizeEnvironment(env).files);
  return { env: env.name, ruleFiles, alerts: alertsOf(ruleFiles) };
});
const everyAlert = [...new Set(shipped.flatMap((entry) => [...entry.alerts.keys()]))].sort();

let temp: string;
beforeAll(() => {
  temp = fs.mkdtempSync(path.join(os.tmpdir(), 'blueprint-promtool-'));
  for (const { env, ruleFiles } of shipped) {
    fs.mkdirSync(path.join(temp, env));
    for (const file of ruleFiles)
      fs.writeFileSync(
        path.join(temp, env, file.fileName),
        stringify({ groups: file.groups }, { lineWidth: 0 }),
      );
  }
});
afterAll(() => {
  if (temp) fs.rmSync(temp, { recursive: true, force: true });
});

function promtool(args: readonly string[], cwd: string): { code: number | null; output: string } {
  const result = spawnSync('promtool', args, { cwd, encoding: 'utf8', timeout: 30000 });
  return { code: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

describe('alert test files', () => {
  it('every shipped environment has alerts', () => {
    for (const { env, alerts } of shipped) expect([env, alerts.size > 0]).toEqual([env, true]);
  });

  it.each(everyAlert)('%s has a test file with a firing and a non-firing case', (alert) => {
    for (const { env, alerts } of shipped) {
      const rule = alerts.get(alert);
      if (!rule) continue;
      const file = testFileFor(REPO_ROOT, alert, env);
      const relative = path.relative(REPO_ROOT, file);
      if (!fs.existsSync(file))
        throw new Error(
          `${relative} is missing: every alert needs its promtool unit test. Run \`${SKELETON_COMMAND}\` to write its skeleton, then write its cases (docs/observability.md)`,
        );
      const problems = testFileProblems(alert, fs.readFileSync(file, 'utf8'), rule);
      expect(problems.map((problem) => `${relative} (${env}): ${problem}`)).toEqual([]);
    }
  });

  it('has no test file for an alert no environment has', () => {
    const known = new Set(everyAlert);
    const envs = new Set(shipped.map((entry) => entry.env));
    const stale = existingTestFiles(REPO_ROOT).filter((file) => {
      const [first, second] = file.split('/');
      if (second === undefined) return !known.has((first as string).replace(/\.yaml$/, ''));
      const alert = second.replace(/\.yaml$/, '');
      return !envs.has(first as string) || !shipped.find((entry) => entry.env === first)?.alerts.has(alert);
    });
    expect(stale.map((file) => `${ALERT_TESTS_DIR}/${file}`)).toEqual([]);
  });
});

describeNeeding('promtool', [promtoolMissing], () => {
  describe.each(shipped.map((entry) => [entry.env, entry] as const))('%s', (env, { ruleFiles, alerts }) => {
    it('has PrometheusRules that promtool check rules accepts', () => {
      expect(ruleFiles.length).toBeGreaterThan(0);
      for (const file of ruleFiles) {
        const result = promtool(['check', 'rules', file.fileName], path.join(temp, env));
        expect([file.source, result.code, result.output]).toEqual([
          file.source,
          0,
          expect.stringContaining('SUCCESS'),
        ]);
      }
    });

    it.each([...alerts.keys()].sort())('%s passes its unit tests in promtool test rules', (alert) => {
      const source = testFileFor(REPO_ROOT, alert, env);
      const text = fs.readFileSync(source, 'utf8');
      const rule = alerts.get(alert) as RuleSpec;
      expect(testFileProblems(alert, text, rule)).toEqual([]);
      const prepared = path.join(temp, env, `${alert}.test.yaml`);
      fs.writeFileSync(
        prepared,
        prepareTestFile(
          text,
          ruleFiles.map((file) => file.fileName),
          rule,
        ),
      );
      const result = promtool(['test', 'rules', path.basename(prepared)], path.dirname(prepared));
      expect([path.relative(REPO_ROOT, source), result.code, result.output]).toEqual([
        path.relative(REPO_ROOT, source),
        0,
        expect.stringContaining('SUCCESS'),
      ]);
    });
  });
});
