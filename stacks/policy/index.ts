import { InputError } from '../../environments/input-error';
import type { LoadedEnvironment } from '../../environments/load';
import { addonWaivers } from '../addons/catalog';
import type { OutputFile } from '../output-file';
import { checkPolicies, describeObject, type PolicyOptions, type PolicyReport } from './check';

/** Namespaces Kubernetes creates itself; the blueprint may place objects there without creating them. */
export const KUBERNETES_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease'];

/** The checker's options for one environment: its masters, its external namespaces, its waivers. */
export function policyOptions(env: LoadedEnvironment): PolicyOptions {
  const { spec } = env;
  return {
    controlPlaneHosts: spec.controlPlane.masters.map((master) => master.name),
    externalNamespaces: [...KUBERNETES_NAMESPACES, spec.observability.namespace],
    // The environment's waivers first (validate names them by index), then the add-ons' exceptions.
    waivers: [...spec.policy.waivers, ...addonWaivers(spec)],
  };
}

/**
 * Checks an environment's synthesized files and throws an InputError (exit 2) naming every
 * object and rule broken, unless `enforce` is false. Returns the report either way.
 *
 * @param documents the parsed documents of some YAML files (what the charts rendered), so that
 *   they need not be parsed back; the other files are parsed
 */
export function checkEnvironmentPolicy(
  env: LoadedEnvironment,
  files: readonly OutputFile[],
  enforce = true,
  documents?: ReadonlyMap<string, readonly unknown[]>,
): PolicyReport {
  const report = checkPolicies(files, policyOptions(env), documents);
  if (enforce && report.violations.length > 0) {
    throw new InputError(
      report.violations.map((finding) => ({
        file: env.file,
        message: `policy "${finding.rule}": ${describeObject(finding.object)} ${finding.message} (fix the input, or waive it in policy.waivers with a reason)`,
      })),
    );
  }
  return report;
}

export {
  checkPolicies,
  describeObject,
  POLICY_RULE_SET,
  type PolicyFinding,
  type PolicyReport,
} from './check';
