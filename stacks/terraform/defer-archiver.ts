import * as path from 'node:path';

/**
 * cdktf loads `archiver` (a zip library, ~80 ms) at start-up for TerraformAsset, which the
 * blueprint never uses. Until something calls it, the module cache holds a stand-in that
 * loads the real archiver on first use, so an asset would still work. Import this module
 * before anything that imports cdktf.
 */
const cdktfDir = path.dirname(require.resolve('cdktf/package.json'));
const archiverPath = require.resolve('archiver', { paths: [cdktfDir] });

if (!require.cache[archiverPath]) {
  let real: ((...args: unknown[]) => unknown) | undefined;
  const load = (): ((...args: unknown[]) => unknown) => {
    if (!real) {
      delete require.cache[archiverPath];
      real = require(archiverPath) as (...args: unknown[]) => unknown;
    }
    return real;
  };
  const standIn = (...args: unknown[]) => load()(...args);
  const Module = require('node:module') as { new (id: string): NodeJS.Module };
  const cached = new Module(archiverPath);
  cached.filename = archiverPath;
  cached.loaded = true;
  cached.exports = standIn;
  require.cache[archiverPath] = cached;
}
