#!/usr/bin/env node
// Compiles the package: TypeScript (tsconfig.build.json) to lib/ as JavaScript with .d.ts
// types, then copies the few non-TypeScript files the compiled CLI reads beside itself
// (cli/**/*.yaml, cli/**/*.mjs). Incremental: a build with nothing changed takes ~2 s.
// `npm ci` and `npm pack` run it (the `prepare` script); bin/blueprint.js runs it when the
// sources are newer than lib/ (in a clone; an installed package has no sources).
//   node tools/build.js [--quiet]
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const LIB = path.join(ROOT, 'lib');
/** Source folders whose non-TypeScript files the compiled code reads by path. */
const ASSET_DIRS = ['cli'];
const ASSET = /\.(ya?ml|mjs)$/;

function copyAssets(dir) {
  for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) copyAssets(relative);
    else if (ASSET.test(entry.name)) {
      fs.mkdirSync(path.join(LIB, dir), { recursive: true });
      fs.copyFileSync(path.join(ROOT, relative), path.join(LIB, relative));
    }
  }
}

function build({ quiet = false } = {}) {
  const started = Date.now();
  // typescript's `exports` hide bin/; its package.json is exported and bin/tsc sits beside it.
  const tsc = path.join(
    path.dirname(require.resolve('typescript/package.json', { paths: [ROOT] })),
    'bin',
    'tsc',
  );
  execFileSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  for (const dir of ASSET_DIRS) copyAssets(dir);
  if (!quiet) console.error(`build: lib/ is current (${Date.now() - started} ms)`);
}

module.exports = { build, LIB };

if (require.main === module) {
  try {
    build({ quiet: process.argv.includes('--quiet') });
  } catch {
    // tsc has printed its errors.
    process.exit(1);
  }
}
