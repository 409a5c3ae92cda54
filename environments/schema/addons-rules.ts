import * as ipaddr from 'ipaddr.js';
import type { EnvironmentSpec } from './index';
import { type Rule, report } from './rules';

/** An IPv4 range as two numbers, inclusive. */
export interface AddressSpan {
  readonly text: string;
  readonly first: number;
  readonly last: number;
}

const toNumber = (address: ipaddr.IPv4): number =>
  address.octets.reduce((value, octet) => value * 256 + octet, 0);

/** Parses an IPv4 address, or undefined. */
export function ipv4Number(text: string): number | undefined {
  return ipaddr.IPv4.isValidFourPartDecimal(text) ? toNumber(ipaddr.IPv4.parse(text)) : undefined;
}

/** Parses `first-last` or a CIDR into a span, or undefined when malformed (the schema reports it). */
export function addressSpan(text: string): AddressSpan | undefined {
  if (text.includes('/')) {
    if (!ipaddr.IPv4.isValidCIDR(text)) return undefined;
    const [address, prefix] = ipaddr.IPv4.parseCIDR(text);
    const size = 2 ** (32 - prefix);
    const first = Math.floor(toNumber(address) / size) * size;
    return { text, first, last: first + size - 1 };
  }
  const [from, to] = text.split('-');
  const first = from === undefined ? undefined : ipv4Number(from);
  const last = to === undefined ? undefined : ipv4Number(to);
  if (first === undefined || last === undefined || last < first) return undefined;
  return { text, first, last };
}

/** Every machine address of an environment (VIP, masters, nodes) with the path that sets it. */
export function machineAddresses(spec: EnvironmentSpec): { path: (string | number)[]; address: string }[] {
  const controlPlane = spec.controlPlane as {
    vip?: string;
    masters?: readonly { address?: string }[];
  };
  const out: { path: (string | number)[]; address: string }[] = [];
  if (controlPlane.vip !== undefined) out.push({ path: ['controlPlane', 'vip'], address: controlPlane.vip });
  (controlPlane.masters ?? []).forEach((master, index) => {
    if (master.address !== undefined)
      out.push({ path: ['controlPlane', 'masters', index, 'address'], address: master.address });
  });
  spec.nodePools.forEach((pool, p) => {
    (pool.nodes ?? []).forEach((node, n) => {
      out.push({ path: ['nodePools', p, 'nodes', n, 'address'], address: node.address });
    });
  });
  return out;
}

/** The pool MetalLB announces from: `metallb.announcePool`, else the proxy pool. */
export function announcePool(spec: EnvironmentSpec): string | undefined {
  return spec.addons.metallb.announcePool ?? spec.addons.envoyGateway.proxyPool;
}

/** Whether the environment runs in a cloud whose load balancer serves LoadBalancer Services. */
export function hasCloudLoadBalancer(spec: EnvironmentSpec): boolean {
  return spec.clusterAutoscaler?.cloudProvider !== undefined;
}

/** Pools named by the add-ons exist. */
const addonPoolsExist: Rule = (spec, ctx) => {
  const pools = new Set(spec.nodePools.map((pool) => pool.name));
  const named: [(string | number)[], string | undefined][] = [
    [['addons', 'pool'], spec.addons.pool],
    [['addons', 'envoyGateway', 'proxyPool'], spec.addons.envoyGateway.proxyPool],
    [['addons', 'metallb', 'announcePool'], spec.addons.metallb.announcePool],
  ];
  for (const [path, pool] of named) {
    if (pool !== undefined && !pools.has(pool))
      report(ctx, path, pool, `is not a node pool; one of: ${[...pools].join(', ') || '(none)'}`);
  }
};

/** A pool's subnet holds every node of the pool. */
const poolSubnetsHoldNodes: Rule = (spec, ctx) => {
  spec.nodePools.forEach((pool, p) => {
    if (pool.subnet === undefined) return;
    const span = addressSpan(pool.subnet);
    if (!span) return;
    (pool.nodes ?? []).forEach((node, n) => {
      const address = ipv4Number(node.address);
      if (address !== undefined && (address < span.first || address > span.last))
        report(
          ctx,
          ['nodePools', p, 'nodes', n, 'address'],
          node.address,
          `is outside the pool's subnet ${pool.subnet} (nodePools[${p}].subnet)`,
        );
    });
  });
};

/** The Gateway is served by the installed Envoy Gateway, and gets an address. */
const gatewayServed: Rule = (spec, ctx) => {
  const eg = spec.addons.envoyGateway;
  if (!spec.gateway || !eg.enabled) return;
  if (spec.gateway.className !== eg.className)
    report(
      ctx,
      ['gateway', 'className'],
      spec.gateway.className,
      `is not the GatewayClass of the installed Envoy Gateway (addons.envoyGateway.className: ${eg.className}); name it, or turn addons.envoyGateway off when another implementation serves the gateway`,
    );
  const ref = spec.gateway.parametersRef;
  if (ref && (ref.group !== 'gateway.envoyproxy.io' || ref.kind !== 'EnvoyProxy'))
    report(
      ctx,
      ['gateway', 'parametersRef'],
      `${ref.group}/${ref.kind}`,
      'must name an EnvoyProxy (group gateway.envoyproxy.io) while addons.envoyGateway installs the gateway; the add-on creates it',
    );
  if (eg.exposure === 'LoadBalancer' && !spec.addons.metallb.enabled && !hasCloudLoadBalancer(spec))
    report(
      ctx,
      ['addons', 'envoyGateway', 'exposure'],
      eg.exposure,
      'needs something that hands out LoadBalancer addresses: turn on addons.metallb with addresses (a data centre), set clusterAutoscaler.cloudProvider (a cloud), or choose NodePort or HostNetwork',
    );
};

/** MetalLB's pool: present, inside the announcing pool's subnet, free of machine addresses, no overlaps. */
const metallbPool: Rule = (spec, ctx) => {
  const metallb = spec.addons.metallb;
  if (!metallb.enabled) return;
  if (metallb.addresses.length === 0) {
    report(
      ctx,
      ['addons', 'metallb', 'addresses'],
      [],
      'must list at least one address range when MetalLB is on',
    );
    return;
  }
  const poolName = announcePool(spec);
  const pool = spec.nodePools.find((candidate) => candidate.name === poolName);
  if (poolName === undefined)
    report(
      ctx,
      ['addons', 'metallb', 'announcePool'],
      undefined,
      'is needed: name the node pool that announces the addresses (or set addons.envoyGateway.proxyPool)',
    );
  else if (pool && pool.subnet === undefined)
    report(
      ctx,
      ['nodePools', spec.nodePools.indexOf(pool), 'subnet'],
      undefined,
      `is needed: pool ${poolName} announces the MetalLB addresses (L2), which must lie in its network`,
    );
  const subnet = pool?.subnet === undefined ? undefined : addressSpan(pool.subnet);
  const machines = machineAddresses(spec);
  const spans: { index: number; span: AddressSpan }[] = [];
  metallb.addresses.forEach((text, index) => {
    const path = ['addons', 'metallb', 'addresses', index];
    const span = addressSpan(text);
    if (!span) {
      report(ctx, path, text, 'is not a valid range: the first address must not be above the last');
      return;
    }
    if (subnet && (span.first < subnet.first || span.last > subnet.last))
      report(
        ctx,
        path,
        text,
        `is outside the subnet ${pool?.subnet} of pool ${poolName}, whose nodes announce it (L2 reaches one network only)`,
      );
    for (const machine of machines) {
      const address = ipv4Number(machine.address);
      if (address !== undefined && address >= span.first && address <= span.last)
        report(
          ctx,
          path,
          text,
          `contains ${machine.address}, the address of ${machine.path.join('.').replace(/\.(\d+)/g, '[$1]')}; a LoadBalancer address must not be a machine's`,
        );
    }
    for (const earlier of spans) {
      if (span.first <= earlier.span.last && earlier.span.first <= span.last)
        report(ctx, path, text, `overlaps ${earlier.span.text} (addons.metallb.addresses[${earlier.index}])`);
    }
    spans.push({ index, span });
  });
};

/** ceph-csi knows the monitors of every Ceph cluster a storage class names. */
const cephClustersKnown: Rule = (spec, ctx) => {
  const ceph = spec.addons.cephCsi;
  if (!ceph.enabled) return;
  const known = new Set(ceph.clusters.map((cluster) => cluster.clusterId));
  spec.storage.classes.forEach((storageClass, index) => {
    if (!known.has(storageClass.clusterId))
      report(
        ctx,
        ['storage', 'classes', index, 'clusterId'],
        storageClass.clusterId,
        'is not in addons.cephCsi.clusters; ceph-csi needs the monitors of every Ceph cluster a class uses',
      );
  });
};

/** Prometheus's volume uses a StorageClass the environment declares. */
const monitoringStorageKnown: Rule = (spec, ctx) => {
  const storage = spec.addons.monitoring.storage;
  if (!spec.addons.monitoring.enabled || !storage) return;
  if (!spec.storage.classes.some((storageClass) => storageClass.name === storage.class))
    report(
      ctx,
      ['addons', 'monitoring', 'storage', 'class'],
      storage.class,
      `is not one of storage.classes[].name (${spec.storage.classes.map((c) => c.name).join(', ') || 'none'})`,
    );
};

/** Cross-field rules of the add-ons. */
export const addonRules: Rule[] = [
  addonPoolsExist,
  poolSubnetsHoldNodes,
  gatewayServed,
  metallbPool,
  cephClustersKnown,
  monitoringStorageKnown,
];
