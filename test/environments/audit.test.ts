import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { environmentSchema } from '../../environments/schema/index';
import { REPO_ROOT, TempProject } from '../support/cli';
import { MINIMAL_ENVIRONMENT } from '../support/minimal-environment';

/** The minimal environment with `audit` as controlPlane.audit. */
function parse(audit: unknown) {
  return environmentSchema.safeParse({
    ...MINIMAL_ENVIRONMENT,
    controlPlane: { ...MINIMAL_ENVIRONMENT.controlPlane, audit },
  });
}

function issues(audit: unknown): string[] {
  const result = parse(audit);
  return result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('controlPlane.audit schema', () => {
  it('fills the defaults: Metadata for the rest, RequestReceived omitted, rotation 30 days × 10 files × 100 MB', () => {
    const result = parse(undefined);
    expect(result.success).toBe(true);
    if (!result.success) return;
    const { audit } = result.data.controlPlane;
    expect(audit.defaultLevel).toBe('Metadata');
    expect(audit.omitStages).toEqual(['RequestReceived']);
    expect(audit.log).toEqual({ maxAgeDays: 30, maxBackups: 10, maxSizeMegabytes: 100 });
    expect(audit.rules.map((rule) => rule.level)).toEqual(['None', 'RequestResponse', 'Request']);
    expect(audit.rules[1]?.resources).toEqual([{ group: 'rbac.authorization.k8s.io' }]);
  });

  it('takes rules per resource group, with verbs, namespaces, users and stages', () => {
    const result = parse({
      defaultLevel: 'None',
      rules: [
        {
          level: 'RequestResponse',
          verbs: ['create', 'patch'],
          namespaces: ['vehicle', ''],
          users: ['alice@example.com'],
          userGroups: ['system:serviceaccounts:ci'],
          omitStages: ['ResponseStarted'],
          resources: [{ group: 'apps', resources: ['deployments', 'deployments/scale', '*/status'] }],
        },
      ],
      log: { maxAgeDays: 90 },
    });
    expect(result.success).toBe(true);
    if (!result.success) return;
    expect(result.data.controlPlane.audit.log).toEqual({
      maxAgeDays: 90,
      maxBackups: 10,
      maxSizeMegabytes: 100,
    });
  });

  it.each([
    [
      { defaultLevel: 'Everything' },
      'controlPlane.audit.defaultLevel: must be one of None, Metadata, Request, RequestResponse',
    ],
    [
      { rules: [{ level: 'Verbose', resources: [{ group: '' }] }] },
      'controlPlane.audit.rules.0.level: must be one of None, Metadata, Request, RequestResponse',
    ],
    [
      { omitStages: ['RequestReceived', 'Started'] },
      'controlPlane.audit.omitStages.1: must be one of RequestReceived, ResponseStarted, ResponseComplete, Panic',
    ],
    [{ omitStages: ['Panic', 'Panic'] }, 'controlPlane.audit.omitStages: names a stage twice'],
    [
      { rules: [{ level: 'None', resources: [] }] },
      'controlPlane.audit.rules.0.resources: must name at least one API group',
    ],
    [
      { rules: [{ level: 'None', resources: [{ group: 'Apps' }] }] },
      'controlPlane.audit.rules.0.resources.0.group: must be "" (the core group) or an API group such as apps or rbac.authorization.k8s.io',
    ],
    [
      { rules: [{ level: 'None', resources: [{ group: '', resources: ['Pods'] }] }] },
      expect.stringMatching(
        /^controlPlane\.audit\.rules\.0\.resources\.0\.resources\.0: is not a resource name/,
      ),
    ],
    [
      { rules: [{ level: 'None', verbs: ['exec'], resources: [{ group: '' }] }] },
      expect.stringMatching(
        /^controlPlane\.audit\.rules\.0\.verbs\.0: must be one of get, list, watch, create/,
      ),
    ],
    [{ log: { maxAgeDays: 0 } }, 'controlPlane.audit.log.maxAgeDays: must be between 1 and 3650 days'],
    [
      { log: { maxSizeMegabytes: 1.5 } },
      'controlPlane.audit.log.maxSizeMegabytes: must be a whole number of megabytes',
    ],
    [{ log: { path: '/tmp/audit.log' } }, expect.stringMatching(/^controlPlane\.audit\.log: /)],
  ])('refuses %j', (audit, message) => {
    expect(issues(audit)).toEqual([message]);
  });

  it.each([
    ['RequestResponse', '', 'secrets'],
    ['Request', '', 'configmaps'],
    ['Request', '', 'serviceaccounts/token'],
    ['RequestResponse', 'authentication.k8s.io', 'tokenreviews'],
    ['None', '', 'secrets'],
  ])('refuses %s for %s/%s: credentials are always audited at Metadata', (level, group, resource) => {
    expect(
      issues({
        rules: [{ level, resources: [{ group: 'apps' }, { group, resources: ['pods', resource] }] }],
      }),
    ).toEqual([
      expect.stringMatching(
        new RegExp(
          `^controlPlane\\.audit\\.rules\\.0\\.resources\\.1\\.resources\\.1: is always audited at Metadata .*remove it from this ${level} rule$`,
        ),
      ),
    ]);
  });

  it('accepts Metadata for Secrets, and RequestResponse for the rest of the core group (the built-in rule keeps Secrets at Metadata)', () => {
    expect(
      issues({
        rules: [
          { level: 'Metadata', resources: [{ group: '', resources: ['secrets'] }] },
          { level: 'RequestResponse', resources: [{ group: '' }, { group: '', resources: ['*'] }] },
        ],
      }),
    ).toEqual([]);
  });
});

describe('docs/audit.md', () => {
  it('has an example the schema accepts', () => {
    const text = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'audit.md'), 'utf8');
    const example = /```yaml\n([\s\S]*?)```/.exec(text)?.[1] ?? '';
    const { controlPlane } = yaml.load(example) as { controlPlane: { audit: unknown } };
    expect(issues(controlPlane.audit)).toEqual([]);
  });
});

describe('bad audit input in an environment file ends in exit 2 with the file and the field path', () => {
  let project: TempProject;
  beforeAll(() => {
    project = new TempProject();
  });
  afterAll(() => project.dispose());

  // biome-ignore lint/suspicious/noExplicitAny: an environment file as parsed YAML
  async function refused(change: (env: any) => void): Promise<string> {
    // biome-ignore lint/suspicious/noExplicitAny: an environment file as parsed YAML
    const env = yaml.load(project.read('environments/test.yaml')) as any;
    change(env);
    project.write('environments/bad-audit.yaml', yaml.dump(env));
    const result = await project.run(['synth', '--env', 'bad-audit', '--out', 'out']);
    fs.rmSync(project.path('environments/bad-audit.yaml'));
    expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(result.code).toBe(2);
    expect(fs.existsSync(project.path('out'))).toBe(false);
    return result.stderr;
  }

  it('names an audit level that does not exist', async () => {
    const stderr = await refused((env) => {
      env.controlPlane.audit = { rules: [{ level: 'Everything', resources: [{ group: 'apps' }] }] };
    });
    expect(stderr).toContain(
      'environments/bad-audit.yaml: controlPlane.audit.rules[0].level: "Everything" must be one of None, Metadata, Request, RequestResponse',
    );
  });

  it('names Secrets logged with their bodies', async () => {
    const stderr = await refused((env) => {
      env.controlPlane.audit = {
        rules: [{ level: 'RequestResponse', resources: [{ group: '', resources: ['pods', 'secrets'] }] }],
      };
    });
    expect(stderr).toMatch(
      /environments\/bad-audit\.yaml: controlPlane\.audit\.rules\[0\]\.resources\[0\]\.resources\[1\]: "secrets" is always audited at Metadata/,
    );
  });

  it('names an unknown stage and a rotation out of range, one line each', async () => {
    const stderr = await refused((env) => {
      env.controlPlane.audit = { omitStages: ['Started'], log: { maxBackups: 0 } };
    });
    expect(stderr).toMatch(/controlPlane\.audit\.omitStages\[0\]: "Started" must be one of RequestReceived/);
    expect(stderr).toMatch(/controlPlane\.audit\.log\.maxBackups: 0 must be between 1 and 1000 files/);
  });
});
