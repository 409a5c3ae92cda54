import type { Json } from './model';

/**
 * The fields that identify an item of a list, by the list's field name, tried in order: the
 * first candidate whose fields every item has, with values unique on each side, matches the
 * items. These follow Kubernetes' strategic-merge keys (`patchMergeKey`) where it has them,
 * so that reordering such a list is not a change. Lists that are not here are matched by
 * `name` when every item has a unique one, and by index otherwise.
 */
export const LIST_KEYS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  containers: [['name']],
  initContainers: [['name']],
  ephemeralContainers: [['name']],
  volumes: [['name']],
  env: [['name']],
  // Container ports merge by containerPort, Service ports by port.
  ports: [['containerPort'], ['containerPort', 'protocol'], ['port'], ['port', 'protocol'], ['name']],
  volumeMounts: [['mountPath']],
  volumeDevices: [['devicePath']],
  tolerations: [['key'], ['key', 'effect'], ['key', 'operator', 'effect', 'value']],
  imagePullSecrets: [['name']],
  hostAliases: [['ip']],
  topologySpreadConstraints: [['topologyKey', 'whenUnsatisfiable'], ['topologyKey']],
  conditions: [['type']],
  volumeClaimTemplates: [['metadata.name']],
  subjects: [
    ['kind', 'namespace', 'name'],
    ['kind', 'name'],
  ],
  parentRefs: [['name'], ['namespace', 'name'], ['namespace', 'name', 'sectionName']],
  backendRefs: [['name'], ['namespace', 'name'], ['namespace', 'name', 'port']],
  listeners: [['name']],
  metrics: [
    ['type', 'resource.name'],
    ['type', 'pods.metric.name'],
    ['type', 'external.metric.name'],
  ],
  // cdktf nested blocks (snake_case).
  taint: [['key'], ['key', 'effect']],
  container: [['name']],
  init_container: [['name']],
  volume: [['name']],
  volume_mount: [['mount_path']],
  toleration: [['key'], ['key', 'effect']],
  port: [['name'], ['container_port'], ['port']],
  subject: [
    ['kind', 'namespace', 'name'],
    ['kind', 'name'],
  ],
};

const FALLBACK: readonly (readonly string[])[] = [['name']];

/** The value at a dotted field path of an item, e.g. `metadata.name`. */
function field(item: Json, dotted: string): Json | undefined {
  let current: Json | undefined = item;
  for (const part of dotted.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = current[part];
  }
  return current;
}

function isScalar(value: Json | undefined): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** `name=api` or `key=dedicated,effect=NoSchedule`: the item's label under a key. */
function labelOf(item: Json, key: readonly string[]): string | undefined {
  const parts: string[] = [];
  for (const name of key) {
    const value = field(item, name);
    if (!isScalar(value)) return undefined;
    parts.push(`${name}=${String(value)}`);
  }
  return parts.join(',');
}

/** Labels of every item under a key, or undefined when an item lacks it or two items share it. */
function labelsUnder(items: readonly Json[], key: readonly string[]): string[] | undefined {
  const labels: string[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    const label = labelOf(item, key);
    if (label === undefined || seen.has(label)) return undefined;
    seen.add(label);
    labels.push(label);
  }
  return labels;
}

/**
 * Item labels for both sides of a list, by the first key that identifies every item; or
 * undefined when no key does (the caller matches by index).
 */
export function keyedLabels(
  field: string | undefined,
  before: readonly Json[],
  after: readonly Json[],
): { before: string[]; after: string[] } | undefined {
  const candidates = (field !== undefined && Object.hasOwn(LIST_KEYS, field) && LIST_KEYS[field]) || FALLBACK;
  for (const key of candidates) {
    const b = labelsUnder(before, key);
    if (!b) continue;
    const a = labelsUnder(after, key);
    if (a) return { before: b, after: a };
  }
  return undefined;
}

/**
 * The label of an item matched by index. Gateway API route rules have no names (before
 * Gateway API 1.2), so their label carries what the rule matches: `0: PathPrefix /api, x-gray=true`.
 */
export function indexLabel(index: number, item: Json | undefined): string {
  const matches = item !== undefined ? field(item, 'matches') : undefined;
  if (!Array.isArray(matches) || matches.length === 0) return String(index);
  const described = matches.map(describeMatch).filter((text) => text !== '');
  return described.length > 0 ? `${index}: ${described.join(' | ')}` : String(index);
}

function describeMatch(match: Json): string {
  const parts: string[] = [];
  const path = field(match, 'path');
  const value = path !== undefined ? field(path, 'value') : undefined;
  if (isScalar(value)) parts.push(`${String(field(path as Json, 'type') ?? 'PathPrefix')} ${String(value)}`);
  for (const kind of ['headers', 'queryParams'] as const) {
    const list = field(match, kind);
    if (!Array.isArray(list)) continue;
    for (const entry of list) {
      const name = field(entry, 'name');
      const v = field(entry, 'value');
      if (isScalar(name)) parts.push(`${kind === 'headers' ? '' : '?'}${String(name)}=${String(v ?? '')}`);
    }
  }
  const method = field(match, 'method');
  if (isScalar(method)) parts.push(String(method));
  return parts.join(', ');
}
