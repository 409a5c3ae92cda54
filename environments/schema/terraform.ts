import { z } from 'zod';
import { dnsLabel } from './common';

/**
 * Where Terraform keeps the state of the environment's cluster-scoped resources. No backend
 * takes credentials from the environment file: each reads them from the deploying user's
 * environment (PG_CONN_STR, the AWS profile or AWS_* variables, the kubeconfig), so that no
 * secret ever lands in the repository or in the synthesized output.
 */

/** A path relative to the Terraform working directory that cannot climb out of it. */
const relativeStatePath = z
  .string({ error: 'must be a string holding a relative path such as terraform.tfstate' })
  .min(1, { error: 'must not be empty' })
  .refine((value) => !value.startsWith('/') && !value.startsWith('~') && !/^[A-Za-z]:[\\/]/.test(value), {
    error:
      'is an absolute path; give a path relative to the Terraform working directory (e.g. terraform.tfstate)',
  })
  .refine((value) => !value.split(/[\\/]/).includes('..'), {
    error:
      'climbs out of the Terraform working directory with ".."; give a path such as state/terraform.tfstate',
  });

const localBackend = z
  .strictObject({
    type: z.literal('local').describe('State in a file on the deploying machine.'),
    path: relativeStatePath
      .default('terraform.tfstate')
      .describe(
        'State file, relative to the Terraform working directory `.blueprint/<env>/terraform/` that `blueprint deploy` runs in (never inside the synthesized output, which synth replaces). @default terraform.tfstate',
      ),
  })
  .describe('Local backend: fine for one operator; use pg, s3 or kubernetes to share state and lock it.');

/** A PostgreSQL schema name that Terraform creates unquoted-safe. */
const pgSchemaName = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, {
  error:
    'is not a PostgreSQL schema name (lowercase letters, digits and "_", starting with a letter or "_", at most 63)',
});

const pgBackend = z
  .strictObject({
    type: z.literal('pg').describe('State in a PostgreSQL database, locked with advisory locks.'),
    schemaName: pgSchemaName
      .optional()
      .describe(
        'Schema that holds the state table. The connection string comes from PG_CONN_STR in the deploying user\'s environment, never from this file. @default blueprint_<environment> ("-" becomes "_")',
      ),
  })
  .describe(
    'PostgreSQL backend; set PG_CONN_STR (e.g. postgres://user@db.example:5432/terraform) before deploying.',
  );

const awsRegion = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, {
  error: 'is not an AWS region (e.g. eu-central-1)',
});

const s3Backend = z
  .strictObject({
    type: z.literal('s3').describe('State in an S3 (or S3-compatible) bucket.'),
    bucket: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
        error: 'is not an S3 bucket name (3-63 of a-z 0-9 . -, starting and ending alphanumeric)',
      })
      .describe('Bucket that holds the state. It must exist.'),
    key: z
      .string()
      .regex(/^[A-Za-z0-9!_.*'()/-]+$/, { error: "is not an S3 object key (letters, digits and !_.*'()/-)" })
      .optional()
      .describe('Object key of the state. @default blueprint/<environment>/terraform.tfstate'),
    region: awsRegion.describe('Region of the bucket, e.g. eu-central-1.'),
    profile: z
      .string()
      .min(1)
      .optional()
      .describe(
        'AWS shared-config profile of the deploying user (a name, not a credential). @default - the AWS default credential chain (AWS_PROFILE, AWS_ACCESS_KEY_ID, instance role)',
      ),
    endpoint: z
      .url({ protocol: /^https?$/, error: 'is not an http(s) URL' })
      .optional()
      .describe('Endpoint of an S3-compatible store such as MinIO or Ceph RGW. @default - AWS S3'),
    usePathStyle: z
      .boolean()
      .default(false)
      .describe('Address the bucket as endpoint/bucket, as MinIO and Ceph RGW need. @default false'),
    encrypt: z.boolean().default(true).describe('Server-side encryption of the state object. @default true'),
    useLockfile: z
      .boolean()
      .default(true)
      .describe('Lock the state with an S3 lock file (Terraform 1.10 and later). @default true'),
  })
  .describe('S3 backend; credentials come from the AWS profile or AWS_* variables of the deploying user.');

const kubernetesBackend = z
  .strictObject({
    type: z
      .literal('kubernetes')
      .describe("State in a Secret of the environment's own cluster, locked with a Lease."),
    namespace: dnsLabel
      .default('kube-system')
      .describe('Namespace of the state Secret; it must exist before the first deploy. @default kube-system'),
    secretSuffix: dnsLabel
      .optional()
      .describe(
        'Suffix of the state Secret `tfstate-default-<suffix>`. The backend uses cluster.kubeconfig (path and context). @default blueprint-<environment>',
      ),
  })
  .describe('Kubernetes backend: state in the cluster it manages, reached through cluster.kubeconfig.');

/** Which Terraform backend holds the state. */
export const terraformBackend = z
  .discriminatedUnion('type', [localBackend, pgBackend, s3Backend, kubernetesBackend], {
    error: 'must have type local, pg, s3 or kubernetes',
  })
  .describe('Terraform backend: local (default), pg, s3 or kubernetes. Credentials never go here.');
export type TerraformBackendSpec = z.infer<typeof terraformBackend>;

/** How Terraform runs for this environment. */
export const terraform = z
  .strictObject({
    backend: terraformBackend
      .prefault({ type: 'local' })
      .describe(
        'Where the state lives. @default {type: local, path: terraform.tfstate} in .blueprint/<env>/terraform/',
      ),
  })
  .prefault({})
  .describe('Terraform settings of the environment. @default {backend: {type: local}}');
export type TerraformSpec = z.infer<typeof terraform>;
