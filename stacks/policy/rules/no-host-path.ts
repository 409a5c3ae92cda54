import { podRunners } from '../pod-specs';
import type { PolicyRule, Violation } from '../rule';

/** `hosts/<host>/...` → `<host>`. */
function hostOf(file: string): string | undefined {
  return /^hosts\/([^/]+)\//.exec(file)?.[1];
}

/**
 * No pod mounts a hostPath volume, and no PersistentVolume is a hostPath: both tie data and
 * privileges to one machine. The only exception are the control plane's static pods, which
 * live among the masters' host files (keepalived, haproxy read their configuration there).
 */
export const noHostPathRule: PolicyRule = {
  id: 'no-host-path',
  summary:
    "no hostPath volume or PersistentVolume, except in the control plane's static pods (masters' host files)",
  check({ objects, controlPlaneHosts }) {
    const violations: Violation[] = [];
    for (const { object, pod } of podRunners(objects)) {
      const host = object.origin === 'hosts' ? hostOf(object.file) : undefined;
      if (
        object.origin === 'hosts' &&
        object.manifest.kind === 'Pod' &&
        host &&
        controlPlaneHosts.includes(host)
      )
        continue;
      for (const volume of pod.volumes ?? []) {
        if (volume.hostPath) {
          violations.push({
            rule: 'no-host-path',
            object,
            message: `volume ${JSON.stringify(volume.name)} mounts hostPath ${JSON.stringify(volume.hostPath.path ?? '')}${
              object.origin === 'hosts'
                ? ` (only the control plane's static pods on ${controlPlaneHosts.join(', ') || 'the masters'} may)`
                : ''
            }`,
          });
        }
      }
    }
    for (const object of objects) {
      const spec = object.manifest.spec as { hostPath?: { path?: string } } | undefined;
      if (object.manifest.kind === 'PersistentVolume' && spec?.hostPath) {
        violations.push({
          rule: 'no-host-path',
          object,
          message: `is a hostPath volume (${JSON.stringify(spec.hostPath.path ?? '')})`,
        });
      }
    }
    return violations;
  },
};
