/**
 * The minor version of a Kubernetes release (`1.28.15` or `v1.28.15` → 28), or undefined when
 * the text is not `1.y.z`. What a feature's availability is decided by: CEL libraries,
 * admission APIs, Pod Security policy versions, kubeadm configuration APIs.
 */
export function kubernetesMinor(version: string): number | undefined {
  const minor = /^v?1\.(\d+)\.\d+$/.exec(version)?.[1];
  return minor === undefined ? undefined : Number(minor);
}
