import { TempProject } from '../support/cli';

describe('blueprint synth (smoke)', () => {
  let project: TempProject;
  beforeAll(() => {
    project = new TempProject();
  });
  afterAll(() => project.dispose());

  it('writes every shipped environment in the contract layout', async () => {
    const result = await project.run(['synth', '--out', 'out']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    for (const env of ['prod', 'test']) {
      expect(project.read(`out/${env}/terraform/cdk.tf.json`)).toContain('"kubernetes"');
      expect(project.read(`out/${env}/kubernetes/platform.yaml`)).toContain(`environment: ${env}`);
    }
  });
});
