import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadAll } from 'js-yaml';
import { TempProject } from '../../support/cli';

const ROOT = path.resolve(__dirname, '..', '..', '..');

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: synthesized manifests are untyped JSON
  spec?: any;
}

const read = (env: string, file: string) => fs.readFileSync(path.join(ROOT, 'dist', env, file), 'utf8');
const manifests = (text: string) =>
  (loadAll(text) as (Manifest | null)[]).filter((m): m is Manifest => m !== null);
const find = (list: Manifest[], kind: string, name: string) => {
  const found = list.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
};
const podSpec = (m: Manifest) => m.spec.template.spec;

describe('add-ons of the shipped prod (dist/prod, kept current by synth --check)', () => {
  const addons = manifests(read('prod', 'kubernetes/addons.yaml'));
  const gateway = manifests(read('prod', 'kubernetes/gateway.yaml'));

  it('installs the EnvoyProxy the Gateway names, pinning the proxies to the tainted gateway pool', () => {
    const gw = find(gateway, 'Gateway', 'public');
    const ref = gw.spec.infrastructure.parametersRef;
    const proxy = find(addons, 'EnvoyProxy', ref.name);
    expect(proxy.metadata.namespace).toBe(gw.metadata.namespace);
    const pod = proxy.spec.provider.kubernetes.envoyDeployment.pod;
    expect(pod.nodeSelector).toEqual({ 'platform-blueprint.io/pool': 'gateway' });
    expect(pod.tolerations).toEqual([
      { key: 'dedicated', operator: 'Equal', value: 'gateway', effect: 'NoSchedule' },
    ]);
    expect(proxy.spec.provider.kubernetes.envoyService.type).toBe('LoadBalancer');
    expect(find(addons, 'GatewayClass', gw.spec.gatewayClassName).spec.controllerName).toBe(
      'gateway.envoyproxy.io/gatewayclass-controller',
    );
  });

  it("announces MetalLB's pool from the gateway pool only", () => {
    expect(find(addons, 'IPAddressPool', 'prod-pool').spec.addresses).toEqual(['10.20.2.240-10.20.2.250']);
    expect(find(addons, 'L2Advertisement', 'prod-pool').spec.nodeSelectors).toEqual([
      { matchLabels: { 'platform-blueprint.io/pool': 'gateway' } },
    ]);
    expect(podSpec(find(addons, 'DaemonSet', 'speaker')).nodeSelector).toMatchObject({
      'platform-blueprint.io/pool': 'gateway',
    });
  });

  it("gives Calico the cluster's pod network", () => {
    const installation = find(addons, 'Installation', 'default');
    expect(installation.spec.calicoNetwork.ipPools[0]).toMatchObject({
      cidr: '10.244.0.0/16',
      encapsulation: 'VXLANCrossSubnet',
    });
  });

  it('gives every container of every add-on workload requests, limits and a priority class', () => {
    const workloads = addons.filter((m) =>
      ['Deployment', 'DaemonSet', 'StatefulSet', 'Job'].includes(m.kind),
    );
    expect(workloads.length).toBeGreaterThan(10);
    for (const workload of workloads) {
      const pod = podSpec(workload);
      expect([workload.metadata.name, pod.priorityClassName]).toEqual([
        workload.metadata.name,
        expect.any(String),
      ]);
      for (const container of pod.containers) {
        expect([
          workload.metadata.name,
          container.name,
          container.resources?.requests?.cpu,
          container.resources?.limits?.memory,
        ]).toEqual([workload.metadata.name, container.name, expect.any(String), expect.any(String)]);
        expect(container.image).toMatch(/:[A-Za-z0-9._-]+$/);
        expect(container.image).not.toMatch(/:latest$/);
      }
    }
  });

  it('runs node-exporter on every node, masters included, and ceph node plugins on every worker pool', () => {
    expect(podSpec(find(addons, 'DaemonSet', 'node-exporter')).tolerations).toEqual([{ operator: 'Exists' }]);
    const rbd = podSpec(find(addons, 'DaemonSet', 'csi-rbdplugin'));
    expect(rbd.tolerations).toEqual(
      expect.arrayContaining([
        { key: 'dedicated', operator: 'Equal', value: 'database', effect: 'NoSchedule' },
        { key: 'dedicated', operator: 'Equal', value: 'gateway', effect: 'NoSchedule' },
      ]),
    );
    const data = (find(addons, 'ConfigMap', 'ceph-csi-config') as unknown as { data: Record<string, string> })
      .data;
    expect(JSON.parse(data['config.json'] ?? '[]')).toEqual([
      {
        clusterID: '5b2c9f4e-7d1a-4e63-9a8b-2f0c6d4e8a17',
        monitors: ['10.20.3.41:6789', '10.20.3.42:6789', '10.20.3.43:6789'],
        cephFS: { subvolumeGroup: 'csi' },
      },
    ]);
  });

  it('selects the ServiceMonitors and rules the output labels, and keeps samples on Ceph RBD', () => {
    const prometheus = find(addons, 'Prometheus', 'platform');
    expect(prometheus.spec.serviceMonitorSelector).toEqual({
      matchLabels: { release: 'kube-prometheus-stack' },
    });
    expect(prometheus.spec.ruleSelector).toEqual({ matchLabels: { release: 'kube-prometheus-stack' } });
    expect(prometheus.spec.storage.volumeClaimTemplate.spec.storageClassName).toBe('ceph-rbd');
    expect(prometheus.spec.image).toBe('quay.io/prometheus/prometheus:v3.13.1');
  });

  it('locks every CRD file it installs by sha256, and every custom resource kind it uses has one', () => {
    const lock = JSON.parse(read('prod', 'kubernetes/addons.lock.json')) as {
      addons: { name: string; crds: { file: string; sha256: string }[] }[];
    };
    expect(lock.addons.map((a) => a.name)).toEqual([
      'calico',
      'metallb',
      'cephCsi',
      'monitoring',
      'metricsServer',
      'envoyGateway',
      'cronHpa',
      'logging',
      'vitessOperatorCrds',
    ]);
    const kinds = new Set<string>();
    for (const addon of lock.addons) {
      for (const crd of addon.crds) {
        const text = fs.readFileSync(path.join(ROOT, crd.file));
        expect([crd.file, createHash('sha256').update(text).digest('hex')]).toEqual([crd.file, crd.sha256]);
        for (const doc of manifests(text.toString('utf8')))
          kinds.add(`${doc.spec.group}/${doc.spec.names.kind}`);
      }
    }
    const everything = [
      'addons',
      'gateway',
      'monitoring',
      'workloads',
      'data',
      'policies',
      'autoscaling',
    ].flatMap((file) =>
      fs.existsSync(path.join(ROOT, 'dist', 'prod', 'kubernetes', `${file}.yaml`))
        ? manifests(read('prod', `kubernetes/${file}.yaml`))
        : [],
    );
    const custom = everything.filter(
      (m) => /\./.test(m.apiVersion.split('/')[0] ?? '') && !/k8s\.io\//.test(m.apiVersion),
    );
    for (const m of custom) expect(kinds).toContain(`${m.apiVersion.split('/')[0]}/${m.kind}`);
  });

  it("leaves out Gateway API's ValidatingAdmissionPolicy on Kubernetes 1.28 (served from 1.30)", () => {
    expect(addons.some((m) => m.kind.startsWith('ValidatingAdmissionPolicy'))).toBe(false);
  });
});

describe('add-on settings', () => {
  let project: TempProject;
  beforeAll(() => {
    project = new TempProject();
  });
  afterAll(() => project.dispose());

  it('puts every add-on image behind the registry mirror and the controllers on the system pool', async () => {
    const original = project.read('environments/test.yaml');
    project.write(
      'environments/test.yaml',
      original
        .replace(
          '  - name: general\n',
          '  - name: system\n    taints: [{ key: dedicated, value: system, effect: NoSchedule }]\n    nodes: [{ name: test-sys-1, address: 10.30.1.31 }]\n  - name: general\n',
        )
        .replace('addons:\n', 'addons:\n  pool: system\n  imageRegistry: registry.example.com/mirror\n'),
    );
    const result = await project.run(['synth', '--env', 'test', '--out', 'out']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const addons = manifests(project.read('out/test/kubernetes/addons.yaml'));
    for (const workload of addons.filter((m) => ['Deployment', 'DaemonSet', 'Job'].includes(m.kind))) {
      for (const container of podSpec(workload).containers)
        expect(container.image).toMatch(
          /^registry\.example\.com\/mirror\/(quay\.io|docker\.io|registry\.k8s\.io|registry\.aliyuncs\.com)\//,
        );
    }
    for (const name of ['tigera-operator', 'prometheus-operator', 'metrics-server', 'kube-state-metrics']) {
      const pod = podSpec(find(addons, 'Deployment', name));
      expect([name, pod.nodeSelector['platform-blueprint.io/pool']]).toEqual([name, 'system']);
      expect([name, pod.tolerations]).toEqual([
        name,
        [
          { key: 'dedicated', operator: 'Equal', value: 'system', effect: 'NoSchedule' },
          // The CNI's operator starts before there is a pod network, on nodes not ready yet.
          ...(name === 'tigera-operator'
            ? [
                { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' },
                { key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' },
              ]
            : []),
        ],
      ]);
    }
    expect(find(addons, 'Installation', 'default').spec.registry).toBe('registry.example.com/mirror/');
    const operator = podSpec(find(addons, 'Deployment', 'prometheus-operator')).containers[0];
    expect(operator.args).toContain(
      '--prometheus-config-reloader=registry.example.com/mirror/quay.io/prometheus-operator/prometheus-config-reloader:v0.93.0',
    );
  });
});
