import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { type PodPlacement, placementFields } from '../scheduling/pod-placement';

/** Props of {@link CronHpaController}. */
export interface CronHpaControllerProps {
  readonly namespace: string;
  /** The controller image, pinned. */
  readonly image: string;
  /** IANA time zone the schedules are read in. */
  readonly timeZone: string;
  readonly placement?: PodPlacement;
  readonly priorityClassName: string;
}

const NAME = 'kubernetes-cronhpa-controller';

/**
 * AliyunContainerService's kubernetes-cronhpa-controller: it runs the jobs of every
 * CronHorizontalPodAutoscaler (raising an HPA's minReplicas, or a workload's replicas, on a
 * schedule). One replica: the controller keeps its schedule in memory and has no leader election.
 * RBAC follows the upstream role (config/rbac/rbac_role.yaml), narrowed to what it changes.
 */
export class CronHpaController extends Construct {
  constructor(scope: Construct, id: string, props: CronHpaControllerProps) {
    super(scope, id);
    const labels = { 'app.kubernetes.io/name': NAME };
    const metadata = { name: NAME, namespace: props.namespace, labels };
    new ApiObject(this, 'service-account', { apiVersion: 'v1', kind: 'ServiceAccount', metadata });
    new ApiObject(this, 'cluster-role', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: NAME, labels },
      rules: [
        {
          apiGroups: ['autoscaling.alibabacloud.com'],
          resources: ['cronhorizontalpodautoscalers', 'cronhorizontalpodautoscalers/status'],
          verbs: ['get', 'list', 'watch', 'update', 'patch'],
        },
        {
          apiGroups: ['autoscaling'],
          resources: ['horizontalpodautoscalers'],
          verbs: ['get', 'list', 'watch', 'update', 'patch'],
        },
        {
          apiGroups: ['apps'],
          resources: ['deployments', 'statefulsets', 'deployments/scale', 'statefulsets/scale'],
          verbs: ['get', 'list', 'watch', 'update', 'patch'],
        },
        { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch', 'update'] },
        { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch', 'create', 'update'] },
      ],
    });
    new ApiObject(this, 'cluster-role-binding', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: NAME, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: NAME },
      subjects: [{ kind: 'ServiceAccount', name: NAME, namespace: props.namespace }],
    });
    new ApiObject(this, 'deployment', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata,
      spec: {
        replicas: 1,
        strategy: { type: 'Recreate' },
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: NAME,
            priorityClassName: props.priorityClassName,
            ...placementFields(props.placement),
            // The upstream image runs its binary from /root as root (a written-down policy exception).
            securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: NAME,
                image: props.image,
                command: ['/root/kubernetes-cronhpa-controller'],
                env: [{ name: 'TZ', value: props.timeZone }],
                resources: {
                  requests: { cpu: '100m', memory: '100Mi' },
                  limits: { cpu: '200m', memory: '200Mi' },
                },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ['ALL'] },
                },
              },
            ],
          },
        },
      },
    });
  }
}
