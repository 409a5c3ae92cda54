import { z } from 'zod';
import { auditPolicy } from './audit';
import { dnsSubdomain, ipv4, ipv4Cidr, port } from './common';
import { etcdBackup } from './etcd-backup';

/**
 * A Linux network interface name as keepalived and `ip link` take it: at most 15 characters
 * (IFNAMSIZ − 1), no spaces and no "/".
 */
export const interfaceName = z
  .string({ error: 'must be a string holding a network interface name' })
  .regex(/^(?!\.\.?$)[A-Za-z0-9_.:@-]{1,15}$/, {
    error: 'is not a network interface name (1-15 characters, no spaces or "/", e.g. ens18)',
  });

/** One control-plane machine. */
export const master = z.strictObject({
  name: dnsSubdomain.describe(
    'Host name of the master; also its Kubernetes node name and its folder under hosts/.',
  ),
  address: ipv4.describe("The master's IPv4 address on the control-plane network."),
  interface: interfaceName
    .optional()
    .describe(
      'Network interface of this master that carries `address` and the VIP (as `ip -brief addr` ' +
        'shows it, e.g. ens18 or enp1s0), when it differs from controlPlane.interface. Only with ' +
        'loadBalancer.type keepalived. @default - controlPlane.interface',
    ),
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
  vrrpVersion: z
    .union([z.literal(2), z.literal(3)], { error: 'must be 2 or 3 (the VRRP version)' })
    .default(2)
    .describe(
      'VRRP version keepalived speaks (`vrrp_version`): 2 (RFC 3768: adverts every whole second, ' +
        'optional `auth_type PASS`) or 3 (RFC 5798: adverts every 0.1 s or more, so that a dead holder ' +
        'is replaced in about 3 adverts; no authentication, so version 3 requires ' +
        '`authentication: { type: none }`, and with unicast peering keepalived accepts adverts only ' +
        'from the other masters (`check_unicast_src`); see docs/host-provisioning.md). Every master ' +
        'of a segment must speak the same version. @default 2',
    ),
  advertIntervalSeconds: z
    .number({ error: 'must be a number of seconds' })
    .min(0.1, { error: 'must be between 0.1 and 10 seconds' })
    .max(10, { error: 'must be between 0.1 and 10 seconds' })
    .refine((value) => Math.abs(value * 10 - Math.round(value * 10)) < 1e-9, {
      error: 'must be a multiple of 0.1 seconds (e.g. 0.5)',
    })
    .default(1)
    .describe(
      'Seconds between VRRP adverts; a backup takes the VIP after 3 missed adverts plus a skew of ' +
        'under one advert. Whole seconds with vrrpVersion 2; with vrrpVersion 3 also tenths ' +
        '(0.5: a dead holder is replaced in about 1.6 s). @default 1',
    ),
  authentication: vrrpAuthentication.prefault({ type: 'pass' }),
  healthCheck: z
    .strictObject({
      intervalSeconds: checkCount('seconds', 2).describe(
        "Seconds between HAProxy's checks (`inter`) of one API server; after a first failure the " +
          'next checks come at half that interval (`fastinter`). @default 2',
      ),
      fall: checkCount('checks', 3).describe(
        'Failed checks in a row before HAProxy marks an API server down. @default 3',
      ),
      rise: checkCount('checks', 2).describe(
        'Passed checks in a row before HAProxy uses an API server again. @default 2',
      ),
    })
    .prefault({})
    .describe(
      "HAProxy's health checks of the API servers (`GET /readyz` over TLS, 5 s timeout). A stopping " +
        'API server is taken out at most intervalSeconds + (fall − 1) × intervalSeconds / 2 after ' +
        'it starts to fail /readyz (4 s with the defaults), ' +
        'within its 5 s shutdown delay. A failing API server does not move the VIP: HAProxy routes ' +
        'around it (docs/host-provisioning.md). @default { intervalSeconds: 2, fall: 3, rise: 2 }',
    ),
  haproxyStatsPort: port
    .default(8404)
    .describe(
      "Port of HAProxy's stats and Prometheus listener on every master, bound to 127.0.0.1 only: " +
        "`/stats` (add `;csv` for CSV) and `/metrics`. keepalived's check script reads it. Must " +
        'differ from port and apiServerPort. @default 8404',
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
        'or haproxy files are written; `vip`, `port`, `interface`, `masters[].interface` and ' +
        '`virtualRouterId` do not apply.',
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
    interface: interfaceName
      .optional()
      .describe(
        'Network interface that carries the VIP on every master that does not set its own ' +
          '`masters[].interface`, e.g. ens18 (Debian 12 names NICs predictably: ens18, enp1s0; see ' +
          '`ip -brief addr` on the master). Required with loadBalancer.type keepalived unless every ' +
          'master sets its own. @default - none (external load balancer)',
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
    audit: auditPolicy
      .prefault({})
      .describe(
        "The API servers' audit policy and log rotation (docs/audit.md). @default the built-in rules, the default rules, Metadata for the rest",
      ),
    etcdBackup: etcdBackup
      .prefault({})
      .describe(
        'etcd snapshots on every master: a systemd timer runs `etcdctl snapshot save`, checks it with ' +
          '`snapshot status`, prunes, optionally copies it off the host and writes node-exporter textfile ' +
          'metrics (docs/etcd-backup-restore.md). @default { enabled: true, schedule: hourly, retention: { count: 48 } }',
      ),
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
