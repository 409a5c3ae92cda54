import { parseAllDocuments } from 'yaml';

/** The identity of one Kubernetes object in the synthesized manifests. */
export interface ManifestObject {
  readonly apiVersion: string;
  /** API group, `''` for the core group. */
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  /** @default - cluster-scoped, or the namespace is left to kubectl */
  readonly namespace?: string;
  /** The manifest file it is in, relative to `<out>/<env>/`. */
  readonly file: string;
}

/** One CustomResourceDefinition shipped in the repository's crds/ folder. */
export interface CrdEntry {
  /** Path of the CRD file, relative to the crds/ folder, e.g. `cronhpa/cronhorizontalpodautoscalers.yaml`. */
  readonly file: string;
  /** `<plural>.<group>`. */
  readonly name: string;
  readonly group: string;
  readonly kind: string;
}

/** A workload whose rollout deploy waits for. */
export interface RolloutTarget {
  readonly kind: 'deployment' | 'statefulset' | 'daemonset';
  readonly name: string;
  readonly namespace: string;
}

/** Reads every object of the manifest files (`kubernetes/*.yaml` of one environment's output). */
export function parseManifests(
  files: readonly { readonly path: string; readonly content: string }[],
): ManifestObject[] {
  const objects: ManifestObject[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(file.content)) {
      if (!('toJS' in doc)) throw new Error(`${file.path}: not a YAML stream`);
      const value = doc.toJS() as
        | { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } }
        | null
        | undefined;
      if (value === null || value === undefined) continue;
      const { apiVersion, kind, metadata } = value;
      if (typeof apiVersion !== 'string' || typeof kind !== 'string' || typeof metadata?.name !== 'string') {
        throw new Error(`${file.path}: an object without apiVersion, kind or metadata.name`);
      }
      const slash = apiVersion.indexOf('/');
      objects.push({
        apiVersion,
        group: slash === -1 ? '' : apiVersion.slice(0, slash),
        kind,
        name: metadata.name,
        ...(typeof metadata.namespace === 'string' ? { namespace: metadata.namespace } : {}),
        file: file.path,
      });
    }
  }
  return objects;
}

/** Reads a CRD file's name, group and kind. */
export function parseCrd(file: string, content: string): CrdEntry {
  const value = parseAllDocuments(content)
    .map((doc) => ('toJS' in doc ? doc.toJS() : undefined))
    .find((doc) => doc?.kind === 'CustomResourceDefinition') as
    | { metadata?: { name?: unknown }; spec?: { group?: unknown; names?: { kind?: unknown } } }
    | undefined;
  const name = value?.metadata?.name;
  const group = value?.spec?.group;
  const kind = value?.spec?.names?.kind;
  if (typeof name !== 'string' || typeof group !== 'string' || typeof kind !== 'string') {
    throw new Error(
      `crds/${file}: not a CustomResourceDefinition with metadata.name, spec.group and spec.names.kind`,
    );
  }
  return { file, name, group, kind };
}

/**
 * The CRDs the manifests use: those whose group and kind some object has. Sorted by CRD name,
 * so that the command lines are stable. Objects of kinds without a CRD here are built-in or
 * expected to be installed already.
 */
export function usedCrds(objects: readonly ManifestObject[], catalog: readonly CrdEntry[]): CrdEntry[] {
  const used = new Set(objects.map((object) => `${object.kind}.${object.group}`));
  return catalog
    .filter((crd) => used.has(`${crd.kind}.${crd.group}`))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const ROLLOUT_KINDS: Readonly<Record<string, RolloutTarget['kind']>> = {
  Deployment: 'deployment',
  StatefulSet: 'statefulset',
  DaemonSet: 'daemonset',
};

/** The Deployments, StatefulSets and DaemonSets of the manifests, in manifest order. */
export function rolloutTargets(objects: readonly ManifestObject[]): RolloutTarget[] {
  const targets: RolloutTarget[] = [];
  for (const object of objects) {
    const kind = ROLLOUT_KINDS[object.kind];
    if (object.group !== 'apps' || kind === undefined) continue;
    targets.push({ kind, name: object.name, namespace: object.namespace ?? 'default' });
  }
  return targets;
}
