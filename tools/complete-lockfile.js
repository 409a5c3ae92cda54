#!/usr/bin/env node
// Completes package-lock.json with the platform packages of optional dependencies that npm
// left out (for example @swc/core-darwin-arm64 when the lock was written on linux-x64), each
// with the `integrity` hash and the os/cpu/libc the registry publishes.
//
// Why: the npm registry mirror of the machines this project is built on serves only the
// current platform's binaries; npm 11 then writes no lock entry for the others, and `npm ci`
// refuses the lock ("Missing: @biomejs/cli-android-arm64@ from lock file"). The registry's
// metadata of those packages is served, so every added entry carries the integrity the
// registry published: `npm ci` on any platform verifies the binary it downloads against it.
//
// Run it after every `npm install` that changes package-lock.json: npm run lockfile
// `--check` exits 1 (changing nothing) when an entry lacks its integrity.
const fs = require('node:fs');
const path = require('node:path');

const file = path.join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const packages = lock.packages;
const registry = (process.env.npm_config_registry || 'https://registry.npmjs.org/').replace(/\/?$/, '/');

/** The registry's metadata of one exact version. */
async function published(name, version) {
  const url = `${registry}${name.replace('/', '%2f')}/${version}`;
  const response = await fetch(url, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

async function main() {
  const check = process.argv.includes('--check');
  const missing = [];
  for (const meta of Object.values(packages)) {
    for (const [name, version] of Object.entries(meta.optionalDependencies ?? {})) {
      const key = `node_modules/${name}`;
      if (!/^\d+\.\d+\.\d+/.test(version)) continue;
      const entry = packages[key];
      if (entry?.integrity) continue;
      missing.push({ key, name, version: entry?.version ?? version, dev: meta.dev && entry?.dev !== false });
    }
  }
  if (check) {
    for (const { key } of missing) console.error(`complete-lockfile: ${key} has no integrity`);
    process.exit(missing.length > 0 ? 1 : 0);
  }
  for (const { key, name, version, dev } of missing) {
    const meta = await published(name, version);
    packages[key] = {
      version,
      integrity: meta.dist.integrity,
      ...(meta.cpu ? { cpu: meta.cpu } : {}),
      ...(dev ? { dev: true } : {}),
      ...(meta.libc ? { libc: meta.libc } : {}),
      ...(meta.license ? { license: meta.license } : {}),
      optional: true,
      ...(meta.os ? { os: meta.os } : {}),
      ...(meta.engines ? { engines: meta.engines } : {}),
    };
  }
  const sorted = Object.fromEntries(
    Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)),
  );
  lock.packages = sorted;
  fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
  console.log(
    `complete-lockfile: recorded ${missing.length} platform entries with their published integrity`,
  );
}

main().catch((error) => {
  console.error(`complete-lockfile: ${error.message}`);
  process.exit(1);
});
