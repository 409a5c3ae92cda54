/**
 * The field structure of the Kubernetes 1.28 API, read from the TypeScript declarations that
 * cdk8s-plus-28 generated from the 1.28 OpenAPI document (`lib/imports/k8s.d.ts`): every
 * interface with its fields, each field's JSON name (from its `@schema ...#name` tag) and type.
 * It answers what the JSON schemas do not: which fields an object has that Kubernetes 1.28
 * does not know (`kubectl apply` with strict field validation refuses them).
 */

type FieldType =
  | { readonly kind: 'leaf' }
  | { readonly kind: 'ref'; readonly name: string }
  | { readonly kind: 'array'; readonly of: FieldType }
  | { readonly kind: 'map'; readonly of: FieldType };

const LEAF: FieldType = { kind: 'leaf' };
const PRIMITIVES = new Set(['string', 'number', 'boolean', 'any', 'unknown']);

function parseType(text: string, interfaces: ReadonlySet<string>): FieldType {
  const type = text.trim();
  if (type.endsWith('[]')) return { kind: 'array', of: parseType(type.slice(0, -2), interfaces) };
  const map = /^\{\s*\[key: string\]:\s*(.+?);?\s*\}$/s.exec(type);
  if (map?.[1]) return { kind: 'map', of: parseType(map[1], interfaces) };
  if (PRIMITIVES.has(type) || type.includes('|') || !interfaces.has(type)) return LEAF;
  return { kind: 'ref', name: type };
}

/** Fields of the Kubernetes 1.28 API, by interface. */
export class KubernetesFields {
  /** Parses cdk8s-plus-28's `k8s.d.ts`. */
  static fromDeclarations(text: string): KubernetesFields {
    const blocks = new Map<string, string[]>();
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const start = /^export interface (\w+) \{$/.exec(lines[i] ?? '');
      if (!start?.[1]) continue;
      const body: string[] = [];
      for (i++; i < lines.length && lines[i] !== '}'; i++) body.push(lines[i] ?? '');
      blocks.set(start[1], body);
    }
    const names = new Set(blocks.keys());
    const types = new Map<string, Map<string, FieldType>>();
    for (const [name, body] of blocks) {
      const fields = new Map<string, FieldType>();
      let jsonName: string | undefined;
      for (let i = 0; i < body.length; i++) {
        const line = body[i] ?? '';
        const tag = /@schema \S+#(\S+)/.exec(line);
        if (tag?.[1]) jsonName = tag[1];
        const field = /^ {4}readonly (\w+)\??: (.*)$/.exec(line);
        if (!field?.[1] || field[2] === undefined) continue;
        let typeText = field[2];
        // A map type spans lines: `{`, `[key: string]: T;`, `};`.
        while (!typeText.trimEnd().endsWith(';') && i + 1 < body.length)
          typeText += ` ${(body[++i] ?? '').trim()}`;
        fields.set(jsonName ?? field[1], parseType(typeText.trimEnd().replace(/;$/, ''), names));
        jsonName = undefined;
      }
      types.set(name, fields);
    }
    return new KubernetesFields(types);
  }

  private constructor(private readonly types: ReadonlyMap<string, ReadonlyMap<string, FieldType>>) {}

  /** Whether an interface of that name was declared. */
  has(name: string): boolean {
    return this.types.has(name);
  }

  /**
   * The fields of `object` that the 1.28 type `typeName` (e.g. `KubeDeploymentProps`) does not
   * have, as JSON pointers such as `/spec/template/spec/containers/0/readinesProbe`.
   * `apiVersion`, `kind` and `status` are allowed at the top.
   */
  unknownFields(object: unknown, typeName: string): string[] {
    const found: string[] = [];
    const walk = (value: unknown, type: FieldType, pointer: string, top: boolean) => {
      if (value === null || value === undefined) return;
      if (type.kind === 'array') {
        if (Array.isArray(value))
          for (const [i, item] of value.entries()) walk(item, type.of, `${pointer}/${i}`, false);
        return;
      }
      if (type.kind === 'map') {
        if (typeof value === 'object' && !Array.isArray(value))
          for (const [key, item] of Object.entries(value))
            walk(item, type.of, `${pointer}/${escapePointer(key)}`, false);
        return;
      }
      if (type.kind === 'leaf' || typeof value !== 'object' || Array.isArray(value)) return;
      const fields = this.types.get(type.name);
      if (!fields) return;
      for (const [key, item] of Object.entries(value)) {
        const field = fields.get(key);
        if (field) walk(item, field, `${pointer}/${escapePointer(key)}`, false);
        else if (!(top && (key === 'apiVersion' || key === 'kind' || key === 'status')))
          found.push(`${pointer}/${escapePointer(key)}`);
      }
    };
    walk(object, { kind: 'ref', name: typeName }, '', true);
    return found;
  }
}

function escapePointer(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}
