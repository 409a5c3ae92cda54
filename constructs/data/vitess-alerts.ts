import { Construct } from 'constructs';
import {
  PrometheusRule,
  type PrometheusRuleSpecGroupsRules,
  PrometheusRuleSpecGroupsRulesExpr,
} from '../../imports/prometheusrule-monitoring.coreos.com';
import type { AlertRule } from '../observability/platform-alerts';

/** A Vitess database whose replication, failovers and backups are watched. */
export interface WatchedVitessDatabase {
  /** Namespace of the VitessCluster. */
  readonly namespace: string;
  /** Name of the VitessCluster (and of its keyspace). */
  readonly name: string;
  /** Replication lag, in seconds, above which a tablet alerts. */
  readonly maxReplicationLagSeconds: number;
  /** Age, in seconds, of the newest successful backup above which the database alerts. */
  readonly maxBackupAgeSeconds: number;
}

/** Props of {@link VitessAlerts}. */
export interface VitessAlertsProps {
  /** Namespace of the PrometheusRule (where Prometheus reads rules). */
  readonly namespace: string;
  /** The environment, written into every alert's labels. */
  readonly environment: string;
  /** Labels of the PrometheusRule (what Prometheus' ruleSelector matches). @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /** The databases. */
  readonly databases: readonly WatchedVitessDatabase[];
}

/** VTOrc analyses that mean a replica does not replicate (IO or SQL thread stopped, or detached). */
export const REPLICATION_STOPPED_ANALYSES = [
  'ReplicationStopped',
  'NotConnectedToPrimary',
  'ConnectedToWrongPrimary',
  'PrimarySingleReplicaNotReplicating',
  'AllPrimaryReplicasNotReplicating',
] as const;

/** VTOrc recoveries that put a new primary in place. */
export const FAILOVER_RECOVERIES = [
  'RecoverDeadPrimary',
  'RecoverPrimaryTabletDeleted',
  'RecoverIncapacitatedPrimary',
  'ElectNewPrimary',
] as const;

/**
 * Alerts on the Vitess databases, from the metrics Vitess itself exports (vitess.io/vitess
 * v0.24, Prometheus backend: camel-case stat names in snake case, prefixed by the binary):
 *
 * - `vttablet_replication_lag_sec` (vttablet with `--enable-replication-reporter`): lag;
 * - `vtorc_detected_problems{analysis}` (VTOrc; 1 while a problem is active): a stopped
 *   replication thread or a replica detached from its primary;
 * - `vtorc_successful_recoveries` / `vtorc_failed_recoveries{recovery_type,keyspace,shard}`
 *   (VTOrc counters): failovers done and failed;
 * - `kube_job_status_completion_time` and `kube_job_owner` (kube-state-metrics): the newest
 *   backup Job of the database's VitessBackupSchedule that completed successfully.
 *
 * Tablet series carry the pod labels the PodMonitor copies (`planetscale_com_cluster`,
 * `planetscale_com_keyspace`, `planetscale_com_shard`).
 */
export class VitessAlerts extends Construct {
  /** Every alert, in the order written. */
  public readonly rules: readonly AlertRule[];
  /** The PrometheusRule. */
  public readonly prometheusRule: PrometheusRule;

  constructor(scope: Construct, id: string, props: VitessAlertsProps) {
    super(scope, id);
    const dbs = [...props.databases];
    const names = dbs.map((db) => db.name).join('|');
    const namespaces = [...new Set(dbs.map((db) => db.namespace))].sort().join('|');
    const vitess = `namespace=~"${namespaces}",planetscale_com_cluster=~"${names}"`;
    const rules: AlertRule[] = [];
    /** Per-database rules carry the database as a label: one alert name, distinct rules. */
    const databaseOf = new Map<AlertRule, string>();
    const perDatabase = (db: WatchedVitessDatabase, rule: AlertRule) => {
      databaseOf.set(rule, db.name);
      rules.push(rule);
    };
    for (const db of dbs) {
      perDatabase(db, {
        alert: 'VitessReplicationLagHigh',
        expr: `max by (namespace, planetscale_com_cluster, planetscale_com_shard, pod) (vttablet_replication_lag_sec{namespace="${db.namespace}",planetscale_com_cluster="${db.name}"}) > ${db.maxReplicationLagSeconds}`,
        for: '5m',
        severity: 'warning',
        summary: 'A Vitess replica lags behind its primary.',
        description: `Tablet {{ $labels.namespace }}/{{ $labels.pod }} (database {{ $labels.planetscale_com_cluster }}, shard {{ $labels.planetscale_com_shard }}) is {{ $value }}s behind its primary (more than ${db.maxReplicationLagSeconds}s); a failover to it would wait for it to catch up.`,
      });
    }
    rules.push(
      {
        alert: 'VitessReplicationStopped',
        expr: `max by (namespace, planetscale_com_cluster, keyspace, shard, tablet_alias, analysis) (vtorc_detected_problems{${vitess},analysis=~"${REPLICATION_STOPPED_ANALYSES.join('|')}"}) > 0`,
        for: '5m',
        severity: 'critical',
        summary: 'A Vitess replica does not replicate.',
        description:
          'VTOrc has reported {{ $labels.analysis }} for tablet {{ $labels.tablet_alias }} (keyspace {{ $labels.keyspace }}, shard {{ $labels.shard }}) and could not repair it: the IO or SQL thread is stopped or the replica is detached. Check `SHOW REPLICA STATUS` on it (docs/data-services.md).',
      },
      {
        alert: 'VitessPrimaryFailover',
        expr: `sum by (namespace, planetscale_com_cluster, keyspace, shard, recovery_type) (increase(vtorc_successful_recoveries{${vitess},recovery_type=~"${FAILOVER_RECOVERIES.join('|')}"}[15m])) > 0`,
        for: '0m',
        severity: 'warning',
        summary: 'VTOrc promoted a new primary.',
        description:
          'VTOrc ran {{ $labels.recovery_type }} on keyspace {{ $labels.keyspace }} shard {{ $labels.shard }}: the old primary failed or was removed, and a replica now takes the writes. Find out why the old primary went away.',
      },
      {
        alert: 'VitessFailoverFailed',
        expr: `sum by (namespace, planetscale_com_cluster, keyspace, shard, recovery_type) (increase(vtorc_failed_recoveries{${vitess}}[15m])) > 0`,
        for: '0m',
        severity: 'critical',
        summary: 'A VTOrc recovery failed.',
        description:
          'VTOrc tried {{ $labels.recovery_type }} on keyspace {{ $labels.keyspace }} shard {{ $labels.shard }} and failed: the shard may have no writable primary. Check `vtctldclient GetTablets` and VTOrc logs (docs/data-services.md).',
      },
    );
    for (const db of dbs) {
      perDatabase(db, {
        alert: 'VitessBackupTooOld',
        expr: `time() - max by (namespace, owner_name) (kube_job_status_completion_time{namespace="${db.namespace}"} * on (namespace, job_name) group_left (owner_name) kube_job_owner{namespace="${db.namespace}",owner_kind="VitessBackupSchedule",owner_name=~"${db.name}-.+"}) > ${db.maxBackupAgeSeconds}`,
        for: '10m',
        severity: 'critical',
        summary: 'The newest backup of a Vitess database is too old.',
        description: `The newest successful backup Job of {{ $labels.namespace }}/{{ $labels.owner_name }} finished {{ $value | humanizeDuration }} ago (more than ${db.maxBackupAgeSeconds}s): scheduled backups fail or do not run. A replica rebuilt now would restore from that old backup.`,
      });
    }
    this.rules = rules;
    const toRule = (rule: AlertRule): PrometheusRuleSpecGroupsRules => ({
      alert: rule.alert,
      expr: PrometheusRuleSpecGroupsRulesExpr.fromString(rule.expr),
      for: rule.for,
      labels: {
        severity: rule.severity,
        environment: props.environment,
        ...(databaseOf.has(rule) ? { database: databaseOf.get(rule) as string } : {}),
      },
      annotations: { summary: rule.summary, description: rule.description },
    });
    this.prometheusRule = new PrometheusRule(this, 'Resource', {
      metadata: {
        name: 'platform-blueprint-vitess',
        namespace: props.namespace,
        labels: { ...(props.labels ?? {}) },
      },
      spec: { groups: [{ name: 'platform-blueprint.vitess', rules: rules.map(toRule) }] },
    });
  }
}
