import { LimitRangeV1 } from '@cdktf/provider-kubernetes/lib/limit-range-v1';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { ResourceQuotaV1 } from '@cdktf/provider-kubernetes/lib/resource-quota-v1';
import { RoleBindingV1 } from '@cdktf/provider-kubernetes/lib/role-binding-v1';
import type { TerraformResource } from 'cdktf';
import { Construct } from 'constructs';
import { MANAGED_BY_LABELS } from '../labels';

/** Terraform resource names allow letters, digits, `_` and `-`; keep them readable and stable. */
export function tfName(...parts: string[]): string {
  return parts.join('_').replace(/[^A-Za-z0-9_-]/g, '_');
}

/** CPU and memory of one container, as Kubernetes quantities. */
export interface TeamContainerResources {
  readonly cpu: string;
  readonly memory: string;
}

/** The namespace's ResourceQuota: the most the namespace may request and use in total. */
export interface TeamQuota {
  readonly requestsCpu: string;
  readonly requestsMemory: string;
  readonly limitsCpu: string;
  readonly limitsMemory: string;
  readonly pods: number;
  readonly services: number;
  readonly loadBalancers: number;
  readonly persistentVolumeClaims: number;
  readonly requestsStorage: string;
}

/** The namespace's LimitRange: defaults for containers that say nothing, and a ceiling. */
export interface TeamLimitRange {
  readonly defaultRequest: TeamContainerResources;
  readonly defaultLimit: TeamContainerResources;
  readonly max: TeamContainerResources;
}

/** Groups bound to one ClusterRole inside the namespace (a RoleBinding). */
export interface TeamRoleBinding {
  /** The ClusterRole, e.g. `platform:team-developer`. */
  readonly clusterRole: string;
  /** The RoleBinding's short name in Terraform addresses, e.g. `team-developer`. */
  readonly key: string;
  /** Identity-provider groups bound; no RoleBinding is written when empty. */
  readonly groups: readonly string[];
}

/** Props of {@link TeamNamespace}. */
export interface TeamNamespaceProps {
  /** The namespace's name (a DNS label). */
  readonly name: string;
  /** Every label of the namespace: team, Pod Security Admission and the user's own. */
  readonly labels: Readonly<Record<string, string>>;
  readonly quota: TeamQuota;
  readonly limitRange: TeamLimitRange;
  /** RoleBindings of the team's groups, in order. @default [] */
  readonly roleBindings?: readonly TeamRoleBinding[];
}

/**
 * A team's namespace as Terraform resources: the Namespace, its ResourceQuota
 * (`platform-quota`), its LimitRange (`platform-limits`) and one RoleBinding per bound
 * ClusterRole. Everything but the Namespace references the Namespace's name, so Terraform
 * creates the namespace first.
 *
 * Terraform addresses are API (renaming one destroys and recreates it), so they do not depend
 * on where the construct sits in the tree: `namespace_<name>`, `resource_quota_<name>`,
 * `limit_range_<name>`, `role_binding_<name>_<key>`.
 */
export class TeamNamespace extends Construct {
  /** The Namespace resource; reference `namespace.metadata.name` to order after it. */
  public readonly namespace: NamespaceV1;

  constructor(scope: Construct, id: string, props: TeamNamespaceProps) {
    super(scope, id);
    const { name, quota, limitRange } = props;
    this.namespace = stable(
      new NamespaceV1(this, 'namespace', { metadata: { name, labels: { ...props.labels } } }),
      tfName('namespace', name),
    );
    const inNamespace = (objectName: string) => ({
      name: objectName,
      namespace: this.namespace.metadata.name,
      labels: { ...MANAGED_BY_LABELS },
    });
    stable(
      new ResourceQuotaV1(this, 'quota', {
        metadata: inNamespace('platform-quota'),
        spec: {
          hard: {
            'requests.cpu': quota.requestsCpu,
            'requests.memory': quota.requestsMemory,
            'limits.cpu': quota.limitsCpu,
            'limits.memory': quota.limitsMemory,
            pods: String(quota.pods),
            services: String(quota.services),
            'services.loadbalancers': String(quota.loadBalancers),
            persistentvolumeclaims: String(quota.persistentVolumeClaims),
            'requests.storage': quota.requestsStorage,
          },
        },
      }),
      tfName('resource_quota', name),
    );
    stable(
      new LimitRangeV1(this, 'limits', {
        metadata: inNamespace('platform-limits'),
        spec: {
          limit: [
            {
              type: 'Container',
              defaultRequest: { ...limitRange.defaultRequest },
              default: { ...limitRange.defaultLimit },
              max: { ...limitRange.max },
            },
          ],
        },
      }),
      tfName('limit_range', name),
    );
    for (const binding of props.roleBindings ?? []) {
      if (binding.groups.length === 0) continue;
      stable(
        new RoleBindingV1(this, `binding-${binding.key}`, {
          metadata: inNamespace(binding.clusterRole),
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: binding.clusterRole },
          subject: groupSubjects(binding.groups),
        }),
        tfName('role_binding', name, binding.key),
      );
    }
  }
}

/** RBAC subjects for identity-provider groups. */
export function groupSubjects(groups: readonly string[]) {
  return groups.map((name) => ({ kind: 'Group', name, apiGroup: 'rbac.authorization.k8s.io' }));
}

/** Gives `resource` the Terraform address `name` wherever it sits in the construct tree. */
function stable<T extends TerraformResource>(resource: T, name: string): T {
  resource.overrideLogicalId(name);
  return resource;
}
