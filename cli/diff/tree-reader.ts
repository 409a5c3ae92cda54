// I/O: reads synthesized output trees from disk for the pure diff engine.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isEnvironmentOutput } from '../output-tree';
import type { EnvironmentTree, OutputTrees, TreeFile } from './model';

/** Every file under `root` with its text and permission bits, keyed by forward-slash relative path. */
export function readEnvironmentTree(root: string): EnvironmentTree {
  const out = new Map<string, TreeFile>();
  const walk = (dir: string, prefix: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full, relative);
      else if (entry.isFile())
        out.set(relative, { content: fs.readFileSync(full, 'utf8'), mode: fs.statSync(full).mode & 0o777 });
    }
  };
  walk(root, '');
  return out;
}

/**
 * The environments of an output directory (`<dir>/<env>/terraform`, ...), optionally only
 * the named ones. Hidden directories (staging) and directories that are not environment
 * outputs are left out.
 */
export function readOutputTrees(dir: string, only?: ReadonlySet<string>): OutputTrees {
  const trees = new Map<string, EnvironmentTree>();
  for (const entry of fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    if (only && !only.has(entry.name)) continue;
    const root = path.join(dir, entry.name);
    if (isEnvironmentOutput(root)) trees.set(entry.name, readEnvironmentTree(root));
  }
  return trees;
}
