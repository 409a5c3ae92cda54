// Before cdktf is imported: see defer-archiver.ts.
import './defer-archiver';
import { App } from 'cdktf';
import type { LoadedEnvironment } from '../../environments/load';
import { canonicalJson } from '../canonical-json';
import type { OutputFile } from '../output-file';
import { synthesizeStackInMemory } from './cdktf-internals';
import { PlatformStack } from './platform-stack';

/** Synthesizes the environment's Terraform stack in memory (see {@link synthesizeStackInMemory}). */
export function renderTerraform(env: LoadedEnvironment): { file: OutputFile; resources: number } {
  const app = new App({ outdir: 'cdktf.out', stackTraces: false, skipValidation: false });
  const stack = new PlatformStack(app, env.name, env);
  const json = synthesizeStackInMemory(stack) as { resource?: Record<string, Record<string, unknown>> };
  const resources = Object.values(json.resource ?? {}).reduce(
    (sum, byName) => sum + Object.keys(byName).length,
    0,
  );
  return { file: { path: 'terraform/cdk.tf.json', content: canonicalJson(json) }, resources };
}
