import { z } from 'zod';
import { dnsLabel, labels } from './common';

/** A Prometheus duration such as `30s`, `5m`, `1h30m`. */
export const promDuration = z
  .string({ error: 'must be a string holding a duration such as 30s or 15m' })
  .regex(/^((\d+)y)?((\d+)w)?((\d+)d)?((\d+)h)?((\d+)m)?((\d+)s)?((\d+)ms)?$/, {
    error: 'is not a Prometheus duration (e.g. 30s, 5m, 1h30m)',
  })
  .refine((value) => value !== '' && /[1-9]/.test(value), { error: 'must be longer than zero' });

/** An OTLP endpoint URL. */
const otlpUrl = z
  .string({ error: 'must be a string holding a URL' })
  .regex(/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[^\s]*)?$/, {
    error:
      'is not an OTLP endpoint URL (http:// or https://, host, optional port, e.g. http://otel-collector.monitoring:4317)',
  });

/** A share strictly between 0 and 1. */
const ratio = z
  .number({ error: 'must be a number between 0 and 1' })
  .gt(0, { error: 'must be greater than 0' })
  .lt(1, { error: 'must be less than 1' });

/** A latency in seconds. */
const seconds = z
  .number({ error: 'must be a number of seconds' })
  .gt(0, { error: 'must be greater than 0' })
  .max(600, { error: 'must be at most 600 (seconds)' });

/** Thresholds of the platform's alerts. */
export const alertThresholds = z
  .strictObject({
    hpaMaxedFor: promDuration
      .default('15m')
      .describe('How long an HPA must sit at its maximum before it alerts. @default 15m'),
    crashLoopFor: promDuration
      .default('15m')
      .describe('How long a container must be in CrashLoopBackOff before it alerts. @default 15m'),
    nodeNotReadyFor: promDuration
      .default('5m')
      .describe('How long a master or node must be not ready before it alerts. @default 5m'),
    apiServerVipDownFor: promDuration
      .default('2m')
      .describe('How long the API server must be unreachable through the VIP before it alerts. @default 2m'),
    shardReplicaDownFor: promDuration
      .default('2m')
      .describe(
        "How long a database shard replica's exporter must report it down before it alerts. @default 2m",
      ),
    gateway5xxRatio: z
      .number({ error: 'must be a number between 0 and 1' })
      .gt(0, { error: 'must be greater than 0' })
      .lt(1, { error: 'must be less than 1' })
      .default(0.05)
      .describe(
        'Share of gateway responses that are 5xx, over 5 minutes, above which it alerts. @default 0.05',
      ),
    nodeFilesystemFreeRatio: ratio
      .default(0.1)
      .describe(
        'Share of a node file system that must stay free: below it for 15 minutes, NodeFilesystemAlmostFull alerts. @default 0.1',
      ),
    nodeFilesystemFillsWithin: promDuration
      .default('24h')
      .describe(
        'How far ahead the trend of the last 6 hours is projected: a file system (under 40% free) that it fills within this time alerts (NodeFilesystemFillingUp). @default 24h',
      ),
    nodeMemoryAvailableRatio: ratio
      .default(0.1)
      .describe(
        "Share of a node's memory that must stay available (MemAvailable / MemTotal): below it for 15 minutes, NodeMemoryLow alerts. @default 0.1",
      ),
    nodeClockOffsetSeconds: z
      .number({ error: 'must be a number of seconds' })
      .gt(0, { error: 'must be greater than 0' })
      .max(60, { error: 'must be at most 60 (seconds)' })
      .default(0.05)
      .describe(
        "Seconds a node's clock may be off its time source (NTP offset, either way) before NodeClockSkew alerts; etcd and certificates need clocks in step. @default 0.05",
      ),
    apiServerDownFor: promDuration
      .default('5m')
      .describe(
        "How long one master's kube-apiserver must fail its scrape before ApiServerDown alerts. @default 5m",
      ),
    apiServerLatencySeconds: seconds
      .default(1)
      .describe(
        "99th percentile of a master's API request latency (every verb but WATCH and CONNECT, long-running subresources left out), over 5 minutes, above which ApiServerHighLatency alerts. @default 1",
      ),
    apiServerErrorRatio: ratio
      .default(0.05)
      .describe(
        "Share of a master's API requests answered with 5xx, over 5 minutes, above which ApiServerHighErrorRatio alerts. @default 0.05",
      ),
    etcdMemberDownFor: promDuration
      .default('3m')
      .describe(
        'How long an etcd member must fail its scrape before EtcdMemberDown alerts, and quorum be short before EtcdInsufficientMembers does. @default 3m',
      ),
    etcdLeaderChangesPerHour: z
      .number({ error: 'must be a whole number' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1' })
      .default(3)
      .describe(
        'Leader changes an etcd member may see in an hour; more alerts (EtcdFrequentLeaderChanges): disks or network too slow for the heartbeat. @default 3',
      ),
    etcdDatabaseQuotaRatio: ratio
      .default(0.8)
      .describe(
        "Share of etcd's backend quota (quota-backend-bytes) its database may fill before EtcdDatabaseNearQuota alerts; at the quota etcd refuses writes. @default 0.8",
      ),
    etcdFsyncLatencySeconds: seconds
      .default(0.5)
      .describe(
        "99th percentile of etcd's WAL fsync duration, over 5 minutes, above which EtcdHighFsyncLatency alerts. @default 0.5",
      ),
    etcdCommitLatencySeconds: seconds
      .default(0.25)
      .describe(
        "99th percentile of etcd's backend commit duration, over 5 minutes, above which EtcdHighCommitLatency alerts. @default 0.25",
      ),
    certificateExpiresWithin: promDuration
      .default('30d')
      .describe(
        'How long before a kubeadm certificate (/etc/kubernetes/pki) expires KubeadmCertificateExpiresSoon alerts. @default 30d',
      ),
    etcdBackupMaxAge: promDuration
      .default('26h')
      .describe(
        "Age of a master's last etcd snapshot that passed `etcdctl snapshot status` above which EtcdBackupTooOld alerts (also when no snapshot was reported for that long); keep it above the backup interval. @default 26h",
      ),
  })
  .describe('Thresholds of the platform alerts.');
export type AlertThresholdsSpec = z.infer<typeof alertThresholds>;

/** Metrics, alerts, logs and traces. */
export const observability = z
  .strictObject({
    namespace: dnsLabel
      .default('monitoring')
      .describe(
        'Namespace where prometheus-operator, Prometheus and Alertmanager run (the monitoring add-on, addons.monitoring). NetworkPolicies admit scrapes from it and the PrometheusRule lives in it. @default monitoring',
      ),
    selectorLabels: labels
      .default({})
      .describe(
        "Labels on every ServiceMonitor and PrometheusRule, matching the Prometheus resource's serviceMonitorSelector and ruleSelector (e.g. `release: kube-prometheus-stack`). @default {}",
      ),
    scrapeInterval: promDuration
      .default('30s')
      .describe('How often Prometheus scrapes services and database exporters. @default 30s'),
    otlpEndpoint: otlpUrl
      .optional()
      .describe(
        'OTLP endpoint of the OpenTelemetry collector; every service gets it as OTEL_EXPORTER_OTLP_ENDPOINT. @default - traces and OTLP logs are not exported',
      ),
    alerts: alertThresholds
      .prefault({})
      .describe('Thresholds of the platform alerts. @default the threshold defaults'),
  })
  .describe('Monitoring (ServiceMonitors, PrometheusRule) and the OpenTelemetry conventions.');
export type ObservabilitySpec = z.infer<typeof observability>;
