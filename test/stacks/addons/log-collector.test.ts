import { parseAllDocuments } from 'yaml';
import { rehearsalNodes } from '../../../cli/rehearsal/nodes';
import { synthesizeEnvironment } from '../../../stacks/environment';
import { loadRepoEnvironment } from '../../support/repo-environment';

// biome-ignore lint/suspicious/noExplicitAny: synthesized manifests are untyped JSON
type Manifest = any;

interface Taint {
  readonly key: string;
  readonly value?: string;
  readonly effect: string;
}
interface Toleration {
  readonly key?: string;
  readonly operator?: 'Exists' | 'Equal';
  readonly value?: string;
  readonly effect?: string;
}
interface Expression {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values?: readonly string[];
}

/** The scheduler's node-selection predicates a DaemonSet pod needs here (nodeSelector, required node affinity, NoSchedule/NoExecute taints). */
function fits(pod: Manifest, labels: Readonly<Record<string, string>>, taints: readonly Taint[]): boolean {
  const selector: Record<string, string> = pod.nodeSelector ?? {};
  if (Object.entries(selector).some(([key, value]) => labels[key] !== value)) return false;
  const terms: { matchExpressions: Expression[] }[] =
    pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  const matches = (e: Expression) => {
    const has = e.key in labels;
    if (e.operator === 'Exists') return has;
    if (e.operator === 'DoesNotExist') return !has;
    const inValues = has && (e.values ?? []).includes(labels[e.key] as string);
    return e.operator === 'In' ? inValues : !inValues;
  };
  if (terms.length > 0 && !terms.some((term) => term.matchExpressions.every(matches))) return false;
  const tolerations: Toleration[] = pod.tolerations ?? [];
  const tolerated = (taint: Taint) =>
    tolerations.some(
      (t) =>
        (t.effect === undefined || t.effect === taint.effect) &&
        (t.key === undefined ? t.operator === 'Exists' : t.key === taint.key) &&
        (t.operator === 'Exists' || (t.value ?? '') === (taint.value ?? '')),
    );
  return taints.filter((taint) => taint.effect !== 'PreferNoSchedule').every(tolerated);
}

describe.each(['prod', 'prod-b'])('the log collector of %s', (name) => {
  const env = loadRepoEnvironment(name);
  const output = synthesizeEnvironment(env);
  const read = (file: string): Manifest[] =>
    parseAllDocuments(output.files.find((f) => f.path === file)?.content ?? '')
      .map((doc) => doc.toJS())
      .filter(Boolean);
  const addons = read('kubernetes/addons.yaml');
  const daemonSets = addons.filter((m) => m.kind === 'DaemonSet' && m.metadata.namespace === 'logging');

  it('is enabled, in the namespace logging, as two DaemonSets', () => {
    expect(env.spec.addons.logging.enabled).toBe(true);
    expect(daemonSets.map((ds) => ds.metadata.name).sort()).toEqual([
      'fluent-bit',
      'fluent-bit-control-plane',
    ]);
  });

  it("lands exactly one collector on every node the rehearsal registers (kubeadm's labels and taints), the audit-reading one on the masters", () => {
    const nodes = rehearsalNodes(env, output);
    expect(nodes.filter((node) => node.role === 'master').length).toBe(env.spec.controlPlane.masters.length);
    expect(nodes.filter((node) => node.role === 'worker').length).toBeGreaterThan(10);
    for (const node of nodes) {
      const chosen = daemonSets
        .filter((ds) => fits(ds.spec.template.spec, node.labels, node.taints))
        .map((ds) => ds.metadata.name);
      expect([node.name, chosen]).toEqual([
        node.name,
        [node.role === 'master' ? 'fluent-bit-control-plane' : 'fluent-bit'],
      ]);
    }
  });

  it('has a privileged namespace of its own (Terraform), with audit and warn at baseline', () => {
    const tf = JSON.parse(output.files.find((f) => f.path === 'terraform/cdk.tf.json')?.content ?? '{}');
    const labels =
      tf.resource.kubernetes_namespace_v1.namespace_logging.metadata[0]?.labels ??
      tf.resource.kubernetes_namespace_v1.namespace_logging.metadata.labels;
    expect(labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'privileged',
      'pod-security.kubernetes.io/audit': 'baseline',
      'pod-security.kubernetes.io/warn': 'baseline',
    });
    const inNamespace = addons.filter((m) => m.metadata.namespace === 'logging');
    // Nothing but the collector runs there.
    for (const m of inNamespace.filter((o) =>
      ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(o.kind),
    ))
      expect(m.metadata.name).toMatch(/^fluent-bit/);
  });

  it("ships to the site's OpenSearch over verified TLS, its egress only to that address", () => {
    const site = name === 'prod' ? '10.20' : '10.21';
    const config = addons.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'fluent-bit').data[
      'node.yaml'
    ];
    expect(config).toContain(`host: ${site}.3.50`);
    const allow = addons.find(
      (m) => m.kind === 'NetworkPolicy' && m.metadata.name === 'allow-fluent-bit',
    ).spec;
    expect(allow.egress[0]).toEqual({
      to: [{ ipBlock: { cidr: `${site}.3.50/32` } }],
      ports: [{ port: 9200, protocol: 'TCP' }],
    });
  });

  it('pins the Fluent Bit release in the image and the add-on lock', () => {
    for (const ds of daemonSets)
      expect(ds.spec.template.spec.containers[0].image).toBe('cr.fluentbit.io/fluent/fluent-bit:5.1.4');
    const lock = JSON.parse(
      output.files.find((f) => f.path === 'kubernetes/addons.lock.json')?.content ?? '{}',
    );
    expect(lock.addons).toContainEqual({ name: 'logging', release: 'v5.1.4', crds: [] });
  });
});
