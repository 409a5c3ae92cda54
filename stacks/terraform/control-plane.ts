import { Labels } from '@cdktf/provider-kubernetes/lib/labels';
import { NodeTaint } from '@cdktf/provider-kubernetes/lib/node-taint';
import type { Construct } from 'constructs';
import { CONTROL_PLANE_TAINT } from '../../constructs/kubeadm/node-registration';
import type { EnvironmentSpec } from '../../environments/schema';

/** The role label of a master. A kubelet may not set node-role labels on itself, so Terraform does. */
export const CONTROL_PLANE_ROLE_LABEL = 'node-role.kubernetes.io/control-plane';

/**
 * Field manager of the masters' label and taint (the same as the worker pools'). With `force`,
 * Terraform takes the keys over from kubeadm, which sets the same values at `kubeadm init/join`.
 */
const FIELD_MANAGER = 'platform-blueprint';

/** Terraform names allow letters, digits, `_` and `-`. */
function resourceName(prefix: string, node: string): string {
  return `${prefix}_${node}`.replace(/[^A-Za-z0-9_-]/g, '_');
}

/**
 * Per master: a `kubernetes_node_taint` with the control-plane NoSchedule taint, so that business
 * pods stay off the masters even if the taint was removed by hand, and a `kubernetes_labels`
 * with the control-plane role label. Names are `control_plane_taint_<master>` and
 * `control_plane_labels_<master>`: renaming a master replaces only its own resources.
 */
export function addControlPlane(scope: Construct, spec: EnvironmentSpec): void {
  for (const master of spec.controlPlane.masters) {
    new NodeTaint(scope, resourceName('control_plane_taint', master.name), {
      metadata: { name: master.name },
      // The provider requires a value; an empty one is Kubernetes' "no value".
      taint: [{ key: CONTROL_PLANE_TAINT.key, value: '', effect: CONTROL_PLANE_TAINT.effect }],
      fieldManager: FIELD_MANAGER,
      force: true,
    });
    new Labels(scope, resourceName('control_plane_labels', master.name), {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: master.name },
      labels: { [CONTROL_PLANE_ROLE_LABEL]: '' },
      fieldManager: FIELD_MANAGER,
      force: true,
    });
  }
}
