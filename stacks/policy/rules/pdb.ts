import { type LabelSelector, selects } from '../label-selector';
import type { FoundObject } from '../manifests';
import { podLabelsOf } from '../pod-specs';
import type { PolicyRule, Violation } from '../rule';

/** Kinds whose replicas a PodDisruptionBudget protects during drains. */
const REPLICATED_KINDS = ['Deployment', 'StatefulSet', 'ReplicaSet'];

interface ScaleTargetRef {
  readonly kind?: string;
  readonly name?: string;
}

/** The most replicas an object can have: its `replicas`, or its HPA's `maxReplicas` when one targets it. */
function mostReplicas(object: FoundObject, objects: readonly FoundObject[]): number {
  const own = (object.manifest.spec as { replicas?: number } | undefined)?.replicas ?? 1;
  let most = own;
  for (const other of objects) {
    if (other.manifest.kind !== 'HorizontalPodAutoscaler') continue;
    if (other.manifest.metadata.namespace !== object.manifest.metadata.namespace) continue;
    const spec = other.manifest.spec as { scaleTargetRef?: ScaleTargetRef; maxReplicas?: number } | undefined;
    if (
      spec?.scaleTargetRef?.kind === object.manifest.kind &&
      spec.scaleTargetRef.name === object.manifest.metadata.name
    )
      most = Math.max(most, spec.maxReplicas ?? 1);
  }
  return most;
}

/**
 * Every workload that can run more than one replica has a PodDisruptionBudget selecting its
 * pods in its namespace, so that node drains (upgrades, scale-in of the pool) keep it serving.
 */
export const pdbRule: PolicyRule = {
  id: 'pdb',
  summary:
    'every Deployment, StatefulSet or ReplicaSet with more than one replica (or an HPA maximum above one) has a PodDisruptionBudget selecting its pods',
  check({ objects }) {
    const violations: Violation[] = [];
    const budgets = objects.filter((object) => object.manifest.kind === 'PodDisruptionBudget');
    for (const object of objects) {
      if (object.origin !== 'kubernetes' || !REPLICATED_KINDS.includes(object.manifest.kind)) continue;
      const replicas = mostReplicas(object, objects);
      if (replicas <= 1) continue;
      const labels = podLabelsOf(object.manifest);
      const covered = budgets.some(
        (budget) =>
          budget.manifest.metadata.namespace === object.manifest.metadata.namespace &&
          selects((budget.manifest.spec as { selector?: LabelSelector } | undefined)?.selector, labels),
      );
      if (!covered) {
        violations.push({
          rule: 'pdb',
          object,
          message: `runs up to ${replicas} replicas but no PodDisruptionBudget in its namespace selects its pods`,
        });
      }
    }
    return violations;
  },
};
