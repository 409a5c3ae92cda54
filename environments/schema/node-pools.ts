import { z } from 'zod';
import { dnsLabel, dnsSubdomain, ipv4, ipv4Cidr, isLabelKey, labelValue, quantity, taint } from './common';

/** A fixed worker machine of a data-centre pool. */
export const poolNode = z.strictObject({
  name: dnsSubdomain.describe(
    'Host name of the worker; also its Kubernetes node name and its folder under hosts/.',
  ),
  address: ipv4.describe("The worker's IPv4 address."),
});
export type PoolNodeSpec = z.infer<typeof poolNode>;

/**
 * Node labels. Keys are checked here rather than by the record's key schema, so that a bad key
 * is reported at its own path with what a label key allows.
 */
const nodeLabels = z.record(z.string(), labelValue).superRefine((value, ctx) => {
  for (const key of Object.keys(value)) {
    if (!isLabelKey(key))
      ctx.addIssue({
        code: 'custom',
        path: [key],
        input: key,
        message:
          'is not a valid label key ([DNS subdomain prefix/]name; the name is at most 63 of A-Z a-z 0-9 - _ . and starts and ends alphanumeric)',
      });
  }
});

/**
 * A group of workers that share labels, taints and a zone: either fixed hosts (`nodes`)
 * or an autoscaled range (`minSize`/`maxSize`).
 */
export const nodePool = z
  .strictObject({
    name: dnsLabel.describe(
      'Pool name, unique in the environment. Every node of the pool carries it as the `platform-blueprint.io/pool` label and the `node-role.kubernetes.io/<name>` role label.',
    ),
    nodes: z
      .array(poolNode)
      .optional()
      .describe(
        'Fixed hosts of a data-centre pool; give either nodes or minSize/maxSize. @default - an autoscaled pool',
      ),
    minSize: z
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(0, { error: 'must be 0 or more' })
      .optional()
      .describe(
        'Fewest nodes of an autoscaled pool (0 lets the pool scale to zero). @default - a fixed pool',
      ),
    maxSize: z
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1' })
      .optional()
      .describe('Most nodes of an autoscaled pool; at least minSize. @default - a fixed pool'),
    nodeGroup: z
      .string()
      .regex(/^[^\s,]+$/, { error: 'is not a node group id (no spaces or commas)' })
      .optional()
      .describe(
        "The cloud's node group behind an autoscaled pool, as cluster-autoscaler's --nodes=min:max:<group> names it (an auto scaling group, a MachineDeployment, a node pool id). @default - the pool name",
      ),
    labels: nodeLabels
      .default({})
      .describe(
        'Labels every node of the pool carries (the pool, role and zone labels are added by the blueprint). @default {}',
      ),
    taints: z
      .array(taint)
      .default([])
      .describe(
        'Taints every node of the pool carries; workloads placed on the pool tolerate them, others stay off. @default []',
      ),
    capacity: z
      .strictObject({
        cpu: quantity.default('8').describe('CPUs of each node. @default 8'),
        memory: quantity.default('32Gi').describe('Memory of each node. @default 32Gi'),
        pods: z
          .number({ error: 'must be a number' })
          .int({ error: 'must be a whole number' })
          .min(1, { error: 'must be at least 1' })
          .max(1000, { error: 'must be at most 1000' })
          .default(110)
          .describe("Pods each node's kubelet admits (its --max-pods). @default 110"),
      })
      .default({ cpu: '8', memory: '32Gi', pods: 110 })
      .describe(
        "Size of each node of the pool: what `blueprint rehearse` gives the pool's simulated nodes, and what capacity planning counts on. @default 8 CPUs, 32Gi, 110 pods",
      ),
    subnet: ipv4Cidr
      .optional()
      .describe(
        "Network of the pool's nodes (one L2 segment); every node address lies in it. MetalLB's addresses must lie in the subnet of the pool that announces them. @default - not declared",
      ),
    zone: labelValue
      .min(1, { error: 'must not be empty' })
      .optional()
      .describe(
        'Failure domain, written as the `topology.kubernetes.io/zone` label. @default - no zone label',
      ),
  })
  .describe('A node pool.');
export type NodePoolSpec = z.infer<typeof nodePool>;
