import { createHash } from 'node:crypto';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ValidationError } from '../core/validation-error';
import type { PodPlacement } from '../scheduling/pod-placement';

/** A Kubernetes object as plain data (what an upstream manifest holds). */
export type PlainObject = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
};

/** Requests and limits of one container. */
export interface ContainerResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/** What the platform sets on an upstream workload's pods. */
export interface WorkloadSettings {
  /** Where the pods run. @default - the upstream placement */
  readonly placement?: PodPlacement;
  /** Tolerations instead of the upstream ones (added to the placement's). @default - the upstream ones */
  readonly tolerations?: readonly { key: string; operator: 'Exists'; effect?: string }[];
  /** priorityClassName of the pods. @default - the upstream one */
  readonly priorityClassName?: string;
  /** Resources by container name; containers without upstream resources need one. @default {} */
  readonly resources?: Readonly<Record<string, ContainerResources>>;
  /** Replicas of a Deployment. @default - the upstream count */
  readonly replicas?: number;
}

/** Props of {@link UpstreamObjects}. */
export interface UpstreamObjectsProps {
  /** The upstream objects, already selected; they are copied, never changed in place. */
  readonly objects: readonly PlainObject[];
  /** A registry mirror prefixed to every image (`mirror/quay.io/x:y`). @default - upstream registries */
  readonly imageRegistry?: string;
  /** Moves every object of one namespace to another (and the subjects that name it). @default {} */
  readonly namespaces?: Readonly<Record<string, string>>;
  /** Settings per workload, by `Kind/name`. */
  readonly workloads?: Readonly<Record<string, WorkloadSettings>>;
  /** Labels added to every object. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

const WORKLOAD_KINDS = new Set(['Deployment', 'DaemonSet', 'StatefulSet', 'Job']);

/**
 * Helm's install order (pkg/releaseutil/kind_sorter.go, InstallOrder): what a pod needs (its
 * ServiceAccount, Secrets, ConfigMaps, RBAC) before the workloads, so that an apply in file
 * order creates no pod that the API server refuses for a missing ServiceAccount. Other kinds
 * (custom resources, webhook configurations) follow, in their upstream order.
 */
const INSTALL_ORDER = [
  'PriorityClass',
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
];

/** The objects in {@link INSTALL_ORDER} (a stable sort: same kinds keep their order). */
export function inInstallOrder<T extends { kind: string }>(objects: readonly T[]): T[] {
  const rank = (kind: string) => {
    const index = INSTALL_ORDER.indexOf(kind);
    return index === -1 ? INSTALL_ORDER.length : index;
  };
  return [...objects].sort((a, b) => rank(a.kind) - rank(b.kind));
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** `registry/path:tag` behind a mirror: `mirror/registry/path:tag`. An image without a registry host is on docker.io. */
export function mirroredImage(image: string, mirror: string | undefined): string {
  if (mirror === undefined) return image;
  const first = image.split('/')[0] ?? '';
  const hasHost =
    image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  return `${mirror}/${hasHost ? image : `docker.io/${image.includes('/') ? image : `library/${image}`}`}`;
}

interface PodSpec {
  containers?: { name: string; image?: string; resources?: Record<string, unknown> }[];
  initContainers?: { name: string; image?: string; resources?: Record<string, unknown> }[];
  nodeSelector?: Record<string, string>;
  tolerations?: unknown[];
  priorityClassName?: string;
}

function podSpecOf(object: PlainObject): PodSpec | undefined {
  if (!WORKLOAD_KINDS.has(object.kind)) return undefined;
  const spec = object.spec as { template?: { spec?: PodSpec } } | undefined;
  return spec?.template?.spec;
}

/** Applies the platform's settings to one workload; throws when a named container is missing. */
function settle(object: PlainObject, settings: WorkloadSettings, where: string): void {
  const pod = podSpecOf(object);
  if (!pod) throw new ValidationError(`${where}: ${object.kind} has no pod template`);
  if (settings.placement) {
    pod.nodeSelector = { ...(pod.nodeSelector ?? {}), ...settings.placement.nodeSelector };
    pod.tolerations = settings.placement.tolerations.map((toleration) => ({ ...toleration }));
  }
  if (settings.tolerations)
    pod.tolerations = [
      ...(settings.placement?.tolerations ?? []).map((toleration) => ({ ...toleration })),
      ...settings.tolerations.map((toleration) => ({ ...toleration })),
    ];
  if (settings.priorityClassName !== undefined) pod.priorityClassName = settings.priorityClassName;
  const containers = [...(pod.containers ?? []), ...(pod.initContainers ?? [])];
  for (const [name, resources] of Object.entries(settings.resources ?? {})) {
    const container = containers.find((candidate) => candidate.name === name);
    if (!container) throw new ValidationError(`${where}: no container ${JSON.stringify(name)}`);
    container.resources = { requests: { ...resources.requests }, limits: { ...resources.limits } };
  }
  if (settings.replicas !== undefined) {
    if (object.kind !== 'Deployment')
      throw new ValidationError(`${where}: replicas apply to a Deployment only`);
    (object.spec as { replicas?: number }).replicas = settings.replicas;
  }
}

/** Helm's hook annotations mean nothing to kubectl; a rendered chart's objects drop them. */
function withoutHelmHooks(object: PlainObject): void {
  const annotations = object.metadata.annotations as Record<string, string> | undefined;
  if (!annotations) return;
  for (const key of Object.keys(annotations)) if (key.startsWith('helm.sh/')) delete annotations[key];
  if (Object.keys(annotations).length === 0) delete object.metadata.annotations;
}

/**
 * A chart's hook Job (Envoy Gateway's certgen) as a plain manifest: Helm runs it before each
 * install and upgrade and deletes it after (its TTL). Applied by the blueprint, a Job that
 * deletes itself would be created again by every deploy, and a Job's template cannot change.
 * So the Job keeps no TTL and its name carries a hash of its spec: it runs once per content,
 * stays (completed) while the content is the same, and a changed Job is a new one (the ApplySet
 * prunes the old).
 */
function runOnceJob(object: PlainObject): void {
  const spec = object.spec as Record<string, unknown>;
  delete spec.ttlSecondsAfterFinished;
  const hash = createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 8);
  object.metadata.name = `${object.metadata.name}-${hash}`;
}

/**
 * The objects of an upstream release (a vendored manifest or a rendered chart), as the platform
 * installs them: moved to the platform's namespaces, images behind the mirror, workloads placed
 * on their pools with the platform's priority classes and resources. Every workload the props
 * name must exist, so that an upstream change that renames one fails synthesis instead of
 * silently dropping a setting.
 */
export class UpstreamObjects extends Construct {
  /** The emitted objects, by `Kind/namespace/name`. */
  public readonly objects: ReadonlyMap<string, ApiObject>;

  constructor(scope: Construct, id: string, props: UpstreamObjectsProps) {
    super(scope, id);
    const moves = props.namespaces ?? {};
    const settled = new Set<string>();
    const objects = new Map<string, ApiObject>();
    for (const original of inInstallOrder(props.objects)) {
      const object = clone(original);
      const namespace = object.metadata.namespace;
      if (namespace !== undefined && moves[namespace] !== undefined)
        object.metadata.namespace = moves[namespace];
      for (const subject of (object.subjects as { namespace?: string }[] | undefined) ?? []) {
        if (subject.namespace !== undefined && moves[subject.namespace] !== undefined)
          subject.namespace = moves[subject.namespace];
      }
      object.metadata.labels = { ...(object.metadata.labels ?? {}), ...(props.labels ?? {}) };
      const key = `${object.kind}/${object.metadata.name}`;
      const settings = props.workloads?.[key];
      if (settings) {
        settle(object, settings, `${id}: ${key}`);
        settled.add(key);
      }
      withoutHelmHooks(object);
      if (object.kind === 'Job') runOnceJob(object);
      const pod = podSpecOf(object);
      for (const container of [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])]) {
        if (container.image !== undefined)
          container.image = mirroredImage(container.image, props.imageRegistry);
      }
      const { apiVersion, kind, metadata, ...rest } = object;
      const where = `${kind}/${metadata.namespace ?? ''}/${metadata.name}`;
      if (objects.has(where)) throw new ValidationError(`${id}: ${where} appears twice`);
      objects.set(where, new ApiObject(this, where, { apiVersion, kind, metadata, ...rest }));
    }
    // A Deployment that runs more than one replica keeps one serving through node drains,
    // unless the release ships its own budget.
    const budgets = new Set(
      props.objects.filter((o) => o.kind === 'PodDisruptionBudget').map((o) => o.metadata.namespace ?? ''),
    );
    for (const [where, object] of objects) {
      const data = object.toJson() as PlainObject & { spec?: { replicas?: number; selector?: unknown } };
      if (
        data.kind !== 'Deployment' ||
        (data.spec?.replicas ?? 1) < 2 ||
        budgets.has(data.metadata.namespace ?? '')
      )
        continue;
      new ApiObject(this, `${where}/budget`, {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: {
          name: data.metadata.name,
          namespace: data.metadata.namespace,
          labels: { ...(props.labels ?? {}) },
        },
        spec: { maxUnavailable: 1, selector: data.spec?.selector },
      });
    }
    for (const key of Object.keys(props.workloads ?? {})) {
      if (!settled.has(key)) throw new ValidationError(`${id}: no upstream workload ${key} to configure`);
    }
    this.objects = objects;
  }
}
