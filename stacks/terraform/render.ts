// Before cdktf is imported: see defer-archiver.ts.
import './defer-archiver';
import { App } from 'cdktf';
import { invokeAspects } from 'cdktf/lib/synthesize/synthesizer';
import type { LoadedEnvironment } from '../../environments/load';
import { canonicalJson } from '../canonical-json';
import type { OutputFile } from '../output-file';
import { PlatformStack } from './platform-stack';

/**
 * Synthesizes the environment's Terraform stack in memory, doing what `cdktf synth` does for
 * one stack (aspects, validations, toTerraform) without writing cdktf.out.
 */
export function renderTerraform(env: LoadedEnvironment): { file: OutputFile; resources: number } {
  const app = new App({ outdir: 'cdktf.out', stackTraces: false, skipValidation: false });
  const stack = new PlatformStack(app, env.name, env);
  // prepareStack() resolves every element once more to discover cross-stack references; an
  // environment is one stack in its own App and has none, so only its backend step is needed.
  stack.ensureBackendExists();
  invokeAspects(stack);
  stack.runAllValidations();
  const json = stack.toTerraform() as { resource?: Record<string, Record<string, unknown>> };
  const resources = Object.values(json.resource ?? {}).reduce(
    (sum, byName) => sum + Object.keys(byName).length,
    0,
  );
  return { file: { path: 'terraform/cdk.tf.json', content: canonicalJson(json) }, resources };
}
