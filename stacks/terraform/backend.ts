import { TerraformBackend, TerraformRemoteState } from 'cdktf';
import type { Construct } from 'constructs';
import type { EnvironmentSpec } from '../../environments/schema';

/** The `terraform.backend` block of one environment: the backend type and its attributes. */
export interface BackendBlock {
  /** Terraform's backend type, e.g. `local`, `pg`, `s3`, `kubernetes`. */
  readonly type: string;
  /** Attributes as Terraform spells them (snake_case). None of them is a credential. */
  readonly attributes: Readonly<Record<string, unknown>>;
}

/**
 * Maps the environment's `terraform.backend` to the backend block Terraform reads. Credentials
 * are never part of it: Terraform reads PG_CONN_STR, the AWS profile or AWS_* variables and the
 * kubeconfig from the environment of the user who runs `blueprint deploy`.
 */
export function backendBlock(environment: string, spec: EnvironmentSpec): BackendBlock {
  const backend = spec.terraform.backend;
  switch (backend.type) {
    case 'local':
      // Relative to the working directory deploy runs Terraform in (.blueprint/<env>/terraform/).
      return { type: 'local', attributes: { path: backend.path } };
    case 'pg':
      return {
        type: 'pg',
        attributes: { schema_name: backend.schemaName ?? `blueprint_${environment.replace(/-/g, '_')}` },
      };
    case 's3': {
      const attributes: Record<string, unknown> = {
        bucket: backend.bucket,
        key: backend.key ?? `blueprint/${environment}/terraform.tfstate`,
        region: backend.region,
        encrypt: backend.encrypt,
        use_lockfile: backend.useLockfile,
      };
      if (backend.profile !== undefined) attributes.profile = backend.profile;
      if (backend.usePathStyle) attributes.use_path_style = true;
      if (backend.endpoint !== undefined) {
        attributes.endpoints = { s3: backend.endpoint };
        // S3-compatible stores (MinIO, Ceph RGW) have no STS, IAM or AWS region list.
        attributes.skip_credentials_validation = true;
        attributes.skip_region_validation = true;
        attributes.skip_requesting_account_id = true;
      }
      return { type: 's3', attributes };
    }
    case 'kubernetes':
      return {
        type: 'kubernetes',
        attributes: {
          secret_suffix: backend.secretSuffix ?? `blueprint-${environment}`,
          namespace: backend.namespace,
          config_path: spec.cluster.kubeconfig.path,
          config_context: spec.cluster.kubeconfig.context,
        },
      };
  }
}

/** A remote-state data source for any backend type (cdktf has no class for some of them). */
class BlueprintRemoteState extends TerraformRemoteState {}

/**
 * A Terraform backend built from a {@link BackendBlock}. cdktf's own backend classes cannot
 * express every case (its PgBackend requires `conn_str`, which would put a credential in the
 * output; it has no kubernetes backend and no S3 `use_lockfile`), so one class writes the
 * block as given.
 */
export class BlueprintBackend extends TerraformBackend {
  constructor(
    scope: Construct,
    private readonly block: BackendBlock,
  ) {
    super(scope, 'backend', block.type);
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return { ...this.block.attributes };
  }

  protected override synthesizeHclAttributes(): Record<string, unknown> {
    return { ...this.block.attributes };
  }

  override getRemoteStateDataSource(
    scope: Construct,
    name: string,
    _fromStack: string,
  ): TerraformRemoteState {
    return new BlueprintRemoteState(scope, name, this.block.type, {
      ...this.block.attributes,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Terraform expression, as cdktf's own backends write it.
      workspace: '${terraform.workspace}',
    } as never);
  }
}
