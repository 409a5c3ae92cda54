import { stringify } from 'yaml';

/** A kubeadm configuration object that renders itself to plain data. */
export interface KubeadmDocument {
  toJson(): Record<string, unknown>;
}

/**
 * One YAML file of kubeadm configuration documents separated by `---`, in the given order
 * (`kubeadm init --config` reads InitConfiguration and ClusterConfiguration from one file).
 */
export function renderKubeadmDocuments(header: string, documents: readonly KubeadmDocument[]): string {
  const comment = header
    .split('\n')
    .map((line) => `# ${line}`.trimEnd())
    .join('\n');
  const body = documents
    .map((doc) => stringify(doc.toJson(), { lineWidth: 0, aliasDuplicateObjects: false }))
    .join('---\n');
  return `${comment}\n${body}`;
}
