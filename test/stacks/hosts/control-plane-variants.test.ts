import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { validateKubernetesObjects } from '../../constructs/data/kubernetes-schema';
import { keepalivedConfigTest, netnsUnavailable } from '../../hosts/daemons';
import { readTree, TempProject } from '../../support/cli';
import { itNeeding } from '../../support/requirements';

/** The other shapes of a control plane: static pods, multicast, no VRRP auth, kubeadm v1beta4, an external load balancer. */

const unavailable = netnsUnavailable();
if (unavailable !== undefined) console.warn(`SKIPPED keepalived -t checks in ${__filename}: ${unavailable}`);
const itNetns = (name: string, fn: jest.ProvidesCallback, timeout?: number) =>
  itNeeding(name, [unavailable], fn, timeout);

describe('static pods, multicast, no authentication, Kubernetes 1.31 (test environment)', () => {
  let project: TempProject;
  let tree: Map<string, string>;

  beforeAll(async () => {
    project = new TempProject();
    project.edit('environments/test.yaml', 'kubernetesVersion: 1.28.15', 'kubernetesVersion: 1.31.2');
    // test's loadBalancer block (VRRPv2 with the password) gets the variant's settings.
    project.edit(
      'environments/test.yaml',
      '  loadBalancer:\n',
      '  loadBalancer:\n    runAs: staticPod\n    peering: multicast\n',
    );
    project.edit(
      'environments/test.yaml',
      '    authentication: { type: pass }\n',
      '    authentication: { type: none }\n',
    );
    const result = await project.run(['synth', '--env', 'test', '--out', 'out']);
    if (result.code !== 0) throw new Error(`synth failed (${result.code}): ${result.stderr}`);
    tree = readTree(project.path('out'));
  }, 60000);
  afterAll(() => project?.dispose());

  it('writes keepalived and haproxy as static pod manifests instead of a systemd drop-in', () => {
    // The load balancer's and kubeadm's files (host prerequisites are tested with their module).
    const files = [...tree.keys()]
      .filter((key) => key.startsWith('test/hosts/test-master-2/'))
      .filter((key) =>
        /\/(check-[^/]*\.sh|haproxy[^/]*|keepalived[^/]*|kubeadm-(init|join)\.yaml|manifests\/.*)$/.test(key),
      )
      .sort();
    expect(files).toEqual(
      [
        'check-apiserver.sh',
        'check-interface.sh',
        'haproxy.cfg',
        'keepalived.conf',
        'kubeadm-join.yaml',
        'manifests/haproxy.yaml',
        'manifests/keepalived.yaml',
      ].map((file) => `test/hosts/test-master-2/${file}`),
    );
  });

  it('makes valid Pods in kube-system on the host network, keepalived with the capabilities VRRP needs', () => {
    const keepalived = parseYaml(tree.get('test/hosts/test-master-1/manifests/keepalived.yaml') as string);
    const haproxy = parseYaml(tree.get('test/hosts/test-master-1/manifests/haproxy.yaml') as string);
    expect(validateKubernetesObjects([keepalived, haproxy])).toEqual([[], []]);
    for (const pod of [keepalived, haproxy]) {
      expect(pod.metadata.namespace).toBe('kube-system');
      expect(pod.spec.hostNetwork).toBe(true);
      expect(pod.spec.priorityClassName).toBe('system-node-critical');
    }
    expect(keepalived.spec.containers[0].securityContext.capabilities.add).toEqual(
      expect.arrayContaining(['NET_ADMIN', 'NET_RAW']),
    );
    // keepalived.conf and the check script (in /etc/keepalived) are mounted from the host.
    expect(keepalived.spec.volumes).toEqual(
      expect.arrayContaining([
        { name: 'config', hostPath: { path: '/etc/keepalived/keepalived.conf', type: 'File' } },
        { name: 'config-dir', hostPath: { path: '/etc/keepalived', type: 'Directory' } },
      ]),
    );
    expect(haproxy.spec.volumes).toEqual([
      { name: 'config', hostPath: { path: '/etc/haproxy/haproxy.cfg', type: 'File' } },
    ]);
    expect(haproxy.spec.containers[0].image).toMatch(/^haproxy:\d/);
  });

  it('advertises by multicast (no unicast peers) and without authentication', () => {
    const conf = tree.get('test/hosts/test-master-1/keepalived.conf') as string;
    expect(conf).not.toMatch(/unicast_/);
    expect(conf).not.toMatch(/authentication/);
  });

  it('leaves out the privilege drop in haproxy.cfg (the official image starts unprivileged), and passes haproxy -c -dW', () => {
    const key = 'test/hosts/test-master-1/haproxy.cfg';
    expect(tree.get(key)).not.toMatch(/^\s+user /m);
    const result = spawnSync('haproxy', ['-c', '-dW', '-f', project.path('out', key)], { encoding: 'utf8' });
    expect(`${result.stdout}${result.stderr}`.trim()).toBe('Configuration file is valid');
    expect(result.status).toBe(0);
  });

  itNetns('passes keepalived -t', () => {
    const hostDir = path.dirname(project.path('out', 'test/hosts/test-master-1/keepalived.conf'));
    expect(keepalivedConfigTest(hostDir, 'ens18', undefined, `pbkv${process.pid % 10000}`)).toEqual({
      code: 0,
      output: '',
    });
  });

  it('writes kubeadm v1beta4 from 1.31, with kubeletExtraArgs as a list of name/value pairs', () => {
    const [init, cluster] = parseAllDocuments(
      tree.get('test/hosts/test-master-1/kubeadm-init.yaml') as string,
    ).map((doc) => doc.toJS());
    expect(init.apiVersion).toBe('kubeadm.k8s.io/v1beta4');
    expect(cluster.apiVersion).toBe('kubeadm.k8s.io/v1beta4');
    expect(cluster.kubernetesVersion).toBe('v1.31.2');
    expect(init.nodeRegistration.kubeletExtraArgs).toEqual([{ name: 'node-ip', value: '10.30.0.11' }]);
    const worker = parseYaml(tree.get('test/hosts/test-node-01/kubeadm-join.yaml') as string);
    expect(worker.apiVersion).toBe('kubeadm.k8s.io/v1beta4');
    expect(worker.nodeRegistration.kubeletExtraArgs).toEqual([
      { name: 'node-ip', value: '10.30.1.11' },
      {
        name: 'node-labels',
        value: 'platform-blueprint.io/pool=general,tier=general,topology.kubernetes.io/zone=dc1-a',
      },
    ]);
  });
});

describe('static pods with VRRP authentication', () => {
  it('checks the host-local password file in an init container before keepalived starts', async () => {
    const project = new TempProject();
    try {
      project.edit('environments/test.yaml', '  loadBalancer:\n', '  loadBalancer:\n    runAs: staticPod\n');
      const result = await project.run(['synth', '--env', 'test', '--out', 'out']);
      expect(result.code).toBe(0);
      const pod = parseYaml(project.read('out/test/hosts/test-master-3/manifests/keepalived.yaml'));
      expect(pod.spec.initContainers).toEqual([
        expect.objectContaining({
          name: 'check-interface',
          command: ['/bin/sh', '/etc/keepalived/check-interface.sh'],
        }),
        expect.objectContaining({
          name: 'check-vrrp-auth',
          command: ['/bin/sh', '/etc/keepalived/check-vrrp-auth.sh'],
        }),
      ]);
      expect(project.read('out/test/hosts/test-master-3/keepalived.conf')).toContain(
        'include /etc/keepalived/vrrp-auth.conf',
      );
    } finally {
      project.dispose();
    }
  });
});

describe('health check timings', () => {
  it("apply to HAProxy's checks of the API servers; keepalived's checks of HAProxy keep their own", async () => {
    const project = new TempProject();
    try {
      project.edit(
        'environments/test.yaml',
        '  loadBalancer:\n',
        '  loadBalancer:\n    healthCheck: { intervalSeconds: 4, fall: 5, rise: 4 }\n',
      );
      const result = await project.run(['synth', '--env', 'test', '--out', 'out']);
      expect(result.code).toBe(0);
      const conf = project.read('out/test/hosts/test-master-1/keepalived.conf');
      expect(conf).toMatch(/vrrp_script chk_haproxy \{[^}]*interval 1\n[^}]*fall 2\n\s+rise 2\n/);
      expect(project.read('out/test/hosts/test-master-1/haproxy.cfg')).toMatch(
        / inter 4000ms fastinter 2000ms downinter 4000ms fall 5 rise 4$/m,
      );
    } finally {
      project.dispose();
    }
  });
});

describe('an external load balancer (cloud template)', () => {
  const CLOUD = `template: cloud
cluster: { kubeconfig: { context: shop-admin@shop } }
controlPlane:
  loadBalancer: { type: external, port: 443, endpoint: api.shop.example.com }
  certSANs: [kubernetes.shop.example.com]
  masters:
    - { name: master-1, address: 172.16.0.11 }
    - { name: master-2, address: 172.16.0.12 }
    - { name: master-3, address: 172.16.0.13 }
nodePools:
  - { name: general-a, minSize: 1, maxSize: 20, nodeGroup: asg-a }
clusterAutoscaler: { cloudProvider: aws, pool: general-a }
namespaces: [{ name: shop, team: shop }]
`;

  it('writes no keepalived or haproxy file, and points kubeadm at the load balancer', async () => {
    const project = new TempProject({ withEnvironments: false });
    try {
      project.write('environments/shop.yaml', CLOUD);
      const result = await project.run(['synth', '--out', 'out']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const tree = readTree(project.path('out'));
      // The load balancer's and kubeadm's files (host prerequisites are tested with their module).
      const hosts = [...tree.keys()]
        .filter((key) => key.startsWith('shop/hosts/'))
        .filter((key) =>
          /\/(check-[^/]*\.sh|haproxy[^/]*|keepalived[^/]*|kubeadm-(init|join)\.yaml|manifests\/.*)$/.test(
            key,
          ),
        )
        .sort();
      expect(hosts).toEqual([
        'shop/hosts/master-1/kubeadm-init.yaml',
        'shop/hosts/master-2/kubeadm-join.yaml',
        'shop/hosts/master-3/kubeadm-join.yaml',
      ]);
      const cluster = parseAllDocuments(
        tree.get('shop/hosts/master-1/kubeadm-init.yaml') as string,
      )[1]?.toJS();
      expect(cluster.controlPlaneEndpoint).toBe('api.shop.example.com:443');
      expect(cluster.apiServer.certSANs).toEqual(
        expect.arrayContaining([
          'api.shop.example.com',
          'kubernetes.shop.example.com',
          'master-1',
          '172.16.0.11',
        ]),
      );
      // The masters register tainted through kubeadm (init and join files list the taint);
      // Terraform manages no Node and only forgets what earlier versions kept in state.
      for (const [key, kind] of [
        ['shop/hosts/master-1/kubeadm-init.yaml', 'InitConfiguration'],
        ['shop/hosts/master-2/kubeadm-join.yaml', 'JoinConfiguration'],
        ['shop/hosts/master-3/kubeadm-join.yaml', 'JoinConfiguration'],
      ] as const) {
        const registration = parseAllDocuments(tree.get(key) as string)[0]?.toJS();
        expect(registration.kind).toBe(kind);
        expect(registration.nodeRegistration.taints).toEqual([
          { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
        ]);
      }
      const tf = JSON.parse(tree.get('shop/terraform/cdk.tf.json') as string);
      expect(tf.resource.kubernetes_node_taint).toBeUndefined();
      expect(tf.resource.kubernetes_labels).toBeUndefined();
      // The autoscaled pool has no fixed nodes, so only the masters' old resources are forgotten.
      expect(tf.removed).toEqual(
        ['master-1', 'master-2', 'master-3'].flatMap((master) => [
          { from: `kubernetes_node_taint.control_plane_taint_${master}`, lifecycle: { destroy: false } },
          { from: `kubernetes_labels.control_plane_labels_${master}`, lifecycle: { destroy: false } },
        ]),
      );
    } finally {
      project.dispose();
    }
  });
});
