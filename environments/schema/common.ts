import { z } from 'zod';

/**
 * Field types shared by the parts of the environment schema. Each carries a message
 * that says what is allowed, because the CLI prints it after the offending value.
 */

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** A dotted-quad IPv4 address such as `10.20.0.11`. */
export const ipv4 = z.string({ error: 'must be a string holding an IPv4 address' }).regex(IPV4, {
  error: 'is not an IPv4 address (four numbers 0-255 joined by dots, e.g. 10.20.0.11)',
});

/** An IPv4 network in CIDR notation such as `10.20.0.0/16`. */
export const ipv4Cidr = z.string().refine(
  (value) => {
    const [address, prefix, ...rest] = value.split('/');
    return rest.length === 0 && IPV4.test(address ?? '') && /^(\d|[12]\d|3[0-2])$/.test(prefix ?? '');
  },
  { error: 'is not an IPv4 CIDR (address/prefix, e.g. 10.20.0.0/16)' },
);

/** A DNS-1123 label: what Kubernetes allows for namespace, service and node names. */
export const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, {
  error:
    'is not a DNS-1123 label (lowercase letters, digits and "-", starting and ending alphanumeric, at most 63)',
});

/** A DNS-1123 subdomain (node names may contain dots). */
export const dnsSubdomain = z
  .string()
  .max(253, { error: 'is longer than 253 characters' })
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, {
    error: 'is not a DNS-1123 subdomain (lowercase alphanumeric labels joined by dots)',
  });

const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;
const LABEL_PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Whether `key` is a valid Kubernetes label key (`[prefix/]name`). */
export function isLabelKey(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash === -1) return LABEL_NAME.test(key);
  const prefix = key.slice(0, slash);
  const name = key.slice(slash + 1);
  return prefix.length <= 253 && LABEL_PREFIX.test(prefix) && LABEL_NAME.test(name);
}

/** A Kubernetes label key such as `tier` or `topology.kubernetes.io/zone`. */
export const labelKey = z.string().refine(isLabelKey, {
  error:
    'is not a valid label key ([DNS subdomain prefix/]name; the name is at most 63 of A-Z a-z 0-9 - _ . and starts and ends alphanumeric)',
});

/** A Kubernetes label value: empty, or at most 63 of `A-Za-z0-9-_.` starting and ending alphanumeric. */
export const labelValue = z
  .string({ error: 'must be a string (quote numbers and booleans)' })
  .regex(/^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/, {
    error: 'is not a valid label value (at most 63 of A-Z a-z 0-9 - _ ., starting and ending alphanumeric)',
  });

/** A map of labels. */
export const labels = z.record(labelKey, labelValue);

/** A TCP/UDP port number. */
export const port = z
  .number({ error: 'must be a port number' })
  .int({ error: 'must be a whole number' })
  .min(1, { error: 'must be a port between 1 and 65535' })
  .max(65535, { error: 'must be a port between 1 and 65535' });

/** A Kubernetes resource quantity such as `500m`, `1`, `2Gi`. */
export const quantity = z
  .union([z.string(), z.number()])
  .transform((value) => String(value))
  .pipe(
    z.string().regex(/^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/, {
      error: 'is not a Kubernetes quantity (e.g. 250m, 1, 512Mi, 2Gi)',
    }),
  );

/** A taint, as on a node and in kubeadm's `nodeRegistration.taints`. */
export const taint = z.strictObject({
  key: labelKey.describe('Taint key, a label key such as `dedicated`.'),
  value: labelValue.optional().describe('Taint value. @default - no value'),
  effect: z
    .enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute'], {
      error: 'must be one of NoSchedule, PreferNoSchedule, NoExecute',
    })
    .describe('What the taint does to pods that do not tolerate it.'),
});
export type Taint = z.infer<typeof taint>;

/** A reference to a Kubernetes Secret that lives outside the generated output. */
export const secretRef = z.strictObject({
  name: dnsSubdomain.describe(
    'Name of the Secret. It is created outside the blueprint (sealed-secrets, Vault, by hand).',
  ),
  key: z.string().min(1).describe('Key inside the Secret.'),
});
export type SecretRef = z.infer<typeof secretRef>;
