import type { FoundObject, Manifest } from './manifests';

/** A container as the rules read it. */
export interface Container {
  readonly name: string;
  readonly image?: string;
  readonly resources?: {
    readonly requests?: Readonly<Record<string, unknown>>;
    readonly limits?: Readonly<Record<string, unknown>>;
  };
  readonly readinessProbe?: unknown;
  readonly securityContext?: SecurityContext;
  readonly env?: readonly { readonly name: string; readonly value?: string; readonly valueFrom?: unknown }[];
}

export interface SecurityContext {
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
}

/** A pod spec as the rules read it. */
export interface PodSpec {
  readonly containers?: readonly Container[];
  readonly initContainers?: readonly Container[];
  readonly securityContext?: SecurityContext;
  readonly volumes?: readonly { readonly name: string; readonly hostPath?: { readonly path?: string } }[];
}

/** Kinds that run pods continuously and receive traffic: they need readiness probes. */
export const LONG_RUNNING_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Pod'];

/** The pod spec an object runs (its template's), or undefined for objects that run no pods. */
export function podSpecOf(manifest: Manifest): PodSpec | undefined {
  const spec = manifest.spec as Record<string, unknown> | undefined;
  if (!spec) return undefined;
  switch (manifest.kind) {
    case 'Pod':
      return spec as PodSpec;
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
      return (spec.template as { spec?: PodSpec } | undefined)?.spec;
    case 'CronJob':
      return (spec.jobTemplate as { spec?: { template?: { spec?: PodSpec } } } | undefined)?.spec?.template
        ?.spec;
    default:
      return undefined;
  }
}

/** The labels of the pods an object runs. */
export function podLabelsOf(manifest: Manifest): Readonly<Record<string, string>> {
  if (manifest.kind === 'Pod') return manifest.metadata.labels ?? {};
  const template = (
    manifest.spec as { template?: { metadata?: { labels?: Record<string, string> } } } | undefined
  )?.template;
  return template?.metadata?.labels ?? {};
}

/** Every container of a pod spec, init containers first, each with whether it is an init container. */
export function containersOf(pod: PodSpec): { container: Container; init: boolean }[] {
  return [
    ...(pod.initContainers ?? []).map((container) => ({ container, init: true })),
    ...(pod.containers ?? []).map((container) => ({ container, init: false })),
  ];
}

/** Objects that run pods, with their pod spec. */
export function podRunners(objects: readonly FoundObject[]): { object: FoundObject; pod: PodSpec }[] {
  const out: { object: FoundObject; pod: PodSpec }[] = [];
  for (const object of objects) {
    const pod = podSpecOf(object.manifest);
    if (pod) out.push({ object, pod });
  }
  return out;
}

/** `container "app"` or `init container "migrate"`, for messages. */
export function containerLabel(container: Container, init: boolean): string {
  return `${init ? 'init container' : 'container'} ${JSON.stringify(container.name)}`;
}
