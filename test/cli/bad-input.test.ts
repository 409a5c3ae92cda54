import * as fs from 'node:fs';
import fc from 'fast-check';
import * as yaml from 'js-yaml';
import { TempProject } from '../support/cli';

/** Every leaf of a parsed YAML value, as a path of keys and indexes. */
function leaves(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((item, i) => leaves(item, [...prefix, i]));
  if (typeof value === 'object' && value !== null)
    return Object.entries(value).flatMap(([key, item]) => leaves(item, [...prefix, key]));
  return [prefix];
}

// biome-ignore lint/suspicious/noExplicitAny: an environment file as parsed YAML
type Env = any;

function setAt(root: unknown, at: readonly (string | number)[], next: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (const key of at.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[at[at.length - 1] as string | number] = next;
}

describe('bad input ends in exit 2 with the file, never in an internal error', () => {
  let project: TempProject;
  beforeAll(() => {
    project = new TempProject();
  });
  afterAll(() => project.dispose());
  afterEach(() => {
    for (const name of fs.readdirSync(project.path('environments')))
      if (name.startsWith('bad')) fs.rmSync(project.path('environments', name));
  });

  async function expectRefused(file: string, message: string | RegExp): Promise<void> {
    const result = await project.run(['synth', '--env', file.replace(/\.yaml$/, ''), '--out', 'out']);
    expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`environments/${file}`);
    expect(result.stderr).toMatch(message);
    expect(fs.existsSync(project.path('out'))).toBe(false);
  }

  it('refuses a YAML alias bomb', async () => {
    let text = 'template: idc-ha\na: &a [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      text += `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${prev}`).join(', ')}]\n`;
    }
    project.write('environments/bad-bomb.yaml', text);
    await expectRefused('bad-bomb.yaml', /expands YAML aliases too far/);
  });

  it('refuses a file over 1 MiB', async () => {
    project.write('environments/bad-big.yaml', `template: idc-ha\n${'# padding\n'.repeat(120_000)}`);
    await expectRefused('bad-big.yaml', /at most 1048576 bytes/);
  });

  it('refuses binary content', async () => {
    fs.writeFileSync(project.path('environments/bad-nul.yaml'), Buffer.from('template: idc-ha\n\0\x01\x02'));
    await expectRefused('bad-nul.yaml', /is binary \(a NUL byte at offset 17\)/);
    fs.writeFileSync(
      project.path('environments/bad-latin1.yaml'),
      Buffer.from('template: idc-ha\n# \xe9\xff\n', 'latin1'),
    );
    await expectRefused('bad-latin1.yaml', /is not UTF-8 text/);
  });

  it('refuses an environment file whose name is not a DNS-1123 label', async () => {
    project.write('environments/bad_Name.yaml', project.read('environments/test.yaml'));
    const result = await project.run(['synth', '--out', 'out']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'environments/bad_Name.yaml: "bad_Name" is not a usable environment name',
    );
    expect(fs.existsSync(project.path('out'))).toBe(false);
  });

  it.each(['../prod', 'prod/../test', '/etc/passwd', '..'])('refuses --env %s', async (name) => {
    const result = await project.run(['synth', '--env', name, '--out', 'out']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--env: ${JSON.stringify(name)} is not a known environment`);
  });

  it.each(['../evil', 'a/b', '..', 'UPPER'])(
    'new-env refuses the name %s and writes nothing',
    async (name) => {
      const before = fs.readdirSync(project.path('environments')).sort();
      const result = await project.run(['new-env', name, '--from', 'test']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('is not a DNS-1123 label');
      expect(fs.readdirSync(project.path('environments')).sort()).toEqual(before);
    },
  );

  it.each([
    ['vrrpVersion: 1', /controlPlane\.loadBalancer\.vrrpVersion: 1 must be 2 or 3/],
    ['vrrpVersion: "3"', /controlPlane\.loadBalancer\.vrrpVersion: "3" must be 2 or 3/],
    [
      'vrrpVersion: 2, advertIntervalSeconds: 1.5',
      /controlPlane\.loadBalancer\.advertIntervalSeconds: 1\.5 must be a whole number of seconds with vrrpVersion 2/,
    ],
    [
      'vrrpVersion: 3, advertIntervalSeconds: 0.05, authentication: { type: none }',
      /controlPlane\.loadBalancer\.advertIntervalSeconds: 0\.05 must be between 0\.1 and 10 seconds/,
    ],
    [
      'vrrpVersion: 3, authentication: { type: pass }',
      /controlPlane\.loadBalancer\.authentication\.type: "pass" must be none with vrrpVersion 3/,
    ],
  ])('refuses the VRRP setting %s with the field path', async (setting, message) => {
    const test = project.read('environments/test.yaml');
    const [lb] = /^ {2}loadBalancer:\n( {4}.*\n)+/m.exec(test) ?? [];
    if (lb === undefined) throw new Error('environments/test.yaml has no controlPlane.loadBalancer block');
    project.write('environments/bad-vrrp.yaml', test.replace(lb, `  loadBalancer: { ${setting} }\n`));
    await expectRefused('bad-vrrp.yaml', message);
  });

  it.each([
    [
      'a rate limit without a unit',
      (env: Env) => {
        env.services[0].route.protection = { rateLimits: [{ requests: 10 }] };
      },
      /services\[0\]\.route\.protection\.rateLimits\[0\]\.unit: .*one of second, minute, hour/,
    ],
    [
      'a retry on a non-idempotent method without the explicit opt-in',
      (env: Env) => {
        env.services[0].route.protection = { retry: { methods: ['GET', 'POST'] } };
      },
      /services\[0\]\.route\.protection\.retry\.methods\[1\]: "POST" POST is not idempotent.*retryNonIdempotent: true/,
    ],
    [
      'a trusted source that is not a network, claim or cookie',
      (env: Env) => {
        env.grayscale.trustedSources = [{ header: { name: 'x-internal' } }];
      },
      /grayscale\.trustedSources\[0\]\.header: is not a known field \(allowed here: network, jwtClaim, signedCookie\)/,
    ],
  ])('refuses %s with exit 2 and the field path', async (_what, change, message) => {
    const env = yaml.load(project.read('environments/prod.yaml')) as Env;
    change(env);
    project.write('environments/bad-protection.yaml', yaml.dump(env));
    await expectRefused('bad-protection.yaml', message);
  });

  it('property: changing any one value of an environment never ends in an internal error', async () => {
    const source = yaml.load(project.read('environments/prod.yaml')) as Record<string, unknown>;
    const paths = leaves(source).filter((at) => at[0] !== 'template');
    const weird = fc.constantFrom<unknown>(
      0,
      -1,
      1.5,
      65536,
      1e12,
      '',
      'x'.repeat(300),
      'A_B',
      '../x',
      null,
      true,
      [],
      {},
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), weird, async (at, value) => {
        const env = structuredClone(source);
        setAt(env, at, value);
        project.write('environments/prod.yaml', yaml.dump(env));
        const result = await project.run(['synth', '--env', 'prod', '--out', 'prop-out']);
        expect([at.join('.'), value, result.stderr.includes('internal error')]).toEqual([
          at.join('.'),
          value,
          false,
        ]);
        expect([0, 2]).toContain(result.code);
      }),
      {
        numRuns: Number(process.env.BAD_INPUT_RUNS ?? 150),
        seed: Number(process.env.BAD_INPUT_SEED ?? 2026),
      },
    );
  });
});
