/**
 * The smallest valid environment (before defaults): three masters behind a VIP and nothing
 * else. Schema and stack tests spread it and add the fields they are about.
 */
export const MINIMAL_ENVIRONMENT = {
  template: 'idc-ha',
  kubernetesVersion: '1.28.15',
  cluster: { kubeconfig: { context: 'ctx' } },
  controlPlane: {
    vip: '10.0.0.10',
    port: 8443,
    interface: 'eth0',
    virtualRouterId: 51,
    masters: [
      { name: 'm1', address: '10.0.0.11' },
      { name: 'm2', address: '10.0.0.12' },
      { name: 'm3', address: '10.0.0.13' },
    ],
  },
} as const;
