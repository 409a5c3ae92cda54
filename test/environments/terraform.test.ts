import { TempProject } from '../support/cli';

describe('terraform.backend in an environment file', () => {
  let project: TempProject;
  let original: string;
  beforeAll(() => {
    project = new TempProject();
    original = project.read('environments/test.yaml');
  });
  afterEach(() => project.write('environments/test.yaml', original));
  afterAll(() => project.dispose());

  async function synthWith(terraformYaml: string) {
    project.write('environments/test.yaml', `${original}\n${terraformYaml}`);
    return project.run(['synth', '--env', 'test', '--out', 'out']);
  }

  it('refuses an absolute state path, naming file, field and value', async () => {
    const result = await synthWith(
      'terraform:\n  backend:\n    type: local\n    path: /var/lib/state.tfstate\n',
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^error: environments\/test\.yaml: terraform\.backend\.path: "\/var\/lib\/state\.tfstate" is an absolute path; give a path relative to the Terraform working directory/m,
    );
  });

  it('refuses a state path that climbs out of the work directory', async () => {
    const result = await synthWith('terraform:\n  backend: { type: local, path: ../../state.tfstate }\n');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'terraform.backend.path: "../../state.tfstate" climbs out of the Terraform working directory',
    );
  });

  it('refuses an unknown backend type and lists the allowed ones', async () => {
    const result = await synthWith('terraform:\n  backend: { type: consul }\n');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/terraform\.backend(\.type)?: .*local, pg, s3 or kubernetes/);
  });

  it('refuses a credential field: the schema is strict and has no place for secrets', async () => {
    const result = await synthWith('terraform:\n  backend: { type: pg, connStr: "postgres://u:p@db/tf" }\n');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('terraform.backend');
    expect(result.stderr).toContain('connStr');
  });

  it('asks for the bucket and region of an s3 backend', async () => {
    const result = await synthWith('terraform:\n  backend: { type: s3, region: moon-1 }\n');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('terraform.backend.bucket');
    expect(result.stderr).toContain('terraform.backend.region: "moon-1" is not an AWS region');
  });
});
