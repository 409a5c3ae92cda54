import { stringify } from 'yaml';
import { ValidationError } from '../core/validation-error';
import type { KubeadmHostPathMount } from '../kubeadm/kubeadm-api';

/**
 * kube-apiserver's audit levels (audit.k8s.io/v1): `None` logs nothing, `Metadata` who did what
 * to which object (no bodies), `Request` also the request body, `RequestResponse` also the
 * response body.
 */
export const AUDIT_LEVELS = ['None', 'Metadata', 'Request', 'RequestResponse'] as const;
export type AuditLevel = (typeof AUDIT_LEVELS)[number];

/** The stages of a request an audit event can be written at. */
export const AUDIT_STAGES = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'] as const;
export type AuditStage = (typeof AUDIT_STAGES)[number];

/** The request verbs an audit rule can name. */
export const AUDIT_VERBS = [
  'get',
  'list',
  'watch',
  'create',
  'update',
  'patch',
  'delete',
  'deletecollection',
] as const;
export type AuditVerb = (typeof AUDIT_VERBS)[number];

/** One API group and some (or all) of its resources, as in a policy rule's `resources`. */
export interface AuditGroupResources {
  /** API group; `''` is the core group. */
  readonly group: string;
  /** Resources, subresources (`pods/log`) or wildcards (`*`, `pods/*`, `*\/scale`). @default - every resource of the group */
  readonly resources?: readonly string[];
}

/** One rule of an audit policy; the first rule that matches a request decides its level. */
export interface AuditPolicyRule {
  /** The level of the requests the rule matches. */
  readonly level: AuditLevel;
  /** Resource groups the rule matches. @default - every resource request (or none, with nonResourceURLs) */
  readonly resources?: readonly AuditGroupResources[];
  /** Non-resource URLs (`/healthz*`); exclusive with resources and namespaces. @default - none */
  readonly nonResourceURLs?: readonly string[];
  /** Verbs the rule matches. @default - every verb */
  readonly verbs?: readonly AuditVerb[];
  /** Namespaces the rule matches (`''` for cluster-scoped objects). @default - every namespace */
  readonly namespaces?: readonly string[];
  /** User names the rule matches. @default - every user */
  readonly users?: readonly string[];
  /** Groups the rule matches. @default - every group */
  readonly userGroups?: readonly string[];
  /** Stages not logged for this rule's requests, besides the policy's. @default - none */
  readonly omitStages?: readonly AuditStage[];
}

/**
 * Resources whose bodies hold credentials: Secrets, ConfigMaps (kubeconfigs and keys end up in
 * them), service account tokens (`serviceaccounts/token`, the TokenRequest API) and token
 * reviews. {@link AuditPolicy} logs every request on them at `Metadata`, whoever makes it, in a
 * rule ahead of all others: the log says who read or changed which one, never the content.
 */
export const SENSITIVE_RESOURCES: readonly AuditGroupResources[] = [
  { group: '', resources: ['secrets', 'configmaps', 'serviceaccounts/token'] },
  { group: 'authentication.k8s.io', resources: ['tokenreviews'] },
];

/** Whether `resource` of `group` is one of {@link SENSITIVE_RESOURCES}, named as such. */
export function isSensitiveResource(group: string, resource: string): boolean {
  return SENSITIVE_RESOURCES.some(
    (entry) => entry.group === group && (entry.resources ?? []).includes(resource),
  );
}

/** The system components whose read-only requests are not logged (users). */
export const SYSTEM_READERS = [
  'system:apiserver',
  'system:kube-controller-manager',
  'system:kube-proxy',
  'system:kube-scheduler',
] as const;
/** ... and groups: the kubelets and the kube-system service accounts (the controllers, CoreDNS). */
export const SYSTEM_READER_GROUPS = ['system:nodes', 'system:serviceaccounts:kube-system'] as const;

/**
 * The rules every policy starts with, in order: sensitive resources at Metadata; read-only
 * requests of the system components, their lease heartbeats and health probes at None.
 */
export const BUILT_IN_AUDIT_RULES: readonly AuditPolicyRule[] = [
  { level: 'Metadata', resources: SENSITIVE_RESOURCES },
  { level: 'None', verbs: ['get', 'list', 'watch'], users: SYSTEM_READERS },
  { level: 'None', verbs: ['get', 'list', 'watch'], userGroups: SYSTEM_READER_GROUPS },
  {
    level: 'None',
    verbs: ['update', 'patch'],
    resources: [{ group: 'coordination.k8s.io', resources: ['leases'] }],
    users: SYSTEM_READERS,
  },
  {
    level: 'None',
    verbs: ['update', 'patch'],
    resources: [{ group: 'coordination.k8s.io', resources: ['leases'] }],
    userGroups: SYSTEM_READER_GROUPS,
  },
  { level: 'None', nonResourceURLs: ['/healthz*', '/livez*', '/readyz*', '/version', '/metrics'] },
];

/** Where the policy goes on each master, and the directory kube-apiserver mounts it from. */
export const AUDIT_POLICY_PATH = '/etc/kubernetes/audit/policy.yaml';
/** Where kube-apiserver writes the audit log on each master (the log collector reads it there). */
export const AUDIT_LOG_PATH = '/var/log/kubernetes/audit/audit.log';
/** The policy's file name under `hosts/<master>/`. */
export const AUDIT_POLICY_HOST_FILE = 'audit-policy.yaml';

/** Rotation of the audit log. */
export interface AuditLogRotation {
  /** Days a rotated file is kept (`--audit-log-maxage`). */
  readonly maxAgeDays: number;
  /** Rotated files kept (`--audit-log-maxbackup`). */
  readonly maxBackups: number;
  /** Size in megabytes at which the log rotates (`--audit-log-maxsize`). */
  readonly maxSizeMegabytes: number;
}

/** Props of {@link AuditPolicy}. */
export interface AuditPolicyProps {
  /** Rules after {@link BUILT_IN_AUDIT_RULES}, in order. */
  readonly rules: readonly AuditPolicyRule[];
  /** Level of requests no rule matches (a last rule without conditions). */
  readonly defaultLevel: AuditLevel;
  /** Stages never logged. */
  readonly omitStages: readonly AuditStage[];
  /** Rotation of the log file. */
  readonly log: AuditLogRotation;
}

const GROUP = /^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const RESOURCE = /^(\*|[a-z][a-z0-9-]*)(\/(\*|[a-z][a-z0-9-]*))?$/;

function dirname(file: string): string {
  return file.slice(0, file.lastIndexOf('/'));
}

/**
 * kube-apiserver's audit policy (audit.k8s.io/v1 `Policy`) as a host file, and the flags and
 * mounts that make kube-apiserver use it. The rules are the built-in ones
 * ({@link BUILT_IN_AUDIT_RULES}: credentials at Metadata, system reads and heartbeats at None),
 * then `rules`, then a catch-all at `defaultLevel`. Refuses a rule that names a sensitive resource
 * at any level but Metadata (it would never apply, the built-in rule comes first). Pure renderer.
 */
export class AuditPolicy {
  private readonly props: AuditPolicyProps;

  constructor(props: AuditPolicyProps) {
    const check = (ok: boolean, what: string, value: unknown, allowed: string) => {
      if (!ok)
        throw new ValidationError(`AuditPolicy: ${what} (${JSON.stringify(value)}) must be ${allowed}`);
    };
    const levels: readonly string[] = AUDIT_LEVELS;
    const stages: readonly string[] = AUDIT_STAGES;
    check(levels.includes(props.defaultLevel), "'defaultLevel'", props.defaultLevel, AUDIT_LEVELS.join(', '));
    for (const stage of props.omitStages)
      check(stages.includes(stage), "'omitStages'", stage, AUDIT_STAGES.join(', '));
    props.rules.forEach((rule, index) => {
      const at = `'rules[${index}]'`;
      check(levels.includes(rule.level), `${at}.level`, rule.level, AUDIT_LEVELS.join(', '));
      check(
        (rule.resources ?? []).length > 0,
        `${at}.resources`,
        rule.resources ?? [],
        'at least one API group',
      );
      for (const stage of rule.omitStages ?? [])
        check(stages.includes(stage), `${at}.omitStages`, stage, AUDIT_STAGES.join(', '));
      for (const entry of rule.resources ?? []) {
        check(GROUP.test(entry.group), `${at} group`, entry.group, '"" or an API group name');
        for (const resource of entry.resources ?? []) {
          check(RESOURCE.test(resource), `${at} resource`, resource, 'a resource, subresource or wildcard');
          check(
            rule.level === 'Metadata' || !isSensitiveResource(entry.group, resource),
            `${at} resource`,
            resource,
            `left out of a ${rule.level} rule: it is always audited at Metadata`,
          );
        }
      }
    });
    const { maxAgeDays, maxBackups, maxSizeMegabytes } = props.log;
    for (const [name, value] of Object.entries({ maxAgeDays, maxBackups, maxSizeMegabytes }))
      check(Number.isInteger(value) && value >= 1, `'log.${name}'`, value, 'a whole number >= 1');
    this.props = props;
  }

  /** Every rule of the policy, in the order kube-apiserver tries them. */
  get rules(): readonly AuditPolicyRule[] {
    return [...BUILT_IN_AUDIT_RULES, ...this.props.rules, { level: this.props.defaultLevel }];
  }

  /** The Policy as plain data. */
  toJson(): Record<string, unknown> {
    return {
      apiVersion: 'audit.k8s.io/v1',
      kind: 'Policy',
      omitStages: [...this.props.omitStages],
      // managedFields say which manager owns which field: noise next to the object itself.
      omitManagedFields: true,
      rules: this.rules.map((rule) => {
        const out: Record<string, unknown> = { level: rule.level };
        if (rule.users) out.users = [...rule.users];
        if (rule.userGroups) out.userGroups = [...rule.userGroups];
        if (rule.verbs) out.verbs = [...rule.verbs];
        if (rule.resources)
          out.resources = rule.resources.map((entry) => ({
            group: entry.group,
            ...(entry.resources ? { resources: [...entry.resources] } : {}),
          }));
        if (rule.nonResourceURLs) out.nonResourceURLs = [...rule.nonResourceURLs];
        if (rule.namespaces) out.namespaces = [...rule.namespaces];
        if (rule.omitStages) out.omitStages = [...rule.omitStages];
        return out;
      }),
    };
  }

  /** The host file's text: a header, then the Policy. */
  render(environment: string): string {
    return [
      `# kube-apiserver's audit policy of ${environment}, at ${AUDIT_POLICY_PATH} on every master (docs/audit.md).`,
      '# The first matching rule decides: credentials at Metadata, system reads at None, then the',
      "# environment's controlPlane.audit.rules, then controlPlane.audit.defaultLevel.",
      '# Generated by platform-blueprint; edit the environment and run `blueprint synth` instead.',
      stringify(this.toJson(), { lineWidth: 0, aliasDuplicateObjects: false }),
    ].join('\n');
  }

  /**
   * kube-apiserver's audit flags (names without dashes), for the policy and log at the given
   * paths: the masters' fixed paths by default, a rehearsal's own files otherwise.
   */
  apiServerArgs(
    paths: { readonly policyFile: string; readonly logFile: string } = {
      policyFile: AUDIT_POLICY_PATH,
      logFile: AUDIT_LOG_PATH,
    },
  ): Record<string, string> {
    const { log } = this.props;
    return {
      'audit-policy-file': paths.policyFile,
      'audit-log-path': paths.logFile,
      'audit-log-format': 'json',
      'audit-log-maxage': String(log.maxAgeDays),
      'audit-log-maxbackup': String(log.maxBackups),
      'audit-log-maxsize': String(log.maxSizeMegabytes),
    };
  }

  /**
   * The host paths kube-apiserver's static pod mounts: the policy's directory read-only (a
   * replaced file is seen on the next start) and the log's directory, both created when missing.
   */
  apiServerVolumes(): KubeadmHostPathMount[] {
    return [
      {
        name: 'audit-policy',
        hostPath: dirname(AUDIT_POLICY_PATH),
        mountPath: dirname(AUDIT_POLICY_PATH),
        readOnly: true,
        pathType: 'DirectoryOrCreate',
      },
      {
        name: 'audit-log',
        hostPath: dirname(AUDIT_LOG_PATH),
        mountPath: dirname(AUDIT_LOG_PATH),
        readOnly: false,
        pathType: 'DirectoryOrCreate',
      },
    ];
  }
}
