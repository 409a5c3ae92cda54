import { App, Chart } from 'cdk8s';
import * as fc from 'fast-check';
import {
  HaControlPlane,
  type HaControlPlaneProps,
  LoadBalancerRuntime,
  priorityStepFor,
} from '../../../constructs/control-plane/ha-control-plane';

const masters = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ name: `m-${i + 1}`, address: `192.0.2.${11 + i}` }));

function make(props: Partial<HaControlPlaneProps> = {}): HaControlPlane {
  const chart = new Chart(new App(), 'hosts', { disableResourceNameHashes: true });
  return new HaControlPlane(chart, 'cp', {
    masters: masters(3),
    vip: '192.0.2.10',
    port: 8443,
    apiServerPort: 6443,
    interface: 'eth0',
    virtualRouterId: 51,
    ...props,
  });
}

describe('HaControlPlane priorities', () => {
  it('for 3 masters: 250, 201, 152 with a weight of -147 (the kubeadm guide 101/100/-2 would tie)', () => {
    expect([0, 1, 2].map((i) => HaControlPlane.priorityOf(i, 3))).toEqual([250, 201, 152]);
    expect(HaControlPlane.checkWeightFor(3)).toBe(-147);
  });

  it('never ties and always ranks every healthy master above every failing one, for any count and failures', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 15 })
          .chain((n) => fc.tuple(fc.constant(n), fc.array(fc.boolean(), { minLength: n, maxLength: n }))),
        ([n, failing]) => {
          const weight = HaControlPlane.checkWeightFor(n);
          const effective = failing.map((down, i) => HaControlPlane.priorityOf(i, n) + (down ? weight : 0));
          // Valid VRRP priorities for a router that does not own the address.
          for (const p of effective) expect(p >= 1 && p <= 254).toBe(true);
          expect(new Set(effective).size).toBe(n);
          const healthy = effective.filter((_, i) => !failing[i]);
          const down = effective.filter((_, i) => failing[i]);
          if (healthy.length > 0 && down.length > 0)
            expect(Math.max(...down)).toBeLessThan(Math.min(...healthy));
          // Spaced so that the backups' skew times differ clearly (>= 2 priority steps of 1/256 s each).
          expect(priorityStepFor(n)).toBeGreaterThanOrEqual(2);
        },
      ),
    );
  });

  it('starts only the first master in MASTER state', () => {
    const cp = make();
    expect(
      ['m-1', 'm-2', 'm-3'].map((m) => /state (\w+)/.exec(cp.keepalivedConfig(m).render())?.[1]),
    ).toEqual(['MASTER', 'BACKUP', 'BACKUP']);
  });
});

describe('HaControlPlane files', () => {
  it('service runtime with authentication: config, scripts and a keepalived drop-in that runs the password check', () => {
    const files = make({ authPasswordFile: '/etc/keepalived/vrrp-auth.conf' }).hostFiles('m-2');
    expect(files.map((f) => [f.path, f.mode ?? 0o644])).toEqual([
      ['check-apiserver.sh', 0o755],
      ['check-vrrp-auth.sh', 0o755],
      ['haproxy.cfg', 0o644],
      ['keepalived.conf', 0o644],
      ['keepalived.service.d/10-platform-blueprint.conf', 0o644],
    ]);
    const dropIn = files.find((f) => f.path.startsWith('keepalived.service.d/'))?.content;
    expect(dropIn).toContain('[Service]\nExecStartPre=/etc/keepalived/check-vrrp-auth.sh\n');
  });

  it('static pod runtime without authentication: manifests, no drop-in and no password check', () => {
    const files = make({ runtime: LoadBalancerRuntime.STATIC_POD }).hostFiles('m-1');
    expect(files.map((f) => f.path)).toEqual([
      'check-apiserver.sh',
      'haproxy.cfg',
      'keepalived.conf',
      'manifests/haproxy.yaml',
      'manifests/keepalived.yaml',
    ]);
  });

  it('adds the VIP with the subnet prefix when given, /32 otherwise', () => {
    expect(make({ vipPrefixLength: 24 }).keepalivedConfig('m-1').render()).toContain(
      '192.0.2.10/24 dev eth0',
    );
    expect(make().keepalivedConfig('m-1').render()).toContain('192.0.2.10/32 dev eth0');
  });

  it('rejects bad props with the values in the message', () => {
    expect(() => make({ port: 6443 })).toThrow(
      "HaControlPlane: 'port' (6443) must differ from 'apiServerPort' (6443)",
    );
    expect(() => make({ vip: '192.0.2.12' })).toThrow(
      "HaControlPlane: 'vip' (192.0.2.12) must not be a master's address",
    );
    expect(() => make({ masters: [...masters(2), { name: 'm-1', address: '192.0.2.99' }] })).toThrow(
      /master names \(m-1, m-2, m-1\) and addresses .* must be unique/,
    );
    expect(() => make().hostFiles('m-9')).toThrow(
      'HaControlPlane: "m-9" is not a master (masters: m-1, m-2, m-3)',
    );
  });
});
