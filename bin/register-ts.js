// Runs the TypeScript sources directly: a require hook that strips types with swc.
// @swc-node/register and ts-node need TypeScript's JavaScript API, which TypeScript 7
// (a native compiler) no longer ships; swc is already here for jest (@swc/jest).
// Transpile-only: `npm run typecheck` is where types are checked.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');

// Source maps only when a stack trace will be shown (--verbose): with them on, Node maps
// every stack trace the CDK libraries capture while building constructs, which costs more
// than the synthesis itself. The large generated CRD types never get maps.
const withSourceMaps =
  process.argv.includes('--verbose') || process.execArgv.includes('--enable-source-maps');
const generated = `${path.sep}imports${path.sep}`;

const options = {
  jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
  module: { type: 'commonjs', ignoreDynamic: true },
  swcrc: false,
  configFile: false,
};

// Transpiled files are cached by content (node_modules/.cache, as babel-loader and others do),
// so that a run after the first skips swc for unchanged files. Any failure to use the cache
// falls back to transpiling.
const { version: swcVersion } = require('@swc/core/package.json');
const cacheDir = path.join(__dirname, '..', 'node_modules', '.cache', 'platform-blueprint-ts');
const salt = JSON.stringify([swcVersion, options]);

function transpile(source, filename, sourceMaps) {
  const key = crypto
    .createHash('sha256')
    .update(`${salt}\0${sourceMaps ? filename : ''}\0${sourceMaps}\0${source}`)
    .digest('hex');
  const cached = path.join(cacheDir, `${key}.js`);
  try {
    return fs.readFileSync(cached, 'utf8');
  } catch {}
  // Loaded only on a cache miss: the native binding costs ~20 ms to open.
  const { code } = require('@swc/core').transformSync(source, { ...options, sourceMaps, filename });
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    const temp = `${cached}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    fs.writeFileSync(temp, code);
    fs.renameSync(temp, cached);
  } catch {}
  return code;
}

function compile(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const sourceMaps = withSourceMaps && !filename.includes(generated) ? 'inline' : false;
  module._compile(transpile(source, filename, sourceMaps), filename);
}

if (Module._extensions['.ts']?.name !== 'compile') {
  Module._extensions['.ts'] = compile;
}
if (withSourceMaps) process.setSourceMapsEnabled(true);
