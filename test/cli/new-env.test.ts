import * as fs from 'node:fs';
import { parse, parseAllDocuments } from 'yaml';
import { TempProject } from '../support/cli';
import { hasCrdSchema, validateAgainstCrd } from '../support/crd-schema';

const MODELINE = '# yaml-language-server: $schema=./schema.json';

const CLOUD_SETS = [
  '--set',
  'cluster.kubeconfig.context=staging-admin@staging',
  '--set',
  'controlPlane.loadBalancer.endpoint=api.staging.example.com',
  '--set',
  'controlPlane.masters=[{ name: master-1, address: 172.16.0.11 }, { name: master-2, address: 172.16.0.12 }, { name: master-3, address: 172.16.0.13 }]',
  '--set',
  'clusterAutoscaler.cloudProvider=alicloud',
  '--set',
  'nodePools[1].zone=cn-hangzhou-h',
  '--set',
  'nodePools[2].zone=cn-hangzhou-i',
];

const IDC_SETS = [
  '--set',
  'cluster.kubeconfig.context=lab-admin@lab',
  '--set',
  'controlPlane.subnet=10.40.0.0/24',
  '--set',
  'controlPlane.vip=10.40.0.10',
  '--set',
  'controlPlane.virtualRouterId=71',
  '--set',
  'controlPlane.masters=[{ name: lab-master-1, address: 10.40.0.11 }, { name: lab-master-2, address: 10.40.0.12 }, { name: lab-master-3, address: 10.40.0.13 }]',
  '--set',
  'nodePools=[{ name: general, nodes: [{ name: lab-node-1, address: 10.40.1.11 }] }]',
];

/** The --set arguments that move every per-site value of test (10.30.x.y) to 10.31.x.y. */
function testCopySets(): string[] {
  return [
    '--set',
    'cluster.kubeconfig.context=test2-admin@test2',
    '--set',
    'controlPlane.subnet=10.31.0.0/24',
    '--set',
    'controlPlane.vip=10.31.0.10',
    '--set',
    'controlPlane.masters[0].address=10.31.0.11',
    '--set',
    'controlPlane.masters[1].address=10.31.0.12',
    '--set',
    'controlPlane.masters[2].address=10.31.0.13',
    '--set',
    'nodePools[0].subnet=10.31.1.0/24',
    '--set',
    'nodePools[0].nodes=[{ name: test2-node-01, address: 10.31.1.11 }, { name: test2-node-02, address: 10.31.1.12 }]',
    '--set',
    'addons.metallb.addresses=[10.31.1.240-10.31.1.250]',
  ];
}

describe('blueprint new-env', () => {
  let project: TempProject;
  beforeEach(() => {
    project = new TempProject();
  });
  afterEach(() => project.dispose());

  const exists = (relative: string) => fs.existsSync(project.path(relative));

  /** Every file of environments/, to prove a refusal wrote nothing. */
  const snapshot = () =>
    fs
      .readdirSync(project.path('environments'))
      .sort()
      .map((name) => [
        name,
        fs.statSync(project.path('environments', name)).isFile() ? project.read(`environments/${name}`) : '',
      ]);

  async function expectSynthesizes(name: string) {
    const synth = await project.run(['synth', '--env', name, '--out', 'out']);
    expect(synth.stderr).toBe('');
    expect(synth.code).toBe(0);
    expect(project.read(`out/${name}/kubernetes/platform.yaml`)).toContain(`environment: ${name}`);
    // Custom resources match their upstream CRDs.
    let customResources = 0;
    for (const file of fs.readdirSync(project.path('out', name, 'kubernetes'))) {
      for (const doc of parseAllDocuments(project.read(`out/${name}/kubernetes/${file}`))) {
        const object = doc.toJS() as { apiVersion: string; kind: string } | null;
        if (!object || !hasCrdSchema(object.apiVersion, object.kind)) continue;
        customResources++;
        expect({ file, kind: object.kind, problems: validateAgainstCrd(object) }).toEqual({
          file,
          kind: object.kind,
          problems: [],
        });
      }
    }
    // The project's checks: Kubernetes and CRD schemas, alert expressions, policy.
    const validate = await project.run(['validate', '--env', name]);
    expect(validate.stdout).toMatch(new RegExp(`^${name}: 0 findings; `, 'm'));
    expect(validate.code).toBe(0);
    // A second synthesis finds the output current (the new environment is deterministic).
    const check = await project.run(['synth', '--env', name, '--out', 'out', '--check']);
    expect(check.stdout).toMatch(/is up to date/);
    expect(check.code).toBe(0);
    return { customResources };
  }

  describe('from the cloud template', () => {
    it('writes the template reference plus the --set values, and the result synthesizes', async () => {
      const result = await project.run(['new-env', 'staging', '--from', 'cloud', ...CLOUD_SETS]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(
        /^wrote environments\/staging\.yaml \(from template cloud, 6 values set\)/,
      );
      const text = project.read('environments/staging.yaml');
      expect(text.split('\n')[0]).toBe(MODELINE);
      expect(text).toContain('    - { name: master-1, address: 172.16.0.11 }');
      const values = parse(text);
      expect(values.template).toBe('cloud');
      expect(values.controlPlane.loadBalancer).toEqual({ endpoint: 'api.staging.example.com' });
      // The pools list replaces the template's, so it starts from a copy of the template's pools.
      expect(values.nodePools.map((pool: { name: string }) => pool.name)).toEqual([
        'system',
        'general-a',
        'general-b',
      ]);
      expect(values.nodePools[1]).toMatchObject({ minSize: 2, maxSize: 20, zone: 'cn-hangzhou-h' });
      await expectSynthesizes('staging');
      const list = await project.run(['list']);
      expect(list.stdout).toMatch(
        /^staging +cloud +- +3 +system\(2-3\),general-a\(2-20\),general-b\(2-20\) +0 +staging-admin@staging$/m,
      );
    });

    it('refuses until every value the template leaves open is given, naming the --set paths', async () => {
      const before = snapshot();
      const result = await project.run([
        'new-env',
        'staging',
        '--from',
        'cloud',
        '--set',
        'controlPlane.loadBalancer.endpoint=api.staging.example.com',
      ]);
      expect(result.code).toBe(2);
      expect(result.stderr.split('\n')).toHaveLength(3);
      expect(result.stderr.split('\n')).toEqual(
        expect.arrayContaining([
          expect.stringMatching(
            /^error: --set cluster\.kubeconfig\.context: is required: Kubeconfig context .* Give it with --set cluster\.kubeconfig\.context=VALUE \(a string\)\.$/,
          ),
          expect.stringMatching(
            /^error: --set controlPlane\.masters: is required: The control-plane machines.* Give it with --set controlPlane\.masters=VALUE \(a list \(YAML flow, e\.g\. \[\{ name: \.\.\., address: \.\.\. \}, \.\.\.\]\)\)\.$/,
          ),
          expect.stringMatching(
            /^error: --set clusterAutoscaler\.cloudProvider: is not set and must be one of alicloud, aws, .*; give it with --set clusterAutoscaler\.cloudProvider=VALUE$/,
          ),
        ]),
      );
      expect(snapshot()).toEqual(before);
    });
  });

  describe('from the idc-ha template', () => {
    it('writes a data-centre environment that synthesizes', async () => {
      const result = await project.run(['new-env', 'lab', '--from', 'idc-ha', ...IDC_SETS]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const values = parse(project.read('environments/lab.yaml'));
      expect(values).toMatchObject({
        template: 'idc-ha',
        controlPlane: { vip: '10.40.0.10', virtualRouterId: 71 },
      });
      expect(project.read('environments/lab.yaml')).toContain(
        '      - { name: lab-node-1, address: 10.40.1.11 }',
      );
      await expectSynthesizes('lab');
    });
  });

  describe('from an environment', () => {
    it('copies it, changes what --set gives, and lists every difference in the header', async () => {
      const result = await project.run(['new-env', 'test2', '--from', 'test', ...testCopySets()]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const text = project.read('environments/test2.yaml');
      const lines = text.split('\n');
      expect(lines[0]).toBe(MODELINE);
      expect(lines[1]).toBe(
        '# test2: a copy of test (environments/test.yaml), made with `blueprint new-env test2 --from test`.',
      );
      expect(lines).toContain('#   controlPlane.vip: 10.30.0.10 -> 10.31.0.10');
      expect(lines).toContain('#   cluster.kubeconfig.context: test-admin@test -> test2-admin@test2');
      expect(lines).toContain(
        '#   nodePools[0].nodes[2]: { name: test-node-03, address: 10.30.1.13 } -> (not set)',
      );
      const source = parse(project.read('environments/test.yaml'));
      const copy = parse(text);
      // Everything not per site is copied as it was.
      expect(copy.namespaces).toEqual(source.namespaces);
      expect(copy.controlPlane.virtualRouterId).toBe(source.controlPlane.virtualRouterId);
      expect(copy.nodePools[0].labels).toEqual(source.nodePools[0].labels);
      await expectSynthesizes('test2');
    });

    it('copies prod (the full platform) into a second site that synthesizes', async () => {
      const sets: string[] = [
        '--set',
        'cluster.site=dc3',
        '--set',
        'cluster.kubeconfig.context=prod-c-admin@prod-c',
      ];
      // Every IPv4 address and network of prod moves from 10.20.x.y to 10.22.x.y: addresses,
      // subnets, MetalLB's address ranges and the Ceph monitors' address:port.
      const walk = (value: unknown, at: string) => {
        if (Array.isArray(value)) {
          for (const [i, item] of value.entries()) walk(item, `${at}[${i}]`);
        } else if (value && typeof value === 'object')
          for (const [key, child] of Object.entries(value)) walk(child, at ? `${at}.${key}` : key);
        else if (typeof value === 'string' && /^10\.20\.\d+\.\d+(\/\d+|-10\.20\.\d+\.\d+|:\d+)?$/.test(value))
          sets.push('--set', `${at}=${value.replaceAll('10.20.', '10.22.')}`);
      };
      walk(parse(project.read('environments/prod.yaml')), '');
      const result = await project.run(['new-env', 'prod-c', '--from', 'prod', ...sets]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(parse(project.read('environments/prod-c.yaml')).services).toEqual(
        parse(project.read('environments/prod.yaml')).services,
      );
      expect(sets).toContain('controlPlane.subnet=10.22.0.0/24');
      expect(sets).toContain('addons.metallb.addresses[0]=10.22.2.240-10.22.2.250');
      expect((await expectSynthesizes('prod-c')).customResources).toBeGreaterThan(0);
    });

    it('--map-addresses moves a whole addressing plan; --set still wins for one path', async () => {
      const result = await project.run([
        'new-env',
        'test2',
        '--from',
        'test',
        '--map-addresses',
        '10.30.0.0/16=10.31.0.0/16',
        '--set',
        'cluster.kubeconfig.context=test2-admin@test2',
        '--set',
        'controlPlane.vip=10.31.0.100',
      ]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const copy = parse(project.read('environments/test2.yaml'));
      expect(copy.controlPlane.subnet).toBe('10.31.0.0/24');
      expect(copy.controlPlane.vip).toBe('10.31.0.100');
      expect(copy.controlPlane.masters.map((m: { address: string }) => m.address)).toEqual([
        '10.31.0.11',
        '10.31.0.12',
        '10.31.0.13',
      ]);
      expect(copy.nodePools[0].nodes[2].address).toBe('10.31.1.13');
      // The pool's subnet and MetalLB's range in it move with the machines.
      expect(copy.nodePools[0].subnet).toBe('10.31.1.0/24');
      expect(copy.addons.metallb.addresses).toEqual(['10.31.1.240-10.31.1.250']);
      expect(project.read('environments/test2.yaml')).toContain(
        '#   nodePools[0].nodes[2].address: 10.30.1.13 -> 10.31.1.13',
      );
      expect(project.read('environments/test2.yaml')).toContain(
        '#   addons.metallb.addresses[0]: 10.30.1.240-10.30.1.250 -> 10.31.1.240-10.31.1.250',
      );
      await expectSynthesizes('test2');
    });

    it.each([
      [
        '10.30.0.0/16',
        '--map-addresses: "10.30.0.0/16" must be FROM=TO, two networks such as 10.20.0.0/16=10.21.0.0/16',
      ],
      [
        '10.30.0.0/16=10.31.0.0/24',
        '--map-addresses: "10.30.0.0/16=10.31.0.0/24" maps a /16 onto a /24; both networks need the same prefix length so that every address has a place',
      ],
      [
        '10.30.0.0/16=10.31.0.300/16',
        '--map-addresses: "10.30.0.0/16=10.31.0.300/16" has "10.31.0.300/16", which is not an IPv4 network (address/prefix)',
      ],
      [
        '192.168.0.0/16=192.169.0.0/16',
        '--map-addresses: "192.168.0.0/16=192.169.0.0/16" matches no address of environments/test.yaml',
      ],
    ])('refuses --map-addresses %j', async (mapping, message) => {
      const result = await project.run([
        'new-env',
        'test2',
        '--from',
        'test',
        '--map-addresses',
        mapping,
        '--set',
        'cluster.kubeconfig.context=test2-admin@test2',
      ]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`error: ${message}`);
      expect(exists('environments/test2.yaml')).toBe(false);
    });

    it('refuses without the per-site values and lists exactly the --set paths needed', async () => {
      const before = snapshot();
      const result = await project.run([
        'new-env',
        'test2',
        '--from',
        'test',
        '--set',
        'controlPlane.vip=10.31.0.10',
        '--set',
        'controlPlane.masters=[{ name: a, address: 10.31.0.11 }, { name: b, address: 10.31.0.12 }, { name: c, address: 10.31.0.13 }]',
      ]);
      expect(result.code).toBe(2);
      const needed = result.stderr
        .split('\n')
        .map((line) => /^error: --set (\S+): is required/.exec(line)?.[1])
        .filter(Boolean);
      expect(needed).toEqual([
        'cluster.kubeconfig.context',
        'nodePools[0].nodes[0].address',
        'nodePools[0].nodes[1].address',
        'nodePools[0].nodes[2].address',
      ]);
      expect(result.stderr).toContain("so the copy cannot keep test's test-admin@test");
      expect(snapshot()).toEqual(before);
    });

    it('refuses a copy that would share the VIP and router id on the same subnet, naming both files', async () => {
      const sets = testCopySets();
      sets[sets.indexOf('controlPlane.subnet=10.31.0.0/24')] = 'controlPlane.subnet=10.0.0.0/8';
      const result = await project.run(['new-env', 'test2', '--from', 'test', ...sets]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        'error: --set controlPlane.virtualRouterId: 61 is also the virtualRouterId of environments/test.yaml (controlPlane.virtualRouterId); they share a network segment',
      );
      expect(exists('environments/test2.yaml')).toBe(false);
    });
  });

  describe('refusals (exit 2, nothing written)', () => {
    it('an existing name: the file is left untouched', async () => {
      const before = project.read('environments/test.yaml');
      const result = await project.run(['new-env', 'test', '--from', 'idc-ha', ...IDC_SETS]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        'error: environments/test.yaml: already exists; new-env never overwrites an environment (choose another NAME, or edit the file)',
      );
      expect(project.read('environments/test.yaml')).toBe(before);
    });

    it.each(['Staging', 'staging_1', 'staging-', 'a'.repeat(64), 'prod.b'])(
      'an invalid name %j',
      async (name) => {
        const before = snapshot();
        const result = await project.run(['new-env', name, '--from', 'idc-ha', ...IDC_SETS]);
        expect(result.code).toBe(2);
        expect(result.stderr).toMatch(
          /^error: NAME: ".*" is not a DNS-1123 label \(lowercase letters, digits and "-"/,
        );
        expect(snapshot()).toEqual(before);
      },
    );

    it('an invalid name, a bad --set and a bad --map-addresses are reported together', async () => {
      const result = await project.run([
        'new-env',
        'Lab',
        '--from',
        'test',
        '--set',
        'controlPlane.virtualRouterId=x',
        '--map-addresses',
        '10.30.0.0/16',
      ]);
      expect(result.code).toBe(2);
      expect(result.stderr.split('\n').map((line) => line.split(':')[1])).toEqual([
        ' NAME',
        ' --set controlPlane.virtualRouterId',
        ' --map-addresses',
      ]);
    });

    it('a template name', async () => {
      const result = await project.run(['new-env', 'cloud', '--from', 'idc-ha', ...IDC_SETS]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^error: NAME: "cloud" is the name of a template/);
    });

    it('an unknown template, listing the templates and environments', async () => {
      const before = snapshot();
      const result = await project.run(['new-env', 'staging', '--from', 'gke']);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        'error: --from: "gke" is not a known template or environment (templates: cloud, idc-ha; environments: prod, prod-b, test)',
      );
      expect(snapshot()).toEqual(before);
    });

    it('a source that is both a template and an environment', async () => {
      project.write('environments/cloud.yaml', project.read('environments/test.yaml'));
      const result = await project.run(['new-env', 'staging', '--from', 'cloud']);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        'error: --from: "cloud" is both a template (environments/templates/cloud.yaml) and an environment (environments/cloud.yaml); rename one of them',
      );
    });

    it('a source environment that is itself invalid', async () => {
      project.edit('environments/test.yaml', 'vip: 10.30.0.10', 'vip: 10.30.0.300');
      const result = await project.run(['new-env', 'test2', '--from', 'test', ...testCopySets()]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(
        /^error: environments\/test\.yaml: controlPlane\.vip: "10\.30\.0\.300" is not an IPv4 address/,
      );
      expect(exists('environments/test2.yaml')).toBe(false);
    });

    it('an invalid --set value: every bad --set is reported, nothing is written', async () => {
      const before = snapshot();
      const result = await project.run([
        'new-env',
        'lab',
        '--from',
        'idc-ha',
        ...IDC_SETS,
        '--set',
        'controlPlane.virtualRouterId=seventy',
        '--set',
        'controlPlane.vipp=10.40.0.10',
        '--set',
        'template=cloud',
      ]);
      expect(result.code).toBe(2);
      expect(result.stderr.split('\n')).toEqual([
        'error: --set controlPlane.virtualRouterId: "seventy" is not a number',
        expect.stringMatching(
          /^error: --set controlPlane\.vipp: is not a known field \(allowed in controlPlane: vip, /,
        ),
        'error: --set template: cannot be set: the template is chosen with --from (a template, or an environment whose template is kept)',
      ]);
      expect(snapshot()).toEqual(before);
    });

    it('a --set value of the right type that the schema refuses is shown at its --set path', async () => {
      const result = await project.run([
        'new-env',
        'lab',
        '--from',
        'idc-ha',
        ...IDC_SETS,
        '--set',
        'controlPlane.virtualRouterId=300',
        '--set',
        'controlPlane.vip=10.40.0.300',
      ]);
      expect(result.code).toBe(2);
      expect(result.stderr.split('\n')).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^error: --set controlPlane\.vip: "10\.40\.0\.300" is not an IPv4 address/),
          'error: --set controlPlane.virtualRouterId: 300 must be between 1 and 255 (the VRRP virtual router id)',
        ]),
      );
      expect(result.stderr).not.toMatch(/\(line \d+\)/);
      expect(exists('environments/lab.yaml')).toBe(false);
    });

    it('usage errors', async () => {
      expect((await project.run(['new-env', '--from', 'idc-ha'])).stderr).toMatch(
        /^error: expects one NAME, got none; usage: blueprint new-env NAME/,
      );
      expect((await project.run(['new-env', 'lab'])).stderr).toMatch(/^error: --from: is required/);
      expect((await project.run(['new-env', 'lab', '--from', 'idc-ha', '--force'])).code).toBe(2);
    });
  });

  it('--dry-run prints the file and writes nothing', async () => {
    const before = snapshot();
    const result = await project.run(['new-env', 'lab', '--from', 'idc-ha', ...IDC_SETS, '--dry-run']);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe(MODELINE);
    expect(parse(result.stdout).controlPlane.vip).toBe('10.40.0.10');
    expect(snapshot()).toEqual(before);
  });
});
