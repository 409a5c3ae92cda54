import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import type { Json } from '../../../cli/diff/model';
import { diffJson, formatPath, jsonEqual } from '../../../cli/diff/structural';
import { REPO_ROOT } from '../../support/cli';

const json: fc.Arbitrary<Json> = fc.jsonValue() as fc.Arbitrary<Json>;

function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = (seed * (i + 7)) % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('structural diff', () => {
  it('finds no change between a value and itself, and some change between unequal values', () => {
    fc.assert(
      fc.property(json, json, (a, b) => {
        expect(diffJson(a, structuredClone(a))).toEqual([]);
        if (!jsonEqual(a, b)) expect(diffJson(a, b).length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it('ignores the order of keyed list items, at any depth', () => {
    const container = fc.record({
      name: fc.string({ minLength: 1, maxLength: 6 }),
      image: fc.string({ maxLength: 6 }),
      env: fc.uniqueArray(
        fc.record({ name: fc.string({ minLength: 1, maxLength: 4 }), value: fc.string() }),
        {
          selector: (e) => e.name,
          maxLength: 5,
        },
      ),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(container, { selector: (c) => c.name, maxLength: 6 }),
        fc.nat(),
        (containers, seed) => {
          const reordered = shuffle(containers, seed).map((c) => ({ ...c, env: shuffle(c.env, seed + 1) }));
          expect(diffJson({ spec: { containers } }, { spec: { containers: reordered } })).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('names list items by key in paths and quotes keys that are not plain', () => {
    expect(formatPath([{ key: 'metadata' }, { key: 'labels' }, { key: 'app.kubernetes.io/name' }])).toBe(
      'metadata.labels["app.kubernetes.io/name"]',
    );
    const [change] = diffJson(
      { containers: [{ name: 'api', image: 'a' }] },
      { containers: [{ name: 'api', image: 'b' }] },
    );
    expect(change && formatPath(change.segments)).toBe('containers[name=api].image');
  });
});

describe('cli/diff layering', () => {
  it('keeps file and process access out of the comparison (only the tree reader and git base do I/O)', () => {
    const dir = path.join(REPO_ROOT, 'cli', 'diff');
    const io = /from 'node:(fs|child_process|os)'|process\.(env|cwd)/;
    const offenders = fs
      .readdirSync(dir)
      .filter((file) => file.endsWith('.ts') && !['tree-reader.ts', 'git-base.ts'].includes(file))
      .filter((file) => io.test(fs.readFileSync(path.join(dir, file), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
