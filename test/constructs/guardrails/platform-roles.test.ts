import {
  AUDITOR,
  ON_CALL,
  PLATFORM_ADMIN,
  PLATFORM_ROLES,
  roleVerbs,
  TEAM_DEVELOPER,
  VIEWER,
} from '../../../constructs/guardrails/platform-roles';

describe('platform roles', () => {
  it('has five roles with distinct platform: names', () => {
    const names = PLATFORM_ROLES.map((role) => role.name);
    expect(names).toEqual([
      'platform:platform-admin',
      'platform:team-developer',
      'platform:viewer',
      'platform:auditor',
      'platform:on-call',
    ]);
  });

  it('gives no role but the platform admin any access to Secrets', () => {
    for (const role of PLATFORM_ROLES) {
      const verbs = roleVerbs(role, '', 'secrets');
      if (role === PLATFORM_ADMIN) expect(verbs).toEqual(['*']);
      else expect(verbs).toEqual([]);
    }
  });

  it('lets developers read logs and restart workloads, but viewers only read', () => {
    expect(roleVerbs(TEAM_DEVELOPER, '', 'pods/log')).toEqual(['get', 'list', 'watch']);
    expect(roleVerbs(TEAM_DEVELOPER, 'apps', 'deployments')).toEqual(
      expect.arrayContaining(['patch', 'get']),
    );
    expect(roleVerbs(VIEWER, '', 'pods/log')).toEqual([]);
    for (const rule of VIEWER.rules) expect(rule.verbs).toEqual(['get', 'list', 'watch']);
  });

  it('lets auditors read RBAC and admission configuration, and nothing else than read', () => {
    expect(roleVerbs(AUDITOR, 'rbac.authorization.k8s.io', 'clusterrolebindings')).toEqual([
      'get',
      'list',
      'watch',
    ]);
    expect(roleVerbs(AUDITOR, 'admissionregistration.k8s.io', 'validatingwebhookconfigurations')).toEqual([
      'get',
      'list',
      'watch',
    ]);
    for (const rule of AUDITOR.rules) {
      for (const verb of rule.verbs) expect(['get', 'list', 'watch']).toContain(verb);
    }
  });

  it('lets on-call engineers exec, read logs, delete pods and scale; nothing else changes', () => {
    expect(roleVerbs(ON_CALL, '', 'pods/exec')).toEqual(['create', 'get']);
    expect(roleVerbs(ON_CALL, '', 'pods/log')).toEqual(['get', 'list', 'watch']);
    expect(roleVerbs(ON_CALL, '', 'pods')).toEqual(['delete', 'get', 'list', 'watch']);
    expect(roleVerbs(ON_CALL, 'apps', 'deployments/scale')).toEqual(['get', 'patch', 'update']);
    expect(roleVerbs(ON_CALL, 'apps', 'statefulsets/scale')).toEqual(['get', 'patch', 'update']);
    expect(roleVerbs(ON_CALL, 'apps', 'deployments')).toEqual(['get', 'list', 'watch']);
    for (const resource of ['pods/attach', 'pods/portforward', 'pods/ephemeralcontainers', 'secrets'])
      expect(roleVerbs(ON_CALL, '', resource)).toEqual([]);
    const writes = ON_CALL.rules.filter((rule) =>
      rule.verbs.some((verb) => !['get', 'list', 'watch'].includes(verb)),
    );
    expect(writes.flatMap((rule) => rule.resources ?? []).sort()).toEqual([
      'deployments/scale',
      'pods',
      'pods/exec',
      'statefulsets/scale',
    ]);
    // Bound per namespace: cluster-scoped reads would not apply, so the role has none.
    expect(roleVerbs(ON_CALL, '', 'nodes')).toEqual([]);
  });

  it('gives no role but the on-call one (and the admin) exec, and auditors no logs', () => {
    for (const role of PLATFORM_ROLES) {
      if (role === PLATFORM_ADMIN || role === ON_CALL) continue;
      expect(roleVerbs(role, '', 'pods/exec')).toEqual([]);
    }
    expect(roleVerbs(AUDITOR, '', 'pods/log')).toEqual([]);
    expect(roleVerbs(AUDITOR, 'gateway.envoyproxy.io', 'securitypolicies')).toEqual(['get', 'list', 'watch']);
    expect(roleVerbs(AUDITOR, 'metallb.io', 'ipaddresspools')).toEqual(['get', 'list', 'watch']);
  });

  it('never grants wildcards outside the platform admin role', () => {
    for (const role of PLATFORM_ROLES) {
      if (role === PLATFORM_ADMIN) continue;
      for (const rule of role.rules) {
        expect(rule.verbs).not.toContain('*');
        expect(rule.resources ?? []).not.toContain('*');
        expect(rule.apiGroups ?? []).not.toContain('*');
      }
    }
  });
});
