import { diffTrees } from '../../../cli/diff/engine';
import type { DiffReport } from '../../../cli/diff/model';
import { renderJson } from '../../../cli/diff/render-json';
import { MARKDOWN_LIMIT, renderMarkdown } from '../../../cli/diff/render-markdown';
import { renderText } from '../../../cli/diff/render-text';
import { deployment, manifests, terraform, tree } from './fixtures';

const K = 'kubernetes/platform.yaml';
const TF = 'terraform/cdk.tf.json';

function sampleReport(): DiffReport {
  const secret = (v: string) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's', namespace: 'a' },
    data: { k: v },
  });
  const before = tree({
    [K]: manifests(deployment(), secret('c2VjcmV0MQ==')),
    [TF]: terraform({
      kubernetes_node_taint: {
        t: { metadata: { name: 'node-10' }, taint: [{ key: 'dedicated', effect: 'NoSchedule' }] },
      },
      kubernetes_namespace_v1: { namespace_old: { metadata: { name: 'old' } } },
    }),
  });
  const after = tree({
    [K]: manifests(deployment({ image: 'app:1.3' }), secret('c2VjcmV0Mg==')),
    [TF]: terraform({
      kubernetes_node_taint: {
        t: { metadata: { name: 'node-10' }, taint: [{ key: 'dedicated', effect: 'NoExecute' }] },
      },
    }),
    'hosts/m1/haproxy.cfg': 'global\n  maxconn 4096\n',
  });
  return diffTrees(
    new Map([
      ['prod', before],
      ['test', tree({ [K]: manifests(deployment()) })],
    ]),
    new Map([
      ['prod', after],
      ['test', tree({ [K]: manifests(deployment()) })],
    ]),
    { base: 'origin/main', head: 'working tree' },
  );
}

describe('markdown', () => {
  it('has a summary table per environment, the destructive changes, and a <details> block per resource', () => {
    const md = renderMarkdown(sampleReport());
    expect(md).toContain('| environment | added | changed | removed | renamed | destructive |');
    expect(md).toContain('| prod | 1 | 3 | 1 | 0 | ⚠️ 2 |');
    expect(md).toContain('| test | 0 | 0 | 0 | 0 | 0 |');
    expect(md).toContain('> [!WARNING]\n> 2 destructive changes');
    expect(md).toContain('`kubernetes_node_taint.t`: taint.effect replaces the taint on the node');
    expect(md).toContain('`kubernetes_namespace_v1.namespace_old`: terraform apply destroys it');
    expect(md.match(/<details>/g)).toHaveLength(5);
    expect(md.match(/<\/details>/g)).toHaveLength(5);
    expect(md).toContain(
      '- spec.template.spec.containers[name=api].image: app:1.2\n+ spec.template.spec.containers[name=api].image: app:1.3',
    );
    expect(md).toContain('! data.k: (changed)');
    expect(md).not.toContain('c2VjcmV0');
    expect(md).not.toContain('Truncated');
  });

  it('says so when nothing changed', () => {
    const same = tree({ [K]: manifests(deployment()) });
    const md = renderMarkdown(
      diffTrees(new Map([['prod', same]]), new Map([['prod', same]]), { base: 'a', head: 'b' }),
    );
    expect(md).toContain('No changes');
    expect(md).not.toContain('<details>');
  });

  it('stays under the comment size limit with a truncation note', () => {
    const many = (tag: string) =>
      tree({
        [K]: manifests(
          ...Array.from({ length: 600 }, (_, i) => ({
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: `config-${i}`, namespace: 'a' },
            data: { value: `${tag}-${'x'.repeat(80)}`, other: `${tag}` },
          })),
        ),
      });
    const report = diffTrees(new Map([['prod', many('old')]]), new Map([['prod', many('new')]]), {
      base: 'origin/main',
      head: 'working tree',
    });
    const md = renderMarkdown(report);
    expect(md.length).toBeLessThanOrEqual(MARKDOWN_LIMIT);
    expect(md.length).toBeGreaterThan(MARKDOWN_LIMIT - 5_000);
    expect(md).toMatch(
      /Truncated to stay under 65,000 characters .*: \d+ of 600 changed resources are not shown/,
    );
    expect(md).toContain('| prod | 0 | 600 | 0 | 0 | 0 |');
    // Every block that was started is closed.
    expect(md.match(/<details>/g)?.length).toBe(md.match(/<\/details>/g)?.length);
  });

  it('cuts a single huge resource to fit', () => {
    const big = (tag: string) =>
      tree({
        'hosts/m1/big.cfg': `${Array.from({ length: 5000 }, (_, i) => `${tag} line ${i} ${'y'.repeat(30)}`).join('\n')}\n`,
      });
    const report = diffTrees(new Map([['prod', big('a')]]), new Map([['prod', big('b')]]), {
      base: 'x',
      head: 'y',
    });
    const md = renderMarkdown(report);
    expect(md.length).toBeLessThanOrEqual(MARKDOWN_LIMIT);
    expect(md).toMatch(/more lines not shown/);
    expect(md).toContain('1 shown resource is cut short');
  });

  it('escapes HTML in summaries and uses a fence longer than any backticks in the body', () => {
    const cm = (v: string) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c<b>', namespace: 'a' },
      data: { v },
    });
    const report = diffTrees(
      new Map([['prod', tree({ [K]: manifests(cm('```')) })]]),
      new Map([['prod', tree({ [K]: manifests(cm('````x')) })]]),
      { base: 'a', head: 'b' },
    );
    const md = renderMarkdown(report);
    expect(md).toContain('<code>ConfigMap a/c&lt;b&gt;</code>');
    expect(md).toContain('`````diff');
  });
});

describe('text', () => {
  it('is coloured only for a terminal', () => {
    const report = sampleReport();
    const plain = renderText(report, false);
    expect(plain).not.toContain('\u001b[');
    expect(plain).toContain('prod: 1 added, 3 changed, 1 removed, 0 renamed (2 destructive)');
    expect(plain).toContain('spec.template.spec.containers[name=api].image: app:1.2 → app:1.3');
    expect(plain).toContain('taint[key=dedicated].effect: NoSchedule → NoExecute  (replace)');
    expect(plain).toContain('data.k: (changed)');
    expect(plain).toContain('test: no changes');
    expect(renderText(report, true)).toContain('\u001b[31m');
  });
});

describe('json', () => {
  it('is machine-readable and masks secrets', () => {
    const json = JSON.parse(renderJson(sampleReport()));
    expect(json).toMatchObject({
      version: 1,
      changed: true,
      base: 'origin/main',
      totals: { added: 1, changed: 3, removed: 1 },
    });
    const prod = json.environments.find((e: { name: string }) => e.name === 'prod');
    const secret = prod.resources.find((r: { title: string }) => r.title === 'Secret a/s');
    expect(secret.changes).toEqual([{ path: 'data.k', action: 'changed', masked: true }]);
  });
});
