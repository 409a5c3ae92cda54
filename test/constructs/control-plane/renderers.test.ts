import { ApiServerCheckScript } from '../../../constructs/control-plane/apiserver-check-script';
import { HaproxyConfig } from '../../../constructs/control-plane/haproxy-config';
import {
  KeepalivedConfig,
  type KeepalivedConfigProps,
} from '../../../constructs/control-plane/keepalived-config';
import { VrrpAuthCheckScript } from '../../../constructs/control-plane/vrrp-auth-check-script';

const KEEPALIVED: KeepalivedConfigProps = {
  routerId: 'm-1',
  interface: 'eth0',
  virtualRouterId: 51,
  vip: '192.0.2.10',
  priority: 200,
  checkScriptPath: '/etc/keepalived/check-apiserver.sh',
  checkWeight: -100,
};

describe('KeepalivedConfig', () => {
  it('holds global_defs, one vrrp_script with its timings and one vrrp_instance that tracks it', () => {
    const conf = new KeepalivedConfig({ ...KEEPALIVED, checkFall: 3, checkRise: 4 }).render();
    expect(conf).toMatch(
      /^global_defs \{\n(.*\n)*?\s+router_id m-1\n(.*\n)*?\s+enable_script_security\n\s+script_user root\n\}/m,
    );
    expect(conf).toMatch(
      /vrrp_script chk_apiserver \{\n\s+script "\/etc\/keepalived\/check-apiserver\.sh"\n\s+interval 1\n\s+timeout 2\n\s+fall 3\n\s+rise 4\n(.*\n)?\s+weight -100\n\}/,
    );
    expect(conf).toMatch(
      /vrrp_instance VI_CONTROL_PLANE \{\n\s+state BACKUP\n\s+interface eth0\n\s+virtual_router_id 51\n\s+priority 200\n\s+advert_int 1\n/,
    );
    expect(conf).not.toMatch(/unicast|authentication/);
  });

  it('rejects bad values, saying what it got', () => {
    expect(() => new KeepalivedConfig({ ...KEEPALIVED, virtualRouterId: 256 })).toThrow(
      "KeepalivedConfig: 'virtualRouterId' (256) must be a whole number from 1 to 255",
    );
    expect(() => new KeepalivedConfig({ ...KEEPALIVED, priority: 255 })).toThrow("'priority' (255)");
    expect(() => new KeepalivedConfig({ ...KEEPALIVED, checkWeight: 10 })).toThrow("'checkWeight' (10)");
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
  it('the apiserver check asks the local apiserver and the local HAProxy, each with a bounded request', () => {
    const script = new ApiServerCheckScript({
      hostName: 'm-1',
      apiServerPort: 6443,
      haproxyPort: 8443,
    }).render();
    expect(script.startsWith('#!/bin/sh\n')).toBe(true);
    expect(script).toContain('--max-time 1');
    expect(script).toMatch(/^healthz 6443 \|\|/m);
    expect(script).toMatch(/^healthz 8443 \|\|/m);
    expect(
      () => new ApiServerCheckScript({ hostName: 'm-1', apiServerPort: 8443, haproxyPort: 8443 }),
    ).toThrow("'haproxyPort' (8443) must differ from 'apiServerPort' (8443)");
  });

  it('the password check refuses relative or unsafe paths', () => {
    expect(() => new VrrpAuthCheckScript({ passwordFile: 'vrrp.conf' })).toThrow(
      `'passwordFile' ("vrrp.conf")`,
    );
    expect(() => new VrrpAuthCheckScript({ passwordFile: "/etc/x'; rm -rf /" })).toThrow("'passwordFile'");
  });
});
