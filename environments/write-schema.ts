import * as fs from 'node:fs';
import * as path from 'node:path';
import { schemaArtifacts } from './schema-artifacts';

/**
 * `npm run schema`: writes the files generated from the environment schema
 * (environments/schema.json, environments/templates/schema.json,
 * docs/environment-reference.md). With `--check` it writes nothing and exits 1 when a
 * committed file is stale, for CI.
 */
function main(argv: readonly string[]): number {
  const root = path.resolve(__dirname, '..');
  const check = argv.includes('--check');
  const stale: string[] = [];
  const templates = fs
    .readdirSync(path.join(root, 'environments', 'templates'))
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => name.slice(0, -'.yaml'.length))
    .sort();
  for (const [relative, text] of schemaArtifacts(templates)) {
    const full = path.join(root, relative);
    const current = fs.existsSync(full) ? fs.readFileSync(full, 'utf8') : undefined;
    if (current === text) continue;
    stale.push(relative);
    if (!check) {
      fs.mkdirSync(path.dirname(full), { recursive: true });
      fs.writeFileSync(full, text);
    }
  }
  if (check) {
    for (const relative of stale) process.stdout.write(`stale ${relative}\n`);
    if (stale.length > 0) process.stdout.write('run `npm run schema` and commit the result\n');
    return stale.length > 0 ? 1 : 0;
  }
  process.stdout.write(stale.length > 0 ? `wrote ${stale.join(', ')}\n` : 'schema files are up to date\n');
  return 0;
}

process.exitCode = main(process.argv.slice(2));
