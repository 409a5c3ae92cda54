import { ValidationError } from '../core/validation-error';
import { extraArgs, type KubeadmApiVersion, type KubeadmArg } from './kubeadm-api';

/** A node taint in kubeadm's `nodeRegistration.taints`. */
export interface KubeadmTaint {
  /** Taint key, e.g. `node-role.kubernetes.io/control-plane`. */
  readonly key: string;
  /** Taint value. @default - no value */
  readonly value?: string;
  /** What the taint does to pods that do not tolerate it. */
  readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** The control-plane taint that keeps business pods off the masters. */
export const CONTROL_PLANE_TAINT: KubeadmTaint = {
  key: 'node-role.kubernetes.io/control-plane',
  effect: 'NoSchedule',
};

/** Props of {@link NodeRegistration}. */
export interface NodeRegistrationProps {
  /** The node name (the host name). */
  readonly name: string;
  /** The node's IPv4 address, passed to the kubelet as `--node-ip`. */
  readonly address: string;
  /**
   * Taints the node registers with. Always explicit: kubeadm treats a missing list as "the
   * default" (the control-plane taint on masters), an empty one as "no taints".
   */
  readonly taints: readonly KubeadmTaint[];
  /**
   * Labels the kubelet sets on its own node (`--node-labels`). Only labels a kubelet may set on
   * itself are allowed (see {@link isKubeletSettableLabel}); deploy sets node-role and other restricted labels.
   * @default {}
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/** The rendered `nodeRegistration` block. */
export interface NodeRegistrationJson {
  /** The node name. */
  readonly name: string;
  /** The taints the node registers with (explicit, possibly empty). */
  readonly taints: KubeadmTaint[];
  /** Kubelet flags: a map in v1beta3, a list of `{ name, value }` in v1beta4. */
  readonly kubeletExtraArgs: Record<string, string> | KubeadmArg[];
}

const SELF_LABEL_KEYS = new Set([
  'kubernetes.io/hostname',
  'kubernetes.io/arch',
  'kubernetes.io/os',
  'beta.kubernetes.io/instance-type',
  'beta.kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'node.kubernetes.io/instance-type',
]);

/**
 * Whether a kubelet may set this label on its own node. Labels under kubernetes.io or k8s.io
 * are refused (the kubelet fails to start) unless they are on the kubelet's allow list or under
 * `kubelet.kubernetes.io/` or `node.kubernetes.io/`; node-role labels are not allowed.
 */
export function isKubeletSettableLabel(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash === -1) return true;
  const prefix = key.slice(0, slash);
  const restricted = ['kubernetes.io', 'k8s.io'].some((ns) => prefix === ns || prefix.endsWith(`.${ns}`));
  if (!restricted) return true;
  if (SELF_LABEL_KEYS.has(key)) return true;
  return (
    prefix === 'kubelet.kubernetes.io' ||
    prefix.endsWith('.kubelet.kubernetes.io') ||
    prefix === 'node.kubernetes.io' ||
    prefix.endsWith('.node.kubernetes.io')
  );
}

/**
 * kubeadm's `nodeRegistration` of one node: its name, explicit taints, and the kubelet's
 * `node-ip` and `node-labels` in the shape of the API version.
 */
export class NodeRegistration {
  private readonly props: NodeRegistrationProps;

  constructor(props: NodeRegistrationProps) {
    for (const key of Object.keys(props.labels ?? {})) {
      if (!isKubeletSettableLabel(key)) {
        throw new ValidationError(
          `NodeRegistration: label '${key}' of node ${props.name} cannot be set by the kubelet on itself; deploy sets it on the joined node`,
        );
      }
    }
    for (const [key, value] of Object.entries(props.labels ?? {})) {
      if (/[,=]/.test(key) || /[,=]/.test(value)) {
        throw new ValidationError(`NodeRegistration: label ${key}=${value} must not contain "," or "="`);
      }
    }
    this.props = props;
  }

  /** The block in the shape of `apiVersion`. */
  toJson(apiVersion: KubeadmApiVersion): NodeRegistrationJson {
    const labels = this.props.labels ?? {};
    const nodeLabels = Object.keys(labels)
      .sort()
      .map((key) => `${key}=${labels[key]}`)
      .join(',');
    const args: Record<string, string> = { 'node-ip': this.props.address };
    if (nodeLabels !== '') args['node-labels'] = nodeLabels;
    return {
      name: this.props.name,
      taints: this.props.taints.map((t) =>
        t.value === undefined
          ? { key: t.key, effect: t.effect }
          : { key: t.key, value: t.value, effect: t.effect },
      ),
      kubeletExtraArgs: extraArgs(apiVersion, args),
    };
  }
}
