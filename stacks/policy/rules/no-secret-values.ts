import type { OutputFile } from '../../output-file';
import type { FoundObject } from '../manifests';
import { containerLabel, containersOf, podRunners } from '../pod-specs';
import type { PolicyRule, Violation } from '../rule';

/** Names that hold credentials: PASSWORD, DB_PASSWORD, API_KEY, client-secret, token, ... */
const SECRET_NAME =
  /(^|[_.-])(pass(word|wd)?|pwd|secret|secret[_-]?key|token|api[_-]?key|private[_-]?key|access[_-]?key|credentials?)$/i;
const PRIVATE_KEY = /-----BEGIN ([A-Z ]+ )?PRIVATE KEY-----/;
/** `scheme://user:password@host`: a URL carrying a password. */
const URL_WITH_PASSWORD = /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@'"]+:[^\s/@'"]+@/i;

/** Whether `name` looks like it holds a credential (used for env variables and ConfigMap keys). */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

function nonEmpty(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.keys(value).length > 0;
}

/** Every string inside `value`, with its JSON path. */
function* strings(value: unknown, path: string): Generator<[string, string]> {
  if (typeof value === 'string') yield [path, value];
  else if (Array.isArray(value))
    for (const [i, item] of value.entries()) yield* strings(item, `${path}[${i}]`);
  else if (typeof value === 'object' && value !== null)
    for (const [key, item] of Object.entries(value)) yield* strings(item, path ? `${path}.${key}` : key);
}

/** A file that is not a Kubernetes manifest, as findings name it: `File hosts/<host>/<path>`, `File terraform/cdk.tf.json`. */
function fileObject(file: OutputFile): FoundObject {
  return {
    manifest: { apiVersion: '', kind: 'File', metadata: { name: file.path } },
    file: file.path,
    origin: 'hosts',
  };
}

/**
 * No secret value appears in the output: Secrets are referenced by name and key and created
 * outside the blueprint (sealed-secrets, Vault, by hand). Finds Secrets that carry data,
 * literal values of credential-named env variables and ConfigMap keys, private keys, and
 * URLs with a password, in manifests, Terraform and host files alike.
 */
export const noSecretValuesRule: PolicyRule = {
  id: 'no-secret-values',
  summary:
    'no Secret with data, no literal credential in env or ConfigMaps, no private key or password-carrying URL anywhere in the output',
  check({ objects }) {
    const violations: Violation[] = [];
    const add = (object: FoundObject, message: string) =>
      violations.push({ rule: 'no-secret-values', object, message });
    for (const object of objects) {
      const { manifest } = object;
      if (manifest.kind === 'Secret') {
        const fields = ['data', 'stringData', 'binary_data', 'binaryData'].filter((field) =>
          nonEmpty(manifest[field]),
        );
        if (fields.length > 0)
          add(
            object,
            `carries secret values in ${fields.join(', ')}; reference a Secret created outside the blueprint instead`,
          );
      }
      if (manifest.kind === 'ConfigMap') {
        for (const [key, value] of Object.entries(
          (manifest.data as Record<string, unknown> | undefined) ?? {},
        )) {
          if (isSecretName(key) && value !== '')
            add(
              object,
              `data key ${JSON.stringify(key)} holds a literal credential; put it in a Secret and reference it`,
            );
        }
      }
      for (const [path, text] of strings(manifest, '')) {
        if (PRIVATE_KEY.test(text)) add(object, `${path} holds a private key`);
        else if (URL_WITH_PASSWORD.test(text)) add(object, `${path} holds a URL with a password`);
      }
    }
    for (const { object, pod } of podRunners(objects)) {
      for (const { container, init } of containersOf(pod)) {
        for (const variable of container.env ?? []) {
          if (variable.value && isSecretName(variable.name))
            add(
              object,
              `${containerLabel(container, init)} sets ${variable.name} to a literal value; use valueFrom.secretKeyRef`,
            );
        }
      }
    }
    return violations;
  },
};

/** Terraform resource types whose data the Secret check already covers. */
const TERRAFORM_SECRETS = /^kubernetes_secret(_v1)?$/;

/** Credential-named keys with a literal value anywhere in Terraform's JSON (backend, provider, resources). */
function terraformCredentials(file: OutputFile): string[] {
  const json = JSON.parse(file.content) as { resource?: Record<string, unknown> };
  const { resource, ...rest } = json;
  const scoped = {
    ...rest,
    resource: Object.fromEntries(
      Object.entries(resource ?? {}).filter(([type]) => !TERRAFORM_SECRETS.test(type)),
    ),
  };
  const found: string[] = [];
  const walk = (value: unknown, path: string) => {
    if (Array.isArray(value)) for (const [i, item] of value.entries()) walk(item, `${path}[${i}]`);
    else if (typeof value === 'object' && value !== null)
      for (const [key, item] of Object.entries(value)) {
        const at = path ? `${path}.${key}` : key;
        if (typeof item === 'string' && item !== '' && isSecretName(key)) found.push(at);
        else walk(item, at);
      }
  };
  walk(scoped, '');
  return found;
}

/**
 * The same checks on files that are not Kubernetes manifests: host configuration files and
 * scripts (private keys, URLs with a password), and Terraform's JSON (also credential-named
 * keys with a literal value, e.g. a backend `access_key`).
 */
export function secretValuesInFiles(files: readonly OutputFile[]): Violation[] {
  const violations: Violation[] = [];
  const add = (file: OutputFile, message: string) =>
    violations.push({ rule: 'no-secret-values', object: fileObject(file), message });
  for (const file of files) {
    const terraform = file.path.startsWith('terraform/') && file.path.endsWith('.json');
    const hostFile = file.path.startsWith('hosts/') && !/\.ya?ml$/.test(file.path);
    if (!terraform && !hostFile) continue;
    if (PRIVATE_KEY.test(file.content)) add(file, 'holds a private key');
    else if (URL_WITH_PASSWORD.test(file.content)) add(file, 'holds a URL with a password');
    if (terraform)
      for (const path of terraformCredentials(file))
        add(file, `sets ${path} to a literal credential; pass it from the environment of the deploying user`);
  }
  return violations;
}
