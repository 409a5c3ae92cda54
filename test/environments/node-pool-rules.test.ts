import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { parse } from 'yaml';
import { mergeValues } from '../../environments/load';
import { environmentSchema } from '../../environments/schema/index';
import { REPO_ROOT } from '../support/cli';

/** prod.yaml merged over its template: a valid input whose node pools the properties replace. */
function prodInput(): Record<string, unknown> {
  const read = (file: string) => parse(fs.readFileSync(path.join(REPO_ROOT, 'environments', file), 'utf8'));
  const env = read('prod.yaml');
  const { template: _template, ...templateValues } = read(`templates/${env.template}.yaml`);
  return mergeValues(templateValues, env) as Record<string, unknown>;
}

const BASE = prodInput();

/** The issues of `input` as "path: message". */
function issues(input: Record<string, unknown>): string[] {
  const result = environmentSchema.safeParse(input);
  return result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

/** Pools of prod's names with arbitrary workers drawn from a small set, so that names collide often. */
const poolLayouts = fc.array(fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 4 }), {
  minLength: 4,
  maxLength: 4,
});

describe('node pool rules (properties over arbitrary layouts)', () => {
  it('the base environment is valid', () => {
    expect(issues(BASE)).toEqual([]);
  });

  it('reports exactly the repeated node names, each at its own path, and nothing else about pools', () => {
    const pools = BASE.nodePools as { name: string }[];
    fc.assert(
      fc.property(poolLayouts, (layout) => {
        // Distinct addresses, all in 10.20.2.0/24: the subnet of prod's gateway pool, whose
        // nodes announce the MetalLB addresses (10.20.2.240-250, above every address used here).
        let address = 100;
        const nodePools = pools.map((pool, poolIndex) => ({
          ...pool,
          nodes: (layout[poolIndex] as number[]).map((n) => ({
            name: `node-${n}`,
            address: `10.20.2.${++address}`,
          })),
        }));
        const expected: string[] = [];
        const seen = new Set<string>();
        nodePools.forEach((pool, poolIndex) => {
          pool.nodes.forEach((node, nodeIndex) => {
            if (seen.has(node.name)) expected.push(`nodePools.${poolIndex}.nodes.${nodeIndex}.name`);
            seen.add(node.name);
          });
        });
        const found = issues({ ...BASE, nodePools })
          .filter((issue) => issue.startsWith('nodePools.'))
          .map((issue) => issue.split(':')[0]);
        expect(found).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });

  it('accepts an autoscaled range exactly when minSize <= maxSize', () => {
    const pools = BASE.nodePools as { name: string }[];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 50 }), (minSize, maxSize) => {
        const nodePools = [
          ...pools.slice(0, 3),
          { name: 'elastic', labels: { tier: 'general' }, minSize, maxSize },
        ];
        const found = issues({ ...BASE, nodePools, clusterAutoscaler: { cloudProvider: 'aws' } }).filter(
          (issue) => issue.startsWith('nodePools.3'),
        );
        expect(found).toEqual(
          minSize <= maxSize
            ? []
            : [`nodePools.3.minSize: is greater than maxSize (${maxSize}); minSize must be <= maxSize`],
        );
      }),
      { numRuns: 60 },
    );
  });
});
