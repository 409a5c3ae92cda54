import { type Rule, report, reportDuplicates } from './rules';

/** The IPv4 address as an unsigned 32-bit number. Expects a dotted quad the schema accepted. */
export function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
}

/** A parsed IPv4 CIDR: its network address, broadcast address and prefix length. */
export interface Ipv4Network {
  readonly prefixLength: number;
  readonly network: number;
  readonly broadcast: number;
}

/** Parses `a.b.c.d/n` (already validated by the schema). */
export function parseIpv4Cidr(cidr: string): Ipv4Network {
  const [address = '', prefix = '32'] = cidr.split('/');
  const prefixLength = Number(prefix);
  const size = 2 ** (32 - prefixLength);
  const network = Math.floor(ipv4ToNumber(address) / size) * size;
  return { prefixLength, network, broadcast: network + size - 1 };
}

/** Whether `address` lies in `net` (network and broadcast addresses included). */
export function inNetwork(address: string, net: Ipv4Network): boolean {
  const value = ipv4ToNumber(address);
  return value >= net.network && value <= net.broadcast;
}

/** Whether `address` is usable by a host in `net`: not its network or broadcast address (except /31, /32). */
function isHostAddress(address: string, net: Ipv4Network): boolean {
  if (net.prefixLength >= 31) return true;
  const value = ipv4ToNumber(address);
  return value !== net.network && value !== net.broadcast;
}

const KEEPALIVED_ONLY = ['vip', 'port', 'interface', 'virtualRouterId'] as const;

/** keepalived mode needs the VRRP fields; an external load balancer must not carry them (they would be ignored). */
const loadBalancerFields: Rule = (spec, ctx) => {
  const cp = spec.controlPlane;
  if (cp.loadBalancer.type === 'keepalived') {
    const what: Record<(typeof KEEPALIVED_ONLY)[number], string> = {
      vip: 'the virtual IP keepalived moves between the masters',
      port: "HAProxy's frontend port",
      interface: 'the network interface that carries the VIP',
      virtualRouterId: 'the VRRP virtual router id, 1-255',
    };
    for (const key of KEEPALIVED_ONLY) {
      // A master without its own interface uses controlPlane.interface.
      if (key === 'interface' && cp.masters.every((m) => m.interface !== undefined)) continue;
      if (cp[key] === undefined) {
        report(
          ctx,
          ['controlPlane', key],
          undefined,
          `is required with loadBalancer.type keepalived (the default): ${what[key]}` +
            (key === 'interface'
              ? ` (e.g. ens18), unless every master sets its own masters[].interface; masters without one: ${cp.masters
                  .filter((m) => m.interface === undefined)
                  .map((m) => m.name)
                  .join(', ')}`
              : ''),
        );
      }
    }
    return;
  }
  for (const key of KEEPALIVED_ONLY) {
    if (cp[key] !== undefined) {
      report(
        ctx,
        ['controlPlane', key],
        cp[key],
        'applies only to loadBalancer.type keepalived; with an external load balancer remove it ' +
          '(the endpoint is loadBalancer.endpoint:loadBalancer.port)',
      );
    }
  }
  cp.masters.forEach((m, i) => {
    if (m.interface === undefined) return;
    report(
      ctx,
      ['controlPlane', 'masters', i, 'interface'],
      m.interface,
      'applies only to loadBalancer.type keepalived (the interface that carries the VIP); with an ' +
        'external load balancer remove it',
    );
  });
};

/** etcd runs on every master and needs a majority; an even count adds a member without adding a tolerated failure. */
const masterCount: Rule = (spec, ctx) => {
  const count = spec.controlPlane.masters.length;
  if (count < 3 || count % 2 === 0) {
    report(
      ctx,
      ['controlPlane', 'masters'],
      spec.controlPlane.masters.map((m) => m.name),
      `has ${count} master${count === 1 ? '' : 's'}; an odd number of at least 3 is required: etcd keeps ` +
        'a quorum only while a majority of its members is up, so 3 masters survive the loss of 1, 5 of 2, ' +
        'and an even number tolerates no more failures than one master fewer',
    );
  }
};

/** Names are node names and host folders; addresses are the VRRP peers and HAProxy backends. */
const uniqueMasters: Rule = (spec, ctx) => {
  const masters = spec.controlPlane.masters;
  reportDuplicates(
    ctx,
    masters,
    (m) => m.name,
    (i) => ['controlPlane', 'masters', i, 'name'],
    'name',
  );
  reportDuplicates(
    ctx,
    masters,
    (m) => m.address,
    (i) => ['controlPlane', 'masters', i, 'address'],
    'address',
  );
  const workers = new Map<string, string>();
  const workerAddresses = new Map<string, string>();
  for (const pool of spec.nodePools) {
    for (const node of pool.nodes ?? []) {
      workers.set(node.name, pool.name);
      workerAddresses.set(node.address, `${pool.name}/${node.name}`);
    }
  }
  masters.forEach((m, i) => {
    const pool = workers.get(m.name);
    if (pool !== undefined) {
      report(
        ctx,
        ['controlPlane', 'masters', i, 'name'],
        m.name,
        `is also a node of pool ${JSON.stringify(pool)}; a host is either a master or a worker`,
      );
    }
    const worker = workerAddresses.get(m.address);
    if (worker !== undefined) {
      report(
        ctx,
        ['controlPlane', 'masters', i, 'address'],
        m.address,
        `is also the address of worker ${worker}; every host needs its own address`,
      );
    }
  });
};

/** The VIP is shared, so it must be nobody's own address; with a subnet it must be routable on the masters' network. */
const vipPlacement: Rule = (spec, ctx) => {
  const cp = spec.controlPlane;
  if (cp.loadBalancer.type !== 'keepalived' || cp.vip === undefined) return;
  const owners = [
    ...cp.masters.map((m) => ({ address: m.address, who: `master ${m.name}` })),
    ...spec.nodePools.flatMap((pool) =>
      (pool.nodes ?? []).map((n) => ({ address: n.address, who: `node ${n.name} of pool ${pool.name}` })),
    ),
  ];
  const owner = owners.find((o) => o.address === cp.vip);
  if (owner) {
    report(
      ctx,
      ['controlPlane', 'vip'],
      cp.vip,
      `is the address of ${owner.who}; the VIP must be a free address that only keepalived assigns`,
    );
  }
  if (cp.subnet === undefined) return;
  const net = parseIpv4Cidr(cp.subnet);
  if (!inNetwork(cp.vip, net)) {
    report(
      ctx,
      ['controlPlane', 'vip'],
      cp.vip,
      `is not in controlPlane.subnet ${cp.subnet}; the VIP must be on the masters' network so that ` +
        'gratuitous ARP moves it',
    );
  } else if (!isHostAddress(cp.vip, net)) {
    report(
      ctx,
      ['controlPlane', 'vip'],
      cp.vip,
      `is the network or broadcast address of controlPlane.subnet ${cp.subnet}; use a host address`,
    );
  }
};

/** Every master must be on the subnet the VIP lives in. */
const mastersInSubnet: Rule = (spec, ctx) => {
  const cp = spec.controlPlane;
  if (cp.subnet === undefined) return;
  const net = parseIpv4Cidr(cp.subnet);
  cp.masters.forEach((m, i) => {
    if (!inNetwork(m.address, net) || !isHostAddress(m.address, net)) {
      report(
        ctx,
        ['controlPlane', 'masters', i, 'address'],
        m.address,
        `is not a host address in controlPlane.subnet ${cp.subnet}; every master must be on that network`,
      );
    }
  });
};

/**
 * HAProxy binds `port` (and its stats listener `haproxyStatsPort`, on loopback) on every master
 * next to the apiserver on `apiServerPort`.
 */
const distinctPorts: Rule = (spec, ctx) => {
  const cp = spec.controlPlane;
  if (cp.loadBalancer.type !== 'keepalived' || cp.port === undefined) return;
  if (cp.port === cp.apiServerPort) {
    report(
      ctx,
      ['controlPlane', 'port'],
      cp.port,
      `equals controlPlane.apiServerPort; HAProxy and kube-apiserver both listen on every master, so ` +
        `the HAProxy port must differ from ${cp.apiServerPort} (e.g. 8443)`,
    );
  }
  const stats = cp.loadBalancer.haproxyStatsPort;
  const taken =
    stats === cp.port
      ? 'controlPlane.port'
      : stats === cp.apiServerPort
        ? 'controlPlane.apiServerPort'
        : undefined;
  if (taken !== undefined) {
    report(
      ctx,
      ['controlPlane', 'loadBalancer', 'haproxyStatsPort'],
      stats,
      `equals ${taken}; HAProxy's stats listener needs a port of its own on every master (e.g. 8404)`,
    );
  }
};

/**
 * VRRPv2 adverts are whole seconds and may carry a PASS password; VRRPv3 (RFC 5798) takes
 * centisecond adverts (the schema allows tenths) and has no authentication at all.
 */
const vrrpVersionFields: Rule = (spec, ctx) => {
  const lb = spec.controlPlane.loadBalancer;
  if (lb.type !== 'keepalived') return;
  if (lb.vrrpVersion === 2 && !Number.isInteger(lb.advertIntervalSeconds)) {
    report(
      ctx,
      ['controlPlane', 'loadBalancer', 'advertIntervalSeconds'],
      lb.advertIntervalSeconds,
      'must be a whole number of seconds with vrrpVersion 2 (VRRPv2 adverts are whole seconds); ' +
        'set controlPlane.loadBalancer.vrrpVersion: 3 for sub-second adverts',
    );
  }
  if (lb.vrrpVersion === 3 && lb.authentication.type !== 'none') {
    report(
      ctx,
      ['controlPlane', 'loadBalancer', 'authentication', 'type'],
      lb.authentication.type,
      'must be none with vrrpVersion 3: VRRPv3 (RFC 5798) has no authentication; set ' +
        'controlPlane.loadBalancer.authentication: { type: none } (with unicast peering keepalived ' +
        'then accepts adverts only from the other masters, see docs/host-provisioning.md) or use vrrpVersion 2',
    );
  }
};

/** Cross-field rules of `controlPlane`. */
export const controlPlaneRules: Rule[] = [
  loadBalancerFields,
  masterCount,
  uniqueMasters,
  vipPlacement,
  mastersInSubnet,
  distinctPorts,
  vrrpVersionFields,
];
