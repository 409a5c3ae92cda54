import * as fs from 'node:fs';
import * as path from 'node:path';

/** The blueprint package's name, as its package.json spells it. */
export const PACKAGE_NAME = 'platform-blueprint';

/**
 * The blueprint package's root: the folder with its package.json, addons/ and crds/. Found by
 * walking up from this file, so it is the same whether this runs from the TypeScript sources
 * (`stacks/`) or from the compiled package (`lib/stacks/`), in the repository or installed in
 * a user's node_modules.
 */
export const PACKAGE_ROOT = findPackageRoot(__dirname);

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      const { name } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string };
      if (name === PACKAGE_NAME) return dir;
    }
    if (path.dirname(dir) === dir)
      throw new Error(
        `no package.json named ${PACKAGE_NAME} above ${start}: is the package installed whole?`,
      );
  }
}
