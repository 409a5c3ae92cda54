import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { type PodPlacement, placementFields } from '../scheduling/pod-placement';
import type { ContainerResources } from './upstream-objects';

/** Props of {@link PrometheusStack}. */
export interface PrometheusStackProps {
  /** Namespace of Prometheus and Alertmanager (the operator's). */
  readonly namespace: string;
  /** Labels a ServiceMonitor, PodMonitor or PrometheusRule carries to be picked up. */
  readonly selectorLabels: Readonly<Record<string, string>>;
  readonly prometheusReplicas: number;
  readonly alertmanagerReplicas: number;
  /** Sample retention, a Prometheus duration. */
  readonly retention: string;
  /** How often targets are scraped by default. */
  readonly scrapeInterval: string;
  readonly resources: ContainerResources;
  /** A persistent volume per Prometheus replica. @default - emptyDir */
  readonly storage?: { readonly className: string; readonly size: string };
  readonly placement?: PodPlacement;
  readonly priorityClassName: string;
  /** Images of Prometheus and Alertmanager, pinned (never the operator's moving default). */
  readonly images: { readonly prometheus: string; readonly alertmanager: string };
}

const NAME = 'platform';

/**
 * The `Prometheus` and `Alertmanager` custom resources the prometheus-operator runs, with the
 * service account and cluster role Prometheus needs to discover and scrape every namespace.
 * Prometheus picks up the ServiceMonitors, PodMonitors and PrometheusRules of every namespace
 * that carry the selector labels, and sends alerts to the Alertmanager.
 */
export class PrometheusStack extends Construct {
  constructor(scope: Construct, id: string, props: PrometheusStackProps) {
    super(scope, id);
    const metadata = { name: NAME, namespace: props.namespace };
    const selector = { matchLabels: { ...props.selectorLabels } };
    const placement = placementFields(props.placement);
    const securityContext = {
      runAsNonRoot: true,
      runAsUser: 65534,
      runAsGroup: 65534,
      fsGroup: 65534,
      seccompProfile: { type: 'RuntimeDefault' },
    };
    new ApiObject(this, 'service-account', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'prometheus', namespace: props.namespace },
    });
    new ApiObject(this, 'cluster-role', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'platform-prometheus' },
      rules: [
        {
          apiGroups: [''],
          resources: ['nodes', 'nodes/metrics', 'services', 'endpoints', 'pods'],
          verbs: ['get', 'list', 'watch'],
        },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
        { nonResourceURLs: ['/metrics'], verbs: ['get'] },
      ],
    });
    new ApiObject(this, 'cluster-role-binding', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'platform-prometheus' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'platform-prometheus' },
      subjects: [{ kind: 'ServiceAccount', name: 'prometheus', namespace: props.namespace }],
    });
    new ApiObject(this, 'prometheus', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'Prometheus',
      metadata,
      spec: {
        replicas: props.prometheusReplicas,
        serviceAccountName: 'prometheus',
        retention: props.retention,
        scrapeInterval: props.scrapeInterval,
        serviceMonitorSelector: selector,
        serviceMonitorNamespaceSelector: {},
        podMonitorSelector: selector,
        podMonitorNamespaceSelector: {},
        probeSelector: selector,
        probeNamespaceSelector: {},
        ruleSelector: selector,
        ruleNamespaceSelector: {},
        alerting: {
          alertmanagers: [{ namespace: props.namespace, name: 'alertmanager-operated', port: 'web' }],
        },
        resources: { requests: { ...props.resources.requests }, limits: { ...props.resources.limits } },
        image: props.images.prometheus,
        ...(props.storage
          ? {
              storage: {
                volumeClaimTemplate: {
                  spec: {
                    storageClassName: props.storage.className,
                    accessModes: ['ReadWriteOnce'],
                    resources: { requests: { storage: props.storage.size } },
                  },
                },
              },
            }
          : {}),
        securityContext,
        priorityClassName: props.priorityClassName,
        ...placement,
      },
    });
    new ApiObject(this, 'alertmanager', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'Alertmanager',
      metadata,
      spec: {
        replicas: props.alertmanagerReplicas,
        resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '256Mi' } },
        image: props.images.alertmanager,
        securityContext,
        priorityClassName: props.priorityClassName,
        ...placement,
      },
    });
  }
}
