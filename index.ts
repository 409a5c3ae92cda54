/**
 * Platform Blueprint's constructs, for a platform team's own cdk8s apps: every construct area
 * (constructs/<area>/index.ts). Each area is also its own entry point, e.g.
 * `platform-blueprint/constructs/workloads`; the Terraform constructs are
 * `platform-blueprint/terraform`.
 * This file only re-exports.
 */

// Both the add-on and the database areas name their resource shapes ContainerResources; the
// root exports the add-ons' one (the databases' stays at platform-blueprint/constructs/data).
export type { ContainerResources } from './constructs/addons';
export * from './constructs/addons';
export * from './constructs/autoscaling';
export * from './constructs/control-plane';
export * from './constructs/core';
export * from './constructs/data';
export * from './constructs/gateway';
export * from './constructs/guardrails';
export * from './constructs/hosts';
export * from './constructs/kubeadm';
export * from './constructs/node-pool';
export * from './constructs/observability';
export * from './constructs/platform';
export * from './constructs/scheduling';
export * from './constructs/workloads';
