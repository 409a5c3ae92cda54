import { readTree, TempProject } from '../../support/cli';

describe('host prerequisites in the synthesized output', () => {
  let project: TempProject;
  let tree: Map<string, string>;
  beforeAll(async () => {
    project = new TempProject();
    const result = await project.run(['synth', '--env', 'prod', '--env', 'test', '--out', 'out']);
    if (result.code !== 0) throw new Error(`synth failed (${result.code}): ${result.stderr}`);
    tree = readTree(project.path('out'));
  }, 60000);
  afterAll(() => project.dispose());

  const PREREQUISITES = [
    'blueprint-preflight.sh',
    'containerd/config.toml',
    'modules-load.d/kubernetes.conf',
    'sysctl.d/90-kubernetes.conf',
  ];

  it('gives every machine with kubeadm files the prerequisites and the preflight, and no other machine', () => {
    const hosts = new Set(
      [...tree.keys()].filter((key) => key.startsWith('prod/hosts/')).map((key) => key.split('/')[2]),
    );
    // 3 masters and 15 workers (node-14 and node-15 joined the database pool).
    expect(hosts.size).toBe(18);
    for (const host of hosts) {
      for (const file of PREREQUISITES)
        expect([host, tree.has(`prod/hosts/${host}/${file}`)]).toEqual([host, true]);
    }
  });

  it("checks the programs of the machine's role: keepalived and HAProxy only on masters", () => {
    const master = tree.get('prod/hosts/master-1/blueprint-preflight.sh') as string;
    const worker = tree.get('prod/hosts/node-01/blueprint-preflight.sh') as string;
    expect(master).toContain('for program in containerd kubeadm kubelet kubectl keepalived haproxy curl; do');
    expect(worker).toContain('for program in containerd kubeadm kubelet kubectl; do');
    expect(master).toContain('ready for kubeadm init --config /etc/kubernetes/kubeadm-init.yaml');
    expect(tree.get('prod/hosts/master-2/blueprint-preflight.sh')).toContain(
      'ready for kubeadm join --config /etc/kubernetes/kubeadm-join.yaml',
    );
    // The VRRP password file is checked where keepalived.conf includes one (not with VRRPv3).
    const include = /include (\S+)/.exec(tree.get('prod/hosts/master-1/keepalived.conf') as string)?.[1];
    expect(master.includes(`'${include}' ] || problem`)).toBe(include !== undefined);
    expect(worker).not.toContain('vrrp-auth');
  });

  it("uses kubeadm's pause image for the environment's version, or cluster.sandboxImage", async () => {
    expect(tree.get('prod/hosts/node-01/containerd/config.toml')).toContain(
      'sandbox_image = "registry.k8s.io/pause:3.9"',
    );
    const text = project.read('environments/test.yaml');
    project.write(
      'environments/test.yaml',
      text.replace(/^cluster:\n/m, 'cluster:\n  sandboxImage: mirror.example.com/pause:3.9\n'),
    );
    expect((await project.run(['synth', '--env', 'test', '--out', 'out2'])).code).toBe(0);
    const out = readTree(project.path('out2'));
    const configs = [...out.entries()].filter(([key]) => key.endsWith('containerd/config.toml'));
    expect(configs.length).toBeGreaterThan(0);
    for (const [, config] of configs)
      expect(config).toContain('sandbox_image = "mirror.example.com/pause:3.9"');
    project.write(
      'environments/test.yaml',
      text.replace(/^cluster:\n/m, 'cluster:\n  sandboxImage: "pause 3.9"\n'),
    );
    const bad = await project.run(['synth', '--env', 'test', '--out', 'out3']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('cluster.sandboxImage');
    project.write('environments/test.yaml', text);
  });

  it('sets ip_nonlocal_bind only where HAProxy binds the VIP itself', () => {
    const sysctl = tree.get('prod/hosts/master-1/sysctl.d/90-kubernetes.conf') as string;
    const haproxy = tree.get('prod/hosts/master-1/haproxy.cfg') as string;
    const bindsVip = /^\s*bind 10\.20\.0\.10:/m.test(haproxy);
    expect(sysctl.includes('net.ipv4.ip_nonlocal_bind = 1')).toBe(bindsVip);
    expect(tree.get('prod/hosts/node-01/sysctl.d/90-kubernetes.conf')).not.toContain('ip_nonlocal_bind');
  });
});
