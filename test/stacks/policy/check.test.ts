import * as fs from 'node:fs';
import * as path from 'node:path';
import { POLICY_RULES } from '../../../environments/schema/policy';
import type { OutputFile } from '../../../stacks/output-file';
import { checkPolicies, describeObject, type PolicyFinding } from '../../../stacks/policy';
import type { PolicyOptions } from '../../../stacks/policy/check';

const FIXTURES = path.join(__dirname, 'fixtures');
const read = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');

const OPTIONS: PolicyOptions = {
  controlPlaneHosts: ['master-1', 'master-2', 'master-3'],
  externalNamespaces: ['kube-system', 'kube-public', 'kube-node-lease', 'monitoring'],
};

/** A fixture as the output of an environment: the shared namespace plus the fixture's objects. */
function output(...extra: OutputFile[]): OutputFile[] {
  return [{ path: 'kubernetes/namespaces.yaml', content: read('_namespace.yaml') }, ...extra];
}

function check(files: OutputFile[], options: Partial<PolicyOptions> = {}): PolicyFinding[] {
  return [...checkPolicies(files, { ...OPTIONS, ...options }).violations];
}

function lines(findings: readonly PolicyFinding[]): string[] {
  return findings.map((finding) => `[${finding.rule}] ${describeObject(finding.object)} ${finding.message}`);
}

describe('policy rules on fixtures', () => {
  it('passes the compliant baseline', () => {
    expect(lines(check(output({ path: 'kubernetes/app.yaml', content: read('_compliant.yaml') })))).toEqual(
      [],
    );
  });

  describe.each(POLICY_RULES)('%s', (rule) => {
    it('passes its passing fixture (no rule at all fires)', () => {
      const files = output({ path: 'kubernetes/app.yaml', content: read(`${rule}.pass.yaml`) });
      expect(lines(check(files))).toEqual([]);
    });

    it('fails its failing fixture with this rule (and only the rules that must fire with it)', () => {
      const files = output({ path: 'kubernetes/app.yaml', content: read(`${rule}.fail.yaml`) });
      const findings = check(files);
      expect(findings.length).toBeGreaterThan(0);
      const rules = new Set(findings.map((finding) => finding.rule));
      expect(rules.has(rule)).toBe(true);
      // Root and hostPath also break the restricted profile the fixtures' namespace enforces.
      const alsoBroken: Record<string, string[]> = {
        'non-root': ['pod-security'],
        'no-host-path': ['pod-security'],
      };
      expect(
        [...rules].filter((other) => other !== rule && !(alsoBroken[rule] ?? []).includes(other)),
      ).toEqual([]);
    });
  });

  it('names the object and says exactly what is missing', () => {
    const files = output(
      { path: 'kubernetes/app.yaml', content: read('resources.fail.yaml') },
      { path: 'kubernetes/queue.yaml', content: read('readiness-probe.fail.yaml') },
      { path: 'kubernetes/report.yaml', content: read('image-pinned.fail.yaml') },
      { path: 'kubernetes/debug.yaml', content: read('non-root.fail.yaml') },
      { path: 'kubernetes/search.yaml', content: read('pdb.fail.yaml') },
    );
    expect(lines(check(files).filter((finding) => finding.rule !== 'pod-security'))).toEqual([
      '[resources] Deployment shop/cart (kubernetes/app.yaml) container "app" has no limits.cpu',
      '[non-root] Pod shop/debug (kubernetes/debug.yaml) container "shell" runs as root (runAsUser: 0)',
      '[readiness-probe] StatefulSet shop/queue (kubernetes/queue.yaml) container "broker" has no readiness probe',
      '[image-pinned] CronJob shop/report (kubernetes/report.yaml) container "report" runs image "registry.example.com/report:latest", pinned to the moving tag :latest',
      '[image-pinned] CronJob shop/report (kubernetes/report.yaml) init container "fetch" runs image "registry.example.com:5000/tools/fetch" without a tag (that is :latest)',
      '[pdb] Deployment shop/search (kubernetes/search.yaml) runs up to 5 replicas but no PodDisruptionBudget in its namespace selects its pods',
    ]);
  });

  it('finds every kind of secret value', () => {
    const files = output({ path: 'kubernetes/app.yaml', content: read('no-secret-values.fail.yaml') });
    expect(lines(check(files))).toEqual([
      '[no-secret-values] ConfigMap shop/cart-config (kubernetes/app.yaml) data key "api_key" holds a literal credential; put it in a Secret and reference it',
      '[no-secret-values] ConfigMap shop/cart-config (kubernetes/app.yaml) data.DATABASE_URL holds a URL with a password',
      '[no-secret-values] Secret shop/cart-db (kubernetes/app.yaml) carries secret values in stringData; reference a Secret created outside the blueprint instead',
    ]);
  });

  it('finds literal credentials in env, Terraform Secrets and private keys in host files', () => {
    const deployment = read('_compliant.yaml').replace(
      '- { name: LOG_LEVEL, value: info }',
      '- { name: LOG_LEVEL, value: info }\n            - { name: STRIPE_API_KEY, value: sk_live_123 }',
    );
    const terraform = JSON.stringify({
      resource: {
        kubernetes_secret_v1: {
          db: { metadata: [{ name: 'db', namespace: 'shop' }], data: { password: 'x' } },
        },
      },
    });
    const files = output(
      { path: 'kubernetes/app.yaml', content: deployment },
      { path: 'terraform/cdk.tf.json', content: terraform },
      {
        path: 'hosts/node-01/tls.key',
        content: '-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n',
      },
    );
    expect(lines(check(files))).toEqual([
      '[no-secret-values] file hosts/node-01/tls.key holds a private key',
      '[no-secret-values] Deployment shop/cart (kubernetes/app.yaml) container "app" sets STRIPE_API_KEY to a literal value; use valueFrom.secretKeyRef',
      '[no-secret-values] Secret shop/db (terraform kubernetes_secret_v1.db) carries secret values in data; reference a Secret created outside the blueprint instead',
    ]);
  });

  it('finds literal credentials in Terraform outside Secrets, but not in names that only mention secrets', () => {
    const terraform = JSON.stringify({
      terraform: {
        backend: { s3: { bucket: 'state', key: 'prod.tfstate', access_key: 'AKIA123', secret_key: 'xyz' } },
      },
      resource: {
        kubernetes_namespace_v1: {
          namespace_shop: {
            metadata: {
              name: 'shop',
              labels: {
                'pod-security.kubernetes.io/enforce': 'restricted',
                'pod-security.kubernetes.io/audit': 'restricted',
                'pod-security.kubernetes.io/warn': 'restricted',
              },
            },
          },
        },
        kubernetes_secret_v1: {
          db: { metadata: [{ name: 'db', namespace: 'shop' }], data: { password: 'x' } },
        },
      },
      data: { x: { secret_suffix: 'blueprint-prod', token_file: '' } },
    });
    expect(lines(check([{ path: 'terraform/cdk.tf.json', content: terraform }]))).toEqual([
      '[no-secret-values] file terraform/cdk.tf.json sets terraform.backend.s3.access_key to a literal credential; pass it from the environment of the deploying user',
      '[no-secret-values] file terraform/cdk.tf.json sets terraform.backend.s3.secret_key to a literal credential; pass it from the environment of the deploying user',
      '[no-secret-values] Secret shop/db (terraform kubernetes_secret_v1.db) carries secret values in data; reference a Secret created outside the blueprint instead',
    ]);
  });

  it("allows hostPath only in the control plane's static pods", () => {
    const staticPod = (name: string) =>
      [
        'apiVersion: v1',
        'kind: Pod',
        `metadata: { name: ${name}, namespace: kube-system }`,
        'spec:',
        '  hostNetwork: true',
        '  containers:',
        `    - { name: ${name}, image: "docker.io/library/haproxy:2.8.5" }`,
        '  volumes:',
        `    - { name: config, hostPath: { path: /etc/${name}, type: Directory } }`,
      ].join('\n');
    const files = output(
      { path: 'hosts/master-1/manifests/haproxy.yaml', content: staticPod('haproxy') },
      { path: 'hosts/node-01/manifests/haproxy.yaml', content: staticPod('haproxy') },
      { path: 'kubernetes/app.yaml', content: read('no-host-path.fail.yaml') },
    );
    expect(lines(check(files).filter((finding) => finding.rule === 'no-host-path'))).toEqual([
      `[no-host-path] Pod kube-system/haproxy (hosts/node-01/manifests/haproxy.yaml) volume "config" mounts hostPath "/etc/haproxy" (only the control plane's static pods on master-1, master-2, master-3 may)`,
      '[no-host-path] DaemonSet shop/log-shipper (kubernetes/app.yaml) volume "varlog" mounts hostPath "/var/log"',
    ]);
  });

  it('judges pods by the Pod Security Standard their namespace enforces', () => {
    expect(
      lines(check(output({ path: 'kubernetes/app.yaml', content: read('pod-security.fail.yaml') }))),
    ).toEqual([
      '[pod-security] Deployment shop/cart (kubernetes/app.yaml) container "app" does not drop ALL capabilities (namespace enforces restricted)',
      '[pod-security] Deployment shop/cart (kubernetes/app.yaml) container "app" does not set allowPrivilegeEscalation: false (namespace enforces restricted)',
      '[pod-security] Deployment shop/cart (kubernetes/app.yaml) container "app" has no seccompProfile RuntimeDefault or Localhost (namespace enforces restricted)',
      '[pod-security] Deployment shop/cart (kubernetes/app.yaml) volume "media" is of type nfs (namespace enforces restricted)',
    ]);
    // Baseline allows all of that, but not host namespaces, privileged containers or extra capabilities.
    const baseline = read('_namespace.yaml').replace('enforce: restricted', 'enforce: baseline');
    const loose = read('pod-security.fail.yaml')
      .replace(
        'securityContext: { runAsNonRoot: true }',
        'hostNetwork: true\n      securityContext: { runAsNonRoot: true }',
      )
      .replace(
        'image: registry.example.com/cart:1.0.0',
        'image: registry.example.com/cart:1.0.0\n          securityContext: { privileged: true, capabilities: { add: [NET_ADMIN, CHOWN] } }',
      );
    expect(
      lines(
        check([
          { path: 'kubernetes/namespaces.yaml', content: baseline },
          { path: 'kubernetes/app.yaml', content: loose },
        ]),
      ),
    ).toEqual([
      '[pod-security] Deployment shop/cart (kubernetes/app.yaml) container "app" adds capabilities NET_ADMIN (namespace enforces baseline)',
      '[pod-security] Deployment shop/cart (kubernetes/app.yaml) container "app" is privileged (namespace enforces baseline)',
      '[pod-security] Deployment shop/cart (kubernetes/app.yaml) sets hostNetwork: true (namespace enforces baseline)',
    ]);
  });

  it('sizes each namespace at full scale against its quota, with LimitRange defaults for what containers leave out', () => {
    expect(lines(check(output({ path: 'kubernetes/app.yaml', content: read('quota.fail.yaml') })))).toEqual([
      "[quota] ResourceQuota shop/platform-quota (kubernetes/app.yaml) allows pods 4, but the workloads of namespace shop need 5 at full scale; raise the namespace's quota or lower replicas and resources",
      "[quota] ResourceQuota shop/platform-quota (kubernetes/app.yaml) allows requests.cpu 1, but the workloads of namespace shop need 1.5 at full scale; raise the namespace's quota or lower replicas and resources",
    ]);
    // The quota and limit range as Terraform writes them: the namespace by reference, defaults for a bare container.
    // Terraform's interpolation `${…}`, built without a template literal.
    const SHOP_REFERENCE = ['$', '{kubernetes_namespace_v1.namespace_shop.metadata[0].name}'].join('');
    const terraform = JSON.stringify({
      resource: {
        kubernetes_namespace_v1: { namespace_shop: { metadata: { name: 'shop', labels: {} } } },
        kubernetes_resource_quota_v1: {
          resource_quota_shop: {
            metadata: {
              name: 'platform-quota',
              namespace: SHOP_REFERENCE,
            },
            spec: { hard: { 'requests.memory': '1Gi', 'limits.memory': '2Gi' } },
          },
        },
        kubernetes_limit_range_v1: {
          limit_range_shop: {
            metadata: {
              name: 'platform-limits',
              namespace: SHOP_REFERENCE,
            },
            spec: {
              limit: [
                { type: 'Container', default_request: { memory: '512Mi' }, default: { memory: '1Gi' } },
              ],
            },
          },
        },
      },
    });
    const bare = [
      'apiVersion: batch/v1',
      'kind: Job',
      'metadata: { name: reindex, namespace: shop }',
      'spec:',
      '  parallelism: 3',
      '  template: { spec: { restartPolicy: Never, containers: [{ name: reindex, image: "registry.example.com/reindex:1.0.0" }] } }',
    ].join('\n');
    const findings = checkPolicies(
      [
        { path: 'terraform/cdk.tf.json', content: terraform },
        { path: 'kubernetes/job.yaml', content: bare },
      ],
      OPTIONS,
    )
      .violations.filter((finding) => finding.rule === 'quota')
      .map((finding) => `${describeObject(finding.object)} ${finding.message}`);
    expect(findings).toEqual([
      "ResourceQuota shop/platform-quota (terraform kubernetes_resource_quota_v1.resource_quota_shop) allows limits.memory 2Gi, but the workloads of namespace shop need 3Gi at full scale; raise the namespace's quota or lower replicas and resources",
      "ResourceQuota shop/platform-quota (terraform kubernetes_resource_quota_v1.resource_quota_shop) allows requests.memory 1Gi, but the workloads of namespace shop need 1.5Gi at full scale; raise the namespace's quota or lower replicas and resources",
    ]);
  });

  it('checks PSA labels of the namespaces Terraform creates', () => {
    const terraform = JSON.stringify({
      resource: {
        kubernetes_namespace_v1: {
          namespace_open: { metadata: { name: 'open', labels: { team: 'x' } } },
        },
      },
    });
    expect(lines(check(output({ path: 'terraform/cdk.tf.json', content: terraform })))).toEqual([
      '[namespace-psa] Namespace open (terraform kubernetes_namespace_v1.namespace_open) has no Pod Security Admission label for pod-security.kubernetes.io/enforce, pod-security.kubernetes.io/audit, pod-security.kubernetes.io/warn',
    ]);
  });
});

describe('waivers', () => {
  const files = output({ path: 'kubernetes/app.yaml', content: read('readiness-probe.fail.yaml') });
  const waiver = {
    rule: 'readiness-probe' as const,
    kind: 'StatefulSet',
    namespace: 'shop',
    name: 'queue',
    reason: 'the broker takes no traffic through Services; clients connect by pod DNS',
  };

  it('waive exactly the named rule for the named object, keeping the reason', () => {
    const report = checkPolicies(files, { ...OPTIONS, waivers: [waiver] });
    expect(report.violations).toEqual([]);
    expect(
      report.waived.map((entry) => [entry.finding.rule, entry.finding.object.name, entry.reason]),
    ).toEqual([['readiness-probe', 'queue', waiver.reason]]);
    expect(report.unusedWaivers).toEqual([]);
  });

  it('do not cover another rule, another object or another namespace', () => {
    for (const other of [
      { ...waiver, rule: 'resources' as const },
      { ...waiver, name: 'queue-2' },
      { ...waiver, namespace: 'other' },
      { ...waiver, kind: 'Deployment' },
    ]) {
      const report = checkPolicies(files, { ...OPTIONS, waivers: [other] });
      expect(report.violations.map((finding) => finding.rule)).toEqual(['readiness-probe']);
      expect(report.unusedWaivers).toEqual([{ index: 0, waiver: other }]);
    }
  });
});

describe('determinism', () => {
  it('reports the same findings in the same order whatever the file order', () => {
    const a = { path: 'kubernetes/a.yaml', content: read('pdb.fail.yaml') };
    const b = { path: 'kubernetes/b.yaml', content: read('non-root.fail.yaml') };
    expect(check(output(a, b))).toEqual(check(output(b, a).reverse()));
  });
});
