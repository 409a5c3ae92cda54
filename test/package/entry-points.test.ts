import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../support/cli';

/** The package's entry points (package.json `exports`) and the index files behind them. */
describe('package entry points', () => {
  const areas = fs
    .readdirSync(path.join(REPO_ROOT, 'constructs'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();

  it.each(areas)(
    'constructs/%s/index.ts re-exports every module of the area and does nothing else',
    (area) => {
      const dir = path.join(REPO_ROOT, 'constructs', area);
      const modules = fs
        .readdirSync(dir)
        .filter((file) => file.endsWith('.ts') && file !== 'index.ts')
        .map((file) => file.replace(/\.ts$/, ''))
        .sort();
      const index = fs.readFileSync(path.join(dir, 'index.ts'), 'utf8');
      const lines = index
        .split('\n')
        .filter((line) => line.trim() !== '' && !/^\s*(\/\/|\/\*\*|\*)/.test(line));
      expect(lines.every((line) => /^export (type )?\* from '\.\/[\w-]+';$/.test(line))).toBe(true);
      expect(lines.map((line) => (/'\.\/([\w-]+)'/.exec(line) as RegExpExecArray)[1]).sort()).toEqual(
        modules,
      );
    },
  );

  it('the root index re-exports every construct area (and nothing from stacks/, cli/ or cdktf)', () => {
    const index = fs.readFileSync(path.join(REPO_ROOT, 'index.ts'), 'utf8');
    for (const area of areas) expect(index).toContain(`export * from './constructs/${area}';`);
    expect(index).not.toMatch(/from '(\.\/(stacks|cli)|cdktf)/);
  });

  it('every export of package.json names files the build writes', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      exports: Record<string, string | { types: string; default: string }>;
    };
    const sources = (target: string): string[] => {
      const source = target.replace(/^\.\/lib\//, '').replace(/\.(d\.ts|js)$/, '.ts');
      if (!source.includes('*')) return [source];
      return areas.map((area) => source.replace('*', area));
    };
    for (const [entry, target] of Object.entries(manifest.exports)) {
      if (typeof target === 'string') {
        expect(fs.existsSync(path.join(REPO_ROOT, target))).toBe(true);
        continue;
      }
      for (const file of [...sources(target.types), ...sources(target.default)])
        expect({ entry, file, exists: fs.existsSync(path.join(REPO_ROOT, file)) }).toEqual({
          entry,
          file,
          exists: true,
        });
    }
  });
});
