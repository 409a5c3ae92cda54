// Everything the blueprint takes from cdktf beyond its public API is in this file (and in
// defer-archiver.ts, which it loads before cdktf). test/stacks/terraform/cdktf-internals.test.ts
// compares what these produce with cdktf's own public `app.synth()`, so a cdktf upgrade that
// changes the internals fails that test instead of changing the output unnoticed.
import './defer-archiver';
import type { TerraformStack } from 'cdktf';
import { invokeAspects } from 'cdktf/lib/synthesize/synthesizer';

/**
 * One stack's Terraform JSON, in memory: what `app.synth()` does for a stack (backend, aspects,
 * validations, toTerraform) without writing cdktf.out or resolving the whole app a second time.
 *
 * cdktf's `prepareStack()` resolves every element once more to find cross-stack references;
 * the blueprint's stacks sit alone in their App and have none, so only the backend step of it
 * is needed. `invokeAspects` is cdktf's internal (lib/synthesize/synthesizer).
 */
export function synthesizeStackInMemory(stack: TerraformStack): Record<string, unknown> {
  stack.ensureBackendExists();
  invokeAspects(stack);
  stack.runAllValidations();
  return stack.toTerraform() as Record<string, unknown>;
}
