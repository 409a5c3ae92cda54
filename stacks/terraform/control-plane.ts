import type { Construct } from 'constructs';
import type { EnvironmentSpec } from '../../environments/schema';
import { forgetWithoutDestroying } from './removed';

/** Terraform names allow letters, digits, `_` and `-`. */
function resourceName(prefix: string, node: string): string {
  return `${prefix}_${node}`.replace(/[^A-Za-z0-9_-]/g, '_');
}

/**
 * The masters' control-plane taint and role label are kubeadm's: `kubeadm init` and
 * `kubeadm join --control-plane` set both (the init and join files list the taint explicitly),
 * and Terraform no longer manages Nodes (see node-pools.ts). The resources earlier versions
 * kept in state are forgotten without being destroyed.
 */
export function addControlPlane(scope: Construct, spec: EnvironmentSpec): void {
  for (const master of spec.controlPlane.masters) {
    forgetWithoutDestroying(scope, 'kubernetes_node_taint', resourceName('control_plane_taint', master.name));
    forgetWithoutDestroying(scope, 'kubernetes_labels', resourceName('control_plane_labels', master.name));
  }
}
