import { parseAllDocuments } from 'yaml';
import type { EnvironmentTree, Json, ResourceSource } from './model';
import type { IgnorePath, Segment } from './structural';

/** One comparable unit of an environment's output. */
export interface ParsedResource {
  readonly source: ResourceSource;
  /** Identity within the environment (see ResourceDiff.id). */
  readonly id: string;
  /** Display title. */
  readonly title: string;
  readonly file: string;
  /** The object (structured resources). @default - a text file */
  readonly body?: Json;
  /** The file's text (text resources). @default - a structured resource */
  readonly text?: string;
  /** The file's mode (text resources). @default - not compared */
  readonly mode?: number;
  /** The object's name, for renames. */
  readonly name: string;
  /**
   * Identity with the generated name suffix stripped; a removed and an added resource with
   * the same rename key may be one renamed resource. @default - never a rename
   */
  readonly renameKey?: string;
  /** Kubernetes `group/Kind` (core kinds: `/Kind`). @default - not a Kubernetes object */
  readonly groupKind?: string;
  /** Terraform block kind (`resource`, `data`, `provider`, ...) and resource type. @default - not Terraform */
  readonly block?: string;
  readonly tfType?: string;
}

const TERRAFORM_FILE = 'terraform/cdk.tf.json';

/** Every comparable unit of one environment's tree, keyed by id. */
export function parseEnvironment(tree: EnvironmentTree): Map<string, ParsedResource> {
  const out = new Map<string, ParsedResource>();
  const add = (resource: ParsedResource) => {
    let id = resource.id;
    // The same object twice in one tree: keep both, distinguishable.
    for (let n = 2; out.has(id); n++) id = `${resource.id} #${n}`;
    out.set(id, id === resource.id ? resource : { ...resource, id });
  };
  for (const path of [...tree.keys()].sort()) {
    const file = tree.get(path);
    if (!file) continue;
    const structured =
      path === TERRAFORM_FILE
        ? parseTerraform(path, file.content)
        : /^kubernetes\/.*\.ya?ml$/.test(path)
          ? parseKubernetes(path, file.content)
          : undefined;
    if (structured) {
      for (const resource of structured) add(resource);
      continue;
    }
    add({
      source: path.startsWith('hosts/') ? 'hosts' : 'file',
      id: path,
      title: path,
      file: path,
      text: file.content,
      ...(file.mode !== undefined ? { mode: file.mode } : {}),
      name: path,
    });
  }
  return out;
}

/**
 * A generated suffix stripped from a name: cdk8s' `-c8` + 6 hex digits, another trailing
 * `-<hex>` of 6 or more digits with at least one number, or cdktf's `_<8 upper-case hex>`.
 */
export function stripGeneratedSuffix(name: string): string {
  const cdk8s = /-c8[0-9a-f]{6}$/;
  if (cdk8s.test(name)) return name.replace(cdk8s, '');
  const hex = /-([0-9a-f]{6,})$/.exec(name);
  if (hex && /[0-9]/.test(hex[1] as string)) return name.slice(0, hex.index);
  const cdktf = /_([0-9A-F]{8})$/.exec(name);
  if (cdktf && /[0-9]/.test(cdktf[1] as string)) return name.slice(0, cdktf.index);
  return name;
}

function isObject(value: unknown): value is Record<string, Json> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** cdktf's `//` metadata blocks are bookkeeping. */
export const ignoreTerraform: IgnorePath = (segments) => {
  const last = segments[segments.length - 1];
  return last !== undefined && 'key' in last && last.key === '//';
};

/** cdk8s' construct-address labels on objects and pod templates are bookkeeping (selectors are not). */
export const ignoreKubernetes: IgnorePath = (segments) => {
  const n = segments.length;
  if (n < 3) return false;
  const [meta, bag, key] = segments.slice(n - 3) as [Segment, Segment, Segment];
  return (
    'key' in meta &&
    meta.key === 'metadata' &&
    'key' in bag &&
    (bag.key === 'labels' || bag.key === 'annotations') &&
    'key' in key &&
    key.key.startsWith('cdk8s.io/')
  );
};

function parseTerraform(file: string, content: string): ParsedResource[] | undefined {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    return undefined;
  }
  if (!isObject(json)) return undefined;
  const out: ParsedResource[] = [];
  const unit = (id: string, title: string, body: Json, extra: Partial<ParsedResource> = {}) =>
    out.push({ source: 'terraform', id, title, file, body, name: title, block: id.split('.')[0], ...extra });
  for (const block of Object.keys(json).sort()) {
    const value = json[block] as Json;
    if (block === '//') continue;
    if ((block === 'resource' || block === 'data') && isObject(value)) {
      for (const type of Object.keys(value).sort()) {
        const byName = value[type];
        if (!isObject(byName)) continue;
        for (const name of Object.keys(byName).sort()) {
          const address = `${block === 'data' ? 'data.' : ''}${type}.${name}`;
          unit(`${block}.${type}.${name}`, address, byName[name] as Json, {
            name,
            tfType: type,
            renameKey: `${block}.${type}.${stripGeneratedSuffix(name)}`,
          });
        }
      }
    } else if (block === 'provider' && isObject(value)) {
      for (const provider of Object.keys(value).sort()) {
        const configs = value[provider];
        const list = Array.isArray(configs) ? configs : [configs as Json];
        list.forEach((config, i) => {
          const alias = isObject(config) && typeof config.alias === 'string' ? config.alias : undefined;
          const suffix = alias !== undefined ? `.${alias}` : i === 0 ? '' : `[${i}]`;
          unit(
            `provider.${provider}${suffix}`,
            `provider "${provider}"${alias ? ` (alias ${alias})` : ''}`,
            config,
          );
        });
      }
    } else if (block === 'terraform' && isObject(value)) {
      const rest: Record<string, Json> = {};
      for (const key of Object.keys(value).sort()) {
        if (key === 'backend' || key === 'required_providers')
          unit(`terraform.${key}`, key === 'backend' ? 'backend' : 'required_providers', value[key] as Json);
        else rest[key] = value[key] as Json;
      }
      if (Object.keys(rest).length > 0) unit('terraform', 'terraform settings', rest);
    } else if (['output', 'variable', 'module'].includes(block) && isObject(value)) {
      for (const name of Object.keys(value).sort())
        unit(`${block}.${name}`, `${block}.${name}`, value[name] as Json, { name });
    } else {
      unit(block, block, value);
    }
  }
  return out;
}

function parseKubernetes(file: string, content: string): ParsedResource[] | undefined {
  const docs = parseAllDocuments(content, { prettyErrors: false });
  if (!Array.isArray(docs) || docs.some((doc) => doc.errors.length > 0)) return undefined;
  const out: ParsedResource[] = [];
  docs.forEach((doc, index) => {
    const body = doc.toJS({ maxAliasCount: -1 }) as unknown;
    if (body === null || body === undefined) return;
    const meta = isObject(body) && isObject(body.metadata) ? body.metadata : undefined;
    const kind = isObject(body) && typeof body.kind === 'string' ? body.kind : undefined;
    const apiVersion = isObject(body) && typeof body.apiVersion === 'string' ? body.apiVersion : undefined;
    const name = meta && typeof meta.name === 'string' ? meta.name : undefined;
    if (!kind || !apiVersion || !name) {
      out.push({
        source: 'kubernetes',
        id: `${file}#${index}`,
        title: `${file} document ${index + 1}`,
        file,
        body: body as Json,
        name: `${file}#${index}`,
      });
      return;
    }
    const namespace = meta && typeof meta.namespace === 'string' ? meta.namespace : undefined;
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : '';
    const where = namespace ? `${namespace}/${name}` : name;
    out.push({
      source: 'kubernetes',
      id: `${apiVersion} ${kind} ${where}`,
      title: `${kind} ${where}`,
      file,
      body: body as Json,
      name,
      groupKind: `${group}/${kind}`,
      renameKey: `${group}/${kind}/${namespace ?? ''}/${stripGeneratedSuffix(name)}`,
    });
  });
  return out;
}
