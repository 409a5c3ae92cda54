import { TempProject } from '../../support/cli';

/** The masters' control-plane taint and role label are Terraform resources: kubelets may not set node-role labels. */
describe('Terraform: control-plane taint and role label per master', () => {
  let project: TempProject;
  let tf: { resource: Record<string, Record<string, Record<string, unknown>>> };

  beforeAll(async () => {
    project = new TempProject();
    const result = await project.run(['synth', '--env', 'prod', '--out', 'out']);
    if (result.code !== 0) throw new Error(`synth failed (${result.code}): ${result.stderr}`);
    tf = JSON.parse(project.read('out/prod/terraform/cdk.tf.json'));
  }, 60000);
  afterAll(() => project?.dispose());

  it('taints every master NoSchedule with node-role.kubernetes.io/control-plane', () => {
    const taints = tf.resource.kubernetes_node_taint ?? {};
    for (const master of ['master-1', 'master-2', 'master-3']) {
      expect(taints[`control_plane_taint_${master}`]).toMatchObject({
        metadata: { name: master },
        taint: [{ key: 'node-role.kubernetes.io/control-plane', value: '', effect: 'NoSchedule' }],
        field_manager: 'platform-blueprint',
        force: true,
      });
    }
  });

  it('labels every master, and only the masters, with the control-plane role', () => {
    const labels = tf.resource.kubernetes_labels ?? {};
    for (const master of ['master-1', 'master-2', 'master-3']) {
      expect(labels[`control_plane_labels_${master}`]).toMatchObject({
        api_version: 'v1',
        kind: 'Node',
        metadata: { name: master },
        labels: { 'node-role.kubernetes.io/control-plane': '' },
        field_manager: 'platform-blueprint',
        force: true,
      });
    }
    const withRole = Object.values(labels)
      .filter((r) => 'node-role.kubernetes.io/control-plane' in ((r.labels as Record<string, string>) ?? {}))
      .map((r) => (r.metadata as { name: string }).name)
      .sort();
    expect(withRole).toEqual(['master-1', 'master-2', 'master-3']);
  });
});
