import { environmentSchema } from '../../environments/schema/index';
import { quantityValue } from '../../environments/schema/tenancy-rules';
import { MINIMAL_ENVIRONMENT } from '../support/minimal-environment';

/** A minimal valid environment, with `extra` merged on top. */
function parse(extra: Record<string, unknown>) {
  return environmentSchema.safeParse({
    ...MINIMAL_ENVIRONMENT,
    ...extra,
  });
}

function issues(extra: Record<string, unknown>): string[] {
  const result = parse(extra);
  return result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('namespaces and tenancy schema', () => {
  it('fills safe defaults: restricted PSA, a quota, a limit range, default priority classes', () => {
    const result = parse({ namespaces: [{ name: 'shop' }] });
    expect(result.success).toBe(true);
    if (!result.success) return;
    const [ns] = result.data.namespaces;
    expect(ns?.podSecurity).toBe('restricted');
    expect(ns?.quota).toMatchObject({ requestsCpu: '8', limitsMemory: '32Gi', pods: 100, loadBalancers: 0 });
    expect(ns?.limitRange.defaultRequest).toEqual({ cpu: '100m', memory: '128Mi' });
    expect(result.data.tenancy.priorityClasses.platform.value).toBeGreaterThan(
      result.data.tenancy.priorityClasses.business.value,
    );
  });

  it('refuses privileged and unknown PSA levels', () => {
    expect(issues({ namespaces: [{ name: 'shop', podSecurity: 'privileged' }] })).toEqual([
      'namespaces.0.podSecurity: must be one of restricted, baseline',
    ]);
  });

  it('refuses reserved, duplicate and monitoring namespaces', () => {
    expect(
      issues({
        namespaces: [{ name: 'kube-system' }, { name: 'shop' }, { name: 'shop' }, { name: 'monitoring' }],
      }),
    ).toEqual([
      'namespaces.2.name: repeats the name of item 1; the names must be unique',
      expect.stringContaining('namespaces.0.name: is a namespace Kubernetes manages itself'),
      expect.stringContaining('namespaces.3.name: is the monitoring namespace'),
    ]);
  });

  it('refuses PSA and team labels set by hand', () => {
    expect(
      issues({
        namespaces: [
          {
            name: 'shop',
            labels: { 'pod-security.kubernetes.io/enforce': 'privileged', 'platform-blueprint.io/team': 'x' },
          },
        ],
      }),
    ).toEqual([
      expect.stringContaining(
        'namespaces.0.labels.pod-security.kubernetes.io/enforce: is written by the blueprint',
      ),
      expect.stringContaining(
        'namespaces.0.labels.platform-blueprint.io/team: is written by the blueprint from `team`',
      ),
    ]);
  });

  it('orders limit range defaults under the maximum and the quota', () => {
    expect(
      issues({
        namespaces: [
          {
            name: 'shop',
            quota: { limitsCpu: '2', requestsCpu: '3' },
            limitRange: {
              defaultRequest: { memory: '1Gi' },
              defaultLimit: { memory: '512Mi' },
              max: { cpu: '4' },
            },
          },
        ],
      }),
    ).toEqual([
      'namespaces.0.limitRange.max.cpu: must not exceed quota.limitsCpu (2)',
      'namespaces.0.limitRange.defaultRequest.memory: must not exceed limitRange.defaultLimit.memory (512Mi)',
      'namespaces.0.quota.requestsCpu: must not exceed quota.limitsCpu (2)',
    ]);
  });

  it('checks group names and duplicates', () => {
    expect(
      issues({
        tenancy: { groups: { platformAdmins: ['admins', 'admins', 'system:masters', ' padded'] } },
      }),
    ).toEqual([
      expect.stringContaining('tenancy.groups.platformAdmins.2: is a reserved Kubernetes group'),
      expect.stringContaining('tenancy.groups.platformAdmins.3: is not a group name'),
      'tenancy.groups.platformAdmins.1: repeats the group of item 0; the groups must be unique',
    ]);
  });

  it('keeps platform above business priority', () => {
    expect(
      issues({ tenancy: { priorityClasses: { platform: { value: 10 }, business: { name: 'platform' } } } }),
    ).toEqual([
      expect.stringContaining('tenancy.priorityClasses.platform.value: must be greater than'),
      'tenancy.priorityClasses.business.name: is also the platform priority class name; the two classes need different names',
    ]);
    expect(issues({ tenancy: { priorityClasses: { platform: { value: 2_000_000_000 } } } })).toEqual([
      expect.stringContaining('must be at most 1000000000'),
    ]);
  });
});

describe('quantityValue', () => {
  it.each([
    ['500m', 0.5],
    ['2', 2],
    ['1.5', 1.5],
    ['128Mi', 128 * 2 ** 20],
    ['1G', 1e9],
    ['1e3', 1000],
  ])('%s is %d', (text, value) => {
    expect(quantityValue(text)).toBeCloseTo(value);
  });

  it('is NaN for a non-quantity', () => {
    expect(quantityValue('lots')).toBeNaN();
  });
});
