import { TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';

/**
 * Adds a Terraform `removed` block (Terraform >= 1.7) for `<type>.<name>` with
 * `destroy = false`: a resource an earlier version managed leaves the state, and the object
 * it managed stays in the cluster as it is. A no-op when the state never held it.
 */
export function forgetWithoutDestroying(scope: Construct, type: string, name: string): void {
  const stack = TerraformStack.of(scope);
  const blocks = removedBlocks.get(stack) ?? [];
  if (blocks.length === 0) removedBlocks.set(stack, blocks);
  blocks.push({ from: `${type}.${name}`, lifecycle: { destroy: false } });
  stack.addOverride('removed', blocks);
}

const removedBlocks = new WeakMap<TerraformStack, { from: string; lifecycle: { destroy: boolean } }[]>();
