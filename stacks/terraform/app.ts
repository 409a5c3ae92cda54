// Before cdktf is imported: see defer-archiver.ts (cdktf-internals.ts loads it the same way).
import './defer-archiver';
import { App } from 'cdktf';
import type { LoadedEnvironment } from '../../environments/load';
import { PlatformStack } from './platform-stack';

/**
 * The app the `cdktf synth` entry point runs: one PlatformStack per environment, written by
 * cdktf itself to `<outdir>/stacks/<env>/cdk.tf.json`. `blueprint synth` builds the same
 * stacks in memory (render.ts) and is the fast path.
 */
export function synthTerraformApp(envs: readonly LoadedEnvironment[], outdir?: string): void {
  const app = new App({ ...(outdir ? { outdir } : {}), stackTraces: false });
  for (const env of envs) new PlatformStack(app, env.name, env);
  app.synth();
}
