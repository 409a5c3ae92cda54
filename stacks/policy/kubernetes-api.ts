import { k8s } from 'cdk8s-plus-28';

let served: ReadonlySet<string> | undefined;

/**
 * The `apiVersion/Kind` pairs Kubernetes 1.28 serves: the L1 classes cdk8s-plus-28 generated
 * from the 1.28 OpenAPI document, each with its GroupVersionKind. An object of another
 * apiVersion is either a custom resource or an API that 1.28 does not have (removed, or newer).
 */
export function kubernetes128Kinds(): ReadonlySet<string> {
  if (!served) {
    const kinds = new Set<string>();
    for (const value of Object.values(k8s)) {
      const gvk = (value as { GVK?: { apiVersion: string; kind: string } }).GVK;
      if (gvk && !gvk.kind.endsWith('List')) kinds.add(`${gvk.apiVersion}/${gvk.kind}`);
    }
    served = kinds;
  }
  return served;
}

/** Whether Kubernetes 1.28 serves this apiVersion and kind. */
export function isKubernetes128Kind(apiVersion: string, kind: string): boolean {
  return kubernetes128Kinds().has(`${apiVersion}/${kind}`);
}

let propsByKind: ReadonlyMap<string, string> | undefined;

/** The cdk8s-plus-28 props interface of a 1.28 kind (`apps/v1/Deployment` → `KubeDeploymentProps`). */
export function kubernetes128PropsType(apiVersion: string, kind: string): string | undefined {
  if (!propsByKind) {
    const map = new Map<string, string>();
    for (const [name, value] of Object.entries(k8s)) {
      const gvk = (value as { GVK?: { apiVersion: string; kind: string } }).GVK;
      if (gvk) map.set(`${gvk.apiVersion}/${gvk.kind}`, `${name}Props`);
    }
    propsByKind = map;
  }
  return propsByKind.get(`${apiVersion}/${kind}`);
}
