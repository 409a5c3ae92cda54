import { App as Cdk8sApp } from 'cdk8s';
import { ValidationError } from '../constructs/core/validation-error';
import { InputError } from '../environments/input-error';
import type { LoadedEnvironment } from '../environments/load';
import { renderAddonLock } from './addons/lock';
import { renderHostFiles } from './hosts';
import { renderAnsible } from './hosts/ansible';
import { addCharts, renderCharts } from './kubernetes';
import type { OutputFile } from './output-file';
import { checkEnvironmentPolicy, type PolicyReport } from './policy';
import { renderTerraform } from './terraform/render';
import { renderTopology } from './topology';

/** Everything synthesized for one environment, in memory. */
export interface EnvironmentOutput {
  readonly name: string;
  /** Sorted by path. */
  readonly files: readonly OutputFile[];
  /** Kubernetes objects in the manifests. */
  readonly objects: number;
  /** Terraform resources in cdk.tf.json. */
  readonly resources: number;
  /** The policy checks' findings (violations are empty unless synthesized with `enforcePolicy: false`). @default - not checked */
  readonly policy?: PolicyReport;
}

/**
 * Synthesizes one environment: the Terraform stack, the cdk8s charts and the host files.
 * Pure: it writes nothing; the CLI's output writer puts the files in place atomically.
 */
export function synthesizeEnvironment(
  env: LoadedEnvironment,
  options: { readonly enforcePolicy?: boolean } = {},
): EnvironmentOutput {
  try {
    return buildEnvironment(env, options);
  } catch (error) {
    // A construct refused a value the schema let through: that is still the user's input
    // (exit 2, naming the environment file), not a bug in blueprint.
    if (error instanceof ValidationError) {
      throw new InputError({
        file: env.file,
        ...(error.constructPath === undefined ? {} : { path: error.constructPath }),
        message: error.message,
      });
    }
    throw error;
  }
}

function buildEnvironment(
  env: LoadedEnvironment,
  options: { readonly enforcePolicy?: boolean },
): EnvironmentOutput {
  const terraform = renderTerraform(env);
  const app = new Cdk8sApp({ outdir: 'cdk8s.out' });
  const kubernetes = renderCharts(app, addCharts(app, env));
  const hostFiles = renderHostFiles(env);
  const files = [
    terraform.file,
    ...kubernetes.files,
    renderAddonLock(env.spec),
    ...hostFiles,
    ...renderAnsible(env, hostFiles),
    renderTopology(env.name, env.spec),
  ].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const seen = new Set<string>();
  for (const file of files) {
    if (seen.has(file.path)) throw new Error(`two generators wrote ${file.path}`);
    seen.add(file.path);
  }
  // Policy violations are input errors (exit 2) naming the object and the rule; `validate` reports them instead.
  const policy = checkEnvironmentPolicy(env, files, options.enforcePolicy ?? true, kubernetes.documents);
  return { name: env.name, files, objects: kubernetes.objects, resources: terraform.resources, policy };
}
