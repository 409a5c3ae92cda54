import { dump } from 'js-yaml';

/**
 * Multi-document YAML of Kubernetes objects, as kubectl reads it. js-yaml (what the
 * Kubernetes JavaScript client uses) writes it about ten times faster than the `yaml`
 * package behind cdk8s's `Yaml.stringify`, which dominated synthesis at scale; its default
 * compatibility mode quotes strings that YAML 1.1 (kubectl's parser) would read as
 * booleans, numbers or timestamps (`'on'`, `'y'`, `'0755'`, `'12:30'`).
 */
export function manifestYaml(documents: readonly unknown[]): string {
  return documents.map((doc) => dump(doc, { lineWidth: -1, noRefs: true })).join('---\n');
}
