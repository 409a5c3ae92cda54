// The Terraform part of the blueprint. cdktf is archived upstream; every cdktf import stays
// inside stacks/terraform/ so that moving to its fork is a rename of these imports.
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { type App, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import type { LoadedEnvironment } from '../../environments/load';
import { BlueprintBackend, backendBlock } from './backend';
import { addControlPlane } from './control-plane';
import { addNodePools } from './node-pools';
import { addStorageClasses } from './storage';
import { addTenancy } from './tenancy';

/**
 * One environment's cluster-scoped platform resources: the kubernetes provider pointed at
 * the environment's kubeconfig context, and the resources of every area added to it.
 */
export class PlatformStack extends TerraformStack {
  constructor(scope: Construct, id: string, env: LoadedEnvironment) {
    super(scope, id);
    const { spec } = env;
    // From terraform.backend; the local default is a relative path (cdktf's own default is absolute).
    new BlueprintBackend(this, backendBlock(env.name, spec));
    new KubernetesProvider(this, 'kubernetes', {
      configPath: spec.cluster.kubeconfig.path,
      configContext: spec.cluster.kubeconfig.context,
    });
    addControlPlane(this, spec);
    addTenancy(this, spec);
    addNodePools(this, spec);
    addStorageClasses(this, spec);
  }
}

/** Adds one PlatformStack per environment to a cdktf App (the `cdktf synth` entry point uses this). */
export function addPlatformStacks(app: App, envs: readonly LoadedEnvironment[]): PlatformStack[] {
  return envs.map((env) => new PlatformStack(app, env.name, env));
}
