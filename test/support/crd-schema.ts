import * as path from 'node:path';
import { readCrdFiles } from '../../cli/crd-files';
import { CrdSchemas } from '../../stacks/policy/crd-schemas';
import { REPO_ROOT } from './cli';

let schemas: CrdSchemas | undefined;

/** Every CRD under crds/, compiled once per test file. */
function load(): CrdSchemas {
  if (schemas) return schemas;
  schemas = CrdSchemas.fromYaml(readCrdFiles(path.join(REPO_ROOT, 'crds')).map(({ content }) => content));
  return schemas;
}

/** Whether crds/ holds a schema for this apiVersion and kind. */
export function hasCrdSchema(apiVersion: string, kind: string): boolean {
  return load().has(apiVersion, kind);
}

/**
 * Validates a custom resource against its CRD's openAPIV3Schema. Returns the problems as
 * `path message` strings; empty when valid. Throws when crds/ has no such CRD.
 */
export function validateAgainstCrd(object: { apiVersion: string; kind: string }): string[] {
  if (!load().has(object.apiVersion, object.kind))
    throw new Error(`no CRD schema under crds/ for ${object.apiVersion} ${object.kind}`);
  return load().validate(object);
}
