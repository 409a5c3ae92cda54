import { InputError } from './input-error';

/**
 * `--map-addresses FROM=TO` of `blueprint new-env`: moves every IPv4 address (and every
 * network) of an environment that lies in the network FROM to the same place in the network
 * TO, e.g. `10.20.0.0/16=10.21.0.0/16` turns 10.20.1.11 into 10.21.1.11 and the subnet
 * 10.20.0.0/24 into 10.21.0.0/24. Address ranges (`first-last`, MetalLB's addresses) and
 * `address:port` (the Ceph monitors) move too: a range when both ends lie in the same FROM, an
 * address with a port keeps its port. This is how a second site gets its own addressing plan in
 * one argument instead of one `--set` per machine. Pure.
 */
export interface AddressMapping {
  /** The argument as given. */
  readonly text: string;
  readonly from: Network;
  readonly to: Network;
}

interface Network {
  readonly first: number;
  readonly prefix: number;
}

/** One value the mapping changed. */
export interface MappedValue {
  readonly path: readonly (string | number)[];
  readonly before: string;
  readonly after: string;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Parses `FROM=TO`, two networks in CIDR notation with the same prefix length. */
export function parseAddressMapping(text: string): AddressMapping {
  const fail = (message: string): never => {
    throw new InputError({ path: '--map-addresses', value: text, message });
  };
  const parts = text.split('=');
  if (parts.length !== 2) fail('must be FROM=TO, two networks such as 10.20.0.0/16=10.21.0.0/16');
  const [fromText, toText] = parts as [string, string];
  const from =
    parseNetwork(fromText) ??
    fail(`has ${JSON.stringify(fromText)}, which is not an IPv4 network (address/prefix)`);
  const to =
    parseNetwork(toText) ??
    fail(`has ${JSON.stringify(toText)}, which is not an IPv4 network (address/prefix)`);
  if (from.prefix !== to.prefix) {
    fail(
      `maps a /${from.prefix} onto a /${to.prefix}; both networks need the same prefix length so that every address has a place`,
    );
  }
  return { text, from, to };
}

function parseNetwork(text: string): Network | undefined {
  const [address, prefixText, ...rest] = text.split('/');
  if (
    rest.length > 0 ||
    address === undefined ||
    !IPV4.test(address) ||
    !/^(\d|[12]\d|3[0-2])$/.test(prefixText ?? '')
  )
    return undefined;
  const prefix = Number(prefixText);
  const size = 2 ** (32 - prefix);
  return { first: Math.floor(toNumber(address) / size) * size, prefix };
}

function toNumber(address: string): number {
  return address.split('.').reduce((sum, part) => sum * 256 + Number(part), 0);
}

function toAddress(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

function contains(network: Network, address: number): boolean {
  const size = 2 ** (32 - network.prefix);
  return address >= network.first && address < network.first + size;
}

/**
 * The address, network, range (`first-last`) or `address:port` in `text` moved by the first
 * mapping that holds it, or undefined. A range moves only when one mapping holds both ends, so
 * that it stays one range.
 */
function mapOne(
  text: string,
  mappings: readonly AddressMapping[],
): { after: string; mapping: AddressMapping } | undefined {
  const range = /^([^-/]+)-([^-/]+)$/.exec(text);
  if (range) {
    const first = mapNetwork(range[1] as string, mappings);
    const last = mapNetwork(range[2] as string, mappings);
    if (!first || !last || first.mapping !== last.mapping) return undefined;
    return { after: `${first.after}-${last.after}`, mapping: first.mapping };
  }
  const withPort = /^([^:/]+):(\d{1,5})$/.exec(text);
  if (withPort) {
    const moved = mapNetwork(withPort[1] as string, mappings);
    return moved && { after: `${moved.after}:${withPort[2]}`, mapping: moved.mapping };
  }
  return mapNetwork(text, mappings);
}

/** The address or network `text` moved by the first mapping that holds it, or undefined. */
function mapNetwork(
  text: string,
  mappings: readonly AddressMapping[],
): { after: string; mapping: AddressMapping } | undefined {
  const [address, prefix, ...rest] = text.split('/');
  if (rest.length > 0 || address === undefined || !IPV4.test(address)) return undefined;
  if (prefix !== undefined && !/^(\d|[12]\d|3[0-2])$/.test(prefix)) return undefined;
  const value = toNumber(address);
  for (const mapping of mappings) {
    // A network moves only when it lies wholly inside FROM.
    if (prefix !== undefined && Number(prefix) < mapping.from.prefix) continue;
    if (!contains(mapping.from, value)) continue;
    const moved = toAddress(mapping.to.first + (value - mapping.from.first));
    return { after: prefix === undefined ? moved : `${moved}/${prefix}`, mapping };
  }
  return undefined;
}

/**
 * Every string value of `values` that is an IPv4 address, network, range or `address:port`
 * inside one of the mappings' FROM networks, with its new value. A mapping that matches nothing is refused (a
 * typo would otherwise go unnoticed).
 */
export function mapAddresses(
  values: unknown,
  mappings: readonly AddressMapping[],
  source: string,
): MappedValue[] {
  const out: MappedValue[] = [];
  const used = new Set<AddressMapping>();
  const walk = (value: unknown, at: (string | number)[]) => {
    if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) walk(item, [...at, index]);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) walk(child, [...at, key]);
    } else if (typeof value === 'string') {
      const mapped = mapOne(value, mappings);
      if (mapped) {
        used.add(mapped.mapping);
        out.push({ path: at, before: value, after: mapped.after });
      }
    }
  };
  walk(values, []);
  const unused = mappings.filter((mapping) => !used.has(mapping));
  if (unused.length > 0) {
    throw new InputError(
      unused.map((mapping) => ({
        path: '--map-addresses',
        value: mapping.text,
        message: `matches no address of ${source}`,
      })),
    );
  }
  return out;
}
