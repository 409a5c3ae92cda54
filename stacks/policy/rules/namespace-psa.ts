import { missingPodSecurityModes } from '../../../constructs/guardrails/pod-security-labels';
import type { FoundObject } from '../manifests';
import type { PolicyRule, Violation } from '../rule';

/**
 * Every namespace the blueprint creates carries Pod Security Admission labels (enforce, audit
 * and warn), and every namespace it puts objects in is one it creates or a known external one,
 * so that no workload lands in an unguarded namespace.
 */
export const namespacePsaRule: PolicyRule = {
  id: 'namespace-psa',
  summary:
    'every namespace has Pod Security Admission enforce, audit and warn labels, and objects go only into such namespaces',
  check({ objects, externalNamespaces }) {
    const violations: Violation[] = [];
    const created = new Map<string, FoundObject>();
    for (const object of objects) {
      if (object.manifest.kind !== 'Namespace' || object.origin === 'hosts') continue;
      const name = object.manifest.metadata.name ?? '';
      created.set(name, object);
      const missing = missingPodSecurityModes(object.manifest.metadata.labels);
      if (missing.length > 0) {
        violations.push({
          rule: 'namespace-psa',
          object,
          message: `has no Pod Security Admission label for ${missing.map((mode) => `pod-security.kubernetes.io/${mode}`).join(', ')}`,
        });
      }
    }
    const reported = new Set<string>();
    for (const object of objects) {
      const namespace = object.manifest.metadata.namespace;
      if (object.origin !== 'kubernetes' || !namespace) continue;
      if (created.has(namespace) || externalNamespaces.includes(namespace) || reported.has(namespace))
        continue;
      reported.add(namespace);
      violations.push({
        rule: 'namespace-psa',
        object,
        message: `is in namespace ${JSON.stringify(namespace)}, which the blueprint does not create, so nothing gives it Pod Security labels; add it to namespaces`,
      });
    }
    return violations;
  },
};
