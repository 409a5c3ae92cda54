import { type ApiObject, JsonPatch } from 'cdk8s';

/** A toleration, as in a pod spec. */
export interface PodToleration {
  /** Taint key. */
  readonly key: string;
  /** `Equal` (key and value) or `Exists` (key only). */
  readonly operator: 'Equal' | 'Exists';
  /** Taint value, with `Equal`. @default - any value */
  readonly value?: string;
  /** Taint effect. */
  readonly effect: string;
}

/**
 * Where pods run: a node pool's node selector and the tolerations of its taints. One shape for
 * every workload construct (microservices, database shards, the cluster-autoscaler).
 */
export interface PodPlacement {
  /** Node labels the pods select. */
  readonly nodeSelector: Readonly<Record<string, string>>;
  /** Taints of the pool the pods tolerate. */
  readonly tolerations: readonly PodToleration[];
}

/**
 * Puts a placement into a pod template through JSON patches, for cdk8s-plus workloads whose
 * API has no node selector or typed tolerations: the pool's label as `nodeSelector`, and its
 * tolerations when it has taints.
 */
export function patchPlacement(object: ApiObject, placement: PodPlacement | undefined): void {
  if (!placement) return;
  object.addJsonPatch(JsonPatch.add('/spec/template/spec/nodeSelector', { ...placement.nodeSelector }));
  if (placement.tolerations.length > 0) {
    object.addJsonPatch(
      JsonPatch.add(
        '/spec/template/spec/tolerations',
        placement.tolerations.map((toleration) => ({ ...toleration })),
      ),
    );
  }
}

/**
 * A placement as pod-spec fields (`nodeSelector`, `tolerations`), copied, for pod specs written
 * as plain data; no fields when there is no placement. {@link patchPlacement} does the same for
 * cdk8s-plus workloads.
 */
export function placementFields(placement: PodPlacement | undefined): {
  nodeSelector?: Record<string, string>;
  tolerations?: PodToleration[];
} {
  if (!placement) return {};
  return {
    nodeSelector: { ...placement.nodeSelector },
    tolerations: placement.tolerations.map((toleration) => ({ ...toleration })),
  };
}
