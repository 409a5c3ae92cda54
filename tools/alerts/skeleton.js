#!/usr/bin/env node
// Writes test/alerts/<AlertName>.yaml, a skeleton promtool unit test, for every alert of every
// environment that has no test file yet; never overwrites one. The skeleton reads the series
// the alert's expression selects and holds a case where it must fire (after its `for`) and
// one where it must not; it carries a marker the jest harness
// (test/stacks/observability/promtool.test.ts) refuses, so it cannot ship unedited.
//
// Usage: node tools/alerts/skeleton.js [--env NAME]...   (default: every environment)
// It synthesizes in memory from environments/ (nothing is written to dist/).
require('../../bin/register-ts.js');
const fs = require('node:fs');
const path = require('node:path');
const { Project } = require('../../cli/project');
const { synthesizeEnvironment } = require('../../stacks/environment');
const { ALERT_TESTS_DIR, alertsOf, ruleFilesOf, skeletonFor } = require('./alert-tests');

const root = path.join(__dirname, '..', '..');

function main(argv) {
  const names = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--env' && argv[i + 1]) names.push(argv[++i]);
    else {
      console.error(
        `usage: node tools/alerts/skeleton.js [--env NAME]...  (unknown argument ${JSON.stringify(argv[i])})`,
      );
      return 2;
    }
  }
  const project = Project.find(root);
  const environments = project.loadEnvironments(names.length > 0 ? names : project.environmentNames());
  const rules = new Map();
  for (const env of environments)
    for (const [alert, rule] of alertsOf(ruleFilesOf(env.name, synthesizeEnvironment(env).files)))
      if (!rules.has(alert)) rules.set(alert, rule);
  const dir = path.join(root, ALERT_TESTS_DIR);
  fs.mkdirSync(dir, { recursive: true });
  let written = 0;
  for (const alert of [...rules.keys()].sort()) {
    const file = path.join(dir, `${alert}.yaml`);
    try {
      // 'wx': fails when the file exists, so a written test is never replaced.
      fs.writeFileSync(file, skeletonFor(alert, rules.get(alert)), { flag: 'wx' });
      console.log(`wrote ${path.relative(root, file)}`);
      written++;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
  }
  console.log(`${written} skeleton(s) written, ${rules.size - written} alert(s) already have a test file`);
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  console.error(`error: ${error.message}`);
  process.exitCode = error.constructor?.name === 'InputError' ? 2 : 1;
}
