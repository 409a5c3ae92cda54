import fc from 'fast-check';
import { mapAddresses, parseAddressMapping } from '../../environments/address-map';
import { InputError } from '../../environments/input-error';

describe('--map-addresses', () => {
  const values = {
    controlPlane: { subnet: '10.20.0.0/24', vip: '10.20.0.10', masters: [{ address: '10.20.0.11' }] },
    nodePools: [{ nodes: [{ address: '10.20.1.11' }, { address: '192.168.1.5' }] }],
    externalServices: [{ addresses: ['10.20.3.10'] }],
    cluster: { podSubnet: '10.0.0.0/8', kubeconfig: { context: '10.20.0.10' } },
  };

  it('moves every address and network inside FROM to the same place in TO', () => {
    const moved = mapAddresses(values, [parseAddressMapping('10.20.0.0/16=10.21.0.0/16')], 'prod.yaml');
    expect(moved.map((m) => [m.path.join('.'), m.before, m.after])).toEqual([
      ['controlPlane.subnet', '10.20.0.0/24', '10.21.0.0/24'],
      ['controlPlane.vip', '10.20.0.10', '10.21.0.10'],
      ['controlPlane.masters.0.address', '10.20.0.11', '10.21.0.11'],
      ['nodePools.0.nodes.0.address', '10.20.1.11', '10.21.1.11'],
      ['externalServices.0.addresses.0', '10.20.3.10', '10.21.3.10'],
      // Any string that is an address in FROM moves, wherever it is.
      ['cluster.kubeconfig.context', '10.20.0.10', '10.21.0.10'],
    ]);
  });

  it('leaves networks larger than FROM alone, and applies the first mapping that holds an address', () => {
    const moved = mapAddresses(
      values,
      [
        parseAddressMapping('10.20.1.0/24=172.16.1.0/24'),
        parseAddressMapping('10.20.0.0/16=10.21.0.0/16'),
        parseAddressMapping('192.168.1.0/24=192.168.2.0/24'),
      ],
      'prod.yaml',
    );
    const after = Object.fromEntries(moved.map((m) => [m.path.join('.'), m.after]));
    expect(after['nodePools.0.nodes.0.address']).toBe('172.16.1.11');
    expect(after['nodePools.0.nodes.1.address']).toBe('192.168.2.5');
    expect(after['controlPlane.vip']).toBe('10.21.0.10');
    expect(after['cluster.podSubnet']).toBeUndefined();
  });

  it("moves MetalLB's address ranges and the Ceph monitors' address:port", () => {
    const addons = {
      metallb: { addresses: ['10.20.2.240-10.20.2.250', '10.20.2.0/28', '10.20.255.250-10.21.0.5'] },
      cephCsi: { clusters: [{ monitors: ['10.20.3.41:6789', '192.168.3.42:6789'] }] },
    };
    const moved = mapAddresses({ addons }, [parseAddressMapping('10.20.0.0/16=10.21.0.0/16')], 'prod.yaml');
    // A range that leaves FROM would not be one range after the move, so it stays as it is, like
    // the monitor outside FROM.
    expect(moved.map((m) => [m.path.join('.'), m.before, m.after])).toEqual([
      ['addons.metallb.addresses.0', '10.20.2.240-10.20.2.250', '10.21.2.240-10.21.2.250'],
      ['addons.metallb.addresses.1', '10.20.2.0/28', '10.21.2.0/28'],
      ['addons.cephCsi.clusters.0.monitors.0', '10.20.3.41:6789', '10.21.3.41:6789'],
    ]);
  });

  it('works across octets for prefixes that are not multiples of 8', () => {
    const moved = mapAddresses({ a: '10.0.1.255' }, [parseAddressMapping('10.0.0.0/23=10.0.4.0/23')], 'x');
    expect(moved[0]?.after).toBe('10.0.5.255');
  });

  it('refuses a mapping that matches nothing', () => {
    expect(() =>
      mapAddresses(values, [parseAddressMapping('10.99.0.0/16=10.98.0.0/16')], 'environments/prod.yaml'),
    ).toThrow(
      new InputError({
        path: '--map-addresses',
        value: '10.99.0.0/16=10.98.0.0/16',
        message: 'matches no address of environments/prod.yaml',
      }),
    );
  });
});

describe('--map-addresses properties', () => {
  const toAddress = (value: number) =>
    [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
  /** A network: its first address and prefix length (8-30). */
  const network = fc
    .tuple(fc.integer({ min: 8, max: 30 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }))
    .map(([prefix, any]) => {
      const size = 2 ** (32 - prefix);
      return { prefix, first: Math.floor(any / size) * size, size };
    });

  it('moves each address inside FROM to the same offset in TO, and back again', () => {
    fc.assert(
      fc.property(
        network,
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
          minLength: 1,
          maxLength: 10,
        }),
        (from, toAny, fractions) => {
          const to = { ...from, first: Math.floor(toAny / from.size) * from.size };
          const offsets = fractions.map((f) => Math.floor(f * from.size));
          const addresses = offsets.map((offset) => toAddress(from.first + offset));
          const fromText = `${toAddress(from.first)}/${from.prefix}`;
          const toText = `${toAddress(to.first)}/${to.prefix}`;
          const moved = mapAddresses({ addresses }, [parseAddressMapping(`${fromText}=${toText}`)], 'x');
          expect(moved.map((m) => m.after)).toEqual(offsets.map((offset) => toAddress(to.first + offset)));
          const back = mapAddresses(
            { addresses: moved.map((m) => m.after) },
            [parseAddressMapping(`${toText}=${fromText}`)],
            'x',
          );
          expect(back.map((m) => m.after)).toEqual(addresses);
        },
      ),
    );
  });

  it('leaves every address outside FROM alone', () => {
    fc.assert(
      fc.property(
        network,
        fc.array(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { maxLength: 10 }),
        (from, others) => {
          const outside = others
            .filter((value) => value < from.first || value >= from.first + from.size)
            .map(toAddress);
          const inside = toAddress(from.first);
          const moved = mapAddresses(
            { addresses: [inside, ...outside] },
            [parseAddressMapping(`${inside}/${from.prefix}=${inside}/${from.prefix}`)],
            'x',
          );
          expect(moved.map((m) => m.path[1])).toEqual([0]);
        },
      ),
    );
  });
});
