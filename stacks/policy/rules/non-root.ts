import { containerLabel, containersOf, podRunners } from '../pod-specs';
import type { PolicyRule, Violation } from '../rule';

/**
 * Every container runs as a non-root user: `runAsNonRoot: true` or a non-zero `runAsUser`,
 * set on the container or inherited from the pod, and never `runAsUser: 0`.
 */
export const nonRootRule: PolicyRule = {
  id: 'non-root',
  summary:
    'every container runs as non-root (runAsNonRoot: true or runAsUser > 0, on the container or the pod)',
  check({ objects }) {
    const violations: Violation[] = [];
    for (const { object, pod } of podRunners(objects)) {
      if (object.origin === 'hosts') continue;
      for (const { container, init } of containersOf(pod)) {
        const user = container.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
        const nonRoot = container.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
        let problem: string | undefined;
        if (user === 0) problem = 'runs as root (runAsUser: 0)';
        else if (nonRoot === false && (user === undefined || user === 0))
          problem = 'may run as root (runAsNonRoot: false and no non-zero runAsUser)';
        else if (nonRoot !== true && user === undefined)
          problem = 'may run as root (neither runAsNonRoot: true nor a non-zero runAsUser)';
        if (problem)
          violations.push({
            rule: 'non-root',
            object,
            message: `${containerLabel(container, init)} ${problem}`,
          });
      }
    }
    return violations;
  },
};
