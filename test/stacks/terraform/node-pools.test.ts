import { Project } from '../../../cli/project';
import type { LoadedEnvironment } from '../../../environments/load';
import { renderTerraform } from '../../../stacks/terraform/render';
import { REPO_ROOT } from '../../support/cli';

// biome-ignore lint/suspicious/noExplicitAny: cdk.tf.json is untyped JSON
type Resource = Record<string, any>;
type Resources = Record<string, Record<string, Resource>>;

interface RemovedBlock {
  from: string;
  lifecycle: { destroy: boolean };
}

interface TerraformJson {
  resource: Resources;
  removed?: RemovedBlock[];
}

function terraformOf(env: LoadedEnvironment): TerraformJson {
  return JSON.parse(renderTerraform(env).file.content) as TerraformJson;
}

/**
 * Terraform does not manage Nodes: a node registers with its pool's taints and labels through
 * kubeadm (test/stacks/node-pool-registration.test.ts), deploy sets the role label. The
 * `node_labels_<node>` / `node_taint_<node>` resources of earlier versions are forgotten by
 * `removed` blocks that leave the Nodes as they are.
 */
describe.each(['prod', 'prod-b', 'test'])('node pools in Terraform (%s)', (name) => {
  let env: LoadedEnvironment;
  let tf: TerraformJson;
  let fixedNodes: string[];
  beforeAll(() => {
    [env] = new Project(REPO_ROOT).loadEnvironments([name]) as [LoadedEnvironment];
    tf = terraformOf(env);
    fixedNodes = env.spec.nodePools.flatMap((pool) => (pool.nodes ?? []).map((node) => node.name));
  });

  it('manages no Node: no kubernetes_labels or kubernetes_node_taint resource, and none names a node', () => {
    expect(tf.resource).not.toHaveProperty('kubernetes_labels');
    expect(tf.resource).not.toHaveProperty('kubernetes_node_taint');
    const nodeKinds = Object.values(tf.resource)
      .flatMap((byName) => Object.values(byName))
      .filter((resource) => resource.kind === 'Node');
    expect(nodeKinds).toEqual([]);
  });

  it('forgets the labels and the taint of every fixed pool node once, without destroying them', () => {
    expect(fixedNodes.length).toBeGreaterThanOrEqual(3);
    const removed = tf.removed ?? [];
    for (const node of fixedNodes) {
      for (const from of [
        `kubernetes_labels.node_labels_${node}`,
        `kubernetes_node_taint.node_taint_${node}`,
      ]) {
        expect(removed.filter((block) => block.from === from)).toEqual([
          { from, lifecycle: { destroy: false } },
        ]);
      }
    }
  });

  it("has exactly one removed block per old resource: the pools' nodes and the masters, no duplicates", () => {
    const removed = tf.removed ?? [];
    const froms = removed.map((block) => block.from);
    expect(new Set(froms).size).toBe(froms.length);
    for (const block of removed) expect(block.lifecycle).toEqual({ destroy: false });
    const masters = env.spec.controlPlane.masters.map((master) => master.name);
    const expected = [
      ...masters.flatMap((master) => [
        `kubernetes_node_taint.control_plane_taint_${master}`,
        `kubernetes_labels.control_plane_labels_${master}`,
      ]),
      ...fixedNodes.flatMap((node) => [
        `kubernetes_labels.node_labels_${node}`,
        `kubernetes_node_taint.node_taint_${node}`,
      ]),
    ];
    expect([...froms].sort()).toEqual([...expected].sort());
  });
});

describe('node pools in Terraform (prod): the environment behind it', () => {
  let env: LoadedEnvironment;
  beforeAll(() => {
    [env] = new Project(REPO_ROOT).loadEnvironments(['prod']) as [LoadedEnvironment];
  });

  it('keeps at least one general untainted pool and one dedicated tainted pool', () => {
    expect(
      env.spec.nodePools.some((pool) => pool.taints.length === 0 && pool.labels.tier === 'general'),
    ).toBe(true);
    expect(
      env.spec.nodePools.some((pool) => pool.taints.some((taint) => taint.effect === 'NoSchedule')),
    ).toBe(true);
  });

  it('names the removed blocks after the node, as the old resources were named', () => {
    const froms = (terraformOf(env).removed ?? []).map((block) => block.from);
    expect(froms).toContain('kubernetes_labels.node_labels_node-01');
    expect(froms).toContain('kubernetes_node_taint.node_taint_node-10');
    // Earlier versions tainted only the nodes of tainted pools, but a node may have moved since:
    // a removed block for an address the state never held is a no-op, so every node gets both.
    expect(froms).toContain('kubernetes_node_taint.node_taint_node-01');
  });
});
