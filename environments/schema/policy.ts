import { z } from 'zod';
import { dnsLabel } from './common';

/**
 * The policy rules checked on the synthesized output. The ids are API: waivers name them.
 * Their meaning is documented in docs/guardrails.md and implemented in stacks/policy/.
 */
export const POLICY_RULES = [
  'resources',
  'readiness-probe',
  'image-pinned',
  'non-root',
  'pod-security',
  'pdb',
  'quota',
  'no-secret-values',
  'no-host-path',
  'namespace-psa',
] as const;
export type PolicyRuleId = (typeof POLICY_RULES)[number];

/** One rule waived for one object, with the reason a reviewer reads. */
export const policyWaiver = z.strictObject({
  rule: z
    .enum(POLICY_RULES, { error: `must be one of ${POLICY_RULES.join(', ')}` })
    .describe('The policy rule waived.'),
  kind: z
    .string()
    .regex(/^[A-Z][A-Za-z0-9]*$/, { error: 'is not a Kubernetes kind (e.g. Deployment, StatefulSet, Pod)' })
    .describe('Kind of the object, e.g. `Deployment`.'),
  namespace: dnsLabel
    .optional()
    .describe('Namespace of the object. @default - a cluster-scoped object or a host file'),
  name: z
    .string()
    .min(1)
    .describe('Name of the object (for a host file: its path, e.g. hosts/node-01/x.yaml).'),
  reason: z
    .string()
    .trim()
    .min(20, { error: 'is too short: say why the rule does not apply (at least 20 characters)' })
    .describe('Why this object may break the rule; shown in reviews and in `blueprint validate`.'),
});
export type PolicyWaiverSpec = z.infer<typeof policyWaiver>;

/** Network isolation: default deny plus the allow rules derived from the model. */
export const networkIsolation = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        'Default-deny NetworkPolicies in every team namespace, plus the allow rules derived from services, uses, databases, the gateway and monitoring. @default true',
      ),
    gatewayProxyNamespace: dnsLabel
      .optional()
      .describe(
        "Namespace the gateway implementation runs its proxies in (Envoy Gateway's default: envoy-gateway-system); routed services admit traffic from it. @default - the Gateway's namespace",
      ),
    gatewayControllerNamespace: dnsLabel
      .default('envoy-gateway-system')
      .describe(
        "Namespace of the gateway implementation's controller, which proxies running in a team namespace fetch their configuration from. @default envoy-gateway-system",
      ),
    dnsNamespace: dnsLabel
      .default('kube-system')
      .describe('Namespace of the cluster DNS. @default kube-system'),
  })
  .describe('Network isolation of the team namespaces.');
export type NetworkIsolationSpec = z.infer<typeof networkIsolation>;

/** Guardrails checked at synth. */
export const policy = z
  .strictObject({
    network: networkIsolation
      .prefault({})
      .describe('Network isolation of the team namespaces. @default default deny with derived allow rules'),
    waivers: z
      .array(policyWaiver)
      .default([])
      .describe('Rules waived for single objects, each with a reason. @default []'),
  })
  .describe('Policy checks on the synthesized output.');
export type PolicySpec = z.infer<typeof policy>;
