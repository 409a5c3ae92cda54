import { quantityValue } from '../../../environments/schema/tenancy-rules';
import type { FoundObject } from '../manifests';
import { type Container, type PodSpec, podSpecOf } from '../pod-specs';
import type { PolicyRule, Violation } from '../rule';

type Demand = Record<string, number>;
type Defaults = { requests: Record<string, string>; limits: Record<string, string> };

const RESOURCES = ['cpu', 'memory'] as const;

function add(demand: Demand, key: string, amount: number): void {
  demand[key] = (demand[key] ?? 0) + amount;
}

/** What one container asks for, with the namespace's LimitRange defaults filling the gaps (as admission does). */
function containerAmount(
  container: Container,
  section: 'requests' | 'limits',
  resource: string,
  defaults: Defaults,
): number {
  const own =
    container.resources?.[section]?.[resource] ??
    (section === 'requests' ? container.resources?.limits?.[resource] : undefined);
  const value =
    own ?? defaults[section][resource] ?? (section === 'requests' ? defaults.limits[resource] : undefined);
  return value === undefined ? 0 : quantityValue(String(value));
}

/** A pod's effective request or limit: its containers' sum, or its largest init container if that is more. */
function podAmount(
  pod: PodSpec,
  section: 'requests' | 'limits',
  resource: string,
  defaults: Defaults,
): number {
  const sum = (pod.containers ?? []).reduce(
    (total, c) => total + containerAmount(c, section, resource, defaults),
    0,
  );
  const init = Math.max(
    0,
    ...(pod.initContainers ?? []).map((c) => containerAmount(c, section, resource, defaults)),
  );
  return Math.max(sum, init);
}

/** How many pods an object can run at once: its most replicas (HPA maximum included) plus a rollout's surge. */
function podsAtMost(object: FoundObject, objects: readonly FoundObject[]): number {
  const { manifest } = object;
  const spec = (manifest.spec ?? {}) as {
    replicas?: number;
    parallelism?: number;
    strategy?: { type?: string; rollingUpdate?: { maxSurge?: number | string } };
    jobTemplate?: { spec?: { parallelism?: number } };
  };
  if (manifest.kind === 'Pod') return 1;
  if (manifest.kind === 'Job') return spec.parallelism ?? 1;
  if (manifest.kind === 'CronJob') return spec.jobTemplate?.spec?.parallelism ?? 1;
  let replicas = spec.replicas ?? 1;
  for (const other of objects) {
    const hpa = other.manifest.spec as
      | { scaleTargetRef?: { kind?: string; name?: string }; maxReplicas?: number }
      | undefined;
    if (
      other.manifest.kind === 'HorizontalPodAutoscaler' &&
      other.manifest.metadata.namespace === manifest.metadata.namespace &&
      hpa?.scaleTargetRef?.kind === manifest.kind &&
      hpa.scaleTargetRef.name === manifest.metadata.name
    )
      replicas = Math.max(replicas, hpa.maxReplicas ?? 1);
  }
  if (manifest.kind !== 'Deployment' || spec.strategy?.type === 'Recreate') return replicas;
  const surge = spec.strategy?.rollingUpdate?.maxSurge ?? '25%';
  const extra =
    typeof surge === 'number'
      ? surge
      : Math.ceil((replicas * Number.parseFloat(String(surge).replace('%', ''))) / 100);
  return replicas + extra;
}

/** What the workloads of one namespace need at full scale, in ResourceQuota keys. */
function demandOf(namespace: string, objects: readonly FoundObject[], defaults: Defaults): Demand {
  const demand: Demand = {};
  for (const object of objects) {
    if (object.origin !== 'kubernetes' || object.manifest.metadata.namespace !== namespace) continue;
    const { manifest } = object;
    if (manifest.kind === 'Service') {
      add(demand, 'services', 1);
      if ((manifest.spec as { type?: string } | undefined)?.type === 'LoadBalancer')
        add(demand, 'services.loadbalancers', 1);
    }
    if (manifest.kind === 'PersistentVolumeClaim') {
      add(demand, 'persistentvolumeclaims', 1);
      const storage = (manifest.spec as { resources?: { requests?: { storage?: string } } } | undefined)
        ?.resources?.requests?.storage;
      if (storage) add(demand, 'requests.storage', quantityValue(storage));
    }
    const pod = podSpecOf(manifest);
    if (!pod || manifest.kind === 'DaemonSet') continue;
    const pods = podsAtMost(object, objects);
    add(demand, 'pods', pods);
    for (const resource of RESOURCES) {
      add(demand, `requests.${resource}`, pods * podAmount(pod, 'requests', resource, defaults));
      add(demand, `limits.${resource}`, pods * podAmount(pod, 'limits', resource, defaults));
    }
    if (manifest.kind === 'StatefulSet') {
      const templates =
        (
          manifest.spec as {
            volumeClaimTemplates?: { spec?: { resources?: { requests?: { storage?: string } } } }[];
          }
        ).volumeClaimTemplates ?? [];
      const replicas = podsAtMost(object, objects);
      add(demand, 'persistentvolumeclaims', replicas * templates.length);
      for (const template of templates) {
        const storage = template.spec?.resources?.requests?.storage;
        if (storage) add(demand, 'requests.storage', replicas * quantityValue(storage));
      }
    }
  }
  return demand;
}

function show(key: string, value: number): string {
  if (key.endsWith('cpu')) return `${Number(value.toFixed(3))}`;
  if (key.endsWith('memory') || key.endsWith('storage')) return `${Number((value / 2 ** 30).toFixed(2))}Gi`;
  return String(value);
}

/**
 * The workloads of every namespace fit its ResourceQuota at full scale: every Deployment at its
 * most replicas (HPA maximum) plus its rollout surge, every StatefulSet with its volume claims,
 * every Job at its parallelism, with the LimitRange's defaults for what a container leaves out.
 * Otherwise admission rejects pods exactly when the service is busiest or rolling out.
 * DaemonSets are left out (their size is the node count).
 */
export const quotaRule: PolicyRule = {
  id: 'quota',
  summary:
    'the workloads of every namespace fit its ResourceQuota at full scale (HPA maximum and rollout surge included)',
  check({ objects }) {
    const violations: Violation[] = [];
    for (const quota of objects) {
      if (quota.manifest.kind !== 'ResourceQuota') continue;
      const namespace = quota.manifest.metadata.namespace;
      const hard = (quota.manifest.spec as { hard?: Record<string, string> } | undefined)?.hard;
      if (!namespace || !hard) continue;
      const limitRange = objects.find(
        (object) => object.manifest.kind === 'LimitRange' && object.manifest.metadata.namespace === namespace,
      );
      const containerLimits = (
        (
          limitRange?.manifest.spec as
            | {
                limit?: {
                  type?: string;
                  default?: Record<string, string>;
                  default_request?: Record<string, string>;
                  defaultRequest?: Record<string, string>;
                }[];
              }
            | undefined
        )?.limit ?? []
      ).find((limit) => limit.type === 'Container');
      const defaults: Defaults = {
        requests: containerLimits?.defaultRequest ?? containerLimits?.default_request ?? {},
        limits: containerLimits?.default ?? {},
      };
      const demand = demandOf(namespace, objects, defaults);
      for (const [key, allowed] of Object.entries(hard)) {
        const needed = demand[key.replace(/^(cpu|memory)$/, 'requests.$1')] ?? 0;
        const limit = quantityValue(String(allowed));
        if (needed > limit * (1 + 1e-9)) {
          violations.push({
            rule: 'quota',
            object: quota,
            message: `allows ${key} ${allowed}, but the workloads of namespace ${namespace} need ${show(key, needed)} at full scale; raise the namespace's quota or lower replicas and resources`,
          });
        }
      }
    }
    return violations;
  },
};
