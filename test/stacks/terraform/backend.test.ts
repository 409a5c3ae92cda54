import { TempProject } from '../../support/cli';

/** Synthesizes `test` with a `terraform:` block appended and returns the backend block of cdk.tf.json. */
async function backendOf(
  project: TempProject,
  terraformYaml: string | undefined,
): Promise<Record<string, unknown>> {
  const original = project.read('environments/test.yaml');
  try {
    if (terraformYaml !== undefined) project.write('environments/test.yaml', `${original}\n${terraformYaml}`);
    const result = await project.run(['synth', '--env', 'test', '--out', 'out']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const json = JSON.parse(project.read('out/test/terraform/cdk.tf.json'));
    return json.terraform.backend;
  } finally {
    project.write('environments/test.yaml', original);
  }
}

describe('the Terraform backend of an environment', () => {
  let project: TempProject;
  beforeAll(() => {
    project = new TempProject();
  });
  afterAll(() => project.dispose());

  it('is local with a relative path by default, so that the state lands in the deploy work directory', async () => {
    expect(await backendOf(project, undefined)).toEqual({ local: { path: 'terraform.tfstate' } });
  });

  it('keeps a configured relative local path', async () => {
    expect(
      await backendOf(project, 'terraform:\n  backend: { type: local, path: state/test.tfstate }\n'),
    ).toEqual({
      local: { path: 'state/test.tfstate' },
    });
  });

  it('pg: a schema per environment and no connection string (Terraform reads PG_CONN_STR)', async () => {
    const backend = await backendOf(project, 'terraform:\n  backend: { type: pg }\n');
    expect(backend).toEqual({ pg: { schema_name: 'blueprint_test' } });
    expect(JSON.stringify(backend)).not.toContain('conn_str');
  });

  it('s3: bucket, a per-environment key, locking and encryption, and no credentials', async () => {
    const backend = await backendOf(
      project,
      'terraform:\n  backend: { type: s3, bucket: platform-state, region: eu-central-1, profile: platform }\n',
    );
    expect(backend).toEqual({
      s3: {
        bucket: 'platform-state',
        key: 'blueprint/test/terraform.tfstate',
        region: 'eu-central-1',
        profile: 'platform',
        encrypt: true,
        use_lockfile: true,
      },
    });
  });

  it('s3 against an S3-compatible store: endpoint, path style and no AWS-only checks', async () => {
    const backend = (await backendOf(
      project,
      'terraform:\n  backend: { type: s3, bucket: state, region: us-east-1, endpoint: "https://minio.dc1.example:9000", usePathStyle: true }\n',
    )) as { s3: Record<string, unknown> };
    expect(backend.s3).toMatchObject({
      endpoints: { s3: 'https://minio.dc1.example:9000' },
      use_path_style: true,
      skip_credentials_validation: true,
      skip_requesting_account_id: true,
    });
  });

  it("kubernetes: a Secret in the environment's own cluster, reached through its kubeconfig context", async () => {
    expect(await backendOf(project, 'terraform:\n  backend: { type: kubernetes }\n')).toEqual({
      kubernetes: {
        secret_suffix: 'blueprint-test',
        namespace: 'kube-system',
        config_path: '~/.kube/config',
        config_context: 'test-admin@test',
      },
    });
  });
});
