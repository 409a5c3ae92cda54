import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../stacks/package-root';

/** The crds/ folder that ships with the blueprint, at the package root. */
export const CRDS_DIR = path.join(PACKAGE_ROOT, 'crds');

/** One CRD file under crds/: its forward-slash path relative to the folder, and its text. */
export interface CrdFile {
  readonly file: string;
  readonly content: string;
}

/**
 * Every `.yaml` file under `dir`, sorted by path: the CRDs that `validate` checks against and
 * `deploy` applies. One reader for both, and for the tests.
 */
export function readCrdFiles(dir: string = CRDS_DIR): CrdFile[] {
  const files: CrdFile[] = [];
  const walk = (current: string, prefix: string) => {
    for (const entry of fs
      .readdirSync(current, { withFileTypes: true })
      .sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path.join(current, entry.name), relative);
      else if (entry.name.endsWith('.yaml'))
        files.push({ file: relative, content: fs.readFileSync(path.join(current, entry.name), 'utf8') });
    }
  };
  if (fs.existsSync(dir)) walk(dir, '');
  return files;
}
