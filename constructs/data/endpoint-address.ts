/**
 * Which IPv4 addresses may be the endpoint of a Service. Kubernetes refuses loopback and
 * link-local endpoints (they would reach the node itself, or the node's metadata service);
 * unspecified, multicast, broadcast and reserved addresses reach no single machine.
 */

const DOTTED_QUAD = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** The address as a 32-bit unsigned number, or undefined when it is not a dotted quad. */
export function ipv4ToNumber(address: string): number | undefined {
  if (!DOTTED_QUAD.test(address)) return undefined;
  return address.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
}

/** Whether `address` lies in `cidr` (`a.b.c.d/n`). False when either is malformed. */
export function ipv4InCidr(address: string, cidr: string): boolean {
  const [network = '', prefixText = ''] = cidr.split('/');
  const value = ipv4ToNumber(address);
  const base = ipv4ToNumber(network);
  const prefix = Number(prefixText);
  if (value === undefined || base === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32)
    return false;
  const size = 2 ** (32 - prefix);
  return Math.floor(value / size) === Math.floor(base / size);
}

const FORBIDDEN: readonly { cidr: string; what: string }[] = [
  { cidr: '0.0.0.0/8', what: 'in 0.0.0.0/8, "this network" (0.0.0.0 is the unspecified address)' },
  { cidr: '127.0.0.0/8', what: 'a loopback address (127.0.0.0/8); it would reach the node itself' },
  {
    cidr: '169.254.0.0/16',
    what: 'a link-local address (169.254.0.0/16); it is not routed and holds cloud metadata services',
  },
  { cidr: '224.0.0.0/4', what: 'a multicast address (224.0.0.0/4)' },
  { cidr: '240.0.0.0/4', what: 'a reserved or broadcast address (240.0.0.0/4)' },
];

/**
 * Why `address` cannot be the endpoint of an external service, or undefined when it can.
 * The message follows the value: `"127.0.0.1" is a loopback address ...`.
 */
export function endpointAddressProblem(address: string): string | undefined {
  if (ipv4ToNumber(address) === undefined) {
    return 'is not an IPv4 address (four numbers 0-255 joined by dots, e.g. 10.20.3.10)';
  }
  const forbidden = FORBIDDEN.find((range) => ipv4InCidr(address, range.cidr));
  if (forbidden) return `is ${forbidden.what}; give the address of the machine or its virtual IP`;
  return undefined;
}
