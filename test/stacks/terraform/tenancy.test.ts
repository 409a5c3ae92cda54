import type { LoadedEnvironment } from '../../../environments/load';
import { environmentSchema } from '../../../environments/schema/index';
import { renderTerraform } from '../../../stacks/terraform/render';
import { MINIMAL_ENVIRONMENT } from '../../support/minimal-environment';

function environment(extra: Record<string, unknown>): LoadedEnvironment {
  const spec = environmentSchema.parse({
    ...MINIMAL_ENVIRONMENT,
    ...extra,
  });
  return {
    name: 'unit',
    file: 'environments/unit.yaml',
    templateFile: 'environments/templates/idc-ha.yaml',
    spec,
  } as LoadedEnvironment;
}

type Resources = Record<string, Record<string, Record<string, unknown>>>;

function resources(extra: Record<string, unknown>): Resources {
  const { file } = renderTerraform(environment(extra));
  return (JSON.parse(file.content) as { resource: Resources }).resource;
}

describe('tenancy in Terraform', () => {
  const resource = resources({
    namespaces: [
      { name: 'shop', team: 'commerce', groups: { developers: ['shop-devs'], viewers: ['shop-view'] } },
      { name: 'legacy', podSecurity: 'baseline', quota: { pods: 10 } },
    ],
    tenancy: { groups: { platformAdmins: ['admins'], auditors: ['audit'] } },
  });

  it('keeps the namespace resource names stable and labels them with PSA and the team', () => {
    const namespaces = resource.kubernetes_namespace_v1 ?? {};
    // The observability namespace (default monitoring) is the platform's own, and so is the
    // namespace of the Calico operator (the CNI add-on, on by default; the others are not
    // installed here: no MetalLB, no storage classes, no gateway).
    expect(Object.keys(namespaces).sort()).toEqual([
      'namespace_legacy',
      'namespace_monitoring',
      'namespace_shop',
      'namespace_tigera-operator',
    ]);
    const tigera = namespaces['namespace_tigera-operator'] as {
      metadata: { name: string; labels: Record<string, string> };
    };
    expect(tigera.metadata.name).toBe('tigera-operator');
    // The operator runs on the host network: privileged, with warnings and audits at baseline.
    expect(tigera.metadata.labels).toMatchObject({
      'platform-blueprint.io/team': 'platform',
      'pod-security.kubernetes.io/enforce': 'privileged',
      'pod-security.kubernetes.io/warn': 'baseline',
      'pod-security.kubernetes.io/audit': 'baseline',
    });
    const monitoring = namespaces.namespace_monitoring as {
      metadata: { name: string; labels: Record<string, string> };
    };
    expect(monitoring.metadata.name).toBe('monitoring');
    expect(monitoring.metadata.labels).toMatchObject({
      'platform-blueprint.io/team': 'platform',
      'pod-security.kubernetes.io/enforce': 'privileged',
      'pod-security.kubernetes.io/warn': 'baseline',
    });
    const shop = namespaces.namespace_shop as { metadata: { name: string; labels: Record<string, string> } };
    expect(shop.metadata.name).toBe('shop');
    expect(shop.metadata.labels).toMatchObject({
      'platform-blueprint.io/team': 'commerce',
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'v1.28',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
    });
    const legacy = namespaces.namespace_legacy as { metadata: { labels: Record<string, string> } };
    expect(legacy.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('baseline');
    expect(legacy.metadata.labels['pod-security.kubernetes.io/warn']).toBe('restricted');
    expect(legacy.metadata.labels['platform-blueprint.io/team']).toBe('legacy');
  });

  it('gives every namespace a quota and a limit range inside it', () => {
    for (const ns of ['shop', 'legacy']) {
      const quota = resource.kubernetes_resource_quota_v1?.[`resource_quota_${ns}`] as {
        metadata: { namespace: string };
        spec: { hard: Record<string, string> };
      };
      expect(quota.metadata.namespace).toBe(`\${kubernetes_namespace_v1.namespace_${ns}.metadata[0].name}`);
      expect(quota.spec.hard).toMatchObject({
        'requests.cpu': '8',
        'limits.memory': '32Gi',
        'services.loadbalancers': '0',
      });
      const limits = resource.kubernetes_limit_range_v1?.[`limit_range_${ns}`] as {
        spec: {
          limit: { type: string; default: Record<string, string>; default_request: Record<string, string> }[];
        };
      };
      expect(limits.spec.limit[0]).toMatchObject({
        type: 'Container',
        default: { cpu: '500m', memory: '512Mi' },
        default_request: { cpu: '100m', memory: '128Mi' },
      });
    }
    const legacyQuota = resource.kubernetes_resource_quota_v1?.resource_quota_legacy as {
      spec: { hard: Record<string, string> };
    };
    expect(legacyQuota.spec.hard.pods).toBe('10');
  });

  it('creates the five ClusterRoles and binds only the groups an environment names', () => {
    expect(Object.keys(resource.kubernetes_cluster_role_v1 ?? {}).sort()).toEqual([
      'cluster_role_auditor',
      'cluster_role_on-call',
      'cluster_role_platform-admin',
      'cluster_role_team-developer',
      'cluster_role_viewer',
    ]);
    expect(Object.keys(resource.kubernetes_cluster_role_binding_v1 ?? {}).sort()).toEqual([
      'cluster_role_binding_auditor',
      'cluster_role_binding_platform-admin',
    ]);
    const admins = resource.kubernetes_cluster_role_binding_v1?.['cluster_role_binding_platform-admin'] as {
      role_ref: { name: string };
      subject: { kind: string; name: string }[];
    };
    expect(admins.role_ref.name).toBe('platform:platform-admin');
    expect(admins.subject).toEqual([
      { api_group: 'rbac.authorization.k8s.io', kind: 'Group', name: 'admins' },
    ]);
    expect(Object.keys(resource.kubernetes_role_binding_v1 ?? {}).sort()).toEqual([
      'role_binding_shop_team-developer',
      'role_binding_shop_viewer',
    ]);
    const devs = resource.kubernetes_role_binding_v1?.['role_binding_shop_team-developer'] as {
      role_ref: { kind: string; name: string };
      subject: { name: string }[];
    };
    expect(devs.role_ref).toMatchObject({ kind: 'ClusterRole', name: 'platform:team-developer' });
    expect(devs.subject.map((subject) => subject.name)).toEqual(['shop-devs']);
  });

  it("binds a team's on-call groups in that team's namespaces only", () => {
    const bound = resources({
      namespaces: [
        { name: 'shop', team: 'commerce' },
        { name: 'shop-batch', team: 'commerce' },
        { name: 'vehicle' },
      ],
      tenancy: { onCall: [{ team: 'commerce', groups: ['commerce-oncall', 'sre'] }] },
    });
    const bindings = bound.kubernetes_role_binding_v1 ?? {};
    expect(Object.keys(bindings).sort()).toEqual([
      'role_binding_shop-batch_on-call',
      'role_binding_shop_on-call',
    ]);
    const shop = bindings['role_binding_shop_on-call'] as {
      metadata: { name: string; namespace: string };
      role_ref: { kind: string; name: string };
      subject: { kind: string; name: string }[];
    };
    expect(shop.metadata).toMatchObject({
      name: 'platform:on-call',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Terraform reference, not a template
      namespace: '${kubernetes_namespace_v1.namespace_shop.metadata[0].name}',
    });
    expect(shop.role_ref).toEqual({
      api_group: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'platform:on-call',
    });
    expect(shop.subject.map((subject) => [subject.kind, subject.name])).toEqual([
      ['Group', 'commerce-oncall'],
      ['Group', 'sre'],
    ]);
    // The role exists even where nobody is on call; no cluster-wide binding of it, ever.
    expect(bound.kubernetes_cluster_role_v1?.['cluster_role_on-call']).toBeDefined();
    expect(Object.keys(bound.kubernetes_cluster_role_binding_v1 ?? {})).not.toContain(
      'cluster_role_binding_on-call',
    );
  });

  it('creates the platform and business PriorityClasses, business being the default', () => {
    const classes = resource.kubernetes_priority_class_v1 ?? {};
    expect(classes.priority_class_platform).toMatchObject({ value: 100000, global_default: false });
    expect(classes.priority_class_business).toMatchObject({ value: 1000, global_default: true });
  });
});
