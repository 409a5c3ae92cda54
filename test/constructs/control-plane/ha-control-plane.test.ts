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

  it('starts every master as BACKUP without preemption, so that the VIP never moves back', () => {
    const cp = make();
    for (const m of ['m-1', 'm-2', 'm-3']) {
      const conf = cp.keepalivedConfig(m).render();
      expect(conf).toMatch(/^\s+state BACKUP\n\s+nopreempt\n/m);
      expect(conf).not.toContain('MASTER');
    }
  });

  it('tracks HAProxy (weight 0: FAULT) and whether it has an API server up (weighted), never the local API server alone', () => {
    const conf = make().keepalivedConfig('m-2').render();
    expect(
      [...conf.matchAll(/^vrrp_script (\S+) \{\n\s+script "([^"]+)"[^}]*weight (-?\d+)\n\}/gm)].map((m) =>
        m.slice(1),
      ),
    ).toEqual([
      ['chk_haproxy', '/etc/keepalived/check-apiserver.sh haproxy', '0'],
      ['chk_apiservers', '/etc/keepalived/check-apiserver.sh apiservers', '-147'],
    ]);
    expect(conf).not.toMatch(/6443/);
  });
});

describe('HaControlPlane files', () => {
  it('service runtime with authentication: config, scripts and a keepalived drop-in that runs the password check', () => {
    const files = make({ authPasswordFile: '/etc/keepalived/vrrp-auth.conf' }).hostFiles('m-2');
    expect(files.map((f) => [f.path, f.mode ?? 0o644])).toEqual([
      ['check-apiserver.sh', 0o755],
      ['check-interface.sh', 0o755],
      ['check-vrrp-auth.sh', 0o755],
      ['handoff-vip.sh', 0o755],
      ['haproxy.cfg', 0o644],
      ['haproxy.service.d/10-platform-blueprint.conf', 0o644],
      ['keepalived.conf', 0o644],
      ['keepalived.service.d/10-platform-blueprint.conf', 0o644],
    ]);
    const dropIn = files.find((f) => f.path.startsWith('keepalived.service.d/'))?.content;
    expect(dropIn).toContain(
      '[Service]\nExecStartPre=/etc/keepalived/check-interface.sh\nExecStartPre=/etc/keepalived/check-vrrp-auth.sh\n',
    );
    // Debian's keepalived.service has no Restart=; HAProxy's has Restart=always, the drop-in spaces it.
    expect(dropIn).toMatch(/^Restart=on-failure\nRestartSec=2s$/m);
    const haproxy = files.find((f) => f.path.startsWith('haproxy.service.d/'))?.content;
    expect(haproxy).toContain('ExecStartPre=-/bin/rm -f /run/platform-blueprint/haproxy-stopping\n');
    expect(haproxy).toContain('ExecStop=/etc/haproxy/handoff-vip.sh\nRestart=always\nRestartSec=500ms\n');
    for (const unit of [dropIn, haproxy])
      expect(unit).toMatch(/^\[Unit\]\nStartLimitIntervalSec=60s\nStartLimitBurst=10$/m);
  });

  it('VRRPv3: vrrp_version 3, centisecond adverts, check_unicast_src, and no password', () => {
    const conf = make({ vrrpVersion: 3, advertIntervalSeconds: 0.5 }).keepalivedConfig('m-2').render();
    expect(conf).toMatch(/^global_defs \{[^}]*\n {4}vrrp_version 3\n\}/m);
    expect(conf).toMatch(/^ {4}advert_int 0\.5$/m);
    expect(conf).toMatch(/^ {4}unicast_src_ip \S+\n(.*\n)? {4}check_unicast_src\n/m);
    expect(conf).not.toContain('authentication {');
    expect(() =>
      make({ vrrpVersion: 3, authPasswordFile: '/etc/keepalived/vrrp-auth.conf' }).keepalivedConfig('m-1'),
    ).toThrow(/'authPasswordFile' must be left out with VRRP version 3/);
    expect(() => make({ vrrpVersion: 2, advertIntervalSeconds: 0.5 }).keepalivedConfig('m-1')).toThrow(
      /'advertIntervalSeconds' \(0\.5\) must be a whole number from 1 to 255/,
    );
    expect(() => make({ vrrpVersion: 3, advertIntervalSeconds: 0.005 }).keepalivedConfig('m-1')).toThrow(
      /must be 0\.01 to 40\.95 in steps of 0\.01 with VRRP version 3/,
    );
    // VRRPv2 (the default) keeps whole seconds and says nothing of versions.
    expect(make().keepalivedConfig('m-1').render()).not.toMatch(/vrrp_version|check_unicast_src/);
  });

  it('the hand-off script marks HAProxy as stopping, waits for the VIP to leave, and does nothing after a crash', () => {
    const files = make().hostFiles('m-1');
    const script = files.find((f) => f.path === 'handoff-vip.sh')?.content as string;
    expect(script).toMatch(/^#!\/bin\/sh\n/);
    expect(script).toContain(": > '/run/platform-blueprint/haproxy-stopping'");
    expect(script).toMatch(/while holds_vip; do\n {2}if \[ "\$waited" -ge 50 \]; then/);
    // The crash case: systemd runs ExecStop= with $MAINPID unset.
    expect(script.indexOf('MAINPID')).toBeLessThan(script.indexOf("haproxy-stopping'"));
    const check = files.find((f) => f.path === 'check-apiserver.sh')?.content as string;
    expect(check).toContain(
      'if [ "$1" = haproxy ] && [ -e \'/run/platform-blueprint/haproxy-stopping\' ]; then',
    );
  });

  it('without authentication the keepalived drop-in still checks the interface and restarts', () => {
    const dropIn = make()
      .hostFiles('m-1')
      .find((f) => f.path.startsWith('keepalived.service.d/'))?.content;
    expect(dropIn).toContain('ExecStartPre=/etc/keepalived/check-interface.sh\n');
    expect(dropIn).not.toContain('check-vrrp-auth');
    expect(dropIn).toContain('Restart=on-failure');
  });

  it('gives each master its own interface when set, the default otherwise, and names the setting in the check', () => {
    const cp = make({
      interface: 'ens18',
      masters: [...masters(2), { name: 'm-3', address: '192.0.2.13', interface: 'enp1s0' }],
      interfaceSetting: (i) => `controlPlane.masters[${i}].interface`,
    });
    expect(cp.keepalivedConfig('m-1').render()).toMatch(
      /interface ens18\n[\s\S]*192\.0\.2\.10\/32 dev ens18\n/,
    );
    expect(cp.keepalivedConfig('m-3').render()).toMatch(
      /interface enp1s0\n[\s\S]*192\.0\.2\.10\/32 dev enp1s0\n/,
    );
    const check = cp.hostFiles('m-3').find((f) => f.path === 'check-interface.sh')?.content;
    expect(check).toContain("iface='enp1s0'");
    expect(check).toContain('Set controlPlane.masters[2].interface');
    const chart = new Chart(new App(), 'hosts', { disableResourceNameHashes: true });
    const props = {
      masters: masters(3),
      vip: '192.0.2.10',
      port: 8443,
      apiServerPort: 6443,
      virtualRouterId: 51,
    };
    expect(() => new HaControlPlane(chart, 'cp', props)).toThrow(
      "HaControlPlane: masters m-1, m-2, m-3 have no interface; set 'interface' or theirs",
    );
  });

  it('static pod runtime without authentication: manifests, no drop-in and no password check', () => {
    const files = make({ runtime: LoadBalancerRuntime.STATIC_POD }).hostFiles('m-1');
    expect(files.map((f) => f.path)).toEqual([
      'check-apiserver.sh',
      'check-interface.sh',
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
