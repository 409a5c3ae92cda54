/**
 * Which changes replace a resource instead of updating it in place. Both tables match
 * normalized field paths (keys joined by dots, list items left out): an entry covers the
 * field and everything below it. docs/review-workflow.md prints these tables.
 */

/** A Kubernetes kind's immutable fields: `fields` may not change; with `onlyMutable`, nothing under `under` may change except those. */
export interface ImmutableRule {
  /** Immutable fields. @default - none listed one by one */
  readonly fields?: readonly string[];
  /** A subtree that is immutable except for `onlyMutable`. @default - none */
  readonly under?: string;
  /** The fields under `under` that may change. @default - none */
  readonly onlyMutable?: readonly string[];
  /** Applies only when the base object has `immutable: true` (ConfigMap, Secret). @default false */
  readonly whenImmutableFlag?: boolean;
}

/**
 * Kubernetes immutable fields by `group/Kind` (core kinds have an empty group). The API server
 * refuses to update these; the object must be deleted and created again ("needs replace").
 */
export const KUBERNETES_IMMUTABLE: Readonly<Record<string, ImmutableRule>> = {
  'apps/StatefulSet': {
    under: 'spec',
    onlyMutable: [
      'spec.replicas',
      'spec.template',
      'spec.updateStrategy',
      'spec.persistentVolumeClaimRetentionPolicy',
      'spec.minReadySeconds',
      'spec.ordinals',
    ],
  },
  'apps/Deployment': { fields: ['spec.selector'] },
  'apps/ReplicaSet': { fields: ['spec.selector'] },
  'apps/DaemonSet': { fields: ['spec.selector'] },
  'batch/Job': { fields: ['spec.selector', 'spec.template', 'spec.completionMode'] },
  '/Service': { fields: ['spec.clusterIP', 'spec.clusterIPs'] },
  '/PersistentVolumeClaim': {
    under: 'spec',
    onlyMutable: ['spec.resources.requests', 'spec.volumeAttributesClassName'],
  },
  '/PersistentVolume': {
    under: 'spec',
    onlyMutable: [
      'spec.capacity',
      'spec.claimRef',
      'spec.persistentVolumeReclaimPolicy',
      'spec.mountOptions',
      'spec.volumeAttributesClassName',
    ],
  },
  '/ConfigMap': { fields: ['data', 'binaryData', 'immutable'], whenImmutableFlag: true },
  '/Secret': { fields: ['data', 'stringData', 'type', 'immutable'], whenImmutableFlag: true },
  'storage.k8s.io/StorageClass': {
    fields: ['parameters', 'provisioner', 'reclaimPolicy', 'volumeBindingMode'],
  },
  'rbac.authorization.k8s.io/RoleBinding': { fields: ['roleRef'] },
  'rbac.authorization.k8s.io/ClusterRoleBinding': { fields: ['roleRef'] },
  'scheduling.k8s.io/PriorityClass': { fields: ['value', 'preemptionPolicy'] },
  'apiextensions.k8s.io/CustomResourceDefinition': { fields: ['spec.scope', 'spec.group'] },
};

/** Attributes of every kubernetes_* Terraform resource whose change forces a new resource. */
const TERRAFORM_COMMON_FORCE_NEW = ['metadata.name', 'metadata.namespace', 'metadata.generate_name'];

/**
 * Terraform attributes marked ForceNew in hashicorp/kubernetes, by resource type: changing
 * them makes `terraform apply` destroy the resource and create it again.
 */
export const TERRAFORM_FORCE_NEW: Readonly<Record<string, readonly string[]>> = {
  kubernetes_node_taint: ['metadata.name'],
  kubernetes_labels: ['api_version', 'kind', 'metadata.name', 'metadata.namespace'],
  kubernetes_annotations: ['api_version', 'kind', 'metadata.name', 'metadata.namespace'],
  kubernetes_storage_class: ['storage_provisioner', 'parameters', 'volume_binding_mode'],
  kubernetes_storage_class_v1: ['storage_provisioner', 'parameters', 'volume_binding_mode'],
  kubernetes_priority_class: ['value', 'preemption_policy'],
  kubernetes_priority_class_v1: ['value', 'preemption_policy'],
  kubernetes_role_binding: ['role_ref'],
  kubernetes_role_binding_v1: ['role_ref'],
  kubernetes_cluster_role_binding: ['role_ref'],
  kubernetes_cluster_role_binding_v1: ['role_ref'],
  kubernetes_service: ['spec.cluster_ip', 'spec.cluster_ips'],
  kubernetes_service_v1: ['spec.cluster_ip', 'spec.cluster_ips'],
  kubernetes_secret: ['type'],
  kubernetes_secret_v1: ['type'],
  kubernetes_persistent_volume_claim: [
    'spec.access_modes',
    'spec.selector',
    'spec.storage_class_name',
    'spec.volume_name',
  ],
  kubernetes_persistent_volume_claim_v1: [
    'spec.access_modes',
    'spec.selector',
    'spec.storage_class_name',
    'spec.volume_name',
  ],
  kubernetes_stateful_set: [
    'spec.selector',
    'spec.service_name',
    'spec.volume_claim_template',
    'spec.pod_management_policy',
  ],
  kubernetes_stateful_set_v1: [
    'spec.selector',
    'spec.service_name',
    'spec.volume_claim_template',
    'spec.pod_management_policy',
  ],
  kubernetes_deployment: ['spec.selector'],
  kubernetes_deployment_v1: ['spec.selector'],
  kubernetes_daemonset: ['spec.selector'],
  kubernetes_daemon_set_v1: ['spec.selector'],
  kubernetes_job: ['spec.selector', 'spec.template', 'spec.completion_mode'],
  kubernetes_job_v1: ['spec.selector', 'spec.template', 'spec.completion_mode'],
  kubernetes_manifest: [
    'manifest.apiVersion',
    'manifest.kind',
    'manifest.metadata.name',
    'manifest.metadata.namespace',
  ],
};

/**
 * Terraform attributes the provider updates in place although Kubernetes refuses the update:
 * `terraform apply` fails, and the resource must be replaced by hand (`terraform apply -replace`).
 */
export const TERRAFORM_UPDATE_REFUSED: Readonly<Record<string, readonly string[]>> = {
  kubernetes_storage_class: ['reclaim_policy'],
  kubernetes_storage_class_v1: ['reclaim_policy'],
};

/**
 * kubernetes_node_taint updates its taint list in place, but a new taint key or effect is a
 * different taint on the node: the old one is removed and the new one added.
 */
export const TERRAFORM_TAINT_REPLACED: Readonly<Record<string, readonly string[]>> = {
  kubernetes_node_taint: ['taint.key', 'taint.effect'],
};

function covers(entry: string, path: string): boolean {
  return path === entry || path.startsWith(`${entry}.`);
}

/** Whether `path`, or with `block` the whole block at `path`, falls under `entry`. */
function affects(entry: string, path: string, block: boolean): boolean {
  return covers(entry, path) || (block && entry.startsWith(`${path}.`));
}

/**
 * Why changing `path` of a Terraform resource of `type` replaces something, as a sentence; or
 * undefined. With `block`, `path` is a whole block added or removed (a taint), which counts
 * when a field inside it would.
 */
export function terraformReplacement(type: string, path: string, block = false): string | undefined {
  const common = type.startsWith('kubernetes_') ? TERRAFORM_COMMON_FORCE_NEW : [];
  const forceNew = [...(TERRAFORM_FORCE_NEW[type] ?? []), ...common].find((entry) =>
    affects(entry, path, block),
  );
  if (forceNew)
    return `${forceNew} forces replacement (ForceNew): terraform destroys the resource and creates it again`;
  const refused = TERRAFORM_UPDATE_REFUSED[type]?.find((entry) => affects(entry, path, block));
  if (refused)
    return `${refused} is immutable in Kubernetes: the in-place update fails; replace the resource (terraform apply -replace)`;
  const taint = TERRAFORM_TAINT_REPLACED[type]?.find((entry) => affects(entry, path, block));
  if (taint)
    return `${block && taint !== path ? path : taint} replaces the taint on the node: pods that tolerate only the old taint lose the node (NoExecute evicts them)`;
  return undefined;
}

/**
 * Why changing `path` of a Kubernetes object needs a replace, or undefined.
 * @param groupKind `apps/StatefulSet`, `/Service`
 * @param immutableFlag the base object's `immutable` field
 */
export function kubernetesReplacement(
  groupKind: string,
  path: string,
  immutableFlag: boolean,
  block = false,
): string | undefined {
  const rule = KUBERNETES_IMMUTABLE[groupKind];
  if (!rule || (rule.whenImmutableFlag && !immutableFlag)) return undefined;
  const field = rule.fields?.find((candidate) => affects(candidate, path, block));
  if (field)
    return `${field} is immutable${rule.whenImmutableFlag ? ' (immutable: true)' : ''}: delete and create the object again`;
  const under = rule.under;
  if (under && covers(under, path) && !rule.onlyMutable?.some((candidate) => covers(candidate, path))) {
    const mutable = (rule.onlyMutable ?? []).map((f) => f.slice(under.length + 1)).join(', ');
    return `${path} is immutable (only ${mutable} of ${under} may change): delete and create the object again`;
  }
  return undefined;
}

/** Kinds whose deletion loses data or everything inside them: a rename of one is destructive too. */
export const STATEFUL_KINDS = new Set([
  '/Namespace',
  '/PersistentVolumeClaim',
  '/PersistentVolume',
  'apps/StatefulSet',
  'apiextensions.k8s.io/CustomResourceDefinition',
]);
