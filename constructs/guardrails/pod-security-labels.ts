import { ValidationError } from '../core/validation-error';
/** Pod Security Admission levels the platform uses. */
export type PodSecurityLevel = 'restricted' | 'baseline' | 'privileged';

/** Pod Security Admission's namespace label prefix. */
export const POD_SECURITY_PREFIX = 'pod-security.kubernetes.io/';

/** The three PSA modes; a namespace is covered when it sets all three. */
export const POD_SECURITY_MODES = ['enforce', 'audit', 'warn'] as const;

/** Props of {@link podSecurityLabels}. */
export interface PodSecurityLabelsProps {
  /** The level pods are admitted at; violating pods are rejected. */
  readonly enforce: PodSecurityLevel;
  /**
   * The level recorded in the audit log and shown as kubectl warnings, so that a namespace
   * that enforces `baseline` still shows what `restricted` would reject.
   * @default restricted
   */
  readonly auditAndWarn?: PodSecurityLevel;
  /**
   * The policy version the levels are evaluated at (`v1.28`, or `latest`). Pinning it to the
   * cluster's minor version keeps an upgrade from tightening the rules unannounced.
   * @default latest
   */
  readonly version?: string;
}

/**
 * The Pod Security Admission labels of a namespace: enforce at the namespace's level, audit
 * and warn at `restricted`, each with its pinned version, in a stable key order. Pure data,
 * because the namespaces are Terraform resources.
 */
export function podSecurityLabels(props: PodSecurityLabelsProps): Record<string, string> {
  const version = props.version ?? 'latest';
  if (!/^(latest|v1\.\d+)$/.test(version)) {
    throw new ValidationError(
      `podSecurityLabels: 'version' (${JSON.stringify(version)}) must be latest or v1.<minor>`,
    );
  }
  const auditAndWarn = props.auditAndWarn ?? 'restricted';
  const levels: Record<(typeof POD_SECURITY_MODES)[number], PodSecurityLevel> = {
    enforce: props.enforce,
    audit: auditAndWarn,
    warn: auditAndWarn,
  };
  const labels: Record<string, string> = {};
  for (const mode of POD_SECURITY_MODES) {
    labels[`${POD_SECURITY_PREFIX}${mode}`] = levels[mode];
    labels[`${POD_SECURITY_PREFIX}${mode}-version`] = version;
  }
  return labels;
}

/** The PSA modes that `labels` leaves unset or sets to an unknown level. */
export function missingPodSecurityModes(labels: Readonly<Record<string, string>> | undefined): string[] {
  return POD_SECURITY_MODES.filter(
    (mode) =>
      !['restricted', 'baseline', 'privileged'].includes(labels?.[`${POD_SECURITY_PREFIX}${mode}`] ?? ''),
  );
}
