import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkObjects } from '../../cli/commands/validate';
import { validateKubernetesSchemas } from '../../cli/commands/validate-kubernetes';
import { CrdSchemas } from '../../stacks/policy/crd-schemas';
import { isKubernetes128Kind, kubernetes128PropsType } from '../../stacks/policy/kubernetes-api';
import { KubernetesFields } from '../../stacks/policy/kubernetes-fields';
import type { FoundObject } from '../../stacks/policy/manifests';
import { validateAgainstCrd } from '../support/crd-schema';

describe('the checks behind blueprint validate', () => {
  it('validates core objects against the Kubernetes schemas (kubernetes-models, in a child process)', () => {
    const [good, bad, unknown] = validateKubernetesSchemas([
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'a', namespace: 'b' },
        data: { key: 'value' },
      },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web' },
        spec: {
          selector: { matchLabels: { app: 'web' } },
          template: {
            spec: {
              containers: [
                { name: 'app', image: 'web:1', ports: [{ containerPort: 'http' }] },
                { image: 'x:1' },
              ],
            },
          },
        },
      },
      { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } },
    ]);
    expect(good).toEqual({ known: true, problems: [] });
    expect(bad).toEqual({
      known: true,
      problems: [
        '/spec/template/spec/containers/0/ports/0/containerPort must be integer',
        '/spec/template/spec/containers/1 must have required property name',
      ],
    });
    expect(unknown).toEqual({ known: false });
  });

  it('knows which APIs Kubernetes 1.28 serves', () => {
    expect(isKubernetes128Kind('apps/v1', 'Deployment')).toBe(true);
    expect(isKubernetes128Kind('networking.k8s.io/v1', 'NetworkPolicy')).toBe(true);
    expect(isKubernetes128Kind('discovery.k8s.io/v1', 'EndpointSlice')).toBe(true);
    // Removed in 1.25 and 1.26, and added after 1.28.
    expect(isKubernetes128Kind('policy/v1beta1', 'PodSecurityPolicy')).toBe(false);
    expect(isKubernetes128Kind('autoscaling/v2beta2', 'HorizontalPodAutoscaler')).toBe(false);
    expect(isKubernetes128Kind('flowcontrol.apiserver.k8s.io/v1', 'FlowSchema')).toBe(false);
  });

  it('finds fields Kubernetes 1.28 does not have (typos, newer fields), from the 1.28 declarations', () => {
    const declarations = path.join(
      path.dirname(require.resolve('cdk8s-plus-28/package.json')),
      'lib',
      'imports',
      'k8s.d.ts',
    );
    const fields = KubernetesFields.fromDeclarations(fs.readFileSync(declarations, 'utf8'));
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { 'a/b': 'c' }, owner: 'me' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [
              {
                name: 'app',
                image: 'web:1',
                readinesProbe: { httpGet: { path: '/', port: 8080 } },
                resources: { limits: { cpu: '1' } },
                ports: [{ name: 'http', containerPort: 8080 }],
              },
            ],
            // hostUsers (1.25+) is a 1.28 field; a made-up one is not.
            hostUsers: false,
            sidecars: [],
          },
        },
      },
    };
    expect(kubernetes128PropsType('apps/v1', 'Deployment')).toBe('KubeDeploymentProps');
    expect(fields.unknownFields(deployment, 'KubeDeploymentProps')).toEqual([
      '/metadata/owner',
      '/spec/template/spec/containers/0/readinesProbe',
      '/spec/template/spec/sidecars',
    ]);
  });

  it('validates custom resources against their CRD, including Go-style inline regex flags', () => {
    const rule = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: 'r' },
      spec: { groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'up == 0', for: 'five minutes' }] }] },
    };
    expect(validateAgainstCrd(rule)).toEqual([
      expect.stringContaining('/spec/groups/0/rules/0/for must match pattern'),
    ]);
    const monitor = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'm' },
      spec: {},
    };
    expect(validateAgainstCrd(monitor)).toEqual([
      "/spec must have required property 'endpoints'",
      "/spec must have required property 'selector'",
    ]);
  });
});

describe('checkObjects (the in-process part of validate)', () => {
  const crdRoot = path.join(__dirname, '..', '..', 'crds');
  const crdTexts = fs
    .readdirSync(crdRoot, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((dir) =>
      fs
        .readdirSync(path.join(crdRoot, dir.name))
        .filter((file) => file.endsWith('.yaml'))
        .map((file) => fs.readFileSync(path.join(crdRoot, dir.name, file), 'utf8')),
    );
  const declarations = path.join(
    path.dirname(require.resolve('cdk8s-plus-28/package.json')),
    'lib',
    'imports',
    'k8s.d.ts',
  );
  const fieldTree = KubernetesFields.fromDeclarations(fs.readFileSync(declarations, 'utf8'));
  const crdSchemas = CrdSchemas.fromYaml(crdTexts);
  const found = (manifest: Record<string, unknown>, file = 'kubernetes/x.yaml'): FoundObject => ({
    manifest: manifest as FoundObject['manifest'],
    file,
    origin: file.startsWith('hosts/') ? 'hosts' : 'kubernetes',
  });

  it('sorts objects to the API that serves them and reports each kind of problem', () => {
    const result = checkObjects(
      'prod',
      [
        found({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ok', namespace: 'shop' }, data: {} }),
        found({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'typo', namespace: 'shop' },
          datta: {},
        }),
        found({ apiVersion: 'policy/v1beta1', kind: 'PodSecurityPolicy', metadata: { name: 'old' } }),
        found({
          apiVersion: 'monitoring.coreos.com/v1',
          kind: 'ServiceMonitor',
          metadata: { name: 'm', namespace: 'shop' },
          spec: {},
        }),
        found({
          apiVersion: 'monitoring.coreos.com/v1',
          kind: 'PrometheusRule',
          metadata: { name: 'r', namespace: 'monitoring' },
          spec: {
            groups: [
              {
                name: 'g',
                rules: [
                  { alert: 'Broken', expr: 'sum(rate(x[5m])' },
                  { alert: 'Fine', expr: 'up == 0' },
                ],
              },
            ],
          },
        }),
        // kubeadm configuration among the host files is not a Kubernetes object: not checked.
        found(
          { apiVersion: 'kubeadm.k8s.io/v1beta3', kind: 'InitConfiguration' },
          'hosts/m1/kubeadm-init.yaml',
        ),
      ],
      crdSchemas,
      fieldTree,
    );
    expect(result.counts).toEqual({ objects: 5, kubernetes: 2, custom: 2, alerts: 2 });
    expect(result.pending.map((object) => object.manifest.metadata.name)).toEqual(['ok', 'typo']);
    expect(
      result.findings.map(
        (finding) => `${finding.check} ${finding.where}: ${finding.message.split(' (')[0]}`,
      ),
    ).toEqual([
      'schema kubernetes/x.yaml: ConfigMap shop/typo: /datta is not a field of v1 ConfigMap in Kubernetes 1.28',
      'api kubernetes/x.yaml: PodSecurityPolicy old: policy/v1beta1 PodSecurityPolicy is neither served by Kubernetes 1.28 nor defined by a CRD under crds/',
      "crd kubernetes/x.yaml: ServiceMonitor shop/m: /spec must have required property 'endpoints'",
      "crd kubernetes/x.yaml: ServiceMonitor shop/m: /spec must have required property 'selector'",
      expect.stringMatching(
        /^promql kubernetes\/x\.yaml: PrometheusRule monitoring\/r: Broken: column \d+: cannot parse near/,
      ),
    ]);
  });
});
