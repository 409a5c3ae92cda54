import {
  differences,
  editEnvironmentFile,
  renderEnvironmentFile,
  showValue,
} from '../../environments/env-file';
import { REMOVE } from '../../environments/set-path';

describe('writing environment files', () => {
  it('orders keys as the schema does, and uses flow style only for small items', () => {
    const text = renderEnvironmentFile(['yaml-language-server: $schema=./schema.json', 'lab: a test'], {
      controlPlane: {
        masters: [{ address: '10.0.0.11', name: 'm-1' }],
        vip: '10.0.0.10',
      },
      template: 'idc-ha',
      nodePools: [
        { labels: { tier: 'general' }, name: 'general', taints: [{ key: 'a', effect: 'NoSchedule' }] },
      ],
      cluster: { kubeconfig: { context: 'lab' } },
    });
    expect(text).toBe(
      [
        '# yaml-language-server: $schema=./schema.json',
        '# lab: a test',
        '',
        'template: idc-ha',
        'cluster:',
        '  kubeconfig:',
        '    context: lab',
        'controlPlane:',
        '  vip: 10.0.0.10',
        '  masters:',
        '    - { name: m-1, address: 10.0.0.11 }',
        'nodePools:',
        '  - name: general',
        '    labels: { tier: general }',
        '    taints:',
        '      - { key: a, effect: NoSchedule }',
        '',
      ].join('\n'),
    );
  });

  it('keeps lists of plain values in flow style without inner padding, as the shipped files do', () => {
    const text = renderEnvironmentFile([], {
      template: 'x',
      controlPlane: { certSANs: ['a.example.com', 'b'] },
    });
    expect(text).toContain('  certSANs: [a.example.com, b]\n');
  });

  it('edits a copy in place: comments, order and style of untouched values stay', () => {
    const source = [
      '# yaml-language-server: $schema=./schema.json',
      '# Production: the old header.',
      'template: idc-ha',
      'cluster:',
      '  kubeconfig:',
      '    context: prod',
      'controlPlane:',
      '  vip: 10.20.0.10 # the VIP',
      '  masters:',
      '    - { name: master-1, address: 10.20.0.11 }',
      '# Namespaces of the teams.',
      'namespaces:',
      '  - name: a',
      '    groups: { developers: [a-dev] }',
      '  - name: b',
      '',
    ].join('\n');
    const values = {
      template: 'idc-ha',
      cluster: { site: 'dc2', kubeconfig: { context: 'prod-b' } },
      controlPlane: { vip: '10.21.0.10', masters: [{ name: 'master-1', address: '10.21.0.11' }] },
      namespaces: [{ name: 'a', groups: { developers: ['a-dev'] } }],
    };
    const text = editEnvironmentFile(
      source,
      ['yaml-language-server: $schema=./schema.json', 'prod-b: the new header.'],
      [
        { path: ['cluster', 'site'], value: 'dc2' },
        { path: ['cluster', 'kubeconfig', 'context'], value: 'prod-b' },
        { path: ['controlPlane', 'vip'], value: '10.21.0.10' },
        { path: ['controlPlane', 'masters', 0, 'address'], value: '10.21.0.11' },
        { path: ['namespaces', 1], value: REMOVE },
      ],
      values,
    );
    expect(text).toBe(
      [
        '# yaml-language-server: $schema=./schema.json',
        '# prod-b: the new header.',
        '',
        'template: idc-ha',
        'cluster:',
        '  site: dc2',
        '  kubeconfig:',
        '    context: prod-b',
        'controlPlane:',
        '  vip: 10.21.0.10 # the VIP',
        '  masters:',
        '    - { name: master-1, address: 10.21.0.11 }',
        '# Namespaces of the teams.',
        'namespaces:',
        '  - name: a',
        '    groups: { developers: [a-dev] }',
        '',
      ].join('\n'),
    );
  });

  it('creates a new list item or section whole, from the final values', () => {
    const source = 'template: idc-ha\nnodePools:\n  - name: a\n';
    const values = {
      template: 'idc-ha',
      nodePools: [{ name: 'a' }, { name: 'b', nodes: [{ name: 'n', address: '10.0.0.1' }] }],
    };
    const text = editEnvironmentFile(source, [], [{ path: ['nodePools', 1, 'name'], value: 'b' }], values);
    expect(text).toContain('  - name: b\n    nodes:\n      - { name: n, address: 10.0.0.1 }\n');
  });

  it('does not unpad brackets inside quoted strings or comments', () => {
    const text = renderEnvironmentFile(['note [ keep ]'], {
      template: 'x',
      cluster: { kubeconfig: { context: '[ a ]' } },
    });
    expect(text).toContain('# note [ keep ]');
    expect(text).toContain('context: "[ a ]"');
  });
});

describe('differences between two environments', () => {
  it('lists leaves by path, whole items that exist on one side only', () => {
    const before = { a: { b: 1, c: [1, 2] }, d: 'x', gone: true };
    const after = { a: { b: 2, c: [1] }, d: 'x', e: { f: 1 } };
    expect(
      differences(before, after).map((d) => `${d.path}: ${showValue(d.before)} -> ${showValue(d.after)}`),
    ).toEqual([
      'a.b: 1 -> 2',
      'a.c[1]: 2 -> (not set)',
      'e: (not set) -> { f: 1 }',
      'gone: true -> (not set)',
    ]);
  });
});
