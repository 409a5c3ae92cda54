import { z } from 'zod';
import {
  AUDIT_LEVELS,
  AUDIT_STAGES,
  AUDIT_VERBS,
  isSensitiveResource,
} from '../../constructs/control-plane/audit-policy';
import { dnsLabel } from './common';

const level = z.enum(AUDIT_LEVELS, { error: `must be one of ${AUDIT_LEVELS.join(', ')}` });
const stages = z
  .array(z.enum(AUDIT_STAGES, { error: `must be one of ${AUDIT_STAGES.join(', ')}` }))
  .refine((list) => new Set(list).size === list.length, { error: 'names a stage twice' });

/** `secrets`, `pods/log`, `*`, `*\/scale`, `deployments/*`: what an audit rule's `resources` takes. */
const resourceName = z
  .string({ error: 'must be a string naming a resource' })
  .regex(/^(\*|[a-z][a-z0-9-]*)(\/(\*|[a-z][a-z0-9-]*))?$/, {
    error:
      'is not a resource name (a lowercase plural such as secrets, a subresource such as pods/log, * or */scale)',
  });

/** A user name as the authenticator reports it, e.g. `system:serviceaccount:ns:name` or `alice@example.com`. */
const principal = z
  .string({ error: 'must be a string naming a user or group' })
  .max(256, { error: 'is longer than 256 characters' })
  .regex(/^[^\s\p{C}](?:[^\p{C}]*[^\s\p{C}])?$/u, {
    error: 'is not a user or group name (no leading or trailing spaces, no control characters)',
  });

/** One API group and some (or all) of its resources, as in an audit rule's `resources`. */
export const auditGroupResources = z.strictObject({
  group: z
    .string({ error: 'must be a string naming an API group ("" for the core group)' })
    .max(253, { error: 'is longer than 253 characters' })
    .regex(/^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, {
      error: 'must be "" (the core group) or an API group such as apps or rbac.authorization.k8s.io',
    })
    .describe(
      'API group: `""` is the core group (pods, secrets, …), e.g. `apps`, `rbac.authorization.k8s.io`.',
    ),
  resources: z
    .array(resourceName)
    .optional()
    .describe(
      'Resources of the group, e.g. `[deployments, deployments/scale]`; `*` is every resource and ' +
        'subresource, `pods/*` every subresource of pods, `*/scale` that subresource of every resource. ' +
        '@default - every resource of the group',
    ),
});
export type AuditGroupResourcesSpec = z.infer<typeof auditGroupResources>;

/** One rule of the environment's audit policy; the first rule that matches a request decides its level. */
export const auditRule = z
  .strictObject({
    level: level.describe(
      'Audit level of the requests this rule matches: None, Metadata, Request or RequestResponse.',
    ),
    resources: z
      .array(auditGroupResources)
      .min(1, { error: 'must name at least one API group' })
      .describe('API groups and resources the rule matches.'),
    verbs: z
      .array(z.enum(AUDIT_VERBS, { error: `must be one of ${AUDIT_VERBS.join(', ')}` }))
      .optional()
      .describe(`Request verbs the rule matches (${AUDIT_VERBS.join(', ')}). @default - every verb`),
    namespaces: z
      .array(z.union([z.literal(''), dnsLabel]))
      .optional()
      .describe(
        'Namespaces the rule matches; `""` matches cluster-scoped objects. @default - every namespace and cluster-scoped objects',
      ),
    users: z
      .array(principal)
      .optional()
      .describe(
        'User names the rule matches, e.g. `system:serviceaccount:monitoring:prometheus`. @default - every user',
      ),
    userGroups: z
      .array(principal)
      .optional()
      .describe('Groups the rule matches (any one of them). @default - every group'),
    omitStages: stages
      .optional()
      .describe(
        'Stages not logged for requests of this rule, on top of controlPlane.audit.omitStages. @default - none',
      ),
  })
  .superRefine((rule, ctx) => {
    if (rule.level === 'Metadata') return;
    rule.resources.forEach((entry, i) => {
      (entry.resources ?? []).forEach((resource, j) => {
        if (!isSensitiveResource(entry.group, resource)) return;
        ctx.addIssue({
          code: 'custom',
          path: ['resources', i, 'resources', j],
          input: resource,
          message:
            `is always audited at Metadata (who did what to which object, never its content: a built-in rule ahead of these rules ` +
            `logs Secrets, ConfigMaps, service account tokens and token reviews); remove it from this ${rule.level} rule`,
        });
      });
    });
  });
export type AuditRuleSpec = z.infer<typeof auditRule>;

const WRITES = ['create', 'update', 'patch', 'delete', 'deletecollection'] as const;

/** The default rules, after the built-in ones (see {@link auditPolicy}). */
const DEFAULT_RULES: z.input<typeof auditRule>[] = [
  // Every controller writes Events; they expire after an hour and say nothing about who changed what.
  {
    level: 'None',
    resources: [
      { group: '', resources: ['events'] },
      { group: 'events.k8s.io', resources: ['events'] },
    ],
  },
  // Who granted what to whom, with the whole object before and after.
  { level: 'RequestResponse', resources: [{ group: 'rbac.authorization.k8s.io' }] },
  // Changes to workloads, networking and admission, with the request body.
  {
    level: 'Request',
    verbs: [...WRITES],
    resources: [
      { group: '' },
      { group: 'apps' },
      { group: 'batch' },
      { group: 'autoscaling' },
      { group: 'policy' },
      { group: 'networking.k8s.io' },
      { group: 'gateway.networking.k8s.io' },
      { group: 'admissionregistration.k8s.io' },
      { group: 'apiextensions.k8s.io' },
    ],
  },
];

/** Rotation of the audit log file on each master (kube-apiserver's `--audit-log-max*`). */
export const auditLog = z
  .strictObject({
    maxAgeDays: z
      .number({ error: 'must be a number of days' })
      .int({ error: 'must be a whole number of days' })
      .min(1, { error: 'must be between 1 and 3650 days' })
      .max(3650, { error: 'must be between 1 and 3650 days' })
      .default(30)
      .describe('Days a rotated audit log file is kept (`--audit-log-maxage`). @default 30'),
    maxBackups: z
      .number({ error: 'must be a number of files' })
      .int({ error: 'must be a whole number of files' })
      .min(1, { error: 'must be between 1 and 1000 files' })
      .max(1000, { error: 'must be between 1 and 1000 files' })
      .default(10)
      .describe('Rotated audit log files kept (`--audit-log-maxbackup`). @default 10'),
    maxSizeMegabytes: z
      .number({ error: 'must be a number of megabytes' })
      .int({ error: 'must be a whole number of megabytes' })
      .min(1, { error: 'must be between 1 and 10000 megabytes' })
      .max(10000, { error: 'must be between 1 and 10000 megabytes' })
      .default(100)
      .describe('Size in megabytes at which the audit log is rotated (`--audit-log-maxsize`). @default 100'),
  })
  .describe(
    'Rotation of /var/log/kubernetes/audit/audit.log on each master; at most (maxBackups + 1) × maxSizeMegabytes of disk.',
  );
export type AuditLogSpec = z.infer<typeof auditLog>;

/**
 * The API servers' audit policy (audit.k8s.io/v1 Policy), the same on every master. Built-in
 * rules come first and cannot be changed: Secrets, ConfigMaps, service account tokens and token
 * reviews at Metadata, whoever asks; then read-only traffic of the system components (kubelets,
 * kube-system service accounts, scheduler, controller manager, kube-proxy), lease heartbeats and
 * health probes at None. Then `rules` in order, then `defaultLevel` for everything else.
 */
export const auditPolicy = z
  .strictObject({
    defaultLevel: level.default('Metadata').describe('Level of requests no rule matches. @default Metadata'),
    omitStages: stages
      .default(['RequestReceived'])
      .describe(
        'Stages never logged (RequestReceived repeats what ResponseComplete says). @default [RequestReceived]',
      ),
    rules: z
      .array(auditRule)
      .default(DEFAULT_RULES)
      .describe(
        'Rules after the built-in ones, first match wins. @default events None; rbac.authorization.k8s.io ' +
          'RequestResponse; writes (create, update, patch, delete, deletecollection) in the core, apps, batch, ' +
          'autoscaling, policy, networking.k8s.io, gateway.networking.k8s.io, admissionregistration.k8s.io and ' +
          'apiextensions.k8s.io groups Request',
      ),
    log: auditLog
      .prefault({})
      .describe(
        'Rotation of the audit log. @default { maxAgeDays: 30, maxBackups: 10, maxSizeMegabytes: 100 }',
      ),
  })
  .describe(
    "The API servers' audit policy, written to /etc/kubernetes/audit/policy.yaml on every master; the log goes " +
      'to /var/log/kubernetes/audit/audit.log (docs/audit.md).',
  );
export type AuditPolicySpec = z.infer<typeof auditPolicy>;
