import { Chart, Testing } from 'cdk8s';
import fc from 'fast-check';
import { endpointAddressProblem, ipv4InCidr } from '../../../constructs/data/endpoint-address';
import {
  ENDPOINT_SLICE_MANAGER,
  ExternalService,
  type ExternalServiceProps,
  ExternalServiceProtocol,
} from '../../../constructs/data/external-service';
import { validateKubernetesObjects } from './kubernetes-schema';

// biome-ignore lint/suspicious/noExplicitAny: manifests are plain JSON
type Manifest = any;

function synth(overrides: Partial<ExternalServiceProps> = {}): Manifest[] {
  const chart = new Chart(Testing.app(), 'test', { disableResourceNameHashes: true });
  new ExternalService(chart, 'mysql', {
    name: 'mysql',
    namespace: 'data',
    addresses: ['10.20.3.10', '10.20.3.11'],
    ports: [
      { name: 'mysql', port: 3306 },
      { name: 'mysqlx', port: 33060, targetPort: 33061 },
    ],
    ...overrides,
  });
  return chart.toJson();
}

describe('ExternalService', () => {
  const [service, slice] = synth();

  it('emits a Service without a selector and an EndpointSlice that belongs to it', () => {
    expect(service.kind).toBe('Service');
    expect(service.spec.selector).toBeUndefined();
    expect(service.spec.ports).toEqual([
      { name: 'mysql', port: 3306, targetPort: 3306, protocol: 'TCP' },
      { name: 'mysqlx', port: 33060, targetPort: 33061, protocol: 'TCP' },
    ]);
    expect(slice.apiVersion).toBe('discovery.k8s.io/v1');
    expect(slice.kind).toBe('EndpointSlice');
    expect(slice.metadata.namespace).toBe('data');
    expect(slice.metadata.labels['kubernetes.io/service-name']).toBe('mysql');
    // Not `endpointslice-controller.k8s.io`, so the EndpointSlice controller leaves it alone.
    expect(slice.metadata.labels['endpointslice.kubernetes.io/managed-by']).toBe(ENDPOINT_SLICE_MANAGER);
    expect(ENDPOINT_SLICE_MANAGER).not.toMatch(/controller/);
    expect(slice.addressType).toBe('IPv4');
    expect(slice.endpoints).toEqual([
      { addresses: ['10.20.3.10'], conditions: { ready: true } },
      { addresses: ['10.20.3.11'], conditions: { ready: true } },
    ]);
  });

  it('names every EndpointSlice port after a Service port, at the target port', () => {
    const byName = new Map(service.spec.ports.map((port: Manifest) => [port.name, port.targetPort]));
    for (const port of slice.ports) expect(port.port).toBe(byName.get(port.name));
  });

  it('passes the Kubernetes schemas (which do catch a bad object)', () => {
    expect(validateKubernetesObjects([service, slice])).toEqual([[], []]);
    const broken = { ...slice, endpoints: [{ addresses: '10.20.3.10' }] };
    expect(validateKubernetesObjects([broken])[0]).not.toEqual([]);
  });

  it('supports UDP ports', () => {
    const [udp] = synth({ ports: [{ name: 'dns', port: 53, protocol: ExternalServiceProtocol.UDP }] });
    expect(udp.spec.ports[0].protocol).toBe('UDP');
  });

  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.251', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['10.20.3.300', 'not an IPv4 address'],
  ])('refuses the address %s (%s) with the value', (address, what) => {
    expect(endpointAddressProblem(address)).toContain(what);
    expect(() => synth({ addresses: [address] })).toThrow(`address ${JSON.stringify(address)} is`);
  });

  it('accepts ordinary private and public addresses', () => {
    for (const address of [
      '10.20.3.10',
      '192.168.1.5',
      '172.16.0.1',
      '8.8.8.8',
      '126.255.255.255',
      '169.253.0.1',
    ])
      expect(endpointAddressProblem(address)).toBeUndefined();
  });

  it('refuses duplicate addresses, unnamed or duplicate ports and bad port numbers', () => {
    expect(() => synth({ addresses: ['10.0.0.1', '10.0.0.1'] })).toThrow('listed twice');
    expect(() => synth({ addresses: [] })).toThrow("'addresses' is empty");
    expect(() => synth({ ports: [] })).toThrow("'ports' is empty");
    expect(() => synth({ ports: [{ name: 'MySQL', port: 3306 }] })).toThrow('port name "MySQL"');
    expect(() =>
      synth({
        ports: [
          { name: 'a', port: 1 },
          { name: 'a', port: 2 },
        ],
      }),
    ).toThrow('port name "a" is used twice');
    expect(() => synth({ ports: [{ name: 'a', port: 70000 }] })).toThrow("'port' (70000)");
  });

  it('refuses exactly the loopback, link-local, 0/8, multicast and reserved addresses (property)', () => {
    fc.assert(
      fc.property(fc.ipV4(), (address) => {
        const first = Number(address.split('.')[0]);
        const second = Number(address.split('.')[1]);
        const forbidden = first === 0 || first === 127 || first >= 224 || (first === 169 && second === 254);
        expect(endpointAddressProblem(address) !== undefined).toBe(forbidden);
      }),
      { numRuns: 2000 },
    );
  });

  it('tests CIDR membership at the prefix boundary', () => {
    expect(ipv4InCidr('10.96.0.1', '10.96.0.0/12')).toBe(true);
    expect(ipv4InCidr('10.111.255.255', '10.96.0.0/12')).toBe(true);
    expect(ipv4InCidr('10.112.0.0', '10.96.0.0/12')).toBe(false);
    expect(ipv4InCidr('1.2.3.4', '0.0.0.0/0')).toBe(true);
  });
});
