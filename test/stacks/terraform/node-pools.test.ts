import { Project } from '../../../cli/project';
import type { LoadedEnvironment } from '../../../environments/load';
import { POOL_LABEL } from '../../../stacks/kubernetes/placement';
import { renderTerraform } from '../../../stacks/terraform/render';
import { REPO_ROOT } from '../../support/cli';

// biome-ignore lint/suspicious/noExplicitAny: cdk.tf.json is untyped JSON
type Resource = Record<string, any>;
type Resources = Record<string, Record<string, Resource>>;

function terraformOf(env: LoadedEnvironment): Resources {
  return JSON.parse(renderTerraform(env).file.content).resource as Resources;
}

describe('node pools in Terraform (prod)', () => {
  let env: LoadedEnvironment;
  let resources: Resources;
  beforeAll(() => {
    [env] = new Project(REPO_ROOT).loadEnvironments(['prod']) as [LoadedEnvironment];
    resources = terraformOf(env);
  });

  it('labels every node of every fixed pool once with its pool, role, zone and pool labels', () => {
    // Masters are labelled by the control-plane area; the pools' resources are node_labels_<node>.
    const labels = Object.entries(resources.kubernetes_labels ?? {})
      .filter(([name]) => name.startsWith('node_labels_'))
      .map(([, resource]) => resource);
    const fixedNodes = env.spec.nodePools.flatMap((pool) =>
      (pool.nodes ?? []).map((node) => ({ pool, node })),
    );
    expect(fixedNodes.length).toBeGreaterThanOrEqual(13);
    expect(labels).toHaveLength(fixedNodes.length);
    for (const { pool, node } of fixedNodes) {
      const matching = labels.filter((resource) => resource.metadata.name === node.name);
      expect(matching).toHaveLength(1);
      const [resource] = matching as [Resource];
      expect(resource.kind).toBe('Node');
      expect(resource.api_version).toBe('v1');
      expect(resource.force).toBe(true);
      expect(resource.labels[POOL_LABEL]).toBe(pool.name);
      expect(resource.labels[`node-role.kubernetes.io/${pool.name}`]).toBe('');
      if (pool.zone) expect(resource.labels['topology.kubernetes.io/zone']).toBe(pool.zone);
      for (const [key, value] of Object.entries(pool.labels)) expect(resource.labels[key]).toBe(value);
    }
  });

  it('taints exactly the nodes of tainted pools, with the pool taints', () => {
    const taints = Object.values(resources.kubernetes_node_taint ?? {});
    const tainted = env.spec.nodePools.filter((pool) => pool.taints.length > 0);
    expect(tainted.length).toBeGreaterThanOrEqual(1);
    const expected = tainted.flatMap((pool) => (pool.nodes ?? []).map((node) => ({ pool, node })));
    // Masters are tainted by the control-plane area; this looks at the pools' workers only.
    const workers = new Set(
      env.spec.nodePools.flatMap((pool) => (pool.nodes ?? []).map((node) => node.name)),
    );
    expect(
      taints
        .map((resource) => resource.metadata.name)
        .filter((name) => workers.has(name))
        .sort(),
    ).toEqual(expected.map(({ node }) => node.name).sort());
    for (const { pool, node } of expected) {
      const resource = taints.find((candidate) => candidate.metadata.name === node.name);
      expect(resource?.taint).toEqual(
        pool.taints.map((taint) => ({ key: taint.key, value: taint.value ?? '', effect: taint.effect })),
      );
    }
  });

  it('keeps at least one general untainted pool and one dedicated tainted pool', () => {
    expect(
      env.spec.nodePools.some((pool) => pool.taints.length === 0 && pool.labels.tier === 'general'),
    ).toBe(true);
    expect(
      env.spec.nodePools.some((pool) => pool.taints.some((taint) => taint.effect === 'NoSchedule')),
    ).toBe(true);
  });

  it('names resources after the node, so that moving a node between pools changes it in place', () => {
    expect(Object.keys(resources.kubernetes_labels ?? {})).toContain('node_labels_node-01');
    expect(Object.keys(resources.kubernetes_node_taint ?? {})).toContain('node_taint_node-10');
  });
});
