import type { Json } from './model';

/** Words that make a field's value secret wherever they appear in its name. */
const SECRET_WORDS = new Set([
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'credential',
  'credentials',
]);
/** `key` is secret only beside one of these (`private_key`, `client_key`), not alone (a taint key). */
const KEY_QUALIFIERS = new Set([
  'private',
  'client',
  'api',
  'access',
  'signing',
  'encryption',
  'secret',
  'ssh',
]);
/** Names ending in these refer to a secret (`secret_name`, `token_file`) without holding it. */
const REFERENCE_WORDS = new Set([
  'name',
  'ref',
  'namespace',
  'path',
  'file',
  'ttl',
  'seconds',
  'enabled',
  'type',
]);

function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '');
}

/**
 * Whether a field name looks like it holds key material or a credential: `password`,
 * `client_key`, `apiToken`, `aws_secret_access_key`. Names of references (`secret_name`,
 * `token_file`) do not.
 */
export function isSensitiveName(name: string): boolean {
  const parts = words(name);
  if (parts.length === 0) return false;
  if (REFERENCE_WORDS.has(parts[parts.length - 1] as string)) return false;
  if (parts.some((word) => SECRET_WORDS.has(word))) return true;
  return parts.some((word, i) => word === 'key' && i > 0 && KEY_QUALIFIERS.has(parts[i - 1] as string));
}

/** Booleans and numbers are never secret (`automount_service_account_token: false`). */
export function canHoldSecret(value: Json | undefined): boolean {
  return typeof value === 'string' || (value !== null && typeof value === 'object');
}

/** Kubernetes Secret fields whose values are secret: every key under `data` and `stringData`. */
export function isKubernetesSecretPath(kind: string | undefined, normalized: string): boolean {
  return kind === 'Secret' && /^(data|stringData)(\.|$)/.test(normalized);
}

/** Terraform resource types whose `data` blocks hold secret values. */
const TERRAFORM_SECRET_TYPES = new Set(['kubernetes_secret', 'kubernetes_secret_v1']);

/**
 * Whether a Terraform field is sensitive: a secret resource's `data`/`binary_data`, or any
 * field whose own name (or an enclosing block's name) looks sensitive.
 */
export function isTerraformSensitivePath(type: string | undefined, normalized: string): boolean {
  if (
    type !== undefined &&
    TERRAFORM_SECRET_TYPES.has(type) &&
    /^(data|binary_data|data_wo)(\.|$)/.test(normalized)
  )
    return true;
  return normalized.split('.').some(isSensitiveName);
}

const SETTING_LINE = /^(\s*(?:-\s+)?["']?)([A-Za-z0-9_.-]+)(["']?\s*[:= ]\s*)(\S.*)$/;
/** Setting names that are secret although their words do not say so. */
const SECRET_SETTINGS = new Set(['auth_pass', 'authpass', 'stats_auth']);

/**
 * Masks the value on a host-file line that sets a credential (`auth_pass s3cret` in
 * keepalived.conf, `token: x` in a kubeadm config, `--token=x`): the value becomes `placeholder`.
 */
export function maskLine(line: string, placeholder: string): string {
  const match = SETTING_LINE.exec(line);
  if (!match) return line;
  const [, lead, name, separator] = match as unknown as [string, string, string, string, string];
  if (!SECRET_SETTINGS.has(name.toLowerCase()) && !isSensitiveName(name)) return line;
  return `${lead}${name}${separator}${placeholder}`;
}
