import { containerLabel, containersOf, podRunners } from '../pod-specs';
import type { PolicyRule, Violation } from '../rule';

const REQUIRED = ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'] as const;

/** Every container sets CPU and memory requests and limits, so that scheduling and quotas mean something. */
export const resourcesRule: PolicyRule = {
  id: 'resources',
  summary: 'every container (init containers too) sets requests and limits for cpu and memory',
  check({ objects }) {
    const violations: Violation[] = [];
    for (const { object, pod } of podRunners(objects)) {
      if (object.origin === 'hosts') continue;
      for (const { container, init } of containersOf(pod)) {
        const missing = REQUIRED.filter((key) => {
          const [section, resource] = key.split('.') as ['requests' | 'limits', string];
          const value = container.resources?.[section]?.[resource];
          return value === undefined || value === null || value === '';
        });
        if (missing.length > 0) {
          violations.push({
            rule: 'resources',
            object,
            message: `${containerLabel(container, init)} has no ${missing.join(', ')}`,
          });
        }
      }
    }
    return violations;
  },
};
