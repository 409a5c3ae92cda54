import { z } from 'zod';
import { dnsLabel, dnsSubdomain } from './common';

/**
 * A group name as the cluster's authenticator reports it (OIDC `groups` claim, LDAP group,
 * the O= of a client certificate), e.g. `platform-admins` or `oidc:vehicle-developers`.
 */
export const groupName = z
  .string({ error: 'must be a string naming a group' })
  .max(256, { error: 'is longer than 256 characters' })
  .regex(/^[^\s\p{C}](?:[^\p{C}]*[^\s\p{C}])?$/u, {
    error: 'is not a group name (no leading or trailing spaces, no control characters)',
  })
  .refine((value) => !value.startsWith('system:'), {
    error: 'is a reserved Kubernetes group ("system:" groups are managed by Kubernetes itself)',
  });

/** Cluster-wide groups per role. */
export const tenancyGroups = z
  .strictObject({
    platformAdmins: z
      .array(groupName)
      .default([])
      .describe('Groups bound cluster-wide to `platform:platform-admin` (everything). @default []'),
    viewers: z
      .array(groupName)
      .default([])
      .describe(
        'Groups bound cluster-wide to the read-only `platform:viewer` role (no Secrets, no RBAC). @default []',
      ),
    auditors: z
      .array(groupName)
      .default([])
      .describe(
        'Groups bound cluster-wide to `platform:auditor`: read every object including RBAC, policies and events, never Secret contents. @default []',
      ),
  })
  .describe(
    'Groups given cluster-wide roles. Team developers are bound per namespace (`namespaces[].groups`).',
  );
export type TenancyGroupsSpec = z.infer<typeof tenancyGroups>;

/** The on-call groups of one team: bound to `platform:on-call` in every namespace of that team. */
export const onCallTeam = z.strictObject({
  team: dnsLabel.describe(
    'Team whose namespaces the groups are on call for: every namespace whose `team` (default: its name) is this.',
  ),
  groups: z
    .array(groupName)
    .min(1, { error: 'must name at least one group' })
    .describe(
      'Groups bound to `platform:on-call` in each namespace of the team: read, logs, exec into pods, delete pods, scale; no Secrets.',
    ),
});
export type OnCallTeamSpec = z.infer<typeof onCallTeam>;

/** Kubernetes reserves values above one billion for system-node-critical and system-cluster-critical. */
const MAX_USER_PRIORITY = 1_000_000_000;

function priorityClass(what: string, name: string, value: number) {
  return z
    .strictObject({
      name: dnsSubdomain
        .refine((candidate) => !candidate.startsWith('system-'), {
          error: 'is reserved ("system-" priority classes belong to Kubernetes)',
        })
        .default(name)
        .describe(`Name of the PriorityClass for ${what}. @default ${name}`),
      value: z
        .number({ error: 'must be a number' })
        .int({ error: 'must be a whole number' })
        .min(-2_147_483_648, { error: 'must be at least -2147483648' })
        .max(MAX_USER_PRIORITY, {
          error: `must be at most ${MAX_USER_PRIORITY} (higher values are reserved for system-critical pods)`,
        })
        .default(value)
        .describe(`Scheduling priority; higher preempts lower. @default ${value}`),
    })
    .prefault({});
}

/** The two priority classes: platform components preempt business workloads, never the reverse. */
export const priorityClasses = z
  .strictObject({
    platform: priorityClass(
      'platform components (gateway, monitoring, operators)',
      'platform',
      100000,
    ).describe(
      'PriorityClass of platform components; preempts business workloads. @default { name: platform, value: 100000 }',
    ),
    business: priorityClass('business workloads', 'business', 1000).describe(
      'PriorityClass of business workloads; the global default, so pods that name none get it. @default { name: business, value: 1000 }',
    ),
  })
  .describe('PriorityClasses for platform versus business workloads.');
export type PriorityClassesSpec = z.infer<typeof priorityClasses>;

/** Who may do what in the cluster, and how workloads are prioritized. */
export const tenancy = z
  .strictObject({
    groups: tenancyGroups.prefault({}).describe('Groups given cluster-wide roles. @default no groups'),
    onCall: z
      .array(onCallTeam)
      .default([])
      .describe(
        "On-call groups per team, bound to `platform:on-call` in that team's namespaces only (docs/guardrails.md). @default []",
      ),
    priorityClasses: priorityClasses
      .prefault({})
      .describe(
        'PriorityClasses for platform versus business workloads. @default platform 100000, business 1000',
      ),
  })
  .describe('Cluster-wide tenancy: RBAC groups per role, on-call groups per team and priority classes.');
export type TenancySpec = z.infer<typeof tenancy>;
