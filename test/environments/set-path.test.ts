import fc from 'fast-check';
import { InputError, joinPath } from '../../environments/input-error';
import { applySetValue, fieldAt, parseSetArgument, parseSetPath, REMOVE } from '../../environments/set-path';

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof InputError) return error.message;
    throw error;
  }
  throw new Error('expected an InputError');
}

describe('--set paths', () => {
  it('parses keys, list indexes and quoted keys', () => {
    expect(parseSetPath('controlPlane.masters[1].address')).toEqual([
      'controlPlane',
      'masters',
      1,
      'address',
    ]);
    expect(parseSetPath('nodePools[0].labels["topology.kubernetes.io/zone"]')).toEqual([
      'nodePools',
      0,
      'labels',
      'topology.kubernetes.io/zone',
    ]);
    expect(parseSetPath("a['b.c'][2][3]")).toEqual(['a', 'b.c', 2, 3]);
  });

  it.each([
    ['', /empty path/],
    ['a..b', /not a valid path at "\.b"/],
    ['a[x]', /use \[0\] for a list item/],
    ['a.b]', /expected "\." or "\["/],
    ['a b', /expected "\." or "\["/],
  ])('refuses the path %j', (path, message) => {
    expect(errorOf(() => parseSetPath(path))).toMatch(message);
  });
});

describe('--set values are parsed by the schema type at the path', () => {
  it('numbers', () => {
    expect(parseSetArgument('controlPlane.virtualRouterId=52').value).toBe(52);
    expect(parseSetArgument('nodePools[0].maxSize=20').value).toBe(20);
  });

  it('booleans', () => {
    expect(parseSetArgument('clusterAutoscaler.balanceSimilarNodeGroups=false').value).toBe(false);
    expect(parseSetArgument('clusterAutoscaler.balanceSimilarNodeGroups=true').value).toBe(true);
  });

  it('strings stay exactly as typed, even when they look like numbers or booleans', () => {
    expect(parseSetArgument('kubernetesVersion=1.30').value).toBe('1.30');
    expect(parseSetArgument('cluster.kubeconfig.context=true').value).toBe('true');
    expect(parseSetArgument('controlPlane.vip=10.40.0.10').value).toBe('10.40.0.10');
    // Only the first "=" separates the path from the value.
    expect(parseSetArgument('cluster.kubeconfig.context=a=b').value).toBe('a=b');
  });

  it('lists and mappings in YAML flow style', () => {
    expect(
      parseSetArgument(
        'controlPlane.masters=[{ name: m-1, address: 10.40.0.11 }, { name: m-2, address: 10.40.0.12 }]',
      ).value,
    ).toEqual([
      { name: 'm-1', address: '10.40.0.11' },
      { name: 'm-2', address: '10.40.0.12' },
    ]);
    expect(parseSetArgument('controlPlane.certSANs=[api.example.com, 10.40.0.10]').value).toEqual([
      'api.example.com',
      '10.40.0.10',
    ]);
    expect(parseSetArgument('nodePools[0].labels={ tier: general, disk: ssd }').value).toEqual({
      tier: 'general',
      disk: 'ssd',
    });
    expect(parseSetArgument('nodePools[0].taints[0]={ key: dedicated, effect: NoSchedule }').value).toEqual({
      key: 'dedicated',
      effect: 'NoSchedule',
    });
  });

  it('a string inside a union with numbers (a quantity) keeps its text; a number becomes a number', () => {
    const field = fieldAt(['namespaces', 0, 'quota', 'requestsCpu']);
    expect([...field.kinds].sort()).toEqual(['number', 'string']);
    expect(parseSetArgument('namespaces[0].quota.requestsCpu=500m').value).toBe('500m');
    expect(parseSetArgument('namespaces[0].quota.requestsCpu=4').value).toBe(4);
  });

  it('null removes an optional field or a list item, never a required field', () => {
    expect(parseSetArgument('cluster.site=null').value).toBe(REMOVE);
    expect(parseSetArgument('nodePools[2]=null').value).toBe(REMOVE);
    expect(errorOf(() => parseSetArgument('cluster.kubeconfig.context=null'))).toBe(
      '--set cluster.kubeconfig.context: "null" cannot be removed: cluster.kubeconfig.context is required',
    );
  });

  it.each([
    ['controlPlane.virtualRouterId=fifty', '--set controlPlane.virtualRouterId: "fifty" is not a number'],
    [
      'clusterAutoscaler.balanceSimilarNodeGroups=yes',
      '--set clusterAutoscaler.balanceSimilarNodeGroups: "yes" is not true or false',
    ],
    [
      'controlPlane.masters=master-1',
      '--set controlPlane.masters: "master-1" is not a list (YAML flow, e.g. [{ name: ..., address: ... }, ...])',
    ],
    [
      'nodePools[0].labels=[a]',
      '--set nodePools[0].labels: "[a]" is not a mapping (YAML flow, e.g. { key: ... })',
    ],
    [
      'nodePools[0].taints[0].effect=Never',
      '--set nodePools[0].taints[0].effect: "Never" must be one of NoSchedule, PreferNoSchedule, NoExecute',
    ],
    ['controlPlane.masters=[{ name: a', /^--set controlPlane\.masters: "\[\{ name: a" is not valid YAML/],
    [
      'controlPlane.vipp=10.0.0.1',
      /^--set controlPlane\.vipp: is not a known field \(allowed in controlPlane: vip, port, /,
    ],
    [
      'controlPlane.masters.address=1',
      '--set controlPlane.masters.address: controlPlane.masters is a list: select an item with [index] instead of .address',
    ],
    ['cluster[0]=x', '--set cluster[0]: cluster is a mapping, not a list: use a key instead of [0]'],
    [
      'controlPlane.vip.x=1',
      '--set controlPlane.vip.x: controlPlane.vip holds a single value; it has no fields',
    ],
    [
      'controlPlane.vip',
      '--set: "controlPlane.vip" has no "="; write PATH=VALUE, e.g. controlPlane.vip=10.40.0.10',
    ],
  ])('refuses %j', (arg, message) => {
    expect(errorOf(() => parseSetArgument(arg))).toMatch(message);
  });
});

describe('applying --set values', () => {
  it('creates mappings on the way and leaves the rest alone', () => {
    const values: Record<string, unknown> = { template: 'idc-ha', cluster: { site: 'dc1' } };
    applySetValue(values, ['cluster', 'kubeconfig', 'context'], 'a@b', {});
    expect(values).toEqual({ template: 'idc-ha', cluster: { site: 'dc1', kubeconfig: { context: 'a@b' } } });
  });

  it("starts from a copy of the template's list, because lists replace the template's", () => {
    const template = { nodePools: [{ name: 'system' }, { name: 'general-a', maxSize: 20 }] };
    const values: Record<string, unknown> = { template: 'cloud' };
    applySetValue(values, ['nodePools', 1, 'maxSize'], 40, template);
    expect(values.nodePools).toEqual([{ name: 'system' }, { name: 'general-a', maxSize: 40 }]);
    expect(template.nodePools[1]).toEqual({ name: 'general-a', maxSize: 20 });
  });

  it('appends at [length] but leaves no gaps', () => {
    const values: Record<string, unknown> = { namespaces: [{ name: 'a' }] };
    applySetValue(values, ['namespaces', 1, 'name'], 'b', {});
    expect(values.namespaces).toEqual([{ name: 'a' }, { name: 'b' }]);
    expect(errorOf(() => applySetValue(values, ['namespaces', 5, 'name'], 'c', {}))).toBe(
      '--set namespaces[5].name: has no item [5]: namespaces has 2 items (use [2] to append one)',
    );
  });

  it('removes keys and list items', () => {
    const values: Record<string, unknown> = {
      cluster: { site: 'dc1' },
      namespaces: [{ name: 'a' }, { name: 'b' }],
    };
    applySetValue(values, ['cluster', 'site'], REMOVE, {});
    applySetValue(values, ['namespaces', 0], REMOVE, {});
    expect(values).toEqual({ cluster: {}, namespaces: [{ name: 'b' }] });
  });
});

describe('--set path syntax (property)', () => {
  const key = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,11}$/);
  const segment = fc.oneof(key, fc.nat({ max: 999 }));
  const path = fc.tuple(key, fc.array(segment, { maxLength: 6 })).map(([first, rest]) => [first, ...rest]);

  it('parses what joinPath writes back into the same segments', () => {
    fc.assert(
      fc.property(path, (segments) => {
        expect(parseSetPath(joinPath(segments))).toEqual(segments);
      }),
    );
  });

  it('reads quoted keys with dots and slashes as one segment', () => {
    fc.assert(
      fc.property(key, fc.stringMatching(/^[a-z0-9./-]{1,30}$/), (first, quoted) => {
        expect(parseSetPath(`${first}["${quoted}"]`)).toEqual([first, quoted]);
      }),
    );
  });
});
