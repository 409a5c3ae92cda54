#!/usr/bin/env node
// The blueprint CLI runs the compiled package (lib/). In a clone, whose sources change under
// it, lib/ is rebuilt first when a source is newer than the last build (tools/build.js,
// incremental); an installed package has no sources and runs lib/ as shipped.
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const main = path.join(root, 'lib', 'cli', 'main.js');
const buildInfo = path.join(root, 'lib', '.tsbuildinfo');
const SOURCE_DIRS = ['cli', 'constructs', 'stacks', 'environments', 'imports'];

/** The newest modification time of the TypeScript sources and their assets (0 without sources). */
function newestSource() {
  let newest = 0;
  const walk = (dir) => {
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(ts|ya?ml|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
        newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  };
  for (const dir of SOURCE_DIRS) walk(path.join(root, dir));
  for (const file of ['index.ts', 'tsconfig.json', 'tsconfig.build.json']) {
    try {
      newest = Math.max(newest, fs.statSync(path.join(root, file)).mtimeMs);
    } catch {}
  }
  return newest;
}

function builtAt() {
  try {
    return fs.existsSync(main) ? fs.statSync(buildInfo).mtimeMs : -1;
  } catch {
    return -1;
  }
}

/** Rebuilds lib/ when it is missing or older than the sources; one process builds at a time. */
function ensureBuilt() {
  if (!fs.existsSync(path.join(root, 'tools', 'build.js'))) return; // an installed package
  if (builtAt() >= newestSource()) return;
  const lock = path.join(root, 'lib.building');
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST' || Date.now() > deadline) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
  try {
    if (builtAt() < newestSource()) {
      console.error('blueprint: the sources are newer than lib/; building (tools/build.js)');
      require('../tools/build.js').build({ quiet: true });
      // Mark the build as newer than every source even when tsc had nothing to emit.
      const now = new Date();
      fs.utimesSync(buildInfo, now, now);
    }
  } finally {
    fs.rmdirSync(lock);
  }
}

// A copy of the sources without the build script and without lib/ (a partial checkout, such as
// the base worktree some tests make) runs the sources through the development require hook.
const fromSourcesOnly =
  !fs.existsSync(main) &&
  !fs.existsSync(path.join(root, 'tools', 'build.js')) &&
  fs.existsSync(path.join(root, 'cli', 'main.ts'));

try {
  if (!fromSourcesOnly) ensureBuilt();
} catch (error) {
  console.error(`blueprint: building lib/ failed (${error.message}); run \`npm run build\` to see why`);
  process.exit(1);
}
if (fromSourcesOnly) {
  require('./register-ts');
  require('../cli/main').run(process.argv.slice(2));
} else {
  require(main).run(process.argv.slice(2));
}
