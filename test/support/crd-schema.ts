import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './cli';

interface CrdVersion {
  name: string;
  schema?: { openAPIV3Schema?: Record<string, unknown> };
}

interface Crd {
  spec: { group: string; names: { kind: string }; versions: CrdVersion[] };
}

/** Kubernetes' structural-schema extensions that ajv does not know. */
const KUBERNETES_KEYWORDS = [
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
  'x-kubernetes-embedded-resource',
];

let validators: Map<string, ValidateFunction> | undefined;

/** `group/version/Kind` → ajv validator of `openAPIV3Schema`, for every CRD under crds/. */
function load(): Map<string, ValidateFunction> {
  if (validators) return validators;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  for (const keyword of KUBERNETES_KEYWORDS) ajv.addKeyword(keyword);
  validators = new Map();
  const root = path.join(REPO_ROOT, 'crds');
  for (const dir of fs.readdirSync(root, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const file of fs.readdirSync(path.join(root, dir.name))) {
      if (!file.endsWith('.yaml')) continue;
      for (const doc of parseAllDocuments(fs.readFileSync(path.join(root, dir.name, file), 'utf8'))) {
        const crd = doc.toJS() as Crd;
        if (!crd?.spec?.versions) continue;
        for (const version of crd.spec.versions) {
          const schema = version.schema?.openAPIV3Schema;
          if (schema)
            validators.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, ajv.compile(schema));
        }
      }
    }
  }
  return validators;
}

/** Whether crds/ holds a schema for this apiVersion and kind. */
export function hasCrdSchema(apiVersion: string, kind: string): boolean {
  return load().has(`${apiVersion}/${kind}`);
}

/**
 * Validates a custom resource against its CRD's openAPIV3Schema. Returns the problems as
 * `path message` strings; empty when valid. Throws when crds/ has no such CRD.
 */
export function validateAgainstCrd(object: { apiVersion: string; kind: string }): string[] {
  const validate = load().get(`${object.apiVersion}/${object.kind}`);
  if (!validate) throw new Error(`no CRD schema under crds/ for ${object.apiVersion} ${object.kind}`);
  if (validate(object)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? ''}`.trim());
}
