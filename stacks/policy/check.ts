import type { PolicyRuleId, PolicyWaiverSpec } from '../../environments/schema/policy';
import type { OutputFile } from '../output-file';
import { collectObjects, type FoundObject } from './manifests';
import type { PolicyInput, PolicyRule, Violation } from './rule';
import { imagePinnedRule } from './rules/image-pinned';
import { namespacePsaRule } from './rules/namespace-psa';
import { noHostPathRule } from './rules/no-host-path';
import { noSecretValuesRule, secretValuesInFiles } from './rules/no-secret-values';
import { nonRootRule } from './rules/non-root';
import { pdbRule } from './rules/pdb';
import { podSecurityRule } from './rules/pod-security';
import { quotaRule } from './rules/quota';
import { readinessProbeRule } from './rules/readiness-probe';
import { resourcesRule } from './rules/resources';

/** Every rule, in the order findings are reported. */
export const POLICY_RULE_SET: readonly PolicyRule[] = [
  resourcesRule,
  readinessProbeRule,
  imagePinnedRule,
  nonRootRule,
  podSecurityRule,
  pdbRule,
  quotaRule,
  noSecretValuesRule,
  noHostPathRule,
  namespacePsaRule,
];

/** How a finding names its object; the fields a waiver matches. */
export interface ObjectIdentity {
  readonly kind: string;
  /** @default - cluster-scoped, or a host file */
  readonly namespace?: string;
  readonly name: string;
  /** The output file that holds it, relative to `<out>/<env>/`. */
  readonly file: string;
  /** The Terraform resource address, for objects Terraform creates. @default - not a Terraform resource */
  readonly address?: string;
}

/** One rule broken by one object. */
export interface PolicyFinding {
  readonly rule: PolicyRuleId;
  readonly object: ObjectIdentity;
  readonly message: string;
}

/** The result of checking one environment's output. */
export interface PolicyReport {
  /** Findings no waiver covers, sorted by file, object and rule. */
  readonly violations: readonly PolicyFinding[];
  /** Findings a waiver covers, with the waiver's reason. */
  readonly waived: readonly { readonly finding: PolicyFinding; readonly reason: string }[];
  /** Waivers that matched no finding (stale: the object is gone or now complies), by index in policy.waivers. */
  readonly unusedWaivers: readonly { readonly index: number; readonly waiver: PolicyWaiverSpec }[];
}

/** What the checker needs besides the files. */
export interface PolicyOptions extends Omit<PolicyInput, 'objects'> {
  /** Waivers from the environment's `policy.waivers`. @default none */
  readonly waivers?: readonly PolicyWaiverSpec[];
}

function identity(object: FoundObject): ObjectIdentity {
  const { manifest } = object;
  return {
    kind: manifest.kind,
    ...(manifest.metadata.namespace ? { namespace: manifest.metadata.namespace } : {}),
    name: manifest.metadata.name ?? '',
    file: object.file,
    ...(object.address ? { address: object.address } : {}),
  };
}

function toFinding(violation: Violation): PolicyFinding {
  return { rule: violation.rule, object: identity(violation.object), message: violation.message };
}

function matches(waiver: PolicyWaiverSpec, finding: PolicyFinding): boolean {
  return (
    waiver.rule === finding.rule &&
    waiver.kind === finding.object.kind &&
    (waiver.namespace ?? '') === (finding.object.namespace ?? '') &&
    waiver.name === finding.object.name
  );
}

function compare(a: PolicyFinding, b: PolicyFinding): number {
  const key = (f: PolicyFinding) =>
    [f.object.file, f.object.kind, f.object.namespace ?? '', f.object.name, f.rule, f.message].join('\u0000');
  const [x, y] = [key(a), key(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Checks one environment's synthesized files against every policy rule and applies the
 * waivers. `documents` may hold the already-parsed documents of YAML files (by path). Pure: the same files and options give the same report, in a stable order.
 */
export function checkPolicies(
  files: readonly OutputFile[],
  options: PolicyOptions,
  documents?: ReadonlyMap<string, readonly unknown[]>,
): PolicyReport {
  const input: PolicyInput = {
    objects: collectObjects(files, documents),
    controlPlaneHosts: options.controlPlaneHosts,
    externalNamespaces: options.externalNamespaces,
  };
  const findings = [...POLICY_RULE_SET.flatMap((rule) => rule.check(input)), ...secretValuesInFiles(files)]
    .map(toFinding)
    .sort(compare);
  const waivers = options.waivers ?? [];
  const used = new Set<number>();
  const violations: PolicyFinding[] = [];
  const waived: { finding: PolicyFinding; reason: string }[] = [];
  for (const finding of findings) {
    const index = waivers.findIndex((waiver) => matches(waiver, finding));
    const waiver = waivers[index];
    if (waiver) {
      used.add(index);
      waived.push({ finding, reason: waiver.reason });
    } else violations.push(finding);
  }
  const unusedWaivers = waivers.flatMap((waiver, index) => (used.has(index) ? [] : [{ index, waiver }]));
  return { violations, waived, unusedWaivers };
}

/** `Deployment shop/cart`, `Namespace shop (terraform kubernetes_namespace_v1.namespace_shop)`, `File hosts/m1/x`. */
export function describeObject(object: ObjectIdentity): string {
  const name = object.namespace ? `${object.namespace}/${object.name}` : object.name;
  const where = object.address ? `terraform ${object.address}` : object.file;
  return object.kind === 'File' ? `file ${object.name}` : `${object.kind} ${name} (${where})`;
}
