import { kubernetesReplacement, STATEFUL_KINDS, terraformReplacement } from './destructive';
import { textHunks } from './line-diff';
import type {
  DiffCounts,
  DiffOptions,
  DiffReport,
  EnvironmentDiff,
  EnvironmentTree,
  FieldChange,
  Hunk,
  Json,
  OutputTrees,
  ResourceAction,
  ResourceDiff,
} from './model';
import { ignoreKubernetes, ignoreTerraform, type ParsedResource, parseEnvironment } from './parse';
import { canHoldSecret, isKubernetesSecretPath, isTerraformSensitivePath, maskLine } from './secrets';
import { diffJson, formatPath, leafCount, normalizedPath, pruneIgnored, type RawChange } from './structural';

/** A removed and an added resource are one renamed resource when at most this share of their leaves differs. */
const RENAME_MAX_DIFFERENCE = 0.5;
/** Groups of rename candidates larger than this are not paired (keeps the cost linear). */
const RENAME_MAX_GROUP = 16;

const SOURCE_ORDER = { terraform: 0, kubernetes: 1, hosts: 2, file: 3 } as const;

/**
 * Compares two sets of output trees environment by environment. Pure: the trees are in
 * memory. `base`/`head` name the two sides for display (`origin/main`, `working tree`).
 */
export function diffTrees(
  base: OutputTrees,
  head: OutputTrees,
  labels: { base: string; head: string },
  options: DiffOptions = {},
): DiffReport {
  const names = [...new Set([...base.keys(), ...head.keys()])].sort();
  const environments = names.map((name) => diffEnvironment(name, base.get(name), head.get(name), options));
  return {
    base: labels.base,
    head: labels.head,
    environments,
    totals: sumCounts(environments.map((e) => e.counts)),
  };
}

/** Compares one environment's trees; a missing side means the environment was added or removed. */
export function diffEnvironment(
  name: string,
  base: EnvironmentTree | undefined,
  head: EnvironmentTree | undefined,
  options: DiffOptions = {},
): EnvironmentDiff {
  const before = parseEnvironment(base ?? new Map());
  const after = parseEnvironment(head ?? new Map());
  const resources: ResourceDiff[] = [];
  const removed = new Map<string, ParsedResource>();
  const added = new Map<string, ParsedResource>();
  for (const [id, old] of before) {
    const current = after.get(id);
    if (!current) removed.set(id, old);
    else {
      const diff = compare(old, current, 'changed', options);
      if (diff) resources.push(diff);
    }
  }
  for (const [id, current] of after) if (!before.has(id)) added.set(id, current);
  for (const [old, current] of pairRenames(removed, added)) {
    removed.delete(old.id);
    added.delete(current.id);
    const diff = compare(old, current, old.name === current.name ? 'changed' : 'renamed', options);
    if (diff) resources.push(diff);
  }
  for (const old of removed.values())
    resources.push(compare(old, undefined, 'removed', options) as ResourceDiff);
  for (const current of added.values())
    resources.push(compare(undefined, current, 'added', options) as ResourceDiff);
  resources.sort(
    (a, b) => SOURCE_ORDER[a.source] - SOURCE_ORDER[b.source] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  const status =
    base === undefined
      ? 'added'
      : head === undefined
        ? 'removed'
        : resources.length > 0
          ? 'changed'
          : 'unchanged';
  return { name, status, counts: countResources(resources), resources };
}

function sumCounts(list: readonly DiffCounts[]): DiffCounts {
  const total = { added: 0, changed: 0, removed: 0, renamed: 0, destructive: 0 };
  for (const counts of list) {
    total.added += counts.added;
    total.changed += counts.changed;
    total.removed += counts.removed;
    total.renamed += counts.renamed;
    total.destructive += counts.destructive;
  }
  return total;
}

function countResources(resources: readonly ResourceDiff[]): DiffCounts {
  const counts = { added: 0, changed: 0, removed: 0, renamed: 0, destructive: 0 };
  for (const resource of resources) {
    counts[resource.action]++;
    if (resource.destructive) counts.destructive++;
  }
  return counts;
}

function structuredChanges(
  old: ParsedResource | undefined,
  current: ParsedResource | undefined,
): RawChange[] {
  const source = (old ?? current)?.source;
  return diffJson(old?.body, current?.body, source === 'terraform' ? ignoreTerraform : ignoreKubernetes);
}

/**
 * Pairs removed and added resources that are one resource renamed: the same kind (and
 * namespace, or Terraform type) and the same name once a generated suffix is stripped, with
 * bodies that are equal or close. A changed apiVersion with the same name pairs the same way.
 */
function pairRenames(
  removed: ReadonlyMap<string, ParsedResource>,
  added: ReadonlyMap<string, ParsedResource>,
): [ParsedResource, ParsedResource][] {
  const groups = new Map<string, { removed: ParsedResource[]; added: ParsedResource[] }>();
  const group = (key: string) => {
    let entry = groups.get(key);
    if (!entry) {
      entry = { removed: [], added: [] };
      groups.set(key, entry);
    }
    return entry;
  };
  for (const resource of removed.values())
    if (resource.renameKey) group(resource.renameKey).removed.push(resource);
  for (const resource of added.values())
    if (resource.renameKey) group(resource.renameKey).added.push(resource);
  const pairs: [ParsedResource, ParsedResource][] = [];
  for (const { removed: olds, added: news } of groups.values()) {
    if (olds.length === 0 || news.length === 0) continue;
    if (olds.length > RENAME_MAX_GROUP || news.length > RENAME_MAX_GROUP) continue;
    const candidates: { old: ParsedResource; current: ParsedResource; difference: number }[] = [];
    for (const old of olds) {
      for (const current of news) {
        const changed = structuredChanges(old, current).length;
        const leaves = Math.max(leafCount(old.body), leafCount(current.body), 1);
        const difference = old.name === current.name ? 0 : changed / leaves;
        if (difference <= RENAME_MAX_DIFFERENCE) candidates.push({ old, current, difference });
      }
    }
    candidates.sort((a, b) => a.difference - b.difference);
    const used = new Set<ParsedResource>();
    for (const { old, current } of candidates) {
      if (used.has(old) || used.has(current)) continue;
      used.add(old);
      used.add(current);
      pairs.push([old, current]);
    }
  }
  return pairs;
}

function isMultiline(value: Json | undefined): value is string {
  return typeof value === 'string' && value.includes('\n');
}

/** Whether a field of a resource holds a secret value. */
function isSensitive(resource: ParsedResource, change: RawChange, path: string): boolean {
  if (resource.source === 'kubernetes')
    return isKubernetesSecretPath(resource.groupKind?.split('/')[1], path);
  if (resource.source !== 'terraform') return false;
  if (!canHoldSecret(change.before) && !canHoldSecret(change.after)) return false;
  const body = resource.body;
  const declared =
    (resource.block === 'variable' || resource.block === 'output') &&
    body !== null &&
    typeof body === 'object' &&
    !Array.isArray(body) &&
    body.sensitive === true;
  if (declared && !['sensitive', 'description', 'type'].includes(path)) return true;
  return isTerraformSensitivePath(resource.tfType, path);
}

/** Why changing a field replaces the resource, for a changed (not added or removed) resource. */
function replacement(old: ParsedResource, path: string, block = false): string | undefined {
  if (old.source === 'terraform' && old.block === 'resource' && old.tfType)
    return terraformReplacement(old.tfType, path, block);
  if (old.source === 'kubernetes' && old.groupKind) {
    const body = old.body;
    const flag = body !== null && typeof body === 'object' && !Array.isArray(body) && body.immutable === true;
    return kubernetesReplacement(old.groupKind, path, flag, block);
  }
  return undefined;
}

function fieldChange(
  change: RawChange,
  resource: ParsedResource,
  old: ParsedResource | undefined,
  action: ResourceAction,
  options: DiffOptions,
): FieldChange {
  const path = normalizedPath(change.segments);
  const masked = !options.showSecrets && isSensitive(resource, change, path);
  const replaces = old && (action === 'changed' || action === 'renamed') ? replacement(old, path) : undefined;
  const out: {
    path: string;
    action: RawChange['action'];
    before?: Json;
    after?: Json;
    masked?: boolean;
    replaces?: string;
    hunks?: Hunk[];
  } = { path: formatPath(change.segments), action: change.action };
  if (masked) out.masked = true;
  else {
    if (change.before !== undefined) out.before = change.before;
    if (change.after !== undefined) out.after = change.after;
    if (change.action === 'changed' && (isMultiline(change.before) || isMultiline(change.after)))
      out.hunks = textHunks(String(change.before), String(change.after), options.context);
  }
  if (replaces) out.replaces = replaces;
  return out;
}

/**
 * In a changed resource, an added or removed block (a new port, a removed container) reads
 * best as one entry with its whole value; its leaves stay separate when one is masked.
 */
function collapse(
  raws: readonly RawChange[],
  fields: readonly FieldChange[],
  resource: ParsedResource,
  old: ParsedResource | undefined,
): FieldChange[] {
  const out: FieldChange[] = [];
  const ignore = resource.source === 'terraform' ? ignoreTerraform : ignoreKubernetes;
  for (let i = 0; i < raws.length; ) {
    const subtree = raws[i]?.subtree;
    let end = i + 1;
    if (subtree) while (end < raws.length && raws[end]?.subtree === subtree) end++;
    const group = fields.slice(i, end);
    if (!subtree || group.length < 2 || group.some((field) => field.masked)) out.push(...group);
    else {
      const action = group[0]?.action as FieldChange['action'];
      const value = pruneIgnored(subtree.value, subtree.segments, ignore);
      const replaces =
        (old && replacement(old, normalizedPath(subtree.segments), true)) ??
        group.find((field) => field.replaces)?.replaces;
      out.push({
        path: formatPath(subtree.segments),
        action,
        ...(action === 'added' ? { after: value } : { before: value }),
        ...(replaces ? { replaces } : {}),
      });
    }
    i = end;
  }
  return out;
}

function maskHunks(hunks: readonly Hunk[], placeholder: string): Hunk[] {
  return hunks.map((hunk) => ({
    ...hunk,
    lines: hunk.lines.map((line) => ({
      op: line.op,
      text: maskLine(line.text, line.op === ' ' ? '(masked)' : placeholder),
    })),
  }));
}

function octal(mode: number): string {
  return `0o${(mode & 0o777).toString(8)}`;
}

/** The diff of one resource, or undefined when the two sides do not differ. */
function compare(
  old: ParsedResource | undefined,
  current: ParsedResource | undefined,
  action: ResourceAction,
  options: DiffOptions,
): ResourceDiff | undefined {
  const resource = (current ?? old) as ParsedResource;
  const changes: FieldChange[] = [];
  let hunks: Hunk[] = [];
  const isText = (old ?? current)?.text !== undefined || (current ?? old)?.text !== undefined;
  if (isText && (old?.body === undefined || current?.body === undefined)) {
    hunks = textHunks(old?.text ?? '', current?.text ?? '', options.context);
    if (!options.showSecrets) hunks = maskHunks(hunks, action === 'changed' ? '(changed)' : '(masked)');
    if (old?.mode !== undefined && current?.mode !== undefined && old.mode !== current.mode)
      changes.push({
        path: '(file mode)',
        action: 'changed',
        before: octal(old.mode),
        after: octal(current.mode),
      });
  } else {
    const raws = structuredChanges(old, current);
    const fields = raws.map((change) => fieldChange(change, resource, old, action, options));
    changes.push(
      ...(action === 'changed' || action === 'renamed' ? collapse(raws, fields, resource, old) : fields),
    );
  }
  if (action === 'changed' && changes.length === 0 && hunks.length === 0 && old?.id === current?.id)
    return undefined;
  const reasons: string[] = [];
  if (action === 'removed')
    reasons.push(
      resource.source === 'terraform'
        ? 'terraform apply destroys it'
        : resource.source === 'kubernetes'
          ? 'deleted from the cluster (deploy prunes it)'
          : 'the file is deleted',
    );
  if (action === 'renamed' && old && current) {
    if (resource.source === 'terraform' && resource.block === 'resource')
      reasons.push(
        `the Terraform address changes from ${old.title}: destroy and create (add a moved block to keep the resource)`,
      );
    else if (resource.groupKind && STATEFUL_KINDS.has(resource.groupKind))
      reasons.push(`${old.title} is deleted and ${current.title} created: what it holds is lost`);
  }
  for (const change of changes)
    if (change.replaces && !reasons.includes(change.replaces)) reasons.push(change.replaces);
  return {
    source: resource.source,
    id: resource.id,
    title: resource.title,
    file: resource.file,
    action,
    ...(old && current && old.id !== current.id ? { previousId: old.id } : {}),
    destructive: reasons.length > 0,
    reasons,
    changes,
    hunks,
  };
}
