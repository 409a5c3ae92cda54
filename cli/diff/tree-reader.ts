// I/O: reads synthesized output trees from disk for the pure diff engine.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { environmentFiles } from '../output-tree';
import type { EnvironmentTree, OutputTrees, TreeFile } from './model';

/** The files blueprint wrote under `root` (by its manifest) with their text and permission bits. */
export function readEnvironmentTree(root: string, files: readonly string[]): EnvironmentTree {
  const out = new Map<string, TreeFile>();
  for (const relative of files) {
    const full = path.join(root, ...relative.split('/'));
    out.set(relative, { content: fs.readFileSync(full, 'utf8'), mode: fs.lstatSync(full).mode & 0o777 });
  }
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
    const files = environmentFiles(root);
    if (files) trees.set(entry.name, readEnvironmentTree(root, files));
  }
  return trees;
}
