import type { PolicyRuleId } from '../../environments/schema/policy';
import type { FoundObject } from './manifests';

/** What the rules look at: every object of one environment's output, and what they need to know about it. */
export interface PolicyInput {
  readonly objects: readonly FoundObject[];
  /** Host names of the control plane's masters: their static pods may use hostPath. */
  readonly controlPlaneHosts: readonly string[];
  /**
   * Namespaces the blueprint places objects in but does not create (Kubernetes' own and the
   * monitoring stack's); they are labelled by whoever creates them.
   */
  readonly externalNamespaces: readonly string[];
}

/** One object breaking one rule. */
export interface Violation {
  readonly rule: PolicyRuleId;
  readonly object: FoundObject;
  /** What is wrong, e.g. `container "app" has no readiness probe`. */
  readonly message: string;
}

/** A policy rule: an id that waivers name, one line of meaning, and the check. */
export interface PolicyRule {
  readonly id: PolicyRuleId;
  /** One line, shown by `blueprint validate` and in docs/guardrails.md. */
  readonly summary: string;
  check(input: PolicyInput): Violation[];
}
