#!/usr/bin/env node
// Completes package-lock.json with the platform packages of optional dependencies that npm
// left out (for example @swc/core-darwin-arm64 when the lock was written on linux-x64).
//
// Why: the npm registry mirror of the machines this project is built on serves only the
// current platform's binaries; npm 11 then writes no lock entry for the others, and `npm ci`
// refuses the lock ("Missing: @biomejs/cli-android-arm64@ from lock file"). An entry with the
// exact version (the optionalDependencies pins it) is enough for `npm ci`: on each platform
// it installs the binary that fits and skips the others, as optional dependencies are.
//
// Run it after every `npm install` that changes package-lock.json: node tools/complete-lockfile.js
const fs = require('node:fs');
const path = require('node:path');

const file = path.join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const packages = lock.packages;
let added = 0;
for (const meta of Object.values(packages)) {
  for (const [name, version] of Object.entries(meta.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (packages[key] || !/^\d+\.\d+\.\d+/.test(version)) continue;
    packages[key] = { version, ...(meta.dev ? { dev: true } : {}), optional: true };
    added++;
  }
}
const sorted = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)),
);
lock.packages = sorted;
fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: added ${added} optional platform entries`);
