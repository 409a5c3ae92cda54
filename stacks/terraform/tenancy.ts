import { ClusterRoleBindingV1 } from '@cdktf/provider-kubernetes/lib/cluster-role-binding-v1';
import { ClusterRoleV1 } from '@cdktf/provider-kubernetes/lib/cluster-role-v1';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { PriorityClassV1 } from '@cdktf/provider-kubernetes/lib/priority-class-v1';
import type { Construct } from 'constructs';
import { kubernetesMinor } from '../../constructs/core/kubernetes-version';
import {
  AUDITOR,
  ON_CALL,
  PLATFORM_ADMIN,
  PLATFORM_ROLES,
  type PlatformRole,
  TEAM_DEVELOPER,
  VIEWER,
} from '../../constructs/guardrails/platform-roles';
import { podSecurityLabels } from '../../constructs/guardrails/pod-security-labels';
import type { EnvironmentSpec } from '../../environments/schema';
import type { NamespaceSpec } from '../../environments/schema/namespaces';
import { addonNamespaces } from '../addons/catalog';
import { MANAGED_BY_LABELS } from '../labels';
import { groupSubjects, TeamNamespace, tfName } from './team-namespace';

export { tfName } from './team-namespace';

/** The label naming a namespace's owning team. */
export const TEAM_LABEL = 'platform-blueprint.io/team';

/** The labels of a team namespace: managed-by, team, Pod Security Admission, then the user's own. */
export function namespaceLabels(spec: EnvironmentSpec, ns: NamespaceSpec): Record<string, string> {
  const minor = kubernetesMinor(spec.kubernetesVersion);
  return {
    ...MANAGED_BY_LABELS,
    ...ns.labels,
    [TEAM_LABEL]: ns.team ?? ns.name,
    ...podSecurityLabels({
      enforce: ns.podSecurity,
      auditAndWarn: 'restricted',
      version: minor === undefined ? 'latest' : `v1.${minor}`,
    }),
  };
}

function roleKey(role: PlatformRole): string {
  return role.name.replace(/^platform:/, '');
}

/**
 * The environment's tenancy, as Terraform resources: per team namespace the namespace with its
 * Pod Security labels, a ResourceQuota, a LimitRange and RoleBindings of its groups; cluster-wide
 * the five platform ClusterRoles, their ClusterRoleBindings and the two PriorityClasses; the
 * on-call groups of a team (`tenancy.onCall`) are bound in each namespace of that team.
 *
 * Resource names are API (renaming one destroys and recreates it): `namespace_<name>`,
 * `resource_quota_<ns>`, `limit_range_<ns>`, `cluster_role_<role>`, `cluster_role_binding_<role>`,
 * `role_binding_<ns>_<role>`, `priority_class_platform`, `priority_class_business`.
 */
export function addTenancy(scope: Construct, spec: EnvironmentSpec): Map<string, NamespaceV1> {
  const created = new Map<string, NamespaceV1>();
  for (const role of PLATFORM_ROLES) {
    new ClusterRoleV1(scope, tfName('cluster_role', roleKey(role)), {
      metadata: {
        name: role.name,
        labels: { ...MANAGED_BY_LABELS },
        annotations: { 'platform-blueprint.io/description': role.description },
      },
      rule: role.rules.map((rule) => ({
        apiGroups: rule.apiGroups ? [...rule.apiGroups] : undefined,
        resources: rule.resources ? [...rule.resources] : undefined,
        nonResourceUrls: rule.nonResourceURLs ? [...rule.nonResourceURLs] : undefined,
        verbs: [...rule.verbs],
      })),
    });
  }
  const clusterBindings: [PlatformRole, readonly string[]][] = [
    [PLATFORM_ADMIN, spec.tenancy.groups.platformAdmins],
    [VIEWER, spec.tenancy.groups.viewers],
    [AUDITOR, spec.tenancy.groups.auditors],
  ];
  for (const [role, groups] of clusterBindings) {
    if (groups.length === 0) continue;
    new ClusterRoleBindingV1(scope, tfName('cluster_role_binding', roleKey(role)), {
      metadata: { name: role.name, labels: { ...MANAGED_BY_LABELS } },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.name },
      subject: groupSubjects(groups),
    });
  }

  const { platform, business } = spec.tenancy.priorityClasses;
  new PriorityClassV1(scope, 'priority_class_platform', {
    metadata: { name: platform.name, labels: { ...MANAGED_BY_LABELS } },
    value: platform.value,
    globalDefault: false,
    preemptionPolicy: 'PreemptLowerPriority',
    description: 'Platform components (gateway, monitoring, operators); preempt business workloads.',
  });
  new PriorityClassV1(scope, 'priority_class_business', {
    metadata: { name: business.name, labels: { ...MANAGED_BY_LABELS } },
    value: business.value,
    globalDefault: true,
    preemptionPolicy: 'PreemptLowerPriority',
    description: 'Business workloads; the default for pods that name no priority class.',
  });

  for (const ns of spec.namespaces) {
    const owner = ns.team ?? ns.name;
    const team = new TeamNamespace(scope, `team-${ns.name}`, {
      name: ns.name,
      labels: namespaceLabels(spec, ns),
      quota: ns.quota,
      limitRange: ns.limitRange,
      roleBindings: (
        [
          [TEAM_DEVELOPER, ns.groups.developers],
          [VIEWER, ns.groups.viewers],
          [ON_CALL, spec.tenancy.onCall.find((entry) => entry.team === owner)?.groups ?? []],
        ] as const
      ).map(([role, groups]) => ({ clusterRole: role.name, key: roleKey(role), groups })),
    });
    created.set(ns.name, team.namespace);
  }
  // The platform's own namespaces: the observability namespace (ServiceMonitors, the
  // PrometheusRule, prometheus-operator; node-exporter needs host access, so privileged) unless it
  // is a team namespace, and the add-ons' namespaces, each at the Pod Security level its pods
  // need (the exceptions are written down in stacks/addons/catalog.ts).
  const minor = kubernetesMinor(spec.kubernetesVersion);
  const version = minor === undefined ? 'latest' : `v1.${minor}`;
  const platformNamespaces = [
    { name: spec.observability.namespace, enforce: 'privileged' as const, auditAndWarn: 'baseline' as const },
    ...addonNamespaces(spec).map((namespace) => ({
      name: namespace.name,
      enforce: namespace.enforce,
      auditAndWarn: namespace.enforce === 'privileged' ? ('baseline' as const) : ('restricted' as const),
    })),
  ];
  for (const namespace of platformNamespaces) {
    if (created.has(namespace.name)) continue;
    created.set(
      namespace.name,
      new NamespaceV1(scope, tfName('namespace', namespace.name), {
        metadata: {
          name: namespace.name,
          labels: {
            ...MANAGED_BY_LABELS,
            [TEAM_LABEL]: 'platform',
            ...podSecurityLabels({
              enforce: namespace.enforce,
              auditAndWarn: namespace.auditAndWarn,
              version,
            }),
          },
        },
      }),
    );
  }
  return created;
}
