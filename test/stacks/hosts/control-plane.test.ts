import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { keepalivedConfigTest, netnsUnavailable } from '../../hosts/daemons';
import { readTree, TempProject } from '../../support/cli';
import { itNeeding } from '../../support/requirements';

/** What the synthesized host files of the shipped environments mean, and what the real daemons say about them. */

const unavailable = netnsUnavailable();
if (unavailable !== undefined) console.warn(`SKIPPED keepalived -t checks in ${__filename}: ${unavailable}`);
const itNetns = (name: string, fn: jest.ProvidesCallback, timeout?: number) =>
  itNeeding(name, [unavailable], fn, timeout);

let project: TempProject;
let tree: Map<string, string>;

beforeAll(async () => {
  project = new TempProject();
  const result = await project.run(['synth', '--out', 'out']);
  if (result.code !== 0) throw new Error(`synth failed (${result.code}): ${result.stderr}`);
  tree = readTree(project.path('out'));
}, 60000);

afterAll(() => project?.dispose());

const files = (pattern: RegExp) => [...tree.keys()].filter((key) => pattern.test(key)).sort();
const yamlDocs = (key: string) => parseAllDocuments(tree.get(key) as string).map((doc) => doc.toJS());

describe('prod: three masters behind one VIP', () => {
  const masters = ['master-1', 'master-2', 'master-3'];

  it('writes keepalived.conf, the check scripts, haproxy.cfg, both drop-ins and kubeadm configuration for each master', () => {
    for (const master of masters) {
      // The load balancer's and kubeadm's files (host prerequisites are tested with their module).
      const ours = files(new RegExp(`^prod/hosts/${master}/`)).filter((key) =>
        /\/(check-[^/]*\.sh|handoff-vip\.sh|haproxy[^/]*|keepalived[^/]*|kubeadm-(init|join)\.yaml)$/.test(
          key.replace(/\/10-platform-blueprint\.conf$/, ''),
        ),
      );
      expect(ours).toEqual(
        [
          'check-apiserver.sh',
          'check-interface.sh',
          'handoff-vip.sh',
          'haproxy.cfg',
          'haproxy.service.d/10-platform-blueprint.conf',
          'keepalived.conf',
          'keepalived.service.d/10-platform-blueprint.conf',
          master === 'master-1' ? 'kubeadm-init.yaml' : 'kubeadm-join.yaml',
        ]
          .map((file) => `prod/hosts/${master}/${file}`)
          .sort(),
      );
    }
  });

  it('gives keepalived and HAProxy Restart= through systemd drop-ins, the interface check (and with PASS the password check) before keepalived starts', () => {
    const keepalived = tree.get(
      'prod/hosts/master-2/keepalived.service.d/10-platform-blueprint.conf',
    ) as string;
    expect(keepalived).toMatch(
      /^\[Service\]\nExecStartPre=\/etc\/keepalived\/check-interface\.sh\n(#.*\n)*Restart=on-failure\nRestartSec=2s$/m,
    );
    // test keeps VRRPv2 with the PASS password file.
    expect(
      tree.get('test/hosts/test-master-2/keepalived.service.d/10-platform-blueprint.conf') as string,
    ).toMatch(
      /^\[Service\]\nExecStartPre=\/etc\/keepalived\/check-interface\.sh\nExecStartPre=\/etc\/keepalived\/check-vrrp-auth\.sh\n(#.*\n)*Restart=on-failure\nRestartSec=2s$/m,
    );
    const haproxy = tree.get('prod/hosts/master-2/haproxy.service.d/10-platform-blueprint.conf') as string;
    expect(haproxy).toMatch(
      /^\[Service\]\n(#.*\n)*ExecStartPre=-\/bin\/rm -f \/run\/platform-blueprint\/haproxy-stopping\n(#.*\n)*ExecStop=\/etc\/haproxy\/handoff-vip\.sh\nRestart=always\nRestartSec=500ms$/m,
    );
  });

  it('hands the VIP away before HAProxy stops: the hand-off script marks HAProxy as stopping and waits for the VIP to leave', () => {
    const script = tree.get('prod/hosts/master-3/handoff-vip.sh') as string;
    expect(script).toContain(": > '/run/platform-blueprint/haproxy-stopping'");
    expect(script).toContain("ip -o -4 addr show dev 'enp1s0' | grep -q ' inet 10\\.20\\.0\\.10/'");
    expect(script).toMatch(/if \[ -z "\$\{MAINPID:-\}" \]; then\n[^\n]*\n {2}exit 0/);
    expect(tree.get('prod/hosts/master-3/check-apiserver.sh')).toContain(
      "[ -e '/run/platform-blueprint/haproxy-stopping' ]",
    );
  });

  it("gives every keepalived.conf the same VIP and router id, its master's interface, and distinct, untied priorities", () => {
    const confs = masters.map((m) => tree.get(`prod/hosts/${m}/keepalived.conf`) as string);
    const field = (conf: string, key: string) => new RegExp(`^\\s+${key} (.+)$`, 'm').exec(conf)?.[1];
    // prod: controlPlane.interface ens18, master-3 overrides it with enp1s0.
    const interfaces = ['ens18', 'ens18', 'enp1s0'];
    confs.forEach((conf, i) => {
      expect(field(conf, 'virtual_router_id')).toBe('51');
      expect(field(conf, 'interface')).toBe(interfaces[i]);
      // prod declares controlPlane.subnet 10.20.0.0/24: the VIP gets its prefix.
      expect(conf).toContain(`virtual_ipaddress {\n        10.20.0.10/24 dev ${interfaces[i]}\n`);
      expect(tree.get(`prod/hosts/${masters[i]}/check-interface.sh`)).toContain(`iface='${interfaces[i]}'`);
      expect(conf).toMatch(/global_defs \{[^}]*router_id [^}]*enable_script_security[^}]*script_user \w+/);
      expect(conf).toMatch(/track_script \{\n\s+chk_haproxy\n\s+chk_apiservers\n/);
      // prod (the idc-ha template): VRRPv3, adverts every 0.5 s, no password, peers' adverts only.
      expect(conf).toMatch(/global_defs \{[^}]*\n\s+vrrp_version 3\n/);
      expect(field(conf, 'advert_int')).toBe('0.5');
      expect(conf).toMatch(/^\s+check_unicast_src$/m);
      expect(conf).not.toMatch(/authentication \{/);
    });
    // test keeps VRRPv2 with the PASS password file.
    const testConf = tree.get('test/hosts/test-master-1/keepalived.conf') as string;
    expect(testConf).not.toMatch(/vrrp_version|check_unicast_src/);
    expect(testConf).toMatch(/^\s+advert_int 1$/m);
    expect(testConf).toMatch(
      /authentication \{\n\s+auth_type PASS\n[^}]*include \/etc\/keepalived\/vrrp-auth\.conf\n/,
    );
    const priorities = confs.map((conf) => Number(field(conf, 'priority')));
    const weight = Number(/vrrp_script chk_apiservers \{[^}]*weight (-?\d+)/.exec(confs[0] as string)?.[1]);
    expect(weight).toBe(-147);
    expect(new Set(priorities).size).toBe(3);
    expect(priorities).toEqual([...priorities].sort((a, b) => b - a));
    // Any set of failing masters: every effective priority stays distinct and every failing
    // master sits below every healthy one, so the VIP goes to one well-defined master.
    for (let failing = 0; failing < 8; failing++) {
      const effective = priorities.map((p, i) => (failing & (1 << i) ? Math.max(1, p + weight) : p));
      expect(new Set(effective).size).toBe(3);
      const healthy = effective.filter((_, i) => !(failing & (1 << i)));
      const down = effective.filter((_, i) => failing & (1 << i));
      if (healthy.length > 0 && down.length > 0) expect(Math.max(...down)).toBeLessThan(Math.min(...healthy));
    }
    // All start as BACKUP without preemption: the election picks the highest priority, and a
    // master that recovers does not take the VIP back.
    expect(confs.map((conf) => field(conf, 'state'))).toEqual(['BACKUP', 'BACKUP', 'BACKUP']);
    for (const conf of confs) expect(conf).toMatch(/^\s+nopreempt$/m);
  });

  it('sends VRRP adverts by unicast from each master to the two others', () => {
    const addresses = ['10.20.0.11', '10.20.0.12', '10.20.0.13'];
    masters.forEach((m, i) => {
      const conf = tree.get(`prod/hosts/${m}/keepalived.conf`) as string;
      expect(conf).toContain(`unicast_src_ip ${addresses[i]}`);
      const peers = /unicast_peer \{\n([^}]*)\}/.exec(conf)?.[1]?.trim().split(/\s+/);
      expect(peers).toEqual(addresses.filter((_, j) => j !== i));
    });
  });

  it('balances every master in every haproxy.cfg and health-checks GET /readyz over TLS', () => {
    for (const m of masters) {
      const cfg = tree.get(`prod/hosts/${m}/haproxy.cfg`) as string;
      expect(cfg).toMatch(/^\s+bind :8443$/m);
      expect(cfg).toMatch(/^\s+mode tcp$/m);
      expect(
        [...cfg.matchAll(/^\s+server (\S+) (\S+)$/gm)].map((match) => `${match[1]} ${match[2]}`),
      ).toEqual(['master-1 10.20.0.11:6443', 'master-2 10.20.0.12:6443', 'master-3 10.20.0.13:6443']);
      expect(cfg).toMatch(/http-check send meth GET uri \/readyz/);
      expect(cfg).toMatch(
        /default-server check check-ssl verify none inter 2000ms fastinter 1000ms .*fall 3 rise 2$/m,
      );
      expect(cfg).toMatch(/^\s+timeout check 5000ms$/m);
      expect(cfg).toMatch(/^\s+balance leastconn$/m);
      expect(cfg).toMatch(/^\s+hard-stop-after \d+s$/m);
      expect(cfg).toMatch(/^\s+bind 127\.0\.0\.1:8404$/m);
      expect(cfg).not.toContain('shutdown-sessions');
      expect(cfg).toMatch(/option redispatch/);
      expect(cfg).toMatch(/^\s+retries [1-9]/m);
      expect(cfg).toMatch(/^\s+timeout connect 500ms$/m);
    }
  });

  it('writes the check scripts executable and writable by their owner only', () => {
    for (const m of masters) {
      for (const script of ['check-apiserver.sh', 'check-interface.sh', 'handoff-vip.sh']) {
        const mode = fs.statSync(project.path('out', 'prod', 'hosts', m, script)).mode & 0o777;
        expect(mode.toString(8)).toBe('755');
      }
    }
    const authCheck = project.path('out', 'test', 'hosts', 'test-master-1', 'check-vrrp-auth.sh');
    expect((fs.statSync(authCheck).mode & 0o777).toString(8)).toBe('755');
    // keepalived reads HAProxy's stats; the local API server is not checked on its own.
    expect(tree.get('prod/hosts/master-1/check-apiserver.sh')).toContain("'http://127.0.0.1:8404/stats;csv'");
    expect(tree.get('prod/hosts/master-1/check-apiserver.sh')).not.toMatch(/6443|healthz/);
  });

  it('configures kubeadm with the VIP endpoint, certSANs and the control-plane taint (v1beta3 for 1.28)', () => {
    const [init, cluster] = yamlDocs('prod/hosts/master-1/kubeadm-init.yaml');
    expect(init).toMatchObject({
      apiVersion: 'kubeadm.k8s.io/v1beta3',
      kind: 'InitConfiguration',
      localAPIEndpoint: { advertiseAddress: '10.20.0.11', bindPort: 6443 },
      nodeRegistration: {
        name: 'master-1',
        taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
        kubeletExtraArgs: { 'node-ip': '10.20.0.11' },
      },
    });
    expect(cluster).toMatchObject({
      apiVersion: 'kubeadm.k8s.io/v1beta3',
      kind: 'ClusterConfiguration',
      kubernetesVersion: 'v1.28.15',
      controlPlaneEndpoint: '10.20.0.10:8443',
    });
    expect(cluster.apiServer.certSANs).toEqual(
      expect.arrayContaining([
        '10.20.0.10',
        'master-1',
        '10.20.0.11',
        'master-2',
        '10.20.0.12',
        'master-3',
        '10.20.0.13',
      ]),
    );
    for (const [i, m] of ['master-2', 'master-3'].entries()) {
      const [join] = yamlDocs(`prod/hosts/${m}/kubeadm-join.yaml`);
      expect(join).toMatchObject({
        kind: 'JoinConfiguration',
        discovery: { file: { kubeConfigPath: '/etc/kubernetes/discovery.conf' } },
        nodeRegistration: {
          name: m,
          taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
        },
        controlPlane: { localAPIEndpoint: { advertiseAddress: `10.20.0.1${i + 2}`, bindPort: 6443 } },
      });
    }
  });

  it('puts no secret in the host files: no password, token or certificate key', () => {
    for (const [key, text] of tree) {
      if (!key.includes('/hosts/')) continue;
      expect(text).not.toMatch(/^\s*auth_pass\s+\S/m);
      expect(text).not.toMatch(/^\s*(token|certificateKey|tlsBootstrapToken):/m);
      expect(text).not.toMatch(/[a-z0-9]{6}\.[a-z0-9]{16}/);
    }
  });

  it('passes haproxy -c -dW (warnings are errors) for every generated haproxy.cfg', () => {
    const configs = files(/\/hosts\/[^/]+\/haproxy\.cfg$/);
    expect(configs.length).toBeGreaterThanOrEqual(6);
    for (const key of configs) {
      const result = spawnSync('haproxy', ['-c', '-dW', '-f', project.path('out', key)], {
        encoding: 'utf8',
      });
      expect({ key, status: result.status, output: `${result.stdout}${result.stderr}`.trim() }).toEqual({
        key,
        status: 0,
        output: 'Configuration file is valid',
      });
    }
  });

  itNetns(
    'passes keepalived -t for every generated keepalived.conf on a host with its interface and check script',
    () => {
      const configs = files(/\/hosts\/[^/]+\/keepalived\.conf$/);
      expect(configs.length).toBeGreaterThanOrEqual(6);
      configs.forEach((key, i) => {
        const hostDir = path.dirname(project.path('out', key));
        const iface = /^\s+interface (\S+)$/m.exec(tree.get(key) as string)?.[1] as string;
        const withPassword = (tree.get(key) as string).includes('auth_type PASS');
        const result = keepalivedConfigTest(
          hostDir,
          iface,
          withPassword ? 'auth_pass s3cr3t!!' : undefined,
          `pbkt${process.pid % 10000}-${i}`,
        );
        expect({ key, ...result }).toEqual({ key, code: 0, output: '' });
      });
    },
    60000,
  );

  itNetns(
    'makes keepalived -t refuse a password of more than 8 characters and a missing password file',
    () => {
      const hostDir = project.path('out', 'test', 'hosts', 'test-master-2');
      const tooLong = keepalivedConfigTest(
        hostDir,
        'ens18',
        'auth_pass 123456789',
        `pbkt${process.pid % 10000}-l`,
      );
      expect(tooLong.code).not.toBe(0);
      expect(tooLong.output).toContain('Truncating auth_pass to 8 characters');
      const missing = keepalivedConfigTest(hostDir, 'ens18', undefined, `pbkt${process.pid % 10000}-m`);
      expect(missing.code).not.toBe(0);
      expect(missing.output).toContain('vrrp-auth.conf');
    },
  );
});

describe('the pre-start check of the interface', () => {
  itNetns(
    'keepalived -t only says "Non-existent interface"; check-interface.sh names the interface, the one with the address and the field',
    () => {
      const hostDir = project.path('out', 'prod', 'hosts', 'master-3');
      // master-3 is configured with enp1s0; this host calls its NIC eth0.
      const keepalived = keepalivedConfigTest(
        hostDir,
        'eth0',
        'auth_pass s3cr3t!!',
        `pbki${process.pid % 10000}`,
      );
      expect(keepalived.code).not.toBe(0);
      expect(keepalived.output).toContain('Non-existent interface specified in configuration');
      const ns = `pbkc${process.pid % 10000}`;
      const ip = (...args: string[]) => spawnSync('ip', args, { encoding: 'utf8' });
      ip('netns', 'add', ns);
      try {
        ip('-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'peer0');
        ip('-n', ns, 'addr', 'add', '10.20.0.13/24', 'dev', 'eth0');
        const script = path.join(hostDir, 'check-interface.sh');
        const missing = spawnSync('ip', ['netns', 'exec', ns, script], { encoding: 'utf8' });
        expect(missing.status).toBe(1);
        expect(missing.stderr).toContain(
          'check-interface: network interface "enp1s0" does not exist on master-3, so keepalived cannot hold the VIP 10.20.0.10 on it.',
        );
        expect(missing.stderr).toMatch(/This host has: .*eth0.*\(10\.20\.0\.13 is on eth0\)/);
        expect(missing.stderr).toContain('Set controlPlane.masters[2].interface (or controlPlane.interface');
        ip('-n', ns, 'link', 'set', 'eth0', 'name', 'enp1s0');
        const present = spawnSync('ip', ['netns', 'exec', ns, script], { encoding: 'utf8' });
        expect({ code: present.status, stderr: present.stderr }).toEqual({ code: 0, stderr: '' });
      } finally {
        ip('netns', 'del', ns);
      }
    },
  );
});

describe('the pre-start check of the host-local VRRP password file', () => {
  const run = (content: string | undefined, mode = 0o600) => {
    const dir = fs.mkdtempSync(path.join(project.root, 'vrrp-auth-'));
    const file = path.join(dir, 'vrrp-auth.conf');
    if (content !== undefined) fs.writeFileSync(file, content, { mode });
    if (content !== undefined) fs.chmodSync(file, mode);
    const script = (tree.get('test/hosts/test-master-1/check-vrrp-auth.sh') as string).replace(
      "file='/etc/keepalived/vrrp-auth.conf'",
      `file='${file}'`,
    );
    const result = spawnSync('sh', ['-c', script], { encoding: 'utf8' });
    return { code: result.status, stderr: result.stderr.trim() };
  };
  const root = process.getuid?.() === 0;

  itNeeding(
    'accepts a root-owned 0600 file with one auth_pass of 1 to 8 characters',
    [root ? undefined : 'root'],
    () => {
      expect(run('auth_pass abcd1234\n')).toEqual({ code: 0, stderr: '' });
      expect(run('# shared by the masters of prod\nauth_pass x\n')).toEqual({ code: 0, stderr: '' });
    },
  );

  it('refuses a password of 9 characters, naming the limit but not the password', () => {
    const result = run('auth_pass abcd12345\n');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/9 characters; VRRP allows at most 8/);
    expect(result.stderr).not.toContain('abcd12345');
  });

  it('refuses a missing file, a readable-by-others file and a file without auth_pass', () => {
    expect(run(undefined).stderr).toMatch(/missing; create it \(mode 0600\)/);
    expect(run('auth_pass abc\n', 0o644).stderr).toMatch(/has mode 644/);
    expect(run('password abc\n').code).toBe(1);
    expect(run('auth_pass abc\nauth_pass def\n').stderr).toMatch(/exactly one line/);
  });
});

describe('every environment with keepalived', () => {
  it('writes keepalived and haproxy files for every master and kubeadm files for every master and fixed worker', () => {
    const envs = new Set([...tree.keys()].map((key) => key.split('/')[0] as string));
    for (const env of envs) {
      const hosts = new Set(files(new RegExp(`^${env}/hosts/`)).map((key) => key.split('/')[2]));
      const kubeadm = files(new RegExp(`^${env}/hosts/[^/]+/kubeadm-(init|join)\\.yaml$`));
      expect(kubeadm.length).toBe(hosts.size);
      expect(files(new RegExp(`^${env}/hosts/[^/]+/kubeadm-init\\.yaml$`)).length).toBe(
        hosts.size > 0 ? 1 : 0,
      );
    }
  });
});
