import {
  missingPodSecurityModes,
  podSecurityLabels,
} from '../../../constructs/guardrails/pod-security-labels';

describe('podSecurityLabels', () => {
  it('enforces the given level and audits and warns at restricted, with pinned versions', () => {
    expect(podSecurityLabels({ enforce: 'baseline', version: 'v1.28' })).toEqual({
      'pod-security.kubernetes.io/enforce': 'baseline',
      'pod-security.kubernetes.io/enforce-version': 'v1.28',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/audit-version': 'v1.28',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/warn-version': 'v1.28',
    });
  });

  it('refuses a malformed version, naming it', () => {
    expect(() => podSecurityLabels({ enforce: 'restricted', version: '1.28' })).toThrow(
      `podSecurityLabels: 'version' ("1.28") must be latest or v1.<minor>`,
    );
  });

  it('finds the modes a namespace leaves unset', () => {
    expect(missingPodSecurityModes(undefined)).toEqual(['enforce', 'audit', 'warn']);
    expect(
      missingPodSecurityModes({
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/warn': 'bogus',
      }),
    ).toEqual(['audit', 'warn']);
    expect(missingPodSecurityModes(podSecurityLabels({ enforce: 'restricted' }))).toEqual([]);
  });
});
