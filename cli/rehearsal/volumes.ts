// The volumes of a rehearsal. No CSI driver runs on simulated nodes, so the rehearsal stands in
// for the environment's provisioner: one PersistentVolume per claim each StatefulSet will make,
// pre-bound to that claim, of the claim's StorageClass and size. The real PV controller and the
// scheduler's volume binding then bind them as they would bind provisioned volumes.
import { parseAllDocuments } from 'yaml';
import type { EnvironmentOutput } from '../../stacks/environment';

interface StatefulSet {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  spec?: {
    replicas?: number;
    volumeClaimTemplates?: {
      metadata?: { name?: string };
      spec?: {
        storageClassName?: string;
        accessModes?: string[];
        resources?: { requests?: { storage?: string } };
      };
    }[];
  };
}

/** PersistentVolumes for every claim of every StatefulSet in the output's manifests. */
export function rehearsalVolumes(output: EnvironmentOutput): Record<string, unknown>[] {
  const volumes: Record<string, unknown>[] = [];
  for (const file of output.files) {
    if (!file.path.startsWith('kubernetes/')) continue;
    for (const doc of parseAllDocuments(file.content)) {
      if (!('toJS' in doc)) continue;
      const object = doc.toJS() as StatefulSet | null;
      if (object?.kind !== 'StatefulSet') continue;
      const name = object.metadata?.name ?? '';
      const namespace = object.metadata?.namespace ?? 'default';
      for (const template of object.spec?.volumeClaimTemplates ?? []) {
        for (let ordinal = 0; ordinal < (object.spec?.replicas ?? 1); ordinal++) {
          const claim = `${template.metadata?.name}-${name}-${ordinal}`;
          volumes.push({
            apiVersion: 'v1',
            kind: 'PersistentVolume',
            metadata: {
              name: `rehearsal-${namespace}-${claim}`.slice(0, 253),
              labels: { 'app.kubernetes.io/managed-by': 'blueprint-rehearse' },
            },
            spec: {
              capacity: { storage: template.spec?.resources?.requests?.storage ?? '1Gi' },
              accessModes: template.spec?.accessModes ?? ['ReadWriteOnce'],
              ...(template.spec?.storageClassName
                ? { storageClassName: template.spec.storageClassName }
                : {}),
              persistentVolumeReclaimPolicy: 'Retain',
              claimRef: { namespace, name: claim },
              // Never mounted: no kubelet runs in a rehearsal.
              hostPath: { path: `/var/lib/blueprint-rehearsal/${namespace}/${claim}` },
            },
          });
        }
      }
    }
  }
  return volumes;
}
