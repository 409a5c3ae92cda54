import { App as Cdk8sApp } from 'cdk8s';
import type { LoadedEnvironment } from '../environments/load';
import { renderHostFiles } from './hosts';
import { addCharts, renderCharts } from './kubernetes';
import type { OutputFile } from './output-file';
import { renderTerraform } from './terraform/render';

/** Everything synthesized for one environment, in memory. */
export interface EnvironmentOutput {
  readonly name: string;
  /** Sorted by path. */
  readonly files: readonly OutputFile[];
  /** Kubernetes objects in the manifests. */
  readonly objects: number;
  /** Terraform resources in cdk.tf.json. */
  readonly resources: number;
}

/**
 * Synthesizes one environment: the Terraform stack, the cdk8s charts and the host files.
 * Pure: it writes nothing; the CLI's output writer puts the files in place atomically.
 */
export function synthesizeEnvironment(env: LoadedEnvironment): EnvironmentOutput {
  const terraform = renderTerraform(env);
  const app = new Cdk8sApp({ outdir: 'cdk8s.out' });
  const kubernetes = renderCharts(app, addCharts(app, env));
  const files = [terraform.file, ...kubernetes.files, ...renderHostFiles(env)].sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
  );
  const seen = new Set<string>();
  for (const file of files) {
    if (seen.has(file.path)) throw new Error(`two generators wrote ${file.path}`);
    seen.add(file.path);
  }
  return { name: env.name, files, objects: kubernetes.objects, resources: terraform.resources };
}
