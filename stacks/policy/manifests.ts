import { parseAllDocuments } from 'yaml';
import type { OutputFile } from '../output-file';

/** A Kubernetes object as it appears in the output: only the fields every object has are typed. */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name?: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly [field: string]: unknown;
}

/** Where an object was found: the output file (relative to `<out>/<env>/`) and the producer. */
export interface FoundObject {
  readonly manifest: Manifest;
  /** e.g. `kubernetes/workloads.yaml`, `terraform/cdk.tf.json`, `hosts/master-1/manifests/haproxy.yaml`. */
  readonly file: string;
  /** Kubernetes manifests, Terraform resources (shown as the objects they create), or host files. */
  readonly origin: 'kubernetes' | 'terraform' | 'hosts';
  /** For Terraform objects: the resource address, e.g. `kubernetes_namespace_v1.namespace_shop`. */
  readonly address?: string;
}

/** `Kind namespace/name`, or `Kind name` for cluster-scoped objects: how findings name an object. */
export function objectRef(manifest: Manifest): string {
  const name = manifest.metadata?.name ?? '(unnamed)';
  return manifest.metadata?.namespace
    ? `${manifest.kind} ${manifest.metadata.namespace}/${name}`
    : `${manifest.kind} ${name}`;
}

function isManifest(value: unknown): value is Manifest {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Manifest).apiVersion === 'string' &&
    typeof (value as Manifest).kind === 'string'
  );
}

function parseDocuments(text: string): unknown[] {
  return parseAllDocuments(text)
    .filter((doc) => !('errors' in doc && doc.errors.length > 0))
    .map((doc) => doc.toJS() as unknown);
}

/** Terraform resource types that create Kubernetes objects the rules look at, and the kind they create. */
const TERRAFORM_KINDS: Record<string, { apiVersion: string; kind: string }> = {
  kubernetes_namespace: { apiVersion: 'v1', kind: 'Namespace' },
  kubernetes_namespace_v1: { apiVersion: 'v1', kind: 'Namespace' },
  kubernetes_secret: { apiVersion: 'v1', kind: 'Secret' },
  kubernetes_secret_v1: { apiVersion: 'v1', kind: 'Secret' },
  kubernetes_config_map: { apiVersion: 'v1', kind: 'ConfigMap' },
  kubernetes_config_map_v1: { apiVersion: 'v1', kind: 'ConfigMap' },
  kubernetes_resource_quota: { apiVersion: 'v1', kind: 'ResourceQuota' },
  kubernetes_resource_quota_v1: { apiVersion: 'v1', kind: 'ResourceQuota' },
  kubernetes_limit_range: { apiVersion: 'v1', kind: 'LimitRange' },
  kubernetes_limit_range_v1: { apiVersion: 'v1', kind: 'LimitRange' },
};

/** `${kubernetes_namespace_v1.namespace_shop.metadata[0].name}`: a reference to a namespace resource's name. */
const NAMESPACE_REFERENCE = /^\$\{(kubernetes_namespace(?:_v1)?\.[\w-]+)\.metadata(?:\[0\])?\.name\}$/;

/** Terraform writes `metadata` as a one-element list in JSON; either shape is accepted. */
function terraformMetadata(value: unknown): Manifest['metadata'] {
  const metadata = Array.isArray(value) ? value[0] : value;
  return (typeof metadata === 'object' && metadata !== null ? metadata : {}) as Manifest['metadata'];
}

/**
 * Every Kubernetes object in an environment's output: the documents of `kubernetes/*.yaml`,
 * the Kubernetes objects Terraform creates (namespaces, Secrets, ConfigMaps, with
 * `binary_data`/`data` as written), and the YAML manifests among the host files (static pods).
 * `documents` may hold the already-parsed documents of YAML files, by path.
 */
export function collectObjects(
  files: readonly OutputFile[],
  documents?: ReadonlyMap<string, readonly unknown[]>,
): FoundObject[] {
  const found: FoundObject[] = [];
  for (const file of files) {
    // Among host files only static pods matter (kubeadm configuration is not a Kubernetes object).
    const hostPod =
      file.path.startsWith('hosts/') && /\.ya?ml$/.test(file.path) && /^kind:\s*Pod\s*$/m.test(file.content);
    if (file.path.startsWith('kubernetes/') || hostPod) {
      const origin = file.path.startsWith('kubernetes/') ? 'kubernetes' : 'hosts';
      for (const value of documents?.get(file.path) ?? parseDocuments(file.content)) {
        if (isManifest(value))
          found.push({ manifest: { ...value, metadata: value.metadata ?? {} }, file: file.path, origin });
      }
    } else if (file.path === 'terraform/cdk.tf.json') {
      const json = JSON.parse(file.content) as {
        resource?: Record<string, Record<string, Record<string, unknown>>>;
      };
      for (const [type, byName] of Object.entries(json.resource ?? {})) {
        const gvk = TERRAFORM_KINDS[type];
        if (!gvk) continue;
        for (const [name, resource] of Object.entries(byName)) {
          const { metadata, '//': _meta, ...rest } = resource;
          found.push({
            manifest: { ...gvk, metadata: terraformMetadata(metadata), ...rest },
            file: file.path,
            origin: 'terraform',
            address: `${type}.${name}`,
          });
        }
      }
    }
  }
  return resolveNamespaceReferences(found);
}

/** Terraform objects name their namespace by reference to the namespace resource; resolve it to the name. */
function resolveNamespaceReferences(found: FoundObject[]): FoundObject[] {
  const names = new Map<string, string>();
  for (const object of found)
    if (object.address && object.manifest.kind === 'Namespace' && object.manifest.metadata.name)
      names.set(object.address, object.manifest.metadata.name);
  return found.map((object) => {
    const reference = NAMESPACE_REFERENCE.exec(object.manifest.metadata.namespace ?? '')?.[1];
    const name = reference === undefined ? undefined : names.get(reference);
    return name === undefined
      ? object
      : {
          ...object,
          manifest: { ...object.manifest, metadata: { ...object.manifest.metadata, namespace: name } },
        };
  });
}
