import { Construct } from 'constructs';
import {
  PrometheusRule,
  type PrometheusRuleSpecGroupsRules,
  PrometheusRuleSpecGroupsRulesExpr,
} from '../../imports/prometheusrule-monitoring.coreos.com';
import { ValidationError } from '../core/validation-error';
import { type AlertRule, duration } from './alert-rule';
import {
  apiServerAlerts,
  type ClusterAlertThresholds,
  etcdAlerts,
  maintenanceAlerts,
  nodeAlerts,
} from './cluster-alerts';

export type { AlertRule } from './alert-rule';

/** A database whose shards are watched. */
export interface WatchedDatabase {
  /** Namespace of the shards. */
  readonly namespace: string;
  /** Database name: the `platform-blueprint.io/database` label and the shards' name prefix. */
  readonly name: string;
}

/** Props of {@link PlatformAlerts}. */
export interface PlatformAlertsProps {
  /** Namespace of the PrometheusRule (where Prometheus runs). */
  readonly namespace: string;
  /** Name of the PrometheusRule. @default platform-blueprint */
  readonly name?: string;
  /** Environment name, added to every alert as the `environment` label. */
  readonly environment: string;
  /** Labels of the PrometheusRule (what the Prometheus resource's ruleSelector matches). @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * The API server scraped through the VIP (see ApiServerVipScrape): the scrape's `job` and the
   * VIP and port shown in the description, e.g. `10.20.0.10:8443`.
   * @default - no VIP alert (a control plane without a VIP)
   */
  readonly apiServerVip?: { readonly job: string; readonly endpoint: string };
  /** How long the VIP path must fail before alerting. @default 2m */
  readonly apiServerVipDownFor?: string;
  /** How long a master or node must be not ready. @default 5m */
  readonly nodeNotReadyFor?: string;
  /** How long a container must crash-loop. @default 15m */
  readonly crashLoopFor?: string;
  /** How long an HPA must sit at its maximum. @default 15m */
  readonly hpaMaxedFor?: string;
  /** Sharded databases whose replicas are watched. @default [] - no shard alerts */
  readonly databases?: readonly WatchedDatabase[];
  /** How long a shard replica must be down. @default 2m */
  readonly shardReplicaDownFor?: string;
  /**
   * The gateway's proxies (Envoy metrics): the `job` of their scrape and the name shown.
   * @default - no gateway alert
   */
  readonly gateway?: { readonly job: string; readonly name: string };
  /** Share of 5xx responses (0-1) over 5 minutes above which the gateway alerts. @default 0.05 */
  readonly gateway5xxRatio?: number;
  /** Thresholds of the node, API server, etcd, certificate and backup alerts. */
  readonly thresholds: ClusterAlertThresholds;
  /**
   * The self-run control plane (kubeadm masters): the `job` of the per-master kube-apiserver
   * and etcd scrapes and the number of etcd members (one per master).
   * @default - no API server, etcd, certificate or backup alerts (a managed control plane)
   */
  readonly controlPlane?: {
    readonly apiServerJob: string;
    readonly etcdJob: string;
    readonly etcdMembers: number;
  };
}

/** `a|b|c` for a PromQL regex matcher over DNS-label names (which need no escaping). */
function alternatives(names: readonly string[]): string {
  for (const name of names) {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name))
      throw new ValidationError(`PlatformAlerts: ${JSON.stringify(name)} is not a DNS-1123 label`);
  }
  return [...new Set(names)].sort().join('|');
}

/**
 * The HTTP connection managers Envoy Gateway adds to every proxy for itself: the Prometheus
 * stats listener and the readiness listener (`stat_prefix` of their HCMs).
 */
export const ENVOY_GATEWAY_INTERNAL_LISTENERS: readonly string[] = ['eg-stats-http', 'eg-ready-http'];

/**
 * The platform's alerts in one PrometheusRule: the API server unreachable through the VIP,
 * a master or a node not ready, a crash-looping pod, an HPA at its maximum, a shard replica
 * down, and a high gateway 5xx ratio; node file systems, memory and clocks (node-exporter);
 * each master's API server and etcd member; kubeadm certificates near expiry and etcd backups
 * too old or failed (node-exporter's textfile collector). Node, pod and HPA alerts read
 * kube-state-metrics; the shard alerts read mysqld-exporter and kube-state-metrics; the
 * gateway alert reads Envoy's statistics. docs/observability.md lists them all.
 */
export class PlatformAlerts extends Construct {
  /** Every alert, in the order written. */
  public readonly rules: readonly AlertRule[];
  /** The PrometheusRule holding every alert, in groups by area. */
  public readonly prometheusRule: PrometheusRule;

  constructor(scope: Construct, id: string, props: PlatformAlertsProps) {
    super(scope, id);
    const vip = props.apiServerVip;
    const controlPlane: AlertRule[] = [
      ...(vip
        ? [
            {
              alert: 'ApiServerUnreachableThroughVip',
              expr: `up{job="${vip.job}"} == 0 or absent(up{job="${vip.job}"})`,
              for: duration('apiServerVipDownFor', props.apiServerVipDownFor, '2m'),
              severity: 'critical' as const,
              summary: 'The API server is unreachable through the virtual IP.',
              description: `Prometheus cannot scrape the API server through ${vip.endpoint} (Keepalived VIP and HAProxy); kubectl, kubelets and controllers that use the VIP fail. Check which master holds the VIP and HAProxy on it.`,
            },
          ]
        : []),
      {
        alert: 'ControlPlaneNodeNotReady',
        expr: 'kube_node_status_condition{condition="Ready",status="true"} == 0 and on (node) kube_node_role{role=~"control-plane|master"}',
        for: duration('nodeNotReadyFor', props.nodeNotReadyFor, '5m'),
        severity: 'critical',
        summary: 'A master is not ready.',
        description:
          'Master {{ $labels.node }} has not been Ready; etcd quorum and the VIP depend on the remaining masters.',
      },
      {
        alert: 'NodeNotReady',
        expr: 'kube_node_status_condition{condition="Ready",status="true"} == 0 unless on (node) kube_node_role{role=~"control-plane|master"}',
        for: duration('nodeNotReadyFor', props.nodeNotReadyFor, '5m'),
        severity: 'warning',
        summary: 'A node is not ready.',
        description: 'Node {{ $labels.node }} has not been Ready; its pods are being rescheduled elsewhere.',
      },
    ];
    const workloads: AlertRule[] = [
      {
        alert: 'PodCrashLooping',
        expr: 'max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}[5m]) >= 1',
        for: duration('crashLoopFor', props.crashLoopFor, '15m'),
        severity: 'warning',
        summary: 'A container is crash-looping.',
        description:
          'Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} keeps crashing (CrashLoopBackOff).',
      },
      {
        alert: 'HpaAtMaximum',
        expr:
          'kube_horizontalpodautoscaler_status_current_replicas >= on (namespace, horizontalpodautoscaler) kube_horizontalpodautoscaler_spec_max_replicas' +
          ' and on (namespace, horizontalpodautoscaler) (kube_horizontalpodautoscaler_spec_max_replicas > on (namespace, horizontalpodautoscaler) kube_horizontalpodautoscaler_spec_min_replicas)',
        for: duration('hpaMaxedFor', props.hpaMaxedFor, '15m'),
        severity: 'warning',
        summary: 'An HPA has been at its maximum.',
        description:
          'HPA {{ $labels.namespace }}/{{ $labels.horizontalpodautoscaler }} has run at maxReplicas; the service may be short of capacity. Raise maxReplicas or the pool size.',
      },
    ];
    const data: AlertRule[] = [];
    if (props.databases && props.databases.length > 0) {
      const names = alternatives(props.databases.map((db) => db.name));
      const namespaces = alternatives(props.databases.map((db) => db.namespace));
      const shardDown = duration('shardReplicaDownFor', props.shardReplicaDownFor, '2m');
      data.push(
        {
          alert: 'ShardReplicaDown',
          expr: `mysql_up{platform_blueprint_io_database=~"${names}"} == 0 or up{platform_blueprint_io_database=~"${names}"} == 0`,
          for: shardDown,
          severity: 'critical',
          summary: 'A database shard replica is down.',
          description:
            'MySQL in {{ $labels.namespace }}/{{ $labels.pod }} (database {{ $labels.platform_blueprint_io_database }}, shard {{ $labels.platform_blueprint_io_shard }}) is down or its exporter is unreachable.',
        },
        {
          alert: 'ShardReplicaMissing',
          expr: `kube_statefulset_status_replicas_ready{namespace=~"${namespaces}",statefulset=~"(${names})-.+"} < on (namespace, statefulset) kube_statefulset_replicas{namespace=~"${namespaces}",statefulset=~"(${names})-.+"}`,
          for: shardDown,
          severity: 'critical',
          summary: 'A database shard runs fewer ready replicas than it should.',
          description:
            'Shard {{ $labels.namespace }}/{{ $labels.statefulset }} has fewer ready pods than replicas.',
        },
      );
    }
    const gateway: AlertRule[] = [];
    if (props.gateway) {
      const ratio = props.gateway5xxRatio ?? 0.05;
      if (!(ratio > 0 && ratio < 1)) {
        throw new ValidationError(`PlatformAlerts: 'gateway5xxRatio' (${ratio}) must be between 0 and 1`);
      }
      // Envoy Gateway's own listeners (stats scrape, readiness probe) are not client traffic.
      const selector = `job="${props.gateway.job}",envoy_http_conn_manager_prefix!~"${ENVOY_GATEWAY_INTERNAL_LISTENERS.join('|')}"`;
      gateway.push({
        alert: 'GatewayHigh5xxRatio',
        expr: `sum(rate(envoy_http_downstream_rq_xx{${selector},envoy_response_code_class="5"}[5m])) / sum(rate(envoy_http_downstream_rq_total{${selector}}[5m])) > ${ratio}`,
        for: '5m',
        severity: 'critical',
        summary: `The gateway answers more than ${ratio * 100}% of requests with 5xx.`,
        description: `Gateway ${props.gateway.name} returned {{ $value | humanizePercentage }} 5xx responses over 5 minutes.`,
      });
    }
    const nodes = nodeAlerts(props.thresholds);
    const cp = props.controlPlane;
    const apiServer = cp ? apiServerAlerts(cp.apiServerJob, props.thresholds) : [];
    const etcd = cp ? etcdAlerts(cp.etcdJob, cp.etcdMembers, props.thresholds) : [];
    const maintenance = cp ? maintenanceAlerts(props.thresholds) : [];
    this.rules = [
      ...controlPlane,
      ...nodes,
      ...apiServer,
      ...etcd,
      ...maintenance,
      ...workloads,
      ...data,
      ...gateway,
    ];
    const toRule = (rule: AlertRule): PrometheusRuleSpecGroupsRules => ({
      alert: rule.alert,
      expr: PrometheusRuleSpecGroupsRulesExpr.fromString(rule.expr),
      for: rule.for,
      labels: { severity: rule.severity, environment: props.environment },
      annotations: { summary: rule.summary, description: rule.description },
    });
    const groups = [
      { name: 'platform-blueprint.control-plane', rules: controlPlane },
      { name: 'platform-blueprint.nodes', rules: nodes },
      { name: 'platform-blueprint.api-server', rules: apiServer },
      { name: 'platform-blueprint.etcd', rules: etcd },
      { name: 'platform-blueprint.maintenance', rules: maintenance },
      { name: 'platform-blueprint.workloads', rules: workloads },
      { name: 'platform-blueprint.data', rules: data },
      { name: 'platform-blueprint.gateway', rules: gateway },
    ].filter((group) => group.rules.length > 0);
    this.prometheusRule = new PrometheusRule(this, 'Resource', {
      metadata: {
        name: props.name ?? 'platform-blueprint',
        namespace: props.namespace,
        labels: { ...(props.labels ?? {}) },
      },
      spec: { groups: groups.map((group) => ({ name: group.name, rules: group.rules.map(toRule) })) },
    });
  }
}
