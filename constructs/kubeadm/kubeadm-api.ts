import { kubernetesMinor } from '../core/kubernetes-version';
import { ValidationError } from '../core/validation-error';
/** The kubeadm configuration API versions the blueprint writes. */
export type KubeadmApiVersion = 'kubeadm.k8s.io/v1beta3' | 'kubeadm.k8s.io/v1beta4';

/**
 * The kubeadm configuration API for a Kubernetes version: v1beta4 from 1.31 (where it became
 * the default), v1beta3 below. Both are understood by kubeadm 1.31 and 1.32, but v1beta3 is
 * deprecated there and kubeadm before 1.31 does not know v1beta4.
 */
export function kubeadmApiVersion(kubernetesVersion: string): KubeadmApiVersion {
  const minor = kubernetesMinor(kubernetesVersion);
  if (minor === undefined) {
    throw new ValidationError(
      `kubeadmApiVersion: 'kubernetesVersion' (${JSON.stringify(kubernetesVersion)}) must be x.y.z`,
    );
  }
  return minor >= 31 ? 'kubeadm.k8s.io/v1beta4' : 'kubeadm.k8s.io/v1beta3';
}

/** One extra argument in v1beta4's list shape. */
export interface KubeadmArg {
  /** Flag name without dashes, e.g. `node-ip`. */
  readonly name: string;
  /** Flag value. */
  readonly value: string;
}

/**
 * Extra arguments in the shape of the API version: a map in v1beta3, a list of
 * `{ name, value }` in v1beta4 (which allows repeating a flag). Sorted by name.
 */
export function extraArgs(
  apiVersion: KubeadmApiVersion,
  args: Readonly<Record<string, string>>,
): Record<string, string> | KubeadmArg[] {
  const names = Object.keys(args).sort();
  if (apiVersion === 'kubeadm.k8s.io/v1beta3') {
    return Object.fromEntries(names.map((name) => [name, args[name] as string]));
  }
  return names.map((name) => ({ name, value: args[name] as string }));
}

/** A host path mounted into a control-plane static pod (kubeadm's `HostPathMount`, the same in v1beta3 and v1beta4). */
export interface KubeadmHostPathMount {
  /** Volume name in the static pod. */
  readonly name: string;
  /** Path on the master. */
  readonly hostPath: string;
  /** Path inside the container. */
  readonly mountPath: string;
  /** Whether the container may only read it. */
  readonly readOnly: boolean;
  /** What must be at hostPath (`DirectoryOrCreate` creates a missing directory). */
  readonly pathType: 'DirectoryOrCreate' | 'Directory' | 'File' | 'FileOrCreate';
}
