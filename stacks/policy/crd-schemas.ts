import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parseAllDocuments } from 'yaml';

interface CrdVersion {
  readonly name: string;
  readonly served?: boolean;
  readonly schema?: { readonly openAPIV3Schema?: Record<string, unknown> };
}

interface Crd {
  readonly kind?: string;
  readonly spec?: {
    readonly group: string;
    readonly names: { readonly kind: string };
    readonly versions: CrdVersion[];
  };
}

/** Kubernetes' structural-schema extensions that ajv does not know; accepted and ignored. */
const KUBERNETES_KEYWORDS = [
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
  'x-kubernetes-embedded-resource',
];

/**
 * CRD patterns are Go (RE2) regular expressions; some use inline flags such as `^(?i)(abort|warn)?$`,
 * which JavaScript does not know. Inline flag groups are lifted into the RegExp's flags (they
 * apply to the whole pattern in every CRD we ship).
 */
function goRegExp(pattern: string, flags: string): RegExp {
  let extra = '';
  const cleaned = pattern.replace(/\(\?([imsU]+)\)/g, (_match, inline: string) => {
    for (const flag of inline)
      if ((flag === 'i' || flag === 'm' || flag === 's') && !extra.includes(flag)) extra += flag;
    return '';
  });
  return new RegExp(cleaned, flags + extra);
}
goRegExp.code = 'new RegExp';

/**
 * Validators of custom resources, compiled from CustomResourceDefinitions' `openAPIV3Schema`
 * (one per served version). Pure: the caller reads the CRD files.
 */
/** A Go duration (`time.ParseDuration`): `300ms`, `1h30m`, `2.5s`. */
const GO_DURATION = /^(?:[0-9]+(?:\.[0-9]+)?(?:ns|us|µs|ms|s|m|h))+$/;

export class CrdSchemas {
  /** Compiles every CRD in the given YAML texts (multi-document allowed; other kinds are skipped). */
  static fromYaml(texts: readonly string[]): CrdSchemas {
    const schemas = new Map<string, Record<string, unknown>>();
    for (const text of texts) {
      for (const doc of parseAllDocuments(text)) {
        if ('errors' in doc && doc.errors.length > 0) continue;
        const crd = doc.toJS() as Crd | null;
        if (!crd?.spec?.versions || crd.kind !== 'CustomResourceDefinition') continue;
        for (const version of crd.spec.versions) {
          const schema = version.schema?.openAPIV3Schema;
          if (schema && version.served !== false)
            schemas.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, schema);
        }
      }
    }
    return new CrdSchemas(schemas);
  }

  private readonly ajv: Ajv;
  /** Compiled on first use: compiling every version of every CRD costs seconds, most are never needed. */
  private readonly validators = new Map<string, ValidateFunction>();

  private constructor(private readonly schemas: ReadonlyMap<string, Record<string, unknown>>) {
    this.ajv = new Ajv({ strict: false, allErrors: true, code: { regExp: goRegExp } });
    addFormats(this.ajv);
    // Kubernetes validates `format: duration` (metav1.Duration) as a Go duration such as 10s or
    // 1h30m (go-openapi strfmt), not as ajv-formats' ISO 8601 `P1D`.
    this.ajv.addFormat('duration', GO_DURATION);
    for (const keyword of KUBERNETES_KEYWORDS) this.ajv.addKeyword(keyword);
  }

  private validator(key: string): ValidateFunction | undefined {
    let validate = this.validators.get(key);
    const schema = this.schemas.get(key);
    if (!validate && schema) {
      // apiVersion, kind and metadata are every object's, whether the schema names them or not.
      const root = schema as { properties?: Record<string, unknown> };
      const withMeta = {
        ...schema,
        properties: {
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          metadata: { type: 'object' },
          ...root.properties,
        },
      };
      validate = this.ajv.compile(draftBounds(withMeta) as Record<string, unknown>);
      this.validators.set(key, validate);
    }
    return validate;
  }

  /** Whether a CRD covers this apiVersion (`group/version`) and kind. */
  has(apiVersion: string, kind: string): boolean {
    return this.schemas.has(`${apiVersion}/${kind}`);
  }

  /** The `group/version/Kind` keys covered, sorted. */
  kinds(): string[] {
    return [...this.schemas.keys()].sort();
  }

  /**
   * Validates a custom resource against its CRD's schema. Returns the problems as
   * `/json/pointer message` strings; empty when valid. Throws when no CRD covers it.
   */
  validate(object: { readonly apiVersion: string; readonly kind: string }): string[] {
    const validate = this.validator(`${object.apiVersion}/${object.kind}`);
    if (!validate) throw new Error(`no CRD schema for ${object.apiVersion} ${object.kind}`);
    if (validate(object)) return [];
    return (validate.errors ?? []).map((error) =>
      `${error.instancePath || '/'} ${error.message ?? ''}${
        error.keyword === 'enum'
          ? ` (${JSON.stringify((error.params as { allowedValues?: unknown }).allowedValues)})`
          : ''
      }`.trim(),
    );
  }
}

/** Keywords whose value is a map of name → schema. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions']);
/** Value validation (not structure): Kubernetes prunes and refuses fields by the structural part only. */
const JUNCTORS = new Set(['allOf', 'anyOf', 'oneOf', 'not']);
/** Keywords whose value is data, not a schema. */
const DATA = new Set(['default', 'example', 'enum', 'x-kubernetes-validations']);

/**
 * OpenAPI 3.0 (the CRD schema dialect) writes an exclusive bound as `maximum: 5,
 * exclusiveMaximum: true`; JSON Schema (what Ajv compiles) as `exclusiveMaximum: 5`. Rewrites
 * the booleans, on a copy, so that a CRD that uses them (Envoy Gateway's) compiles.
 *
 * It also refuses unknown fields where the API server does: an object schema with `properties`
 * that neither preserves unknown fields nor declares `additionalProperties` is structural, and
 * server-side apply rejects a field it does not declare ("field not declared in schema"). Only
 * the structural part declares fields: `properties` inside allOf, anyOf, oneOf and not only
 * constrain fields declared outside them (Gateway API's address branches name `type` alone), so
 * they refuse nothing.
 */
export function draftBounds(schema: unknown, inJunctor = false): unknown {
  if (Array.isArray(schema)) return schema.map((item) => draftBounds(item, inJunctor));
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  const source = schema as Record<string, unknown>;
  for (const [key, value] of Object.entries(source)) {
    if ((key === 'exclusiveMaximum' || key === 'exclusiveMinimum') && typeof value === 'boolean') continue;
    if (DATA.has(key)) out[key] = value;
    else if (SCHEMA_MAPS.has(key) && typeof value === 'object' && value !== null && !Array.isArray(value))
      out[key] = Object.fromEntries(
        Object.entries(value).map(([name, child]) => [name, draftBounds(child, inJunctor)]),
      );
    else out[key] = draftBounds(value, inJunctor || JUNCTORS.has(key));
  }
  if (
    !inJunctor &&
    source.properties !== undefined &&
    source.additionalProperties === undefined &&
    source['x-kubernetes-preserve-unknown-fields'] !== true
  )
    out.additionalProperties = false;
  for (const [bound, exclusive] of [
    ['maximum', 'exclusiveMaximum'],
    ['minimum', 'exclusiveMinimum'],
  ] as const) {
    if (source[exclusive] === true && typeof source[bound] === 'number') {
      out[exclusive] = source[bound];
      delete out[bound];
    }
  }
  return out;
}
