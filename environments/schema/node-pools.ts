import { z } from 'zod';
import { dnsLabel, dnsSubdomain, ipv4, labels, taint } from './common';

/** A fixed worker machine of a data-centre pool. */
export const poolNode = z.strictObject({
  name: dnsSubdomain.describe(
    'Host name of the worker; also its Kubernetes node name and its folder under hosts/.',
  ),
  address: ipv4.describe("The worker's IPv4 address."),
});
export type PoolNodeSpec = z.infer<typeof poolNode>;

/**
 * A group of workers that share labels, taints and a zone: either fixed hosts (`nodes`)
 * or an autoscaled range (`minSize`/`maxSize`).
 */
export const nodePool = z
  .strictObject({
    name: dnsLabel.describe('Pool name, unique in the environment; becomes the `node-pool` label.'),
    nodes: z
      .array(poolNode)
      .optional()
      .describe('Fixed hosts of a data-centre pool. @default - an autoscaled pool'),
    minSize: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Fewest nodes of an autoscaled pool. @default - a fixed pool'),
    maxSize: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Most nodes of an autoscaled pool. @default - a fixed pool'),
    labels: labels.default({}).describe('Labels every node of the pool carries. @default {}'),
    taints: z.array(taint).default([]).describe('Taints every node of the pool carries. @default []'),
    zone: z
      .string()
      .optional()
      .describe(
        'Failure domain, written as the `topology.kubernetes.io/zone` label. @default - no zone label',
      ),
  })
  .describe('A node pool.');
export type NodePoolSpec = z.infer<typeof nodePool>;
