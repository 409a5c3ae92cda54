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
