import { environmentSchema } from '../../environments/schema/index';
import { MINIMAL_ENVIRONMENT } from '../support/minimal-environment';

function issues(extra: Record<string, unknown>): string[] {
  const result = environmentSchema.safeParse({ ...MINIMAL_ENVIRONMENT, ...extra });
  return result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

const NAMESPACES = [
  { name: 'vehicle', team: 'vehicle' },
  { name: 'vehicle-batch', team: 'vehicle' },
  { name: 'mall' },
];

describe('tenancy.onCall schema', () => {
  it('defaults to no on-call groups', () => {
    const result = environmentSchema.safeParse(MINIMAL_ENVIRONMENT);
    expect(result.success && result.data.tenancy.onCall).toEqual([]);
  });

  it("takes groups per team, the team being a namespace's team or, without one, its name", () => {
    expect(
      issues({
        namespaces: NAMESPACES,
        tenancy: {
          onCall: [
            { team: 'vehicle', groups: ['vehicle-oncall'] },
            { team: 'mall', groups: ['oidc:mall-oncall'] },
          ],
        },
      }),
    ).toEqual([]);
  });

  it.each([
    [
      'a team that owns no namespace',
      [{ team: 'payments', groups: ['payments-oncall'] }],
      [
        "tenancy.onCall.0.team: owns no namespace (teams of namespaces[].team: mall, vehicle); on-call groups are bound in their team's namespaces only",
      ],
    ],
    [
      'a team named twice',
      [
        { team: 'vehicle', groups: ['a'] },
        { team: 'vehicle', groups: ['b'] },
      ],
      ['tenancy.onCall.1.team: repeats the team of item 0; the teams must be unique'],
    ],
    [
      'no groups',
      [{ team: 'vehicle', groups: [] }],
      ['tenancy.onCall.0.groups: must name at least one group'],
    ],
    [
      'a repeated group',
      [{ team: 'vehicle', groups: ['oncall', 'oncall'] }],
      ['tenancy.onCall.0.groups.1: repeats the group of item 0; the groups must be unique'],
    ],
    [
      'a system: group',
      [{ team: 'vehicle', groups: ['system:masters'] }],
      [expect.stringMatching(/^tenancy\.onCall\.0\.groups\.0: is a reserved Kubernetes group/)],
    ],
    [
      'a team that is not a DNS label',
      [{ team: 'Vehicle', groups: ['x'] }],
      [
        expect.stringMatching(/^tenancy\.onCall\.0\.team: is not a DNS-1123 label/),
        expect.stringMatching(/^tenancy\.onCall\.0\.team: owns no namespace/),
      ],
    ],
  ])('refuses %s with the field path', (_what, onCall, expected) => {
    expect(issues({ namespaces: NAMESPACES, tenancy: { onCall } })).toEqual(expected);
  });
});
