import type { EnvironmentSpec } from './index';
import { type Rule, report, reportDuplicates } from './rules';

const SUFFIXES: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** The value of a Kubernetes quantity (`500m` → 0.5, `2Gi` → 2147483648); NaN when it is not one. */
export function quantityValue(quantity: string): number {
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|([a-zA-Z]*))$/.exec(quantity);
  if (!match) return Number.NaN;
  const [, number, exponent, suffix] = match;
  if (exponent !== undefined) return Number(`${number}${exponent}`);
  const factor = SUFFIXES[suffix ?? ''];
  return factor === undefined ? Number.NaN : Number(number) * factor;
}

/** Namespaces the blueprint must not create or label: Kubernetes' own ones. */
const RESERVED_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** Label keys the blueprint writes itself; setting them in `labels` would fight it. */
const OWNED_LABEL_PREFIXES = ['pod-security.kubernetes.io/', 'kubernetes.io/metadata.name'];
const TEAM_LABEL = 'platform-blueprint.io/team';

/** Namespace names are unique, not reserved, and not the monitoring namespace. */
const namespaceNames: Rule = (spec, ctx) => {
  reportDuplicates(
    ctx,
    spec.namespaces,
    (ns) => ns.name,
    (index) => ['namespaces', index, 'name'],
    'the name',
  );
  spec.namespaces.forEach((ns, index) => {
    if (RESERVED_NAMESPACES.includes(ns.name)) {
      report(
        ctx,
        ['namespaces', index, 'name'],
        ns.name,
        `is a namespace Kubernetes manages itself (reserved: ${RESERVED_NAMESPACES.join(', ')}); name a team or application namespace`,
      );
    }
    if (ns.name === spec.observability.namespace) {
      report(
        ctx,
        ['namespaces', index, 'name'],
        ns.name,
        'is the monitoring namespace (observability.namespace), which the monitoring stack installs and manages; choose another name',
      );
    }
    for (const key of Object.keys(ns.labels)) {
      if (OWNED_LABEL_PREFIXES.some((prefix) => key.startsWith(prefix)) || key === TEAM_LABEL) {
        report(
          ctx,
          ['namespaces', index, 'labels', key],
          key,
          key === TEAM_LABEL
            ? 'is written by the blueprint from `team`; set `team` instead'
            : 'is written by the blueprint (Pod Security labels come from `podSecurity`); remove it from labels',
        );
      }
    }
  });
};

type Pair = readonly [lower: string, upper: string];

function checkOrder(
  ctx: Parameters<Rule>[1],
  path: PropertyKey[],
  value: string,
  bound: string,
  boundName: string,
): void {
  if (quantityValue(value) > quantityValue(bound)) {
    report(ctx, path, value, `must not exceed ${boundName} (${bound})`);
  }
}

/** LimitRange defaults fit under its maximum and under the quota; quota requests fit under its limits. */
const namespaceResources: Rule = (spec, ctx) => {
  spec.namespaces.forEach((ns, index) => {
    const base = ['namespaces', index];
    const { defaultRequest, defaultLimit, max } = ns.limitRange;
    for (const resource of ['cpu', 'memory'] as const) {
      const checks: [PropertyKey[], Pair, string][] = [
        [
          ['limitRange', 'defaultRequest', resource],
          [defaultRequest[resource], defaultLimit[resource]],
          `limitRange.defaultLimit.${resource}`,
        ],
        [
          ['limitRange', 'defaultLimit', resource],
          [defaultLimit[resource], max[resource]],
          `limitRange.max.${resource}`,
        ],
        [
          ['limitRange', 'max', resource],
          [max[resource], resource === 'cpu' ? ns.quota.limitsCpu : ns.quota.limitsMemory],
          `quota.limits${resource === 'cpu' ? 'Cpu' : 'Memory'}`,
        ],
      ];
      for (const [path, [value, bound], boundName] of checks)
        checkOrder(ctx, [...base, ...path], value, bound, boundName);
    }
    checkOrder(
      ctx,
      [...base, 'quota', 'requestsCpu'],
      ns.quota.requestsCpu,
      ns.quota.limitsCpu,
      'quota.limitsCpu',
    );
    checkOrder(
      ctx,
      [...base, 'quota', 'requestsMemory'],
      ns.quota.requestsMemory,
      ns.quota.limitsMemory,
      'quota.limitsMemory',
    );
    if (ns.quota.loadBalancers > ns.quota.services) {
      report(
        ctx,
        [...base, 'quota', 'loadBalancers'],
        ns.quota.loadBalancers,
        `must not exceed quota.services (${ns.quota.services})`,
      );
    }
  });
};

/** A group appears once per role list. */
const groupLists: Rule = (spec, ctx) => {
  const lists: [PropertyKey[], readonly string[]][] = [
    [['tenancy', 'groups', 'platformAdmins'], spec.tenancy.groups.platformAdmins],
    [['tenancy', 'groups', 'viewers'], spec.tenancy.groups.viewers],
    [['tenancy', 'groups', 'auditors'], spec.tenancy.groups.auditors],
  ];
  spec.tenancy.onCall.forEach((entry, index) => {
    lists.push([['tenancy', 'onCall', index, 'groups'], entry.groups]);
  });
  spec.namespaces.forEach((ns, index) => {
    lists.push([['namespaces', index, 'groups', 'developers'], ns.groups.developers]);
    lists.push([['namespaces', index, 'groups', 'viewers'], ns.groups.viewers]);
  });
  for (const [path, groups] of lists) {
    reportDuplicates(
      ctx,
      groups,
      (group) => group,
      (i) => [...path, i],
      'the group',
    );
  }
};

/** Each on-call team is named once and owns at least one namespace (otherwise nothing would be bound). */
const onCallTeams: Rule = (spec, ctx) => {
  reportDuplicates(
    ctx,
    spec.tenancy.onCall,
    (entry) => entry.team,
    (index) => ['tenancy', 'onCall', index, 'team'],
    'the team',
  );
  const teams = [...new Set(spec.namespaces.map((ns) => ns.team ?? ns.name))].sort();
  spec.tenancy.onCall.forEach((entry, index) => {
    if (teams.includes(entry.team)) return;
    report(
      ctx,
      ['tenancy', 'onCall', index, 'team'],
      entry.team,
      `owns no namespace (teams of namespaces[].team: ${teams.join(', ') || 'none'}); on-call groups are bound in their team's namespaces only`,
    );
  });
};

/** Platform components must outrank business workloads, and the two classes need two names. */
const priorityOrder: Rule = (spec: EnvironmentSpec, ctx) => {
  const { platform, business } = spec.tenancy.priorityClasses;
  if (platform.value <= business.value) {
    report(
      ctx,
      ['tenancy', 'priorityClasses', 'platform', 'value'],
      platform.value,
      `must be greater than tenancy.priorityClasses.business.value (${business.value}), so that platform components preempt business workloads`,
    );
  }
  if (platform.name === business.name) {
    report(
      ctx,
      ['tenancy', 'priorityClasses', 'business', 'name'],
      business.name,
      'is also the platform priority class name; the two classes need different names',
    );
  }
};

/** Cross-field rules of namespaces and tenancy. */
export const tenancyRules: Rule[] = [
  namespaceNames,
  namespaceResources,
  groupLists,
  onCallTeams,
  priorityOrder,
];
