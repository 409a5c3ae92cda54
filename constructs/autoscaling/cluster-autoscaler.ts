import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import {
  Capability,
  Cpu,
  Deployment,
  DeploymentStrategy,
  ImagePullPolicy,
  k8s,
  LabelSelector,
  Probe,
  SeccompProfileType,
  ServiceAccount,
} from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ValidationError } from '../core/validation-error';
import type { NodeGroupRange } from '../node-pool/node-pool';
import { type PodPlacement, patchPlacement } from '../scheduling/pod-placement';

/** A node pool the cluster-autoscaler resizes. */
export interface ClusterAutoscalerNodeGroup extends NodeGroupRange {
  /**
   * Labels that differ between otherwise similar pools (the pool and role labels), ignored when
   * balancing, so that pools split only by zone grow evenly.
   * @default []
   */
  readonly balancingIgnoreLabels?: readonly string[];
}

/** A key of a Secret holding the cloud provider configuration. */
export interface CloudConfigSecret {
  /** Secret name (created outside the blueprint). */
  readonly name: string;
  /** Key of the configuration file inside the Secret. */
  readonly key: string;
}

/** Props of {@link ClusterAutoscaler}. */
export interface ClusterAutoscalerProps {
  /** `--cloud-provider`, e.g. `aws`, `gce`, `alicloud`. */
  readonly cloudProvider: string;
  /** The pools it resizes, one `--nodes=<min>:<max>:<group>` each; at least one. */
  readonly nodeGroups: readonly ClusterAutoscalerNodeGroup[];
  /** Container image, pinned; its minor version should match the cluster's. */
  readonly image: string;
  /**
   * Namespace of the Deployment, its ServiceAccount, Role and leader-election lease.
   * @default 'kube-system'
   */
  readonly namespace?: string;
  /**
   * Name of every object (Deployment, ServiceAccount, roles and bindings).
   * @default 'cluster-autoscaler'
   */
  readonly name?: string;
  /**
   * `--expander`: how to pick a pool when several fit.
   * @default 'least-waste'
   */
  readonly expander?: string;
  /**
   * `--balance-similar-node-groups`: keep pools that differ only by zone the same size.
   * @default true
   */
  readonly balanceSimilarNodeGroups?: boolean;
  /**
   * `--scale-down-unneeded-time`, a Go duration.
   * @default '10m'
   */
  readonly scaleDownUnneededTime?: string;
  /**
   * `--scale-down-delay-after-add`, a Go duration.
   * @default '10m'
   */
  readonly scaleDownDelayAfterAdd?: string;
  /**
   * `--skip-nodes-with-local-storage`: never remove nodes whose pods use emptyDir or hostPath.
   * @default true
   */
  readonly skipNodesWithLocalStorage?: boolean;
  /**
   * Cloud provider configuration, mounted read-only and passed as `--cloud-config`.
   * @default - none (credentials from the node's role or workload identity)
   */
  readonly cloudConfig?: CloudConfigSecret;
  /**
   * Where the pod runs; it must not run on a node it may remove.
   * @default - any untainted node
   */
  readonly placement?: PodPlacement;
}

const METRICS_PORT = 8085;
const RUN_AS = 65534;
const CLOUD_CONFIG_DIR = '/etc/cluster-autoscaler';
const GO_DURATION = /^(\d+(\.\d+)?(ms|s|m|h))+$/;

/**
 * The Kubernetes cluster-autoscaler for autoscaled node pools: a one-replica Deployment
 * (leader election on, system-cluster-critical, never evicted by itself), its ServiceAccount, and
 * the ClusterRole/Role with their bindings from the upstream manifests. Each pool becomes one
 * `--nodes=<min>:<max>:<group>` flag, in the order given.
 */
export class ClusterAutoscaler extends Construct {
  /** The Deployment. */
  public readonly deployment: Deployment;
  /** The ServiceAccount the Deployment runs as. */
  public readonly serviceAccount: ServiceAccount;
  /** The command line, flags included, in order. */
  public readonly command: readonly string[];

  constructor(scope: Construct, id: string, props: ClusterAutoscalerProps) {
    super(scope, id);
    const name = props.name ?? 'cluster-autoscaler';
    const namespace = props.namespace ?? 'kube-system';
    if (props.nodeGroups.length === 0)
      throw new ValidationError(`'nodeGroups' of ClusterAutoscaler '${id}' is empty`);
    const groups = new Set<string>();
    for (const group of props.nodeGroups) {
      if (group.minSize < 0 || group.maxSize < 1 || group.minSize > group.maxSize)
        throw new ValidationError(
          `node group '${group.group}': 'minSize' (${group.minSize}) must be 0..'maxSize' (${group.maxSize}), maxSize >= 1`,
        );
      if (groups.has(group.group)) throw new ValidationError(`node group '${group.group}' is given twice`);
      groups.add(group.group);
    }
    const unneeded = props.scaleDownUnneededTime ?? '10m';
    const delayAfterAdd = props.scaleDownDelayAfterAdd ?? '10m';
    for (const [flag, value] of [
      ['scaleDownUnneededTime', unneeded],
      ['scaleDownDelayAfterAdd', delayAfterAdd],
    ] as const) {
      if (!GO_DURATION.test(value))
        throw new ValidationError(`'${flag}' (${value}) is not a Go duration such as 10m`);
    }
    if (/:latest$/.test(props.image) || !/[:@]/.test(props.image.slice(props.image.lastIndexOf('/') + 1)))
      throw new ValidationError(`'image' (${props.image}) must be pinned by tag or digest, never :latest`);

    const ignoreLabels = [
      ...new Set(props.nodeGroups.flatMap((group) => group.balancingIgnoreLabels ?? [])),
    ].sort();
    this.command = [
      './cluster-autoscaler',
      `--cloud-provider=${props.cloudProvider}`,
      ...props.nodeGroups.map((group) => `--nodes=${group.minSize}:${group.maxSize}:${group.group}`),
      `--expander=${props.expander ?? 'least-waste'}`,
      `--balance-similar-node-groups=${props.balanceSimilarNodeGroups ?? true}`,
      ...ignoreLabels.map((label) => `--balancing-ignore-label=${label}`),
      `--scale-down-unneeded-time=${unneeded}`,
      `--scale-down-delay-after-add=${delayAfterAdd}`,
      `--skip-nodes-with-local-storage=${props.skipNodesWithLocalStorage ?? true}`,
      '--skip-nodes-with-system-pods=true',
      '--leader-elect=true',
      `--leader-elect-resource-namespace=${namespace}`,
      `--address=:${METRICS_PORT}`,
      ...(props.cloudConfig ? [`--cloud-config=${CLOUD_CONFIG_DIR}/${props.cloudConfig.key}`] : []),
      '--logtostderr=true',
      '--stderrthreshold=info',
      '--v=4',
    ];

    const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/component': 'cluster-autoscaler' };
    const metadata = { name, namespace, labels };
    this.serviceAccount = new ServiceAccount(this, 'service-account', {
      metadata,
      automountToken: true,
    });
    this.addRbac(name, namespace, labels);

    this.deployment = new Deployment(this, 'deployment', {
      metadata,
      select: false,
      replicas: 1,
      podMetadata: {
        labels,
        // Evicting the autoscaler to remove its own node would stop all scaling.
        annotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false' },
      },
      // One leader at a time: Recreate avoids two pods contending while a rollout overlaps.
      strategy: DeploymentStrategy.recreate(),
      serviceAccount: this.serviceAccount,
      automountServiceAccountToken: true,
      securityContext: { ensureNonRoot: true, user: RUN_AS, group: RUN_AS, fsGroup: RUN_AS },
      containers: [
        {
          name: 'cluster-autoscaler',
          image: props.image,
          imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
          command: [...this.command],
          ports: [{ name: 'metrics', number: METRICS_PORT }],
          resources: {
            cpu: { request: Cpu.millis(100), limit: Cpu.millis(1000) },
            memory: { request: Size.mebibytes(600), limit: Size.mebibytes(600) },
          },
          readiness: Probe.fromHttpGet('/health-check', {
            port: METRICS_PORT,
            periodSeconds: Duration.seconds(10),
            failureThreshold: 3,
          }),
          liveness: Probe.fromHttpGet('/health-check', {
            port: METRICS_PORT,
            initialDelaySeconds: Duration.seconds(30),
            periodSeconds: Duration.seconds(30),
            failureThreshold: 3,
          }),
          securityContext: {
            ensureNonRoot: true,
            user: RUN_AS,
            group: RUN_AS,
            privileged: false,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: [Capability.ALL] },
            seccompProfile: { type: SeccompProfileType.RUNTIME_DEFAULT },
          },
        },
      ],
    });
    this.deployment.select(LabelSelector.of({ labels }));

    const object = ApiObject.of(this.deployment);
    object.addJsonPatch(JsonPatch.remove('/spec/template/metadata/labels/cdk8s.io~1metadata.addr'));
    object.addJsonPatch(JsonPatch.add('/spec/template/spec/priorityClassName', 'system-cluster-critical'));
    object.addJsonPatch(
      JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
    );
    patchPlacement(object, props.placement);
    if (props.cloudConfig) {
      object.addJsonPatch(
        JsonPatch.add('/spec/template/spec/volumes', [
          {
            name: 'cloud-config',
            secret: {
              secretName: props.cloudConfig.name,
              items: [{ key: props.cloudConfig.key, path: props.cloudConfig.key }],
              defaultMode: 0o440,
            },
          },
        ]),
      );
      object.addJsonPatch(
        JsonPatch.add('/spec/template/spec/containers/0/volumeMounts', [
          { name: 'cloud-config', mountPath: CLOUD_CONFIG_DIR, readOnly: true },
        ]),
      );
    }
  }

  /** The upstream cluster-autoscaler RBAC: cluster-wide reads and node updates, and its own status ConfigMap. */
  private addRbac(name: string, namespace: string, labels: Record<string, string>): void {
    const read = ['get', 'list', 'watch'];
    new k8s.KubeClusterRole(this, 'cluster-role', {
      metadata: { name, labels },
      rules: [
        { apiGroups: [''], resources: ['events', 'endpoints'], verbs: ['create', 'patch'] },
        { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
        { apiGroups: [''], resources: ['pods/status'], verbs: ['update'] },
        { apiGroups: [''], resources: ['endpoints'], resourceNames: [name], verbs: ['get', 'update'] },
        { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'update', 'watch'] },
        {
          apiGroups: [''],
          resources: [
            'namespaces',
            'persistentvolumeclaims',
            'persistentvolumes',
            'pods',
            'replicationcontrollers',
            'services',
          ],
          verbs: read,
        },
        { apiGroups: ['apps'], resources: ['daemonsets', 'replicasets', 'statefulsets'], verbs: read },
        { apiGroups: ['batch'], resources: ['cronjobs', 'jobs'], verbs: read },
        { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: ['list', 'watch'] },
        {
          apiGroups: ['storage.k8s.io'],
          resources: [
            'csidrivers',
            'csinodes',
            'csistoragecapacities',
            'storageclasses',
            'volumeattachments',
          ],
          verbs: read,
        },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
        {
          apiGroups: ['coordination.k8s.io'],
          resources: ['leases'],
          resourceNames: [name],
          verbs: ['get', 'update'],
        },
      ],
    });
    new k8s.KubeClusterRoleBinding(this, 'cluster-role-binding', {
      metadata: { name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    });
    new k8s.KubeRole(this, 'role', {
      metadata: { name, namespace, labels },
      rules: [
        { apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'list', 'watch'] },
        {
          apiGroups: [''],
          resources: ['configmaps'],
          resourceNames: ['cluster-autoscaler-status', 'cluster-autoscaler-priority-expander'],
          verbs: ['delete', 'get', 'update', 'watch'],
        },
      ],
    });
    new k8s.KubeRoleBinding(this, 'role-binding', {
      metadata: { name, namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    });
  }
}
