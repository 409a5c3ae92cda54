// Fields that the platform's own controllers own are theirs: deploy's server-side apply
// (with --force-conflicts) would otherwise take them back. The CronHPA controller raises an
// HPA's spec.minReplicas for its scheduled windows; a deploy during a window must not reset it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMap, parseAllDocuments } from 'yaml';
import { FIELD_MANAGER } from './plan';

/**
 * The field managers of the platform's controllers whose fields deploy leaves alone, with the
 * fields they are known to write. `kubernetes-cronhpa-controller` is the user agent (and so
 * the field manager) of AliyunContainerService/kubernetes-cronhpa-controller, which updates
 * the HPA it targets.
 */
export const CONTROLLER_FIELDS: readonly {
  readonly manager: string;
  readonly kind: string;
  readonly field: readonly string[];
}[] = [
  {
    manager: 'kubernetes-cronhpa-controller',
    kind: 'HorizontalPodAutoscaler',
    field: ['spec', 'minReplicas'],
  },
  {
    manager: 'kubernetes-cronhpa-controller',
    kind: 'HorizontalPodAutoscaler',
    field: ['spec', 'maxReplicas'],
  },
];

interface LiveObject {
  readonly kind?: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly managedFields?: readonly { manager?: string; fieldsV1?: Record<string, unknown> }[];
  };
}

/** Whether a managedFields entry's fieldsV1 holds `field` (e.g. `f:spec` → `f:minReplicas`). */
function owns(fieldsV1: Record<string, unknown> | undefined, field: readonly string[]): boolean {
  let node: unknown = fieldsV1;
  for (const part of field) {
    if (typeof node !== 'object' || node === null) return false;
    node = (node as Record<string, unknown>)[`f:${part}`];
  }
  return node !== undefined;
}

/** One field deploy leaves to a controller. */
export interface YieldedField {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly field: string;
  readonly manager: string;
}

/** The fields of live objects that a platform controller owns (and blueprint's apply would take back). */
export function controllerOwnedFields(items: readonly LiveObject[], kind: string): YieldedField[] {
  const found: YieldedField[] = [];
  for (const item of items) {
    for (const rule of CONTROLLER_FIELDS.filter((candidate) => candidate.kind === kind)) {
      const entry = item.metadata.managedFields?.find(
        (managed) =>
          managed.manager === rule.manager &&
          managed.manager !== FIELD_MANAGER &&
          owns(managed.fieldsV1, rule.field),
      );
      if (!entry) continue;
      found.push({
        kind,
        namespace: item.metadata.namespace ?? '',
        name: item.metadata.name,
        field: rule.field.join('.'),
        manager: rule.manager,
      });
    }
  }
  return found;
}

/**
 * Removes the yielded fields from the manifests deploy is about to apply (files under `dir`),
 * so that blueprint's apply no longer claims them and the controller's values stay. Returns
 * the fields it removed.
 */
export function yieldFields(dir: string, fields: readonly YieldedField[]): YieldedField[] {
  const removed: YieldedField[] = [];
  if (fields.length === 0) return removed;
  const walk = (current: string): string[] =>
    fs
      .readdirSync(current, { withFileTypes: true })
      .flatMap((entry) =>
        entry.isDirectory()
          ? walk(path.join(current, entry.name))
          : entry.name.endsWith('.yaml')
            ? [path.join(current, entry.name)]
            : [],
      );
  for (const file of walk(dir)) {
    const docs = parseAllDocuments(fs.readFileSync(file, 'utf8'));
    let changed = false;
    for (const doc of docs) {
      if (!('contents' in doc) || !isMap(doc.contents)) continue;
      const kind = doc.get('kind');
      const name = doc.getIn(['metadata', 'name']);
      const namespace = doc.getIn(['metadata', 'namespace']) ?? '';
      for (const field of fields) {
        if (field.kind !== kind || field.name !== name || field.namespace !== namespace) continue;
        const at = field.field.split('.');
        if (!doc.hasIn(at)) continue;
        doc.deleteIn(at);
        removed.push(field);
        changed = true;
      }
    }
    if (changed) fs.writeFileSync(file, docs.map((doc) => doc.toString()).join(''));
  }
  return removed;
}
