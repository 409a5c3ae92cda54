import { z } from 'zod';
import { addons } from './addons';
import { addonRules } from './addons-rules';
import { clusterAutoscaler } from './autoscaling';
import { autoscalingRules } from './autoscaling-rules';
import { cluster } from './cluster';
import { dnsLabel } from './common';
import { controlPlane } from './control-plane';
import { controlPlaneRules } from './control-plane-rules';
import { databases, externalServices, storage } from './data';
import { dataRules } from './data-rules';
import { gateway, grayscale } from './gateway';
import { gatewayRules } from './gateway-rules';
import { loggingRules } from './logging-rules';
import { namespaces } from './namespaces';
import { nodePoolRules } from './node-pool-rules';
import { nodePool } from './node-pools';
import { observability } from './observability';
import { observabilityRules } from './observability-rules';
import { policy } from './policy';
import { policyRules } from './policy-rules';
import type { Rule } from './rules';
import { services } from './services';
import { serviceRules } from './services-rules';
import { tenancy } from './tenancy';
import { tenancyRules } from './tenancy-rules';
import { terraform } from './terraform';
import { trafficProtectionRules } from './traffic-protection-rules';

/**
 * The environment file's schema: the single source of truth. TypeScript types are inferred
 * from it, `environments/schema.json` is generated from it, and the loader validates every
 * merged environment (template values + environment values) against it. Strict: an unknown
 * key is an error.
 */
export const environmentShape = z
  .strictObject({
    template: dnsLabel.describe(
      'Template from environments/templates/ whose values this environment starts from.',
    ),
    kubernetesVersion: z
      .string({ error: 'must be a string such as "1.28.15"' })
      .regex(/^1\.(2[6-9]|3[0-9])\.\d+$/, {
        error: 'is not a supported Kubernetes version (1.26.0 to 1.39.x, e.g. 1.28.15)',
      })
      .describe(
        'Kubernetes version of the cluster, x.y.z. It picks the kubeadm API version (v1beta3 below 1.31).',
      ),
    cluster,
    controlPlane,
    nodePools: z.array(nodePool).default([]).describe('Worker pools. @default []'),
    clusterAutoscaler: clusterAutoscaler
      .optional()
      .describe(
        'The cluster-autoscaler of autoscaled pools; required when a pool has minSize/maxSize. @default - none',
      ),
    namespaces,
    tenancy: tenancy
      .prefault({})
      .describe(
        'Cluster-wide tenancy: RBAC groups per role and priority classes. @default no groups, default priority classes',
      ),
    observability: observability
      .prefault({})
      .describe(
        'Monitoring, alerts and OpenTelemetry conventions. @default monitoring namespace `monitoring`',
      ),
    policy: policy
      .prefault({})
      .describe('Policy checks on the synthesized output and their waivers. @default no waivers'),
    services,
    gateway: gateway.optional().describe('The north-south gateway (Gateway API v1). @default - no gateway'),
    grayscale: grayscale
      .prefault({})
      .describe(
        'Full-link grayscale: the mark header and in-cluster lane routes. @default header x-gray-tag',
      ),
    terraform,
    databases,
    externalServices,
    storage,
    addons: addons.describe(
      'Platform add-ons: the controllers the output depends on (CNI, CSI, gateway, addresses, monitoring, metrics, scheduled scaling). @default every add-on with its defaults',
    ),
  })
  .describe('A Platform Blueprint environment.');

/** Cross-field rules of every area, run after the shape is valid. Each area keeps its rules beside its schema. */
const rules: Rule[] = [
  ...controlPlaneRules,
  ...tenancyRules,
  ...policyRules,
  ...observabilityRules,
  ...serviceRules,
  ...gatewayRules,
  ...trafficProtectionRules,
  ...dataRules,
  ...nodePoolRules,
  ...autoscalingRules,
  ...addonRules,
  ...loggingRules,
];

export const environmentSchema = environmentShape.superRefine((spec, ctx) => {
  for (const rule of rules) rule(spec, ctx);
});

/** A validated environment, with every default filled in. */
export type EnvironmentSpec = z.infer<typeof environmentShape>;
/** An environment as written in YAML, before defaults. */
export type EnvironmentInput = z.input<typeof environmentShape>;
