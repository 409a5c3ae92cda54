import { z } from 'zod';
import { dnsSubdomain, ipv4, port } from './common';

/** One control-plane machine. */
export const master = z.strictObject({
  name: dnsSubdomain.describe(
    'Host name of the master; also its Kubernetes node name and its folder under hosts/.',
  ),
  address: ipv4.describe("The master's IPv4 address on the control-plane network."),
});
export type MasterSpec = z.infer<typeof master>;

/**
 * The highly available control plane: masters behind one virtual IP held by Keepalived,
 * with HAProxy on every master balancing the API servers (the kubeadm HA guide).
 */
export const controlPlane = z
  .strictObject({
    vip: ipv4.describe('The virtual IP held by Keepalived; clients reach the API server at vip:port.'),
    port: port.describe("HAProxy's frontend port on every master (kubeadm controlPlaneEndpoint = vip:port)."),
    apiServerPort: port.default(6443).describe("kube-apiserver's secure port on every master. @default 6443"),
    interface: z
      .string()
      .regex(/^[A-Za-z0-9_.:@-]{1,15}$/, {
        error: 'is not a network interface name (1-15 characters, no spaces or "/")',
      })
      .describe('Network interface that carries the VIP on every master, e.g. eth0.'),
    virtualRouterId: z
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be between 1 and 255 (the VRRP virtual router id)' })
      .max(255, { error: 'must be between 1 and 255 (the VRRP virtual router id)' })
      .describe('VRRP virtual router id, unique among the routers on the same network segment (1-255).'),
    masters: z
      .array(master)
      .describe('The control-plane machines: an odd number, at least 3, for etcd quorum.'),
  })
  .describe('The highly available control plane.');
export type ControlPlaneSpec = z.infer<typeof controlPlane>;
