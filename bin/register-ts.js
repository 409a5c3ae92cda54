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

function compile(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = transformSync(source, { ...options, filename });
  module._compile(code, filename);
}

if (Module._extensions['.ts']?.name !== 'compile') {
  Module._extensions['.ts'] = compile;
}
if (!process.execArgv.includes('--enable-source-maps')) {
  process.setSourceMapsEnabled(true);
}
