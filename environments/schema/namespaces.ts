import { z } from 'zod';
import { dnsLabel, labels, quantity } from './common';
import { groupName } from './tenancy';

/**
 * Pod Security Admission levels a namespace may enforce. `privileged` is deliberately not
 * offered: application namespaces are never privileged (host-level components run as the
 * control plane's static pods or in namespaces the blueprint does not manage).
 */
export const POD_SECURITY_LEVELS = ['restricted', 'baseline'] as const;
export type PodSecurityLevel = (typeof POD_SECURITY_LEVELS)[number];

/** The namespace's ResourceQuota: the most the namespace may request and use in total. */
export const namespaceQuota = z
  .strictObject({
    requestsCpu: quantity
      .default('8')
      .describe('Sum of CPU requests of all pods (`requests.cpu`). @default 8'),
    requestsMemory: quantity
      .default('16Gi')
      .describe('Sum of memory requests of all pods (`requests.memory`). @default 16Gi'),
    limitsCpu: quantity.default('16').describe('Sum of CPU limits of all pods (`limits.cpu`). @default 16'),
    limitsMemory: quantity
      .default('32Gi')
      .describe('Sum of memory limits of all pods (`limits.memory`). @default 32Gi'),
    pods: z
      .number()
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1' })
      .default(100)
      .describe('Most pods in the namespace. @default 100'),
    services: z
      .number()
      .int({ error: 'must be a whole number' })
      .min(0, { error: 'must be 0 or more' })
      .default(50)
      .describe('Most Services in the namespace. @default 50'),
    loadBalancers: z
      .number()
      .int({ error: 'must be a whole number' })
      .min(0, { error: 'must be 0 or more' })
      .default(0)
      .describe(
        'Most Services of type LoadBalancer (`services.loadbalancers`); traffic enters through the gateway. @default 0',
      ),
    persistentVolumeClaims: z
      .number()
      .int({ error: 'must be a whole number' })
      .min(0, { error: 'must be 0 or more' })
      .default(20)
      .describe('Most PersistentVolumeClaims in the namespace. @default 20'),
    requestsStorage: quantity
      .default('500Gi')
      .describe(
        'Sum of storage requested by all PersistentVolumeClaims (`requests.storage`). @default 500Gi',
      ),
  })
  .describe('ResourceQuota of the namespace.');
export type NamespaceQuotaSpec = z.infer<typeof namespaceQuota>;

/** CPU and memory of one container. */
const containerResources = (what: string, cpu: string, memory: string) =>
  z
    .strictObject({
      cpu: quantity.default(cpu).describe(`CPU ${what}. @default ${cpu}`),
      memory: quantity.default(memory).describe(`Memory ${what}. @default ${memory}`),
    })
    .prefault({});

/** The namespace's LimitRange: defaults for containers that say nothing, and a ceiling. */
export const namespaceLimitRange = z
  .strictObject({
    defaultRequest: containerResources('request of a container that sets none', '100m', '128Mi').describe(
      'Requests given to a container that sets none. @default { cpu: 100m, memory: 128Mi }',
    ),
    defaultLimit: containerResources('limit of a container that sets none', '500m', '512Mi').describe(
      'Limits given to a container that sets none. @default { cpu: 500m, memory: 512Mi }',
    ),
    max: containerResources('limit a single container may set at most', '4', '8Gi').describe(
      'The largest limits one container may set. @default { cpu: 4, memory: 8Gi }',
    ),
  })
  .describe('LimitRange of the namespace (per container).');
export type NamespaceLimitRangeSpec = z.infer<typeof namespaceLimitRange>;

/** Groups (from the cluster's authenticator: OIDC, LDAP, client certificates) bound in one namespace. */
export const namespaceGroups = z
  .strictObject({
    developers: z
      .array(groupName)
      .default([])
      .describe(
        'Groups bound to the `platform:team-developer` role in this namespace: manage workloads, read logs, no Secrets. @default []',
      ),
    viewers: z
      .array(groupName)
      .default([])
      .describe('Groups bound to the read-only `platform:viewer` role in this namespace. @default []'),
  })
  .describe('Groups given roles in this namespace.');
export type NamespaceGroupsSpec = z.infer<typeof namespaceGroups>;

/** A namespace the platform creates (in Terraform) for a team or an application. */
export const namespace = z.strictObject({
  name: dnsLabel.describe('Namespace name.'),
  team: dnsLabel
    .optional()
    .describe(
      'Team that owns the namespace; written as the `platform-blueprint.io/team` label. @default - the namespace name',
    ),
  podSecurity: z
    .enum(POD_SECURITY_LEVELS, { error: 'must be one of restricted, baseline' })
    .default('restricted')
    .describe(
      'Pod Security Admission level enforced in the namespace; audit and warn are always `restricted`. @default restricted',
    ),
  quota: namespaceQuota.prefault({}).describe('ResourceQuota of the namespace. @default the quota defaults'),
  limitRange: namespaceLimitRange
    .prefault({})
    .describe('LimitRange of the namespace. @default the limit range defaults'),
  groups: namespaceGroups.prefault({}).describe('Groups given roles in this namespace. @default no groups'),
  labels: labels.default({}).describe('Extra labels on the namespace. @default {}'),
});
export type NamespaceSpec = z.infer<typeof namespace>;

export const namespaces = z
  .array(namespace)
  .default([])
  .describe('Namespaces for teams and applications, created by Terraform. @default []');
