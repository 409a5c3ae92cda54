import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiServerCheckScript } from '../../../constructs/control-plane/apiserver-check-script';
import { HaproxyConfig } from '../../../constructs/control-plane/haproxy-config';
import { InterfaceCheckScript } from '../../../constructs/control-plane/interface-check-script';
import {
  KeepalivedConfig,
  type KeepalivedConfigProps,
  type VrrpCheck,
} from '../../../constructs/control-plane/keepalived-config';
import { VrrpAuthCheckScript } from '../../../constructs/control-plane/vrrp-auth-check-script';

const KEEPALIVED: KeepalivedConfigProps = {
  routerId: 'm-1',
  interface: 'ens18',
  virtualRouterId: 51,
  vip: '192.0.2.10',
  priority: 200,
  checks: [
    { name: 'chk_haproxy', scriptPath: '/etc/keepalived/check-apiserver.sh', argument: 'haproxy' },
    {
      name: 'chk_apiservers',
      scriptPath: '/etc/keepalived/check-apiserver.sh',
      argument: 'apiservers',
      fall: 3,
      rise: 4,
      weight: -100,
    },
  ],
};

describe('KeepalivedConfig', () => {
  it('holds global_defs, the vrrp_scripts with their timings and one vrrp_instance that tracks them', () => {
    const conf = new KeepalivedConfig(KEEPALIVED).render();
    expect(conf).toMatch(
      /^global_defs \{\n(.*\n)*?\s+router_id m-1\n(.*\n)*?\s+enable_script_security\n\s+script_user root\n\}/m,
    );
    // weight 0 (the default): a failing check puts the router in FAULT.
    expect(conf).toMatch(
      /vrrp_script chk_haproxy \{\n\s+script "\/etc\/keepalived\/check-apiserver\.sh haproxy"\n\s+interval 1\n\s+timeout 2\n\s+fall 2\n\s+rise 2\n(.*\n)?\s+weight 0\n\}/,
    );
    expect(conf).toMatch(
      /vrrp_script chk_apiservers \{\n\s+script "\/etc\/keepalived\/check-apiserver\.sh apiservers"\n\s+interval 1\n\s+timeout 2\n\s+fall 3\n\s+rise 4\n(.*\n)?\s+weight -100\n\}/,
    );
    expect(conf).toMatch(
      /vrrp_instance VI_CONTROL_PLANE \{\n(\s+#.*\n)*\s+state BACKUP\n\s+nopreempt\n\s+interface ens18\n\s+virtual_router_id 51\n\s+priority 200\n\s+advert_int 1\n/,
    );
    expect(conf).toMatch(/track_script \{\n\s+chk_haproxy\n\s+chk_apiservers\n\s+\}/);
    expect(conf).not.toMatch(/unicast|authentication|state MASTER/);
  });

  it('rejects bad values, saying what it got', () => {
    expect(() => new KeepalivedConfig({ ...KEEPALIVED, virtualRouterId: 256 })).toThrow(
      "KeepalivedConfig: 'virtualRouterId' (256) must be a whole number from 1 to 255",
    );
    expect(() => new KeepalivedConfig({ ...KEEPALIVED, priority: 255 })).toThrow("'priority' (255)");
    expect(
      () =>
        new KeepalivedConfig({
          ...KEEPALIVED,
          checks: [{ ...(KEEPALIVED.checks[0] as VrrpCheck), weight: 10 }],
        }),
    ).toThrow("'checks[].weight' (10) must be a whole number from -253 to 0");
    expect(() => new KeepalivedConfig({ ...KEEPALIVED, checks: [] })).toThrow(
      "KeepalivedConfig: 'checks' must hold at least one check",
    );
    expect(
      () =>
        new KeepalivedConfig({
          ...KEEPALIVED,
          checks: [KEEPALIVED.checks[0], KEEPALIVED.checks[0]] as never,
        }),
    ).toThrow('KeepalivedConfig: check name (chk_haproxy) repeats');
    expect(() => new KeepalivedConfig({ ...KEEPALIVED, interface: 'eth0; reboot' })).toThrow(
      `'interface' ("eth0; reboot") must match`,
    );
    expect(() => new KeepalivedConfig({ ...KEEPALIVED, unicastPeers: ['192.0.2.12'] })).toThrow(
      "'unicastSourceAddress' and 'unicastPeers' go together",
    );
    expect(
      () =>
        new KeepalivedConfig({
          ...KEEPALIVED,
          unicastSourceAddress: '192.0.2.11',
          unicastPeers: ['192.0.2.11'],
        }),
    ).toThrow("'unicastPeers' (192.0.2.11) must not hold the router's own address (192.0.2.11)");
  });
});

describe('HaproxyConfig', () => {
  const servers = [
    { name: 'm-1', address: '192.0.2.11' },
    { name: 'm-2', address: '192.0.2.12' },
  ];

  it('verifies the apiservers with a CA file when given', () => {
    const cfg = new HaproxyConfig({
      hostName: 'm-1',
      frontendPort: 8443,
      apiServerPort: 6443,
      servers,
      checkCaFile: '/etc/kubernetes/pki/ca.crt',
    }).render();
    expect(cfg).toContain('check-ssl verify required ca-file /etc/kubernetes/pki/ca.crt ');
    expect(cfg).not.toContain('verify none');
  });

  it('sets every timeout and the retry/redispatch behaviour', () => {
    const cfg = new HaproxyConfig({
      hostName: 'm-1',
      frontendPort: 8443,
      apiServerPort: 6443,
      servers,
      retries: 5,
    }).render();
    for (const timeout of ['connect', 'client', 'server', 'check', 'queue'])
      expect(cfg).toMatch(new RegExp(`timeout ${timeout} \\d+m?s`));
    expect(cfg).toContain('retries 5');
    expect(cfg).toContain('option redispatch 1');
    // A stopping apiserver finishes its sessions itself (shutdown delay); HAProxy does not cut them.
    expect(cfg).not.toContain('shutdown-sessions');
    expect(cfg).toContain('http-check send meth GET uri /readyz');
    expect(cfg).not.toMatch(/maxconn/);
  });

  it('follows the kubeadm HA guide, tuned to survive a slow etcd: /readyz, 5 s check timeout, inter 2s fall 3 rise 2', () => {
    const cfg = new HaproxyConfig({
      hostName: 'm-1',
      frontendPort: 8443,
      apiServerPort: 6443,
      servers,
    }).render();
    expect(cfg).toMatch(/^\s+timeout check 5000ms$/m);
    expect(cfg).toMatch(
      /^\s+default-server check check-ssl verify none inter 2000ms fastinter 1000ms downinter 2000ms fall 3 rise 2$/m,
    );
    expect(cfg).toMatch(/^\s+balance leastconn$/m);
    expect(cfg).toMatch(/^global\n(\s+.*\n)*?\s+hard-stop-after 30s\n/m);
    // The stats listener is local only, with the Prometheus exporter.
    expect(cfg).toMatch(
      /^frontend stats\n\s+mode http\n\s+bind 127\.0\.0\.1:8404\n(.*\n)*?\s+stats uri \/stats\n/m,
    );
    expect(cfg).toContain('http-request use-service prometheus-exporter if { path /metrics }');
    expect(
      () =>
        new HaproxyConfig({
          hostName: 'm-1',
          frontendPort: 8443,
          apiServerPort: 6443,
          servers,
          statsPort: 8443,
        }),
    ).toThrow(
      "HaproxyConfig: 'statsPort' (8443) must be a port from 1 to 65535 other than 'frontendPort' (8443)",
    );
  });

  it('rejects repeated server names and bad ports', () => {
    expect(
      () =>
        new HaproxyConfig({
          hostName: 'x',
          frontendPort: 8443,
          apiServerPort: 6443,
          servers: [servers[0], servers[0]] as never,
        }),
    ).toThrow('HaproxyConfig: server name (m-1) repeats');
    expect(() => new HaproxyConfig({ hostName: 'x', frontendPort: 0, apiServerPort: 6443, servers })).toThrow(
      "HaproxyConfig: 'frontendPort' (0) must be a port from 1 to 65535",
    );
  });
});

describe('check scripts', () => {
  it("the VRRP check reads HAProxy's local stats: frontend open (haproxy), a backend up (apiservers)", () => {
    const script = new ApiServerCheckScript({
      hostName: 'm-1',
      statsPort: 8404,
      proxyName: 'kube-apiserver',
    }).render();
    expect(script.startsWith('#!/bin/sh\n')).toBe(true);
    expect(script).toContain("--max-time 1 'http://127.0.0.1:8404/stats;csv'");
    expect(script).not.toMatch(/6443|healthz/);
    // Run against stats CSV as HAProxy 2.6 writes it (a fake curl on PATH).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-chk-'));
    try {
      const file = path.join(dir, 'check.sh');
      fs.writeFileSync(file, script, { mode: 0o755 });
      const run = (csv: string | undefined, arg: string) => {
        fs.writeFileSync(
          path.join(dir, 'curl'),
          csv === undefined
            ? '#!/bin/sh\necho "curl: (7) Failed to connect" >&2; exit 7\n'
            : `#!/bin/sh\ncat <<'CSV'\n${csv}CSV\n`,
          { mode: 0o755 },
        );
        const result = spawnSync('sh', [file, arg], {
          encoding: 'utf8',
          env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
        });
        return { code: result.status, stderr: result.stderr.trim() };
      };
      const row = (server: string, status: string) =>
        `kube-apiserver,${server},0,0,0,0,,0,0,0,,0,,0,0,0,0,${status},1,\n`;
      const header =
        '# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,\n';
      const healthy =
        header + row('FRONTEND', 'OPEN') + row('m-1', 'DOWN') + row('m-2', 'UP') + row('BACKEND', 'UP');
      const noneUp =
        header + row('FRONTEND', 'OPEN') + row('m-1', 'DOWN') + row('m-2', 'DOWN') + row('BACKEND', 'DOWN');
      expect(run(healthy, 'haproxy')).toEqual({ code: 0, stderr: '' });
      expect(run(healthy, 'apiservers')).toEqual({ code: 0, stderr: '' });
      // No API server up: only the weighted check fails; HAProxy itself is fine.
      expect(run(noneUp, 'haproxy')).toEqual({ code: 0, stderr: '' });
      expect(run(noneUp, 'apiservers')).toEqual({
        code: 1,
        stderr: 'check-apiserver: HAProxy on m-1 has no API server up (backend kube-apiserver: DOWN)',
      });
      expect(run(undefined, 'haproxy').stderr).toMatch(
        /^check-apiserver: HAProxy on m-1 does not answer on its stats listener 127\.0\.0\.1:8404 \(not running\?\)/,
      );
      expect(run(header + row('FRONTEND', 'STOP'), 'haproxy')).toEqual({
        code: 1,
        stderr: "check-apiserver: HAProxy's frontend kube-apiserver on m-1 is not open (status: STOP)",
      });
      expect(run(healthy, 'other').code).toBe(2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(() => new ApiServerCheckScript({ hostName: 'm-1', statsPort: 0, proxyName: 'x' })).toThrow(
      "ApiServerCheckScript: 'statsPort' (0) must be a port from 1 to 65535",
    );
  });

  it('the interface check names the missing interface, what the host has and the setting to change', () => {
    const script = new InterfaceCheckScript({
      hostName: 'm-1',
      interface: 'ens18',
      address: '192.0.2.11',
      vip: '192.0.2.10',
      setting: 'controlPlane.masters[0].interface',
    }).render();
    const present = spawnSync('sh', ['-c', script.replace("iface='ens18'", "iface='lo'")], {
      encoding: 'utf8',
    });
    expect({ code: present.status, stderr: present.stderr }).toEqual({ code: 0, stderr: '' });
    const missing = spawnSync('sh', ['-c', script], { encoding: 'utf8' });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain(
      'check-interface: network interface "ens18" does not exist on m-1, so keepalived cannot hold the VIP 192.0.2.10 on it.',
    );
    expect(missing.stderr).toMatch(/This host has: .*\blo\b/);
    expect(missing.stderr).toContain('Set controlPlane.masters[0].interface (or controlPlane.interface');
    expect(
      () =>
        new InterfaceCheckScript({
          hostName: 'm-1',
          interface: "ens18'; reboot",
          address: '192.0.2.11',
          vip: '192.0.2.10',
          setting: 'x',
        }),
    ).toThrow(`InterfaceCheckScript: 'interface' ("ens18'; reboot") must match`);
  });

  it('the password check refuses relative or unsafe paths', () => {
    expect(() => new VrrpAuthCheckScript({ passwordFile: 'vrrp.conf' })).toThrow(
      `'passwordFile' ("vrrp.conf")`,
    );
    expect(() => new VrrpAuthCheckScript({ passwordFile: "/etc/x'; rm -rf /" })).toThrow("'passwordFile'");
  });
});
