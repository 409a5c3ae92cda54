import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import type { Construct } from 'constructs';
import type { EnvironmentSpec } from '../../environments/schema';
import { MANAGED_BY_LABELS } from '../labels';

/** Terraform resource names allow letters, digits, `_` and `-`; keep them readable and stable. */
export function tfName(...parts: string[]): string {
  return parts.join('_').replace(/[^A-Za-z0-9_-]/g, '_');
}

/** The environment's namespaces, labelled as managed by the blueprint. */
export function addNamespaces(scope: Construct, spec: EnvironmentSpec): Map<string, NamespaceV1> {
  const created = new Map<string, NamespaceV1>();
  for (const ns of spec.namespaces) {
    created.set(
      ns.name,
      new NamespaceV1(scope, tfName('namespace', ns.name), {
        metadata: { name: ns.name, labels: { ...MANAGED_BY_LABELS, ...ns.labels } },
      }),
    );
  }
  return created;
}
