// Runs the TypeScript sources directly: a require hook that strips types with swc.
// @swc-node/register and ts-node need TypeScript's JavaScript API, which TypeScript 7
// (a native compiler) no longer ships; swc is already here for jest (@swc/jest).
// Transpile-only: `npm run typecheck` is where types are checked.
const fs = require('node:fs');
const Module = require('node:module');
const { transformSync } = require('@swc/core');

const options = {
  jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
  module: { type: 'commonjs', ignoreDynamic: true },
  sourceMaps: 'inline',
  swcrc: false,
  configFile: false,
};

const path = require('node:path');
const generated = `${path.sep}imports${path.sep}`;

function compile(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  // Source maps cost ~10x the transform on the large generated CRD types, whose stack
  // frames nobody needs; hand-written code keeps them for readable --verbose traces.
  const sourceMaps = filename.includes(generated) ? false : 'inline';
  const { code } = transformSync(source, { ...options, sourceMaps, filename });
  module._compile(code, filename);
}

if (Module._extensions['.ts']?.name !== 'compile') {
  Module._extensions['.ts'] = compile;
}
if (!process.execArgv.includes('--enable-source-maps')) {
  process.setSourceMapsEnabled(true);
}
