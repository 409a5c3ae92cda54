import { diffTrees } from '../../../cli/diff/engine';
import { changeSummary } from '../../../cli/diff/format-value';
import { stripGeneratedSuffix } from '../../../cli/diff/parse';
import { deployment, diffFiles, manifests, resource, terraform, tree } from './fixtures';

const K = 'kubernetes/platform.yaml';
const TF = 'terraform/cdk.tf.json';

describe('diff engine: Kubernetes objects', () => {
  it('reports a field change by path, with list items named by key', () => {
    const diff = diffFiles(
      { [K]: manifests(deployment()) },
      { [K]: manifests(deployment({ image: 'app:1.3' })) },
    );
    expect(diff.counts).toEqual({ added: 0, changed: 1, removed: 0, renamed: 0, destructive: 0 });
    const api = resource(diff, 'Deployment vehicle/api');
    expect(api.id).toBe('apps/v1 Deployment vehicle/api');
    expect(api.changes.map(changeSummary)).toEqual([
      'spec.template.spec.containers[name=api].image: app:1.2 → app:1.3',
    ]);
  });

  it('treats reordered keyed lists (containers, env, ports, volumeMounts, tolerations, volumes) as no change', () => {
    const before = deployment();
    const after = deployment();
    const spec = (after.spec as { template: { spec: Record<string, unknown[]> } }).template.spec;
    spec.containers = [...(spec.containers as unknown[])].reverse();
    spec.tolerations = [...(spec.tolerations as unknown[])].reverse();
    spec.volumes = [...(spec.volumes as unknown[])].reverse();
    const api = spec.containers.find((c) => (c as { name: string }).name === 'api') as Record<
      string,
      unknown[]
    >;
    api.env = [...(api.env as unknown[])].reverse();
    api.ports = [...(api.ports as unknown[])].reverse();
    api.volumeMounts = [...(api.volumeMounts as unknown[])].reverse();
    // Object key order does not matter either.
    const reKeyed = Object.fromEntries(Object.entries(after).reverse());
    const diff = diffFiles({ [K]: manifests(before) }, { [K]: manifests(reKeyed) });
    expect(diff.resources).toEqual([]);
    expect(diff.status).toBe('unchanged');
  });

  it('treats reordered args as a change, because argument order matters', () => {
    const after = deployment({
      containers: [
        { name: 'api', image: 'app:1.2', args: ['8080', '--port'] },
        { name: 'sidecar', image: 'proxy:1.0' },
      ],
    });
    const before = deployment({
      containers: [
        { name: 'api', image: 'app:1.2', args: ['--port', '8080'] },
        { name: 'sidecar', image: 'proxy:1.0' },
      ],
    });
    const diff = diffFiles({ [K]: manifests(before) }, { [K]: manifests(after) });
    expect(resource(diff, 'Deployment vehicle/api').changes.map(changeSummary)).toEqual([
      'spec.template.spec.containers[name=api].args: ["--port","8080"] → ["8080","--port"]',
    ]);
  });

  it('matches objects by identity across files and document order', () => {
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', namespace: 'a' },
      data: { x: '1' },
    };
    const diff = diffFiles(
      { [K]: manifests(cm, deployment()) },
      { 'kubernetes/apps.yaml': manifests(deployment()), 'kubernetes/config.yaml': manifests(cm) },
    );
    expect(diff.resources).toEqual([]);
  });

  it('ignores cdk8s address labels on metadata but reports selector changes', () => {
    const after = deployment();
    (after.metadata as { labels: Record<string, string> }).labels['cdk8s.io/metadata.addr'] =
      'platform-api-c8aaaaaa';
    const diff = diffFiles({ [K]: manifests(deployment()) }, { [K]: manifests(after) });
    expect(diff.resources).toEqual([]);
    (after.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels.app = 'api2';
    const changed = diffFiles({ [K]: manifests(deployment()) }, { [K]: manifests(after) });
    const api = resource(changed, 'Deployment vehicle/api');
    expect(api.changes.map(changeSummary)).toEqual(['spec.selector.matchLabels.app: api → api2']);
    expect(api.destructive).toBe(true);
    expect(api.reasons).toEqual(['spec.selector is immutable: delete and create the object again']);
  });

  it('reports an added and a removed object once each, and flags the removal as destructive', () => {
    const cm = (name: string) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: 'a' },
      data: { [name]: name },
    });
    const diff = diffFiles({ [K]: manifests(cm('old-config')) }, { [K]: manifests(cm('new-settings')) });
    expect(diff.resources.map((r) => [r.action, r.title, r.destructive])).toEqual([
      ['added', 'ConfigMap a/new-settings', false],
      ['removed', 'ConfigMap a/old-config', true],
    ]);
    expect(diff.counts).toMatchObject({ added: 1, removed: 1, changed: 0, renamed: 0, destructive: 1 });
    expect(resource(diff, 'ConfigMap a/new-settings').changes.map(changeSummary)).toContain(
      'data.new-settings: + new-settings',
    );
  });

  it('reports a change of a generated name suffix as one rename', () => {
    const cm = (name: string, extra = 'x') => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: 'vehicle', labels: { app: 'api' } },
      data: { a: '1', b: '2', c: extra },
    });
    const diff = diffFiles(
      { [K]: manifests(cm('api-config-c8a1b2c3')) },
      { [K]: manifests(cm('api-config-c8d4e5f6', 'y')) },
    );
    expect(diff.counts).toMatchObject({ added: 0, removed: 0, renamed: 1, changed: 0 });
    const renamed = diff.resources[0];
    expect(renamed?.action).toBe('renamed');
    expect(renamed?.previousId).toBe('v1 ConfigMap vehicle/api-config-c8a1b2c3');
    expect(renamed?.id).toBe('v1 ConfigMap vehicle/api-config-c8d4e5f6');
    expect(renamed?.changes.map(changeSummary)).toEqual([
      'data.c: x → y',
      'metadata.name: api-config-c8a1b2c3 → api-config-c8d4e5f6',
    ]);
    expect(renamed?.destructive).toBe(false);
  });

  it('does not pair a removal and an addition whose bodies differ a lot', () => {
    const cm = (name: string, data: Record<string, string>) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: 'vehicle' },
      data,
    });
    const diff = diffFiles(
      { [K]: manifests(cm('cfg-c8a1b2c3', { a: '1', b: '2', c: '3' })) },
      { [K]: manifests(cm('cfg-c8d4e5f6', { x: '1', y: '2', z: '3' })) },
    );
    expect(diff.resources.map((r) => r.action).sort()).toEqual(['added', 'removed']);
  });

  it('pairs an apiVersion change of the same object as a change', () => {
    const hpa = (apiVersion: string) => ({
      apiVersion,
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'api', namespace: 'vehicle' },
      spec: { maxReplicas: 5 },
    });
    const diff = diffFiles(
      { [K]: manifests(hpa('autoscaling/v2beta2')) },
      { [K]: manifests(hpa('autoscaling/v2')) },
    );
    expect(diff.resources).toHaveLength(1);
    expect(diff.resources[0]?.action).toBe('changed');
    expect(diff.resources[0]?.changes.map(changeSummary)).toEqual([
      'apiVersion: autoscaling/v2beta2 → autoscaling/v2',
    ]);
  });

  it('labels HTTPRoute rules by index and what they match', () => {
    const route = (weight: number) => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'api', namespace: 'vehicle' },
      spec: {
        rules: [
          {
            matches: [
              { headers: [{ name: 'x-gray', value: 'true' }], path: { type: 'PathPrefix', value: '/api' } },
            ],
            backendRefs: [{ name: 'api-gray', port: 80 }],
          },
          {
            matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
            backendRefs: [
              { name: 'api-stable', port: 80, weight: 100 - weight },
              { name: 'api-gray', port: 80, weight },
            ],
          },
        ],
      },
    });
    const diff = diffFiles({ [K]: manifests(route(10)) }, { [K]: manifests(route(20)) });
    expect(resource(diff, 'HTTPRoute vehicle/api').changes.map(changeSummary)).toEqual([
      'spec.rules[1: PathPrefix /api].backendRefs[name=api-stable].weight: 90 → 80',
      'spec.rules[1: PathPrefix /api].backendRefs[name=api-gray].weight: 10 → 20',
    ]);
  });

  it('flags immutable Kubernetes fields as needing a replace', () => {
    const sts = (size: string, replicas: number) => ({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'data' },
      spec: {
        replicas,
        serviceName: 'db',
        volumeClaimTemplates: [
          { metadata: { name: 'data' }, spec: { resources: { requests: { storage: size } } } },
        ],
      },
    });
    const scaled = diffFiles({ [K]: manifests(sts('10Gi', 1)) }, { [K]: manifests(sts('10Gi', 3)) });
    expect(resource(scaled, 'StatefulSet data/db').destructive).toBe(false);
    const grown = diffFiles({ [K]: manifests(sts('10Gi', 1)) }, { [K]: manifests(sts('20Gi', 1)) });
    const db = resource(grown, 'StatefulSet data/db');
    expect(db.destructive).toBe(true);
    expect(db.changes[0]?.path).toBe(
      'spec.volumeClaimTemplates[metadata.name=data].spec.resources.requests.storage',
    );
    expect(db.reasons[0]).toMatch(
      /^spec\.volumeClaimTemplates\.spec\.resources\.requests\.storage is immutable \(only replicas, template, .*\): delete and create/,
    );
    const svc = (ip: string) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'api', namespace: 'vehicle' },
      spec: { clusterIP: ip, ports: [{ port: 80 }] },
    });
    const moved = diffFiles({ [K]: manifests(svc('10.96.0.10')) }, { [K]: manifests(svc('10.96.0.11')) });
    expect(resource(moved, 'Service vehicle/api').reasons).toEqual([
      'spec.clusterIP is immutable: delete and create the object again',
    ]);
  });
});

describe('diff engine: secrets', () => {
  const secret = (data: Record<string, string>, stringData: Record<string, string> = {}) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'db', namespace: 'data' },
    type: 'Opaque',
    data,
    stringData,
  });

  it('masks Secret data and stringData as (changed), in every format', () => {
    const diff = diffFiles(
      { [K]: manifests(secret({ password: 'b2xk' }, { token: 'old-token' })) },
      { [K]: manifests(secret({ password: 'bmV3' }, { token: 'new-token', user: 'app' })) },
    );
    const db = resource(diff, 'Secret data/db');
    expect(db.changes.map(changeSummary)).toEqual([
      'data.password: (changed)',
      'stringData.token: (changed)',
      'stringData.user: (sensitive value)',
    ]);
    const serialized = JSON.stringify(diff);
    for (const value of ['b2xk', 'bmV3', 'old-token', 'new-token', '"app"'])
      expect(serialized).not.toContain(value);
  });

  it('reveals Secret values with showSecrets', () => {
    const diff = diffFiles(
      { [K]: manifests(secret({ password: 'b2xk' })) },
      { [K]: manifests(secret({ password: 'bmV3' })) },
      { showSecrets: true },
    );
    expect(resource(diff, 'Secret data/db').changes.map(changeSummary)).toEqual([
      'data.password: b2xk → bmV3',
    ]);
  });

  it('masks sensitive-looking Terraform fields and kubernetes_secret data, not references or flags', () => {
    const before = terraform({
      kubernetes_secret_v1: { db: { metadata: { name: 'db' }, data: { url: 'postgres://a' } } },
      kubernetes_service_account_v1: {
        ci: { metadata: { name: 'ci' }, automount_service_account_token: false },
      },
    });
    const after = terraform({
      kubernetes_secret_v1: { db: { metadata: { name: 'db' }, data: { url: 'postgres://b' } } },
      kubernetes_service_account_v1: {
        ci: { metadata: { name: 'ci' }, automount_service_account_token: true },
      },
    });
    const withToken = JSON.parse(after);
    withToken.provider.kubernetes[0].token = 'eyJhbGciOi';
    withToken.provider.kubernetes[0].client_key = '-----BEGIN KEY';
    const diff = diffFiles({ [TF]: before }, { [TF]: JSON.stringify(withToken) });
    expect(resource(diff, 'kubernetes_secret_v1.db').changes.map(changeSummary)).toEqual([
      'data.url: (changed)',
    ]);
    expect(resource(diff, 'kubernetes_service_account_v1.ci').changes.map(changeSummary)).toEqual([
      'automount_service_account_token: false → true',
    ]);
    expect(resource(diff, 'provider "kubernetes"').changes.map(changeSummary)).toEqual([
      'client_key: (sensitive value)',
      'token: (sensitive value)',
    ]);
    expect(JSON.stringify(diff)).not.toMatch(/eyJhbGciOi|BEGIN KEY|postgres:/);
  });

  it('masks credentials on host-file lines', () => {
    const diff = diffFiles(
      { 'hosts/master-1/keepalived.conf': 'vrrp_instance VI_1 {\n  auth_pass oldpass1\n  priority 100\n}\n' },
      { 'hosts/master-1/keepalived.conf': 'vrrp_instance VI_1 {\n  auth_pass newpass2\n  priority 100\n}\n' },
    );
    const file = resource(diff, 'hosts/master-1/keepalived.conf');
    const lines = file.hunks.flatMap((h) => h.lines.map((l) => `${l.op}${l.text}`));
    expect(lines).toContain('-  auth_pass (changed)');
    expect(lines).toContain('+  auth_pass (changed)');
    expect(JSON.stringify(diff)).not.toMatch(/oldpass1|newpass2/);
  });
});

const TAINT_EFFECT =
  'taint.effect replaces the taint on the node: pods that tolerate only the old taint lose the node (NoExecute evicts them)';

describe('diff engine: Terraform', () => {
  const taint = (key: string, effect: string) =>
    terraform({
      kubernetes_node_taint: {
        'node-10_taint': {
          metadata: { name: 'node-10' },
          field_manager: 'blueprint',
          taint: [{ key, value: 'database', effect }],
        },
      },
    });

  it('flags a node taint key or effect change as a replacement', () => {
    const effect = diffFiles(
      { [TF]: taint('dedicated', 'NoSchedule') },
      { [TF]: taint('dedicated', 'NoExecute') },
    );
    const r = resource(effect, 'kubernetes_node_taint.node-10_taint');
    expect(r.action).toBe('changed');
    expect(r.destructive).toBe(true);
    expect(r.changes).toEqual([
      expect.objectContaining({
        path: 'taint[key=dedicated].effect',
        before: 'NoSchedule',
        after: 'NoExecute',
        replaces: TAINT_EFFECT,
      }),
    ]);
    expect(r.reasons).toEqual([TAINT_EFFECT]);
    const key = diffFiles({ [TF]: taint('dedicated', 'NoSchedule') }, { [TF]: taint('role', 'NoSchedule') });
    const keyChange = resource(key, 'kubernetes_node_taint.node-10_taint');
    expect(keyChange.destructive).toBe(true);
    expect(keyChange.reasons).toEqual([
      'taint replaces the taint on the node: pods that tolerate only the old taint lose the node (NoExecute evicts them)',
    ]);
    // A whole added or removed block is one entry.
    expect(keyChange.changes.map(changeSummary)).toEqual([
      'taint[key=role]: + {"effect":"NoSchedule","key":"role","value":"database"}',
      'taint[key=dedicated]: - {"effect":"NoSchedule","key":"dedicated","value":"database"}',
    ]);
  });

  it('does not flag in-place updates, and ignores cdktf bookkeeping', () => {
    const before = JSON.parse(
      terraform({
        kubernetes_namespace_v1: { namespace_data: { metadata: { name: 'data', labels: { team: 'a' } } } },
      }),
    );
    const after = JSON.parse(JSON.stringify(before));
    after.resource.kubernetes_namespace_v1.namespace_data['//'].metadata.path = 'prod/moved/namespace_data';
    after['//'].metadata.version = '0.22.0';
    expect(diffFiles({ [TF]: JSON.stringify(before) }, { [TF]: JSON.stringify(after) }).resources).toEqual(
      [],
    );
    after.resource.kubernetes_namespace_v1.namespace_data.metadata.labels.team = 'b';
    const labelled = resource(
      diffFiles({ [TF]: JSON.stringify(before) }, { [TF]: JSON.stringify(after) }),
      'kubernetes_namespace_v1.namespace_data',
    );
    expect(labelled.changes.map(changeSummary)).toEqual(['metadata.labels.team: a → b']);
    expect(labelled.destructive).toBe(false);
    after.resource.kubernetes_namespace_v1.namespace_data.metadata.name = 'data2';
    const renamed = resource(
      diffFiles({ [TF]: JSON.stringify(before) }, { [TF]: JSON.stringify(after) }),
      'kubernetes_namespace_v1.namespace_data',
    );
    expect(renamed.reasons).toEqual([
      'metadata.name forces replacement (ForceNew): terraform destroys the resource and creates it again',
    ]);
  });

  it('flags storage class parameter and provisioner changes as replacements', () => {
    const sc = (parameters: Record<string, string>) =>
      terraform({
        kubernetes_storage_class_v1: {
          cephfs: { metadata: { name: 'cephfs' }, storage_provisioner: 'cephfs.csi.ceph.com', parameters },
        },
      });
    const diff = diffFiles({ [TF]: sc({ fsName: 'a' }) }, { [TF]: sc({ fsName: 'b' }) });
    expect(resource(diff, 'kubernetes_storage_class_v1.cephfs').reasons).toEqual([
      'parameters forces replacement (ForceNew): terraform destroys the resource and creates it again',
    ]);
  });

  it('compares provider, backend and outputs blocks', () => {
    const before = terraform({}, { output: { vip: { value: '10.0.0.1' } } });
    const after = JSON.parse(terraform({}, { output: { vip: { value: '10.0.0.2' } } }));
    after.provider.kubernetes[0].config_context = 'prod2@prod';
    after.terraform.backend = { s3: { bucket: 'state' } };
    const diff = diffFiles({ [TF]: before }, { [TF]: JSON.stringify(after) });
    expect(diff.resources.map((r) => r.title)).toEqual(['output.vip', 'provider "kubernetes"', 'backend']);
    expect(resource(diff, 'output.vip').changes.map(changeSummary)).toEqual(['value: 10.0.0.1 → 10.0.0.2']);
    expect(resource(diff, 'backend').changes.map(changeSummary)).toEqual([
      'local.path: - terraform.tfstate',
      's3.bucket: + state',
    ]);
  });

  it('reports a Terraform address rename once and flags it (destroy and create without a moved block)', () => {
    const body = { metadata: { name: 'data', labels: { team: 'data' } } };
    const diff = diffFiles(
      { [TF]: terraform({ kubernetes_namespace_v1: { namespace_data_1A2B3C4D: body } }) },
      { [TF]: terraform({ kubernetes_namespace_v1: { namespace_data_5E6F7A8B: body } }) },
    );
    expect(diff.resources).toHaveLength(1);
    expect(diff.resources[0]).toMatchObject({
      action: 'renamed',
      title: 'kubernetes_namespace_v1.namespace_data_5E6F7A8B',
      previousId: 'resource.kubernetes_namespace_v1.namespace_data_1A2B3C4D',
      destructive: true,
    });
  });
});

describe('diff engine: host files and environments', () => {
  it('diffs host files by line, with hunks', () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n');
    const after = before.replace('line 10', 'line ten');
    const diff = diffFiles(
      { 'hosts/m1/haproxy.cfg': `${before}\n` },
      { 'hosts/m1/haproxy.cfg': `${after}\n` },
    );
    const file = resource(diff, 'hosts/m1/haproxy.cfg');
    expect(file.source).toBe('hosts');
    expect(file.hunks).toHaveLength(1);
    expect(file.hunks[0]).toMatchObject({ oldStart: 7, oldLines: 7, newStart: 7, newLines: 7 });
    expect(file.hunks[0]?.lines.filter((l) => l.op !== ' ')).toEqual([
      { op: '-', text: 'line 10' },
      { op: '+', text: 'line ten' },
    ]);
  });

  it('reports a file mode change', () => {
    const diff = diffTrees(
      new Map([['prod', new Map([['hosts/m1/check.sh', { content: 'x\n', mode: 0o644 }]])]]),
      new Map([['prod', new Map([['hosts/m1/check.sh', { content: 'x\n', mode: 0o755 }]])]]),
      { base: 'a', head: 'b' },
    );
    expect(diff.environments[0]?.resources[0]?.changes.map(changeSummary)).toEqual([
      '(file mode): 0o644 → 0o755',
    ]);
  });

  it('shows a changed multi-line string (a config file in a ConfigMap) as a line diff', () => {
    const cm = (text: string) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', namespace: 'a' },
      data: { 'app.conf': text },
    });
    const diff = diffFiles({ [K]: manifests(cm('a\nb\nc\n')) }, { [K]: manifests(cm('a\nB\nc\n')) });
    const change = resource(diff, 'ConfigMap a/c').changes[0];
    expect(change?.hunks?.[0]?.lines).toEqual([
      { op: ' ', text: 'a' },
      { op: '-', text: 'b' },
      { op: '+', text: 'B' },
      { op: ' ', text: 'c' },
    ]);
  });

  it('reports environments that exist on one side only', () => {
    const files = tree({ [K]: manifests(deployment()) });
    const report = diffTrees(new Map([['old', files]]), new Map([['new', files]]), {
      base: 'main',
      head: 'working tree',
    });
    expect(report.environments.map((e) => [e.name, e.status, e.counts.added, e.counts.removed])).toEqual([
      ['new', 'added', 1, 0],
      ['old', 'removed', 0, 1],
    ]);
    expect(report.totals).toMatchObject({ added: 1, removed: 1, destructive: 1 });
  });

  it('strips only generated suffixes', () => {
    expect(stripGeneratedSuffix('api-config-c8a1b2c3')).toBe('api-config');
    expect(stripGeneratedSuffix('api-7f9c2ba4e1')).toBe('api');
    expect(stripGeneratedSuffix('namespace_data_1A2B3C4D')).toBe('namespace_data');
    expect(stripGeneratedSuffix('api-cache')).toBe('api-cache');
    expect(stripGeneratedSuffix('node-10')).toBe('node-10');
    expect(stripGeneratedSuffix('facade')).toBe('facade');
  });
});

describe('diff engine: updates Kubernetes refuses', () => {
  it('flags a StorageClass reclaim policy change, which the provider cannot apply in place', () => {
    const sc = (reclaim_policy: string) =>
      terraform({
        kubernetes_storage_class_v1: {
          ceph: { metadata: { name: 'ceph' }, storage_provisioner: 'rbd.csi.ceph.com', reclaim_policy },
        },
      });
    const diff = diffFiles({ [TF]: sc('Delete') }, { [TF]: sc('Retain') });
    expect(resource(diff, 'kubernetes_storage_class_v1.ceph').reasons).toEqual([
      'reclaim_policy is immutable in Kubernetes: the in-place update fails; replace the resource (terraform apply -replace)',
    ]);
  });

  it('flags data changes of an immutable ConfigMap, and not of a mutable one', () => {
    const cm = (immutable: boolean, v: string) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', namespace: 'a' },
      immutable,
      data: { v },
    });
    expect(
      resource(
        diffFiles({ [K]: manifests(cm(false, '1')) }, { [K]: manifests(cm(false, '2')) }),
        'ConfigMap a/c',
      ).destructive,
    ).toBe(false);
    expect(
      resource(
        diffFiles({ [K]: manifests(cm(true, '1')) }, { [K]: manifests(cm(true, '2')) }),
        'ConfigMap a/c',
      ).reasons,
    ).toEqual(['data is immutable (immutable: true): delete and create the object again']);
  });
});

describe('diff engine: added and removed blocks', () => {
  it('shows a block added to or removed from a changed resource as one entry with its value', () => {
    const svc = (ports: unknown[]) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'db-headless',
        namespace: 'data',
        labels: { 'cdk8s.io/metadata.addr': 'x-c8aaaaaa' },
      },
      spec: { clusterIP: 'None', ports },
    });
    const diff = diffFiles(
      { [K]: manifests(svc([{ name: 'mysql', port: 3306 }])) },
      {
        [K]: manifests(
          svc([
            { name: 'mysql', port: 3306 },
            { name: 'metrics', port: 9104, targetPort: 'metrics' },
          ]),
        ),
      },
    );
    expect(resource(diff, 'Service data/db-headless').changes.map(changeSummary)).toEqual([
      'spec.ports[port=9104]: + {"name":"metrics","port":9104,"targetPort":"metrics"}',
    ]);
    const first = { ...deployment() };
    const spec = first.spec as { template: { spec: { containers: unknown[] } } };
    const removed = diffFiles(
      { [K]: manifests(deployment()) },
      { [K]: manifests(deployment({ containers: spec.template.spec.containers.slice(0, 1) })) },
    );
    expect(resource(removed, 'Deployment vehicle/api').changes.map(changeSummary)).toEqual([
      'spec.template.spec.containers[name=sidecar]: - {"image":"proxy:1.0","name":"sidecar"}',
    ]);
  });
});
