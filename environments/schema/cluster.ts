import { z } from 'zod';
import { dnsLabel, ipv4Cidr } from './common';

/** How the tools reach the cluster, and the cluster's own networks. */
export const cluster = z
  .strictObject({
    site: dnsLabel
      .optional()
      .describe(
        'Site (data centre or region) the cluster runs in, e.g. `dc1`. Environments that serve the same application active-active across sites name different sites. `blueprint list` shows it. @default - a single-site environment',
      ),
    kubeconfig: z
      .strictObject({
        path: z
          .string()
          .min(1)
          .default('~/.kube/config')
          .describe(
            "Kubeconfig file used by Terraform and kubectl; `~` is the deploying user's home. @default ~/.kube/config",
          ),
        context: z
          .string()
          .min(1)
          .describe("Kubeconfig context of this environment's cluster; unique across environments."),
      })
      .describe('Where Terraform and kubectl find the cluster.'),
    podSubnet: ipv4Cidr
      .default('10.244.0.0/16')
      .describe('Pod network (kubeadm networking.podSubnet). @default 10.244.0.0/16'),
    serviceSubnet: ipv4Cidr
      .default('10.96.0.0/12')
      .describe('Service network (kubeadm networking.serviceSubnet). @default 10.96.0.0/12'),
    dnsDomain: z.string().default('cluster.local').describe('Cluster DNS domain. @default cluster.local'),
  })
  .describe('The cluster this environment describes.');
export type ClusterSpec = z.infer<typeof cluster>;
