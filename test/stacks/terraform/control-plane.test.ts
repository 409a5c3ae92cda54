import { TempProject } from '../../support/cli';

interface RemovedBlock {
  from: string;
  lifecycle: { destroy: boolean };
}

interface TerraformJson {
  resource: Record<string, Record<string, Record<string, unknown>>>;
  removed?: RemovedBlock[];
}

const MASTERS = ['master-1', 'master-2', 'master-3'];

/**
 * The masters' control-plane taint and role label are kubeadm's (`kubeadm init` / `join
 * --control-plane`); Terraform no longer manages Nodes. The resources earlier versions kept in
 * state are forgotten with a `removed` block that does not destroy them.
 */
describe('Terraform: control-plane taint and role label per master', () => {
  let project: TempProject;
  let tf: TerraformJson;

  beforeAll(async () => {
    project = new TempProject();
    const result = await project.run(['synth', '--env', 'prod', '--out', 'out']);
    if (result.code !== 0) throw new Error(`synth failed (${result.code}): ${result.stderr}`);
    tf = JSON.parse(project.read('out/prod/terraform/cdk.tf.json'));
  }, 60000);
  afterAll(() => project?.dispose());

  it('manages no Node: no kubernetes_node_taint and no kubernetes_labels resource at all', () => {
    expect(tf.resource).not.toHaveProperty('kubernetes_node_taint');
    expect(tf.resource).not.toHaveProperty('kubernetes_labels');
    // Nor any other resource naming a master.
    const text = JSON.stringify(tf.resource);
    for (const master of MASTERS) expect(text).not.toContain(`"${master}"`);
  });

  it('forgets every master taint and role label of earlier versions without destroying it', () => {
    expect(Array.isArray(tf.removed)).toBe(true);
    const removed = tf.removed ?? [];
    for (const master of MASTERS) {
      for (const from of [
        `kubernetes_node_taint.control_plane_taint_${master}`,
        `kubernetes_labels.control_plane_labels_${master}`,
      ]) {
        const blocks = removed.filter((block) => block.from === from);
        expect(blocks).toEqual([{ from, lifecycle: { destroy: false } }]);
      }
    }
  });

  it('has removed blocks that are all destroy=false and not duplicated', () => {
    const removed = tf.removed ?? [];
    expect(removed.length).toBeGreaterThanOrEqual(MASTERS.length * 2);
    for (const block of removed) {
      expect(Object.keys(block).sort()).toEqual(['from', 'lifecycle']);
      expect(block.lifecycle).toEqual({ destroy: false });
      expect(block.from).toMatch(/^(kubernetes_node_taint|kubernetes_labels)\.[A-Za-z0-9_-]+$/);
    }
    const froms = removed.map((block) => block.from);
    expect(new Set(froms).size).toBe(froms.length);
    const controlPlane = froms.filter((from) => /\.control_plane_(taint|labels)_/.test(from)).sort();
    expect(controlPlane).toEqual(
      MASTERS.flatMap((master) => [
        `kubernetes_labels.control_plane_labels_${master}`,
        `kubernetes_node_taint.control_plane_taint_${master}`,
      ]).sort(),
    );
  });
});
