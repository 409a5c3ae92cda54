import { containerLabel, LONG_RUNNING_KINDS, podRunners } from '../pod-specs';
import type { PolicyRule, Violation } from '../rule';

/** Every serving container has a readiness probe, so that traffic reaches only pods that can take it. */
export const readinessProbeRule: PolicyRule = {
  id: 'readiness-probe',
  summary: 'every container of a Deployment, StatefulSet, DaemonSet, ReplicaSet or Pod has a readiness probe',
  check({ objects }) {
    const violations: Violation[] = [];
    for (const { object, pod } of podRunners(objects)) {
      if (object.origin === 'hosts' || !LONG_RUNNING_KINDS.includes(object.manifest.kind)) continue;
      for (const container of pod.containers ?? []) {
        if (!container.readinessProbe) {
          violations.push({
            rule: 'readiness-probe',
            object,
            message: `${containerLabel(container, false)} has no readiness probe`,
          });
        }
      }
    }
    return violations;
  },
};
