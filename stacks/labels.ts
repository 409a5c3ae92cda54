/** Labels on every object the blueprint creates, so that tools (and deploy's prune) can find them. */
export const MANAGED_BY_LABELS: Readonly<Record<string, string>> = {
  'app.kubernetes.io/managed-by': 'platform-blueprint',
};
