/** One RBAC policy rule, as in a ClusterRole's `rules`. */
export interface PolicyRule {
  /** API groups; `''` is the core group. @default - a non-resource rule */
  readonly apiGroups?: readonly string[];
  /** Resources (and subresources such as `pods/log`). @default - a non-resource rule */
  readonly resources?: readonly string[];
  /** Non-resource URLs such as `/metrics`. @default - a resource rule */
  readonly nonResourceURLs?: readonly string[];
  /** Verbs allowed. */
  readonly verbs: readonly string[];
}

/** One of the platform's roles: a ClusterRole, bound cluster-wide or per namespace. */
export interface PlatformRole {
  /** ClusterRole name, e.g. `platform:viewer`. */
  readonly name: string;
  /** What the role is for; written as the ClusterRole's description annotation. */
  readonly description: string;
  /** What the role allows. */
  readonly rules: readonly PolicyRule[];
}

const READ = ['get', 'list', 'watch'] as const;

/** Namespaced workload objects every role may read (never Secrets). */
const WORKLOAD_READ: readonly PolicyRule[] = [
  {
    apiGroups: [''],
    resources: [
      'pods',
      'services',
      'endpoints',
      'configmaps',
      'persistentvolumeclaims',
      'serviceaccounts',
      'events',
      'resourcequotas',
      'limitranges',
      'replicationcontrollers',
    ],
    verbs: READ,
  },
  {
    apiGroups: ['apps'],
    resources: ['deployments', 'replicasets', 'statefulsets', 'daemonsets'],
    verbs: READ,
  },
  { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: READ },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: READ },
  { apiGroups: ['autoscaling.alibabacloud.com'], resources: ['cronhorizontalpodautoscalers'], verbs: READ },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: READ },
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies', 'ingresses'], verbs: READ },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: READ },
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: READ },
  {
    apiGroups: ['gateway.networking.k8s.io'],
    resources: ['gateways', 'httproutes', 'grpcroutes', 'referencegrants'],
    verbs: READ,
  },
  {
    apiGroups: ['monitoring.coreos.com'],
    resources: ['servicemonitors', 'podmonitors', 'prometheusrules'],
    verbs: READ,
  },
  { apiGroups: ['metrics.k8s.io'], resources: ['pods'], verbs: READ },
];

/** Cluster-scoped objects readers may see (the namespaces and nodes they work with). */
const CLUSTER_READ: readonly PolicyRule[] = [
  { apiGroups: [''], resources: ['namespaces', 'nodes'], verbs: READ },
  { apiGroups: ['scheduling.k8s.io'], resources: ['priorityclasses'], verbs: READ },
  { apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: READ },
  { apiGroups: ['gateway.networking.k8s.io'], resources: ['gatewayclasses'], verbs: READ },
  { apiGroups: ['metrics.k8s.io'], resources: ['nodes'], verbs: READ },
];

/** The platform add-ons' configuration objects (gateway policies, address pools, the CNI, monitoring). */
const ADDON_CONFIG_READ: readonly PolicyRule[] = [
  {
    apiGroups: ['gateway.envoyproxy.io'],
    resources: [
      'envoyproxies',
      'backendtrafficpolicies',
      'clienttrafficpolicies',
      'securitypolicies',
      'httproutefilters',
    ],
    verbs: READ,
  },
  { apiGroups: ['metallb.io'], resources: ['ipaddresspools', 'l2advertisements'], verbs: READ },
  { apiGroups: ['operator.tigera.io'], resources: ['installations'], verbs: READ },
  { apiGroups: ['monitoring.coreos.com'], resources: ['prometheuses', 'alertmanagers'], verbs: READ },
  { apiGroups: ['apiregistration.k8s.io'], resources: ['apiservices'], verbs: READ },
];

// The platform's five roles (seed 004: custom roles and audit). Pure data: the Terraform
// stack turns each into a ClusterRole and binds it to the groups an environment names.

/** Platform administrators: everything, cluster-wide. */
export const PLATFORM_ADMIN: PlatformRole = {
  name: 'platform:platform-admin',
  description: 'Platform administrators: every verb on every resource, cluster-wide.',
  rules: [
    { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
    { nonResourceURLs: ['*'], verbs: ['*'] },
  ],
};

/** Team developers, bound per namespace: read workloads and their logs, restart and scale workloads, run Jobs; never Secrets (they come from outside the blueprint). */
export const TEAM_DEVELOPER: PlatformRole = {
  name: 'platform:team-developer',
  description:
    'Team developers, bound per namespace: read workloads and logs, restart and scale, run Jobs; no Secrets.',
  rules: [
    ...WORKLOAD_READ,
    { apiGroups: [''], resources: ['pods/log'], verbs: READ },
    { apiGroups: [''], resources: ['pods'], verbs: ['delete'] },
    {
      apiGroups: ['apps'],
      resources: ['deployments', 'statefulsets', 'deployments/scale', 'statefulsets/scale'],
      verbs: ['patch', 'update'],
    },
    { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'delete'] },
  ],
};

/** Read-only viewers: workloads, no logs, no Secrets. */
export const VIEWER: PlatformRole = {
  name: 'platform:viewer',
  description:
    'Read-only viewers: workloads, routes, autoscalers and monitoring objects; no logs, no Secrets.',
  rules: [...WORKLOAD_READ, ...CLUSTER_READ],
};

/**
 * On-call engineers of a team, bound per namespace of that team only: read workloads and logs,
 * exec into pods (`create`, and `get`: an exec over WebSocket, kubectl's default from 1.30,
 * arrives as a GET and is authorized by that verb), delete pods, scale Deployments and StatefulSets. Never Secrets, no
 * attach or port-forward, no other change to a workload's spec.
 */
export const ON_CALL: PlatformRole = {
  name: 'platform:on-call',
  description:
    "On-call engineers, bound in their team's namespaces only: read workloads and logs, exec into pods, delete pods, scale; no Secrets.",
  rules: [
    ...WORKLOAD_READ,
    { apiGroups: [''], resources: ['pods/log'], verbs: READ },
    { apiGroups: [''], resources: ['pods/exec'], verbs: ['create', 'get'] },
    { apiGroups: [''], resources: ['pods'], verbs: ['delete'] },
    {
      apiGroups: ['apps'],
      resources: ['deployments/scale', 'statefulsets/scale'],
      verbs: ['get', 'patch', 'update'],
    },
  ],
};

/** Auditors: read every configuration object, RBAC and admission included, never Secrets. */
export const AUDITOR: PlatformRole = {
  name: 'platform:auditor',
  description:
    'Auditors: read every configuration object, RBAC, admission and policy included, cluster-wide; never Secret contents, logs or exec.',
  rules: [
    ...WORKLOAD_READ,
    ...CLUSTER_READ,
    ...ADDON_CONFIG_READ,
    {
      apiGroups: [''],
      resources: ['persistentvolumes', 'componentstatuses'],
      verbs: READ,
    },
    {
      apiGroups: ['rbac.authorization.k8s.io'],
      resources: ['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings'],
      verbs: READ,
    },
    {
      apiGroups: ['admissionregistration.k8s.io'],
      resources: [
        'validatingwebhookconfigurations',
        'mutatingwebhookconfigurations',
        'validatingadmissionpolicies',
        'validatingadmissionpolicybindings',
      ],
      verbs: READ,
    },
    { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: READ },
    { apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests'], verbs: READ },
    {
      apiGroups: ['storage.k8s.io'],
      resources: ['csidrivers', 'csinodes', 'volumeattachments'],
      verbs: READ,
    },
    {
      apiGroups: ['flowcontrol.apiserver.k8s.io'],
      resources: ['flowschemas', 'prioritylevelconfigurations'],
      verbs: READ,
    },
    { apiGroups: ['node.k8s.io'], resources: ['runtimeclasses'], verbs: READ },
    { nonResourceURLs: ['/version', '/healthz', '/readyz', '/livez'], verbs: ['get'] },
  ],
};

/** All five, in a stable order. */
export const PLATFORM_ROLES: readonly PlatformRole[] = [
  PLATFORM_ADMIN,
  TEAM_DEVELOPER,
  VIEWER,
  AUDITOR,
  ON_CALL,
];

/** The verbs `role` grants on `resource` of `apiGroup` (resource rules only). */
export function roleVerbs(role: PlatformRole, apiGroup: string, resource: string): string[] {
  const verbs = new Set<string>();
  for (const rule of role.rules) {
    if (!rule.resources || !rule.apiGroups) continue;
    const groupMatches = rule.apiGroups.includes('*') || rule.apiGroups.includes(apiGroup);
    const resourceMatches = rule.resources.includes('*') || rule.resources.includes(resource);
    if (groupMatches && resourceMatches) for (const verb of rule.verbs) verbs.add(verb);
  }
  return [...verbs].sort();
}
