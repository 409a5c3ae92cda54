import { App, Chart } from 'cdk8s';
import {
  ClusterAutoscaler,
  type ClusterAutoscalerProps,
} from '../../../constructs/autoscaling/cluster-autoscaler';
import { validateKubernetesObjects } from '../data/kubernetes-schema';

type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  // biome-ignore lint/suspicious/noExplicitAny: synthesized manifests are untyped JSON
  [field: string]: any;
};

const base: ClusterAutoscalerProps = {
  cloudProvider: 'aws',
  image: 'registry.k8s.io/autoscaling/cluster-autoscaler:v1.28.2',
  nodeGroups: [
    { group: 'general-a', minSize: 2, maxSize: 20, balancingIgnoreLabels: ['example.com/pool'] },
    { group: 'general-b', minSize: 0, maxSize: 20, balancingIgnoreLabels: ['example.com/pool'] },
  ],
};

function synth(props: Partial<ClusterAutoscalerProps> = {}) {
  const app = new App();
  const chart = new Chart(app, 'test', { disableResourceNameHashes: true });
  const autoscaler = new ClusterAutoscaler(chart, 'ca', { ...base, ...props });
  const errors = app.node.findAll().flatMap((c) => c.node.validate());
  const docs = chart.toJson() as Manifest[];
  const one = (kind: string) => docs.find((doc) => doc.kind === kind) as Manifest;
  return { autoscaler, errors, docs, one };
}

describe('ClusterAutoscaler', () => {
  it('runs one --nodes=min:max:group per pool, in order, with the cloud provider and balancing', () => {
    const { errors, one } = synth();
    expect(errors).toEqual([]);
    const container = one('Deployment').spec.template.spec.containers[0];
    const command: string[] = container.command;
    expect(command[0]).toBe('./cluster-autoscaler');
    expect(command).toContain('--cloud-provider=aws');
    expect(command.filter((arg) => arg.startsWith('--nodes='))).toEqual([
      '--nodes=2:20:general-a',
      '--nodes=0:20:general-b',
    ]);
    expect(command).toContain('--balance-similar-node-groups=true');
    expect(command.filter((arg) => arg.startsWith('--balancing-ignore-label='))).toEqual([
      '--balancing-ignore-label=example.com/pool',
    ]);
    expect(command).toContain('--expander=least-waste');
    expect(command).toContain('--leader-elect-resource-namespace=kube-system');
    expect(container.image).toBe(base.image);
  });

  it('is one critical, non-evictable replica with probes on its health endpoint', () => {
    const deployment = synth().one('Deployment');
    expect(deployment.metadata).toMatchObject({ name: 'cluster-autoscaler', namespace: 'kube-system' });
    expect(deployment.spec.replicas).toBe(1);
    const pod = deployment.spec.template;
    expect(pod.metadata.annotations).toEqual({ 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false' });
    expect(pod.spec.priorityClassName).toBe('system-cluster-critical');
    expect(pod.spec.serviceAccountName).toBe('cluster-autoscaler');
    expect(pod.metadata.labels).toEqual(deployment.spec.selector.matchLabels);
    const container = pod.spec.containers[0];
    expect(container.readinessProbe.httpGet).toMatchObject({ path: '/health-check', port: 8085 });
    expect(container.livenessProbe.httpGet).toMatchObject({ path: '/health-check', port: 8085 });
    expect(container.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true });
  });

  it('binds its ServiceAccount to a ClusterRole that can update nodes and evict pods, and to a Role for its status', () => {
    const { one } = synth({ namespace: 'autoscaling' });
    const clusterRole = one('ClusterRole');
    const allows = (apiGroup: string, resource: string, verb: string) =>
      clusterRole.rules.some(
        (rule: { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }) =>
          rule.apiGroups.includes(apiGroup) &&
          rule.resources.includes(resource) &&
          rule.verbs.includes(verb) &&
          !rule.resourceNames,
      );
    expect(allows('', 'nodes', 'update')).toBe(true);
    expect(allows('', 'pods/eviction', 'create')).toBe(true);
    expect(allows('policy', 'poddisruptionbudgets', 'list')).toBe(true);
    expect(allows('coordination.k8s.io', 'leases', 'create')).toBe(true);
    for (const kind of ['ClusterRoleBinding', 'RoleBinding']) {
      expect(one(kind).subjects).toEqual([
        { kind: 'ServiceAccount', name: 'cluster-autoscaler', namespace: 'autoscaling' },
      ]);
    }
    expect(one('ClusterRoleBinding').roleRef.name).toBe(clusterRole.metadata.name);
    expect(one('Role').metadata.namespace).toBe('autoscaling');
    expect(one('RoleBinding').roleRef).toMatchObject({ kind: 'Role', name: one('Role').metadata.name });
    expect(one('ServiceAccount').metadata.namespace).toBe('autoscaling');
  });

  it('runs where it is placed and mounts the cloud config from a Secret without reading its value', () => {
    const { one, docs } = synth({
      placement: {
        nodeSelector: { 'example.com/pool': 'system' },
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'system', effect: 'NoSchedule' }],
      },
      cloudConfig: { name: 'ca-cloud', key: 'cloud.conf' },
    });
    const pod = one('Deployment').spec.template.spec;
    expect(pod.nodeSelector).toEqual({ 'example.com/pool': 'system' });
    expect(pod.tolerations).toEqual([
      { key: 'dedicated', operator: 'Equal', value: 'system', effect: 'NoSchedule' },
    ]);
    expect(pod.volumes[0].secret).toMatchObject({
      secretName: 'ca-cloud',
      items: [{ key: 'cloud.conf', path: 'cloud.conf' }],
    });
    expect(pod.containers[0].volumeMounts).toEqual([
      { name: 'cloud-config', mountPath: '/etc/cluster-autoscaler', readOnly: true },
    ]);
    expect(pod.containers[0].command).toContain('--cloud-config=/etc/cluster-autoscaler/cloud.conf');
    expect(docs.some((doc) => doc.kind === 'Secret')).toBe(false);
  });

  it('emits objects that the Kubernetes OpenAPI schemas accept (and the check rejects a broken one)', () => {
    const { docs } = synth({
      cloudConfig: { name: 'ca-cloud', key: 'cloud.conf' },
      placement: {
        nodeSelector: { pool: 'system' },
        tolerations: [{ key: 'd', operator: 'Exists', effect: 'NoSchedule' }],
      },
    });
    const broken = {
      ...docs[0],
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      spec: { replicas: 'one' },
    } as Manifest;
    const results = validateKubernetesObjects([...docs, broken]);
    expect(results.slice(0, docs.length)).toEqual(docs.map(() => []));
    expect(results[docs.length]?.length).toBeGreaterThan(0);
  });

  it.each<[string, Partial<ClusterAutoscalerProps>, string]>([
    ['no groups', { nodeGroups: [] }, "'nodeGroups' of ClusterAutoscaler 'ca' is empty"],
    [
      'min > max',
      { nodeGroups: [{ group: 'g', minSize: 5, maxSize: 3 }] },
      "node group 'g': 'minSize' (5) must be 0..'maxSize' (3)",
    ],
    [
      'repeated group',
      {
        nodeGroups: [
          { group: 'g', minSize: 1, maxSize: 3 },
          { group: 'g', minSize: 1, maxSize: 3 },
        ],
      },
      "node group 'g' is given twice",
    ],
    [
      'latest image',
      { image: 'registry.k8s.io/autoscaling/cluster-autoscaler:latest' },
      "'image' (registry.k8s.io/autoscaling/cluster-autoscaler:latest) must be pinned",
    ],
    [
      'bad duration',
      { scaleDownUnneededTime: '10 minutes' },
      "'scaleDownUnneededTime' (10 minutes) is not a Go duration",
    ],
  ])('rejects %s with the values in the message', (_name, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});
