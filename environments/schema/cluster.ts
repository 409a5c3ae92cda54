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
    sandboxImage: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._\-/:@]*$/, {
        error: 'is not an image reference (e.g. registry.k8s.io/pause:3.9)',
      })
      .optional()
      .describe(
        "containerd's sandbox (pause) image on every node (`sandbox_image` in /etc/containerd/config.toml); it must be the one `kubeadm config images list` prints, e.g. from a mirror. @default - kubeadm's pause image for kubernetesVersion (registry.k8s.io/pause:3.9 for 1.26-1.30, 3.10 for 1.31-1.33, 3.10.1 for 1.34-1.35; required from 1.36)",
      ),
  })
  .describe('The cluster this environment describes.');
export type ClusterSpec = z.infer<typeof cluster>;
