import { z } from 'zod';
import { dnsSubdomain, ipv4, ipv4Cidr, port } from './common';

/** One control-plane machine. */
export const master = z.strictObject({
  name: dnsSubdomain.describe(
    'Host name of the master; also its Kubernetes node name and its folder under hosts/.',
  ),
  address: ipv4.describe("The master's IPv4 address on the control-plane network."),
});
export type MasterSpec = z.infer<typeof master>;

const absolutePath = z.string().regex(/^\/[A-Za-z0-9._/-]*[A-Za-z0-9._-]$/, {
  error: 'is not an absolute file path (starts with "/", letters, digits, ".", "_", "-" and "/")',
});

const image = z.string().regex(/^[a-z0-9][a-z0-9._/:-]*(:[A-Za-z0-9._-]+|@sha256:[a-f0-9]{64})$/, {
  error: 'is not a pinned container image (registry/name:tag or name@sha256:digest)',
});

function checkCount(unit: string, fallback: number) {
  return z
    .number({ error: `must be a number of ${unit}` })
    .int({ error: `must be a whole number of ${unit}` })
    .min(1, { error: `must be between 1 and 10 ${unit}` })
    .max(10, { error: `must be between 1 and 10 ${unit}` })
    .default(fallback);
}

/** VRRP authentication between the masters' keepalived instances. */
export const vrrpAuthentication = z
  .discriminatedUnion(
    'type',
    [
      z.strictObject({
        type: z.literal('pass').describe('Simple password authentication (VRRP `auth_type PASS`).'),
        passwordFile: absolutePath
          .default('/etc/keepalived/vrrp-auth.conf')
          .describe(
            'Host-local file that keepalived includes inside the `authentication` block. The operator ' +
              'creates it on every master (mode 0600) with the single line `auth_pass <password>`; the ' +
              'password (1 to 8 characters, the same on every master) never enters the repository or ' +
              'the output. `keepalived -t`, run before keepalived starts, refuses a longer password ' +
              '(keepalived would otherwise silently truncate it) and a missing file. ' +
              '@default /etc/keepalived/vrrp-auth.conf',
          ),
        password: z
          .unknown()
          .superRefine((value, ctx) => {
            if (value === undefined) return;
            // Masked: the message must not repeat the password into terminals and CI logs.
            ctx.addIssue({
              code: 'custom',
              input: '***',
              message:
                'must not be in the environment file: the repository and the output hold no secrets. Write ' +
                'the line `auth_pass <1-8 characters>` into passwordFile (mode 0600) on every master instead',
            });
          })
          .optional()
          .describe(
            'Never set: the password lives only in `passwordFile` on the masters (see docs/host-provisioning.md). ' +
              'The field exists to point there. @default - none',
          ),
      }),
      z.strictObject({
        type: z.literal('none').describe('No VRRP authentication (RFC 5798 VRRPv3 has none).'),
      }),
    ],
    { error: 'must have type pass or none' },
  )
  .describe('VRRP authentication. @default { type: pass }');

/** The default mode: Keepalived holds a VIP, HAProxy on every master balances the API servers. */
export const keepalivedLoadBalancer = z.strictObject({
  type: z
    .literal('keepalived')
    .default('keepalived')
    .describe(
      'Keepalived moves `vip` between the masters; HAProxy on every master listens on `port` and ' +
        'balances the API servers (the kubeadm HA guide). @default keepalived',
    ),
  runAs: z
    .enum(['service', 'staticPod'], { error: 'must be one of service, staticPod' })
    .default('service')
    .describe(
      'How keepalived and haproxy run on a master: `service` (the Debian packages under systemd) or ' +
        "`staticPod` (manifests in /etc/kubernetes/manifests, the kubeadm HA guide's option 2). " +
        '@default service',
    ),
  peering: z
    .enum(['unicast', 'multicast'], { error: 'must be one of unicast, multicast' })
    .default('unicast')
    .describe(
      'How VRRP adverts reach the other masters: `unicast` to every other master address (works on ' +
        'networks that filter multicast) or `multicast` to 224.0.0.18. @default unicast',
    ),
  advertIntervalSeconds: z
    .number({ error: 'must be a number of seconds' })
    .int({ error: 'must be a whole number of seconds' })
    .min(1, { error: 'must be between 1 and 10 seconds' })
    .max(10, { error: 'must be between 1 and 10 seconds' })
    .default(1)
    .describe(
      'Seconds between VRRP adverts; a backup takes the VIP after about 3 missed adverts. @default 1',
    ),
  authentication: vrrpAuthentication.prefault({ type: 'pass' }),
  healthCheck: z
    .strictObject({
      intervalSeconds: checkCount('seconds', 1).describe(
        "Seconds between checks, by keepalived's check script and by HAProxy. @default 1",
      ),
      fall: checkCount('checks', 2).describe(
        'Failed checks in a row before a master gives up the VIP and HAProxy marks an API server down. @default 2',
      ),
      rise: checkCount('checks', 2).describe(
        'Passed checks in a row before a master may take the VIP back and HAProxy uses an API server again. @default 2',
      ),
    })
    .prefault({})
    .describe(
      'How the API servers are health-checked. A dead API server loses the VIP after about ' +
        'intervalSeconds × fall + 3 × advertIntervalSeconds. @default { intervalSeconds: 1, fall: 2, rise: 2 }',
    ),
  keepalivedImage: image
    .default('osixia/keepalived:2.0.20')
    .describe('Image of the keepalived static pod (runAs staticPod). @default osixia/keepalived:2.0.20'),
  haproxyImage: image
    .default('haproxy:2.6.12')
    .describe('Image of the haproxy static pod (runAs staticPod). @default haproxy:2.6.12'),
});
export type KeepalivedLoadBalancerSpec = z.infer<typeof keepalivedLoadBalancer>;

const hostName = z
  .string()
  .max(253, { error: 'is longer than 253 characters' })
  .regex(/^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*$/, {
    error: 'is not a host name or IPv4 address (e.g. api.prod.example.com or 10.20.0.10)',
  });

/** A load balancer outside the masters, e.g. a cloud's TCP load balancer. */
export const externalLoadBalancer = z.strictObject({
  type: z
    .literal('external')
    .describe(
      'A load balancer the blueprint does not run (a cloud load balancer, an appliance). No keepalived ' +
        'or haproxy files are written; `vip`, `port`, `interface` and `virtualRouterId` do not apply.',
    ),
  endpoint: hostName.describe(
    "The load balancer's DNS name or IPv4 address; kubeadm controlPlaneEndpoint = endpoint:port.",
  ),
  port: port
    .default(6443)
    .describe('TCP port the load balancer listens on for the API servers. @default 6443'),
});
export type ExternalLoadBalancerSpec = z.infer<typeof externalLoadBalancer>;

export const loadBalancer = z
  .discriminatedUnion('type', [keepalivedLoadBalancer, externalLoadBalancer], {
    error: 'must have type keepalived or external',
  })
  .prefault({ type: 'keepalived' })
  .describe(
    'What gives the API servers one endpoint: `keepalived` (VIP + HAProxy on the masters) or ' +
      '`external`. @default { type: keepalived }',
  );
export type LoadBalancerSpec = z.infer<typeof loadBalancer>;

/**
 * The highly available control plane: masters behind one endpoint. By default Keepalived holds
 * a virtual IP and HAProxy on every master balances the API servers (the kubeadm HA guide);
 * `loadBalancer.type: external` puts them behind a load balancer the blueprint does not run.
 */
export const controlPlane = z
  .strictObject({
    vip: ipv4
      .optional()
      .describe(
        'The virtual IP held by Keepalived; clients reach the API server at vip:port. Required with ' +
          'loadBalancer.type keepalived. @default - none (external load balancer)',
      ),
    port: port
      .optional()
      .describe(
        "HAProxy's frontend port on every master (kubeadm controlPlaneEndpoint = vip:port); must differ " +
          'from apiServerPort. Required with loadBalancer.type keepalived. @default - none (external load balancer)',
      ),
    apiServerPort: port.default(6443).describe("kube-apiserver's secure port on every master. @default 6443"),
    interface: z
      .string()
      .regex(/^[A-Za-z0-9_.:@-]{1,15}$/, {
        error: 'is not a network interface name (1-15 characters, no spaces or "/")',
      })
      .optional()
      .describe(
        'Network interface that carries the VIP on every master, e.g. eth0. Required with ' +
          'loadBalancer.type keepalived. @default - none (external load balancer)',
      ),
    virtualRouterId: z
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be between 1 and 255 (the VRRP virtual router id)' })
      .max(255, { error: 'must be between 1 and 255 (the VRRP virtual router id)' })
      .optional()
      .describe(
        'VRRP virtual router id, unique among the routers on the same network segment (1-255). ' +
          'Required with loadBalancer.type keepalived. @default - none (external load balancer)',
      ),
    subnet: ipv4Cidr
      .optional()
      .describe(
        "The masters' network in CIDR notation, e.g. 10.20.0.0/24. When set, the VIP and every master " +
          "address must lie in it, keepalived's virtual_ipaddress uses its prefix, and environments " +
          'with the same subnet count as one network segment (their virtualRouterIds must differ). ' +
          '@default - the VIP is added as a /32 and addresses are not checked against a network',
      ),
    certSANs: z
      .array(hostName)
      .default([])
      .describe(
        "Extra names and addresses in the API server's certificate, e.g. a DNS name of the VIP. The " +
          'endpoint, every master name and address are always included. @default []',
      ),
    loadBalancer,
    masters: z
      .array(master)
      .describe('The control-plane machines: an odd number, at least 3, for etcd quorum.'),
  })
  .describe('The highly available control plane.');
export type ControlPlaneSpec = z.infer<typeof controlPlane>;

/**
 * The address clients use for the API server, `host:port`: the VIP and HAProxy port with
 * keepalived, the load balancer's endpoint and port otherwise. It is kubeadm's
 * controlPlaneEndpoint. Only valid on a spec that passed the schema rules.
 */
export function controlPlaneEndpoint(spec: { readonly controlPlane: ControlPlaneSpec }): string {
  const cp = spec.controlPlane;
  if (cp.loadBalancer.type === 'external') return `${cp.loadBalancer.endpoint}:${cp.loadBalancer.port}`;
  if (cp.vip === undefined || cp.port === undefined) {
    throw new Error(
      'controlPlaneEndpoint: keepalived mode without vip or port; the schema rules must reject this',
    );
  }
  return `${cp.vip}:${cp.port}`;
}
