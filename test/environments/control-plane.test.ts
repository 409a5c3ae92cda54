import * as fs from 'node:fs';
import { TempProject } from '../support/cli';

/**
 * Every control-plane rule rejects a bad environment with exit 2 and one line naming the file,
 * the field path, the value and what is allowed (no stack trace, nothing written).
 */
describe('controlPlane validation (blueprint synth, exit 2)', () => {
  let project: TempProject;
  let original: string;

  beforeAll(() => {
    project = new TempProject();
    original = project.read('environments/prod.yaml');
  });
  afterAll(() => project.dispose());
  afterEach(() => project.write('environments/prod.yaml', original));

  const MASTERS = [
    '    - { name: master-1, address: 10.20.0.11 }',
    '    - { name: master-2, address: 10.20.0.12 }',
    '    # A different machine model: its on-board NIC.',
    '    - { name: master-3, address: 10.20.0.13, interface: enp1s0 }',
  ].join('\n');

  async function synthProd(): Promise<string[]> {
    const result = await project.run(['synth', '--env', 'prod', '--out', 'out']);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(project.path('out'))).toBe(false);
    return result.stderr.split('\n');
  }

  const cases: [string, [string | RegExp, string][], RegExp][] = [
    [
      'two masters (no etcd quorum after one failure)',
      [[MASTERS, MASTERS.split('\n').slice(0, 2).join('\n')]],
      /^error: environments\/prod\.yaml: controlPlane\.masters: \["master-1","master-2"\] has 2 masters; an odd number of at least 3 is required: etcd keeps a quorum only while a majority of its members is up.* \(line \d+\)$/,
    ],
    [
      'four masters (an even count)',
      [[MASTERS, `${MASTERS}\n    - { name: master-4, address: 10.20.0.14 }`]],
      /^error: environments\/prod\.yaml: controlPlane\.masters: \[.*"master-4"\] has 4 masters; an odd number of at least 3 is required/,
    ],
    [
      'a repeated master name',
      [['{ name: master-3, address: 10.20.0.13,', '{ name: master-2, address: 10.20.0.13,']],
      /^error: environments\/prod\.yaml: controlPlane\.masters\[2\]\.name: "master-2" repeats name of item 1; names must be unique \(line \d+\)$/,
    ],
    [
      'a repeated master address',
      [['{ name: master-3, address: 10.20.0.13,', '{ name: master-3, address: 10.20.0.12,']],
      /^error: environments\/prod\.yaml: controlPlane\.masters\[2\]\.address: "10\.20\.0\.12" repeats address of item 1; addresss? must be unique/,
    ],
    [
      'a master that is also a worker',
      [['{ name: master-3, address: 10.20.0.13,', '{ name: node-01, address: 10.20.0.13,']],
      /^error: environments\/prod\.yaml: controlPlane\.masters\[2\]\.name: "node-01" is also a node of pool "general"; a host is either a master or a worker/,
    ],
    [
      'a VIP that is not an IPv4 address',
      [['vip: 10.20.0.10', 'vip: 10.20.0.300']],
      /^error: environments\/prod\.yaml: controlPlane\.vip: "10\.20\.0\.300" is not an IPv4 address/,
    ],
    [
      "a VIP that is a master's address",
      [['vip: 10.20.0.10', 'vip: 10.20.0.12']],
      /^error: environments\/prod\.yaml: controlPlane\.vip: "10\.20\.0\.12" is the address of master master-2; the VIP must be a free address that only keepalived assigns \(line \d+\)$/,
    ],
    [
      "a VIP that is a worker's address",
      [
        ['  subnet: 10.20.0.0/24\n', ''],
        ['vip: 10.20.0.10', 'vip: 10.20.1.11'],
      ],
      /^error: environments\/prod\.yaml: controlPlane\.vip: "10\.20\.1\.11" is the address of node node-01 of pool general/,
    ],
    [
      "a VIP outside the masters' subnet",
      [['vip: 10.20.0.10', 'vip: 10.20.9.10']],
      /^error: environments\/prod\.yaml: controlPlane\.vip: "10\.20\.9\.10" is not in controlPlane\.subnet 10\.20\.0\.0\/24; the VIP must be on the masters' network/,
    ],
    [
      "a VIP that is the subnet's broadcast address",
      [['vip: 10.20.0.10', 'vip: 10.20.0.255']],
      /^error: environments\/prod\.yaml: controlPlane\.vip: "10\.20\.0\.255" is the network or broadcast address of controlPlane\.subnet 10\.20\.0\.0\/24/,
    ],
    [
      'a master outside the subnet',
      [['{ name: master-3, address: 10.20.0.13,', '{ name: master-3, address: 10.20.3.13,']],
      /^error: environments\/prod\.yaml: controlPlane\.masters\[2\]\.address: "10\.20\.3\.13" is not a host address in controlPlane\.subnet 10\.20\.0\.0\/24/,
    ],
    [
      'virtualRouterId 0',
      [['virtualRouterId: 51', 'virtualRouterId: 0']],
      /^error: environments\/prod\.yaml: controlPlane\.virtualRouterId: 0 must be between 1 and 255 \(the VRRP virtual router id\)/,
    ],
    [
      'virtualRouterId 256',
      [['virtualRouterId: 51', 'virtualRouterId: 256']],
      /^error: environments\/prod\.yaml: controlPlane\.virtualRouterId: 256 must be between 1 and 255/,
    ],
    [
      'port equal to apiServerPort',
      [['port: 8443', 'port: 6443']],
      /^error: environments\/prod\.yaml: controlPlane\.port: 6443 equals controlPlane\.apiServerPort; HAProxy and kube-apiserver both listen on every master/,
    ],
    [
      'a keepalived control plane without a VIP',
      [['  vip: 10.20.0.10\n', '']],
      /^error: environments\/prod\.yaml: controlPlane\.vip: is required with loadBalancer\.type keepalived \(the default\)/,
    ],
    [
      'an external load balancer with keepalived fields',
      [['  masters:\n', '  loadBalancer: { type: external, endpoint: api.prod.example.com }\n  masters:\n']],
      /^error: environments\/prod\.yaml: controlPlane\.virtualRouterId: 51 applies only to loadBalancer\.type keepalived/,
    ],
    [
      'an unknown load balancer type',
      [['  masters:\n', '  loadBalancer: { type: metallb }\n  masters:\n']],
      /^error: environments\/prod\.yaml: controlPlane\.loadBalancer(\.type)?: .*(keepalived|external)/,
    ],
    [
      'a VRRP password written into the environment file',
      [
        [
          '  masters:\n',
          '  loadBalancer: { authentication: { type: pass, password: s3cret } }\n  masters:\n',
        ],
      ],
      /^error: environments\/prod\.yaml: controlPlane\.loadBalancer\.authentication\.password: "\*\*\*" must not be in the environment file: the repository and the output hold no secrets\. Write the line `auth_pass <1-8 characters>` into passwordFile/,
    ],
    [
      'a relative password file',
      [
        [
          '  masters:\n',
          '  loadBalancer: { authentication: { type: pass, passwordFile: vrrp.conf } }\n  masters:\n',
        ],
      ],
      /^error: environments\/prod\.yaml: controlPlane\.loadBalancer\.authentication\.passwordFile: "vrrp\.conf" is not an absolute file path/,
    ],
    [
      "a master's interface with a space",
      [['interface: enp1s0 }', 'interface: "enp 1s0" }']],
      /^error: environments\/prod\.yaml: controlPlane\.masters\[2\]\.interface: "enp 1s0" is not a network interface name \(1-15 characters, no spaces or "\/", e\.g\. ens18\) \(line \d+\)$/,
    ],
    [
      "a master's interface longer than 15 characters",
      [['interface: enp1s0 }', 'interface: enp1s0f0np0abcdef }']],
      /^error: environments\/prod\.yaml: controlPlane\.masters\[2\]\.interface: "enp1s0f0np0abcdef" is not a network interface name/,
    ],
    [
      'a default interface with a "/"',
      [['  interface: ens18\n', '  interface: ens/18\n']],
      /^error: environments\/prod\.yaml: controlPlane\.interface: "ens\/18" is not a network interface name \(1-15 characters, no spaces or "\/"/,
    ],
    [
      "a master's interface that is not a string",
      [['interface: enp1s0 }', 'interface: 7 }']],
      /^error: environments\/prod\.yaml: controlPlane\.masters\[2\]\.interface: 7 must be a string holding a network interface name/,
    ],
    [
      "a master's interface with an external load balancer",
      [['  masters:\n', '  loadBalancer: { type: external, endpoint: api.prod.example.com }\n  masters:\n']],
      /^error: environments\/prod\.yaml: controlPlane\.masters\[2\]\.interface: "enp1s0" applies only to loadBalancer\.type keepalived \(the interface that carries the VIP\)/,
    ],
    [
      "HAProxy's stats port equal to its frontend port",
      [['  masters:\n', '  loadBalancer: { haproxyStatsPort: 8443 }\n  masters:\n']],
      /^error: environments\/prod\.yaml: controlPlane\.loadBalancer\.haproxyStatsPort: 8443 equals controlPlane\.port; HAProxy's stats listener needs a port of its own on every master/,
    ],
    [
      "HAProxy's stats port equal to the API server port",
      [['  masters:\n', '  loadBalancer: { haproxyStatsPort: 6443 }\n  masters:\n']],
      /^error: environments\/prod\.yaml: controlPlane\.loadBalancer\.haproxyStatsPort: 6443 equals controlPlane\.apiServerPort/,
    ],
    [
      "HAProxy's stats port out of range",
      [['  masters:\n', '  loadBalancer: { haproxyStatsPort: 70000 }\n  masters:\n']],
      /^error: environments\/prod\.yaml: controlPlane\.loadBalancer\.haproxyStatsPort: 70000 /,
    ],
    [
      'an unknown VRRP version',
      [['  masters:\n', '  loadBalancer: { vrrpVersion: 4 }\n  masters:\n']],
      /^error: environments\/prod\.yaml: controlPlane\.loadBalancer\.vrrpVersion: 4 must be 2 or 3 \(the VRRP version\)/,
    ],
    [
      'sub-second VRRP adverts with VRRPv2',
      [
        [
          '  masters:\n',
          '  loadBalancer: { vrrpVersion: 2, advertIntervalSeconds: 0.5, authentication: { type: pass } }\n  masters:\n',
        ],
      ],
      /^error: environments\/prod\.yaml: controlPlane\.loadBalancer\.advertIntervalSeconds: 0\.5 must be a whole number of seconds with vrrpVersion 2 \(VRRPv2 adverts are whole seconds\); set controlPlane\.loadBalancer\.vrrpVersion: 3/,
    ],
    [
      'VRRP adverts not in tenths of a second',
      [['  masters:\n', '  loadBalancer: { advertIntervalSeconds: 0.25 }\n  masters:\n']],
      /^error: environments\/prod\.yaml: controlPlane\.loadBalancer\.advertIntervalSeconds: 0\.25 must be a multiple of 0\.1 seconds/,
    ],
    [
      'VRRP adverts below 0.1 s',
      [['  masters:\n', '  loadBalancer: { advertIntervalSeconds: 0 }\n  masters:\n']],
      /^error: environments\/prod\.yaml: controlPlane\.loadBalancer\.advertIntervalSeconds: 0 must be between 0\.1 and 10 seconds/,
    ],
    [
      'a VRRP password with VRRPv3 (which has no authentication)',
      [['  masters:\n', '  loadBalancer: { vrrpVersion: 3, authentication: { type: pass } }\n  masters:\n']],
      /^error: environments\/prod\.yaml: controlPlane\.loadBalancer\.authentication\.type: "pass" must be none with vrrpVersion 3: VRRPv3 \(RFC 5798\) has no authentication; set controlPlane\.loadBalancer\.authentication: \{ type: none \}/,
    ],
    [
      'a health check that never fails over',
      [['  masters:\n', '  loadBalancer: { healthCheck: { fall: 0 } }\n  masters:\n']],
      /^error: environments\/prod\.yaml: controlPlane\.loadBalancer\.healthCheck\.fall: 0 must be between 1 and 10 checks/,
    ],
  ];

  it.each(cases)('%s', async (_name, edits, expected) => {
    for (const [search, replacement] of edits) project.edit('environments/prod.yaml', search, replacement);
    const lines = await synthProd();
    expect(lines.filter((line) => expected.test(line))).toHaveLength(1);
    // A password written into the file by mistake is not echoed.
    expect(lines.join('\n')).not.toContain('s3cret');
  });

  it('reports several control-plane problems of one file together, one line each', async () => {
    project.edit('environments/prod.yaml', 'port: 8443', 'port: 6443');
    project.edit('environments/prod.yaml', 'vip: 10.20.0.10', 'vip: 10.20.0.11');
    project.edit('environments/prod.yaml', MASTERS, MASTERS.split('\n').slice(0, 2).join('\n'));
    const lines = await synthProd();
    for (const path of ['controlPlane.port', 'controlPlane.vip', 'controlPlane.masters']) {
      expect(
        lines.filter((line) => line.startsWith(`error: environments/prod.yaml: ${path}: `)),
      ).toHaveLength(1);
    }
  });
});
