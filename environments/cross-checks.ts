import type { InputProblem } from './input-error';
import type { LoadedEnvironment } from './load';
import { type AddressSpan, addressSpan, ipv4Number } from './schema/addons-rules';

/**
 * Checks that span environments, run at synth after every environment was validated on its
 * own. Environments are separate files, so nothing else notices when two of them claim the
 * same virtual IP on one network, or when two clusters answer to the same kubeconfig context
 * (`deploy --env test` would then change production).
 *
 * - Kubeconfig contexts are unique across all environments, and so are the endpoints of
 *   external load balancers.
 * - Environments whose `controlPlane.subnet` is the same network segment (the CIDRs overlap)
 *   must not share a VIP, a VRRP `virtualRouterId` (keepalived instances with one id on one
 *   segment fight over the VIP), or any machine address (masters, nodes, VIP).
 *
 * Each problem is reported in the file of the later environment (by name), or of the one in
 * `focus` when only one of the two is, and names the other file and its path, so that either
 * side can be fixed.
 *
 * @param focus the environments asked about (`synth --env`, a new environment); conflicts
 *   between two others are left to the runs that select them. @default - all environments
 */
export function crossCheckEnvironments(
  environments: readonly LoadedEnvironment[],
  focus?: readonly string[],
): InputProblem[] {
  const facts = [...environments].sort((a, b) => compare(a.name, b.name)).map(factsOf);
  const selected = (env: EnvironmentFacts) => focus === undefined || focus.includes(env.name);
  const problems: InputProblem[] = [];
  facts.forEach((later, index) => {
    for (const earlier of facts.slice(0, index)) {
      if (!selected(earlier) && !selected(later)) continue;
      // Reported in the later file, unless only the earlier one was asked about.
      const [subject, other] = selected(later) ? [later, earlier] : [earlier, later];
      problems.push(...conflicts(subject, other));
    }
  });
  return problems;
}

/** The problems of `subject` that `other` causes, reported at the subject's paths. */
function conflicts(subject: EnvironmentFacts, other: EnvironmentFacts): InputProblem[] {
  const problems: InputProblem[] = [];
  if (subject.context === other.context) {
    problems.push({
      file: subject.file,
      path: 'cluster.kubeconfig.context',
      value: subject.context,
      message: `is also the context of ${other.file} (cluster.kubeconfig.context); every environment needs its own kubeconfig context, or a deploy could reach the wrong cluster`,
    });
  }
  if (subject.endpoint !== undefined && subject.endpoint === other.endpoint) {
    problems.push({
      file: subject.file,
      path: 'controlPlane.loadBalancer.endpoint',
      value: subject.endpoint,
      message: `is also the API server endpoint of ${other.file} (controlPlane.loadBalancer.endpoint); two clusters cannot answer on one endpoint`,
    });
  }
  // MetalLB pools hand out service addresses; two clusters answering ARP for one address break
  // both, whatever their control-plane networks.
  subject.loadBalancerRanges.forEach((range, index) => {
    const clash = other.loadBalancerRanges.find((o) => range.first <= o.last && o.first <= range.last);
    if (clash)
      problems.push({
        file: subject.file,
        path: `addons.metallb.addresses[${index}]`,
        value: range.text,
        message: `overlaps ${clash.text} of ${other.file} (addons.metallb.addresses); each environment's load-balancer addresses must be its own`,
      });
    for (const { path, address } of other.addresses) {
      const value = ipv4Number(address);
      if (value !== undefined && value >= range.first && value <= range.last)
        problems.push({
          file: subject.file,
          path: `addons.metallb.addresses[${index}]`,
          value: range.text,
          message: `contains ${address}, which ${other.file} assigns (${path}); a load-balancer address must not be another environment's machine`,
        });
    }
  });
  const segment = sharedSegment(subject, other);
  if (segment !== undefined) problems.push(...segmentConflicts(subject, other, segment));
  return problems;
}

/** What the cross-environment checks read from one environment. */
interface EnvironmentFacts {
  readonly name: string;
  readonly file: string;
  readonly context: string;
  readonly subnet?: Cidr;
  readonly vip?: string;
  readonly virtualRouterId?: number;
  /** The external load balancer's endpoint (cloud mode). */
  readonly endpoint?: string;
  /** Every address the environment assigns, with the path that assigns it. */
  readonly addresses: readonly { readonly path: string; readonly address: string }[];
  /** Address → the first path that assigns it. */
  readonly addressPaths: ReadonlyMap<string, string>;
  /** MetalLB's address ranges, when MetalLB is on. */
  readonly loadBalancerRanges: readonly AddressSpan[];
}

interface Cidr {
  readonly text: string;
  readonly first: number;
  readonly last: number;
}

/**
 * The parts of the control plane these checks read. Read structurally, because the control
 * plane has more than one mode (a Keepalived VIP in a data centre, a load balancer in a cloud)
 * and only some of them have a VIP or a virtual router id.
 */
interface ControlPlaneFacts {
  readonly subnet?: string;
  readonly vip?: string;
  readonly virtualRouterId?: number;
  readonly masters?: readonly { readonly address?: string }[];
  readonly loadBalancer?: { readonly type?: string; readonly endpoint?: string };
}

interface NodePoolFacts {
  readonly nodes?: readonly { readonly address?: string }[];
}

function factsOf(env: LoadedEnvironment): EnvironmentFacts {
  // Read structurally, like the control plane: facts of a partial spec are still facts.
  const metallb = (env.spec as { addons?: { metallb?: { enabled: boolean; addresses: readonly string[] } } })
    .addons?.metallb;
  const controlPlane = env.spec.controlPlane as ControlPlaneFacts;
  const addresses: { path: string; address: string }[] = [];
  if (controlPlane.vip !== undefined) addresses.push({ path: 'controlPlane.vip', address: controlPlane.vip });
  (controlPlane.masters ?? []).forEach((master, i) => {
    if (master.address !== undefined)
      addresses.push({ path: `controlPlane.masters[${i}].address`, address: master.address });
  });
  (env.spec.nodePools as readonly NodePoolFacts[]).forEach((pool, p) => {
    (pool.nodes ?? []).forEach((node, n) => {
      if (node.address !== undefined)
        addresses.push({ path: `nodePools[${p}].nodes[${n}].address`, address: node.address });
    });
  });
  return {
    name: env.name,
    file: env.file,
    context: env.spec.cluster.kubeconfig.context,
    subnet: controlPlane.subnet === undefined ? undefined : parseCidr(controlPlane.subnet),
    vip: controlPlane.vip,
    virtualRouterId: controlPlane.virtualRouterId,
    endpoint: controlPlane.loadBalancer?.endpoint,
    addresses,
    addressPaths: new Map([...addresses].reverse().map(({ path, address }) => [address, path])),
    loadBalancerRanges: metallb?.enabled ? metallb.addresses.flatMap((text) => addressSpan(text) ?? []) : [],
  };
}

/** A description of the shared segment when both environments declare overlapping subnets. */
function sharedSegment(subject: EnvironmentFacts, other: EnvironmentFacts): string | undefined {
  if (!subject.subnet || !other.subnet) return undefined;
  if (subject.subnet.last < other.subnet.first || other.subnet.last < subject.subnet.first) return undefined;
  return subject.subnet.text === other.subnet.text
    ? `both declare controlPlane.subnet ${subject.subnet.text}`
    : `controlPlane.subnet ${subject.subnet.text} overlaps ${other.subnet.text} of ${other.file}`;
}

function segmentConflicts(
  subject: EnvironmentFacts,
  other: EnvironmentFacts,
  segment: string,
): InputProblem[] {
  const problems: InputProblem[] = [];
  const sameSegment = `they share a network segment (${segment})`;
  if (subject.vip !== undefined && subject.vip === other.vip) {
    problems.push({
      file: subject.file,
      path: 'controlPlane.vip',
      value: subject.vip,
      message: `is also the VIP of ${other.file} (controlPlane.vip); ${sameSegment}, so each needs its own VIP`,
    });
  }
  if (subject.virtualRouterId !== undefined && subject.virtualRouterId === other.virtualRouterId) {
    problems.push({
      file: subject.file,
      path: 'controlPlane.virtualRouterId',
      value: subject.virtualRouterId,
      message: `is also the virtualRouterId of ${other.file} (controlPlane.virtualRouterId); ${sameSegment}, so their keepalived instances need different VRRP router ids`,
    });
  }
  for (const { path, address } of subject.addresses) {
    const otherPath = other.addressPaths.get(address);
    // A shared VIP is reported above, once.
    if (otherPath === undefined || (path === 'controlPlane.vip' && otherPath === 'controlPlane.vip'))
      continue;
    problems.push({
      file: subject.file,
      path,
      value: address,
      message: `is also assigned by ${other.file} (${otherPath}); ${sameSegment}, so an address can belong to one of them only`,
    });
  }
  return problems;
}

function parseCidr(text: string): Cidr | undefined {
  const match = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(text);
  if (!match) return undefined;
  const [a, b, c, d, prefix] = match.slice(1).map(Number) as [number, number, number, number, number];
  const address = ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
  const size = 2 ** (32 - prefix);
  const first = Math.floor(address / size) * size;
  return { text, first, last: first + size - 1 };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
