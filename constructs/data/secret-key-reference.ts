/**
 * A key of a Kubernetes Secret that lives outside the generated output (sealed-secrets,
 * External Secrets, Vault, or created by hand). The blueprint only ever names it: no secret
 * value is part of any construct's props or output.
 */
export interface SecretKeyReference {
  /** Name of the Secret, in the namespace of the workload that reads it. */
  readonly name: string;
  /** Key inside the Secret. */
  readonly key: string;
}

/** The `env[].valueFrom` that reads a Secret key into an environment variable. */
export function secretEnv(name: string, ref: SecretKeyReference) {
  return { name, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } } };
}
