import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../../stacks/package-root';
import { ToolError } from '../errors';

/** The result for one object: unknown to kubernetes-models, or its schema problems. */
export type KubernetesSchemaResult =
  | { readonly known: false }
  | { readonly known: true; readonly problems: string[] };

const WORKER = path.join(__dirname, 'validate-kubernetes-worker.mjs');

/**
 * Validates Kubernetes objects against the kubernetes-models JSON schemas, in one child
 * process (the package is ESM-only). Bounded: the worker is killed after `timeoutMs`.
 */
export function validateKubernetesSchemas(
  objects: readonly unknown[],
  timeoutMs = 120_000,
): KubernetesSchemaResult[] {
  if (objects.length === 0) return [];
  const result = spawnSync(process.execPath, [WORKER], {
    input: JSON.stringify(objects),
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
    cwd: PACKAGE_ROOT,
  });
  if (result.error || result.status !== 0) {
    const reason = result.error?.message ?? result.stderr.trim().split('\n').slice(-3).join(' ');
    throw new ToolError(
      `the Kubernetes schema check (node ${path.relative(process.cwd(), WORKER)}) failed: ${reason}; is kubernetes-models installed (npm ci)?`,
    );
  }
  const parsed = JSON.parse(result.stdout) as KubernetesSchemaResult[];
  if (parsed.length !== objects.length)
    throw new Error('validate: the schema worker answered for a different number of objects');
  return parsed;
}
