#!/usr/bin/env node
// Runs one `blueprint` command in this process and, on exit, reports the process's peak
// resident set size (worker threads included) as JSON on file descriptor 3.
const fs = require('node:fs');
require('../bin/register-ts');
const { main } = require('../cli/main');

const quiet = {
  out: () => {},
  err: (line) => process.stderr.write(`${line}\n`),
  isTty: false,
  cwd: process.cwd(),
};
main(process.argv.slice(2), quiet).then((code) => {
  process.exitCode = code;
});
process.on('exit', () => {
  fs.writeSync(3, JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS }));
});
