import { createHash } from 'node:crypto';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { ValidationError } from '../core/validation-error';
import { AllowNetworkPolicy, type NetworkRule } from '../guardrails/allow-network-policy';
import { DefaultDenyNetworkPolicy } from '../guardrails/default-deny-network-policy';
import { DnsEgressNetworkPolicy } from '../guardrails/dns-egress-network-policy';
import { addressBlock, podsIn, tcpPorts } from '../guardrails/network-peer';
import type { AlertRule } from '../observability/platform-alerts';
import type { ContainerResources } from './upstream-objects';

/** A key of a Secret created outside the blueprint. */
export interface SecretKey {
  readonly name: string;
  readonly key: string;
}

/** `host:port` of a sink. */
export interface SinkEndpoint {
  readonly host: string;
  readonly port: number;
}

/** TLS to the sink. */
export interface SinkTls {
  readonly enabled: boolean;
  /** Check the sink's certificate chain and name. */
  readonly verify: boolean;
  /** The CA bundle (PEM) that signed the sink's certificate. @default - the image's system CAs */
  readonly ca?: SecretKey;
}

/** Basic authentication, both values from Secrets. */
export interface BasicAuth {
  readonly username: SecretKey;
  readonly password: SecretKey;
}

/** Where the logs go: one typed sink. */
export type LogSink =
  | {
      readonly type: 'loki';
      readonly endpoint: SinkEndpoint;
      /** Path of the push API, e.g. `/loki/api/v1/push`. */
      readonly path: string;
      /** X-Scope-OrgID of a multi-tenant Loki. @default - none */
      readonly tenantId?: string;
      readonly tls: SinkTls;
      /** @default - no authentication */
      readonly auth?:
        | ({ readonly type: 'basic' } & BasicAuth)
        | { readonly type: 'bearer'; readonly token: SecretKey };
    }
  | {
      readonly type: 'elasticsearch' | 'opensearch';
      readonly endpoint: SinkEndpoint;
      /** Prefix of the daily indices. */
      readonly index: string;
      readonly tls: SinkTls;
      /** @default - no authentication */
      readonly auth?: BasicAuth;
    }
  | {
      readonly type: 'kafka';
      readonly brokers: readonly SinkEndpoint[];
      readonly topic: string;
      readonly tls: SinkTls;
      /** SASL. @default - none */
      readonly auth?: { readonly mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' } & BasicAuth;
    };

/** The collector's own monitoring. */
export interface LogCollectorMonitoring {
  /** Namespace of Prometheus: its pods may scrape the metrics port. */
  readonly prometheusNamespace: string;
  /** Labels the PodMonitor and PrometheusRule carry so that Prometheus selects them. */
  readonly selectorLabels: Readonly<Record<string, string>>;
  /** Scrape interval, a Prometheus duration. */
  readonly interval: string;
  /** LogCollectorBufferNearLimit fires above this share (percent) of a node's disk buffer in use. */
  readonly bufferUsedPercent: number;
}

/** Props of {@link LogCollector}. */
export interface LogCollectorProps {
  /** Namespace of the collector (privileged: it reads host paths). */
  readonly namespace: string;
  /** The Fluent Bit image, pinned. */
  readonly image: string;
  /** Environment name: a field of every record and a label of every alert. */
  readonly environment: string;
  readonly sink: LogSink;
  /** Networks (CIDRs) the sink's addresses lie in, for the egress NetworkPolicy. */
  readonly sinkNetworks: readonly string[];
  /** The API servers (masters' addresses and port) that the kubernetes filter calls, for the egress NetworkPolicy. */
  readonly apiServers: { readonly addresses: readonly string[]; readonly port: number };
  /** Disk buffer per node for the sink, in bytes (storage.total_limit_size). */
  readonly bufferBytes: number;
  /** Chunks kept in memory (storage.max_chunks_up); inputs pause beyond (backpressure). */
  readonly maxChunksUp: number;
  /** Retries of a chunk before it is dropped; `unlimited` keeps it until the buffer is full. */
  readonly retryLimit: number | 'unlimited';
  /** Requests and limits of each collector container. */
  readonly resources: ContainerResources;
  /** Priority class of the collector pods (a node agent). */
  readonly priorityClassName: string;
  /** The PodMonitor, the alerts and the scrape allowance. @default - no monitoring (no Prometheus) */
  readonly monitoring?: LogCollectorMonitoring;
}

/** Names, paths and ports the collector's pieces share. */
export const LOG_COLLECTOR = {
  name: 'fluent-bit',
  controlPlaneName: 'fluent-bit-control-plane',
  metricsPort: 2020,
  metricsPath: '/api/v2/metrics/prometheus',
  /** The label of the masters (kubeadm's mark-control-plane phase). */
  controlPlaneLabel: 'node-role.kubernetes.io/control-plane',
  /** Written by kube-apiserver on every master (controlPlane.audit). */
  auditLog: '/var/log/kubernetes/audit/audit.log',
  /** On the host: tail positions, journald cursors and the disk buffer survive a pod's replacement. */
  stateDir: '/var/lib/fluent-bit',
  configDir: '/fluent-bit/etc/blueprint',
  caDir: '/fluent-bit/sink-ca',
} as const;

/** Which collector: the one on every worker, or the one on the masters (which adds the audit log). */
export type CollectorRole = 'node' | 'control-plane';

/** One Fluent Bit plugin section: its properties, in the order written. */
export type FluentBitSection = Readonly<Record<string, string | number>>;

/** A Fluent Bit configuration in its YAML format (`service`, `parsers`, `pipeline`). */
export interface FluentBitConfig {
  readonly service: FluentBitSection;
  readonly parsers: readonly FluentBitSection[];
  readonly pipeline: {
    readonly inputs: readonly FluentBitSection[];
    readonly filters: readonly FluentBitSection[];
    readonly outputs: readonly FluentBitSection[];
  };
}

const ENV = {
  username: 'LOG_SINK_USERNAME',
  password: 'LOG_SINK_PASSWORD',
  token: 'LOG_SINK_TOKEN',
} as const;

const CA_FILE = `${LOG_COLLECTOR.caDir}/ca.crt`;
const on = 'on';
const off = 'off';

/** The secrets the sink's authentication reads, by environment variable. */
function sinkSecrets(sink: LogSink): { env: string; secret: SecretKey }[] {
  const auth = sink.auth;
  if (!auth) return [];
  if ('token' in auth) return [{ env: ENV.token, secret: auth.token }];
  return [
    { env: ENV.username, secret: auth.username },
    { env: ENV.password, secret: auth.password },
  ];
}

/** TLS properties of Fluent Bit's HTTP outputs (loki, es, opensearch). */
function httpTls(tls: SinkTls): Record<string, string> {
  if (!tls.enabled) return { tls: off };
  return { tls: on, 'tls.verify': tls.verify ? on : off, ...(tls.ca ? { 'tls.ca_file': CA_FILE } : {}) };
}

/** The output section of the sink. */
function sinkOutput(sink: LogSink, environment: string): Record<string, string | number> {
  const basic = sink.auth && 'password' in sink.auth;
  const httpAuth: Record<string, string> = basic
    ? { http_user: `\${${ENV.username}}`, http_passwd: `\${${ENV.password}}` }
    : {};
  switch (sink.type) {
    case 'loki':
      return {
        name: 'loki',
        host: sink.endpoint.host,
        port: sink.endpoint.port,
        uri: sink.path,
        ...httpTls(sink.tls),
        ...httpAuth,
        ...(sink.auth?.type === 'bearer' ? { bearer_token: `\${${ENV.token}}` } : {}),
        ...(sink.tenantId ? { tenant_id: sink.tenantId } : {}),
        // Few, bounded stream labels; the rest of each record stays in the line (JSON).
        labels: `environment=${environment}, log_source=$log_source, namespace=$kubernetes['namespace_name']`,
        line_format: 'json',
      };
    case 'elasticsearch':
    case 'opensearch':
      return {
        name: sink.type === 'elasticsearch' ? 'es' : 'opensearch',
        host: sink.endpoint.host,
        port: sink.endpoint.port,
        ...httpTls(sink.tls),
        ...httpAuth,
        logstash_format: on,
        logstash_prefix: sink.index,
        // Elasticsearch 8 and OpenSearch 2 refuse mapping types; Kubernetes label keys hold dots.
        suppress_type_name: on,
        replace_dots: on,
      };
    case 'kafka': {
      const sasl = sink.auth !== undefined;
      const protocol = `${sasl ? 'SASL_' : ''}${sink.tls.enabled ? 'SSL' : 'PLAINTEXT'}`;
      return {
        name: 'kafka',
        brokers: sink.brokers.map((broker) => `${broker.host}:${broker.port}`).join(','),
        topics: sink.topic,
        format: 'json',
        timestamp_key: '@timestamp',
        timestamp_format: 'iso8601',
        'rdkafka.security.protocol': protocol,
        ...(sink.tls.enabled && sink.tls.ca ? { 'rdkafka.ssl.ca.location': CA_FILE } : {}),
        ...(sink.tls.enabled && !sink.tls.verify
          ? { 'rdkafka.enable.ssl.certificate.verification': 'false' }
          : {}),
        ...(sink.auth
          ? {
              'rdkafka.sasl.mechanisms': sink.auth.mechanism,
              'rdkafka.sasl.username': `\${${ENV.username}}`,
              'rdkafka.sasl.password': `\${${ENV.password}}`,
            }
          : {}),
        // Every in-sync replica acknowledges a record before Fluent Bit drops its chunk.
        'rdkafka.request.required.acks': '-1',
      };
    }
  }
}

/**
 * The Fluent Bit configuration of one collector role, as data (see {@link renderFluentBitConfig}).
 * Every input has a tag, buffers on disk (`storage.type: filesystem`) and pauses when its chunks
 * in memory are all busy (backpressure); every tail input names its parser; the one output, the
 * sink, caps its disk buffer (`storage.total_limit_size`). Only the control-plane role reads the
 * audit log.
 */
export function fluentBitConfig(props: LogCollectorProps, role: CollectorRole): FluentBitConfig {
  if (!Number.isInteger(props.bufferBytes) || props.bufferBytes < 1024 * 1024)
    throw new ValidationError(
      `LogCollector: 'bufferBytes' (${props.bufferBytes}) must be a whole number of at least 1 MiB`,
    );
  const state = LOG_COLLECTOR.stateDir;
  const buffered = { 'storage.type': 'filesystem', 'storage.pause_on_chunks_overlimit': on };
  const journal = (unit: string) => ({
    name: 'systemd',
    alias: unit,
    tag: `host.${unit}`,
    path: '/var/log/journal',
    systemd_filter: `_SYSTEMD_UNIT=${unit}.service`,
    db: `${state}/${unit}.journal.db`,
    read_from_tail: on,
    strip_underscores: on,
    ...buffered,
  });
  const inputs: FluentBitSection[] = [
    {
      name: 'tail',
      alias: 'containers',
      tag: 'kube.*',
      path: '/var/log/containers/*.log',
      // containerd writes the CRI log format; the parser also joins lines the runtime split.
      'multiline.parser': 'cri',
      db: `${state}/containers.db`,
      'db.locking': 'true',
      skip_long_lines: on,
      refresh_interval: 10,
      rotate_wait: 30,
      ...buffered,
    },
    journal('kubelet'),
    journal('containerd'),
  ];
  if (role === 'control-plane')
    inputs.push({
      name: 'tail',
      alias: 'audit',
      tag: 'audit.kube-apiserver',
      path: LOG_COLLECTOR.auditLog,
      parser: 'kube-audit',
      db: `${state}/audit.db`,
      'db.locking': 'true',
      // Audit events are long single-line JSON documents; a cut one would not parse.
      buffer_max_size: '1M',
      skip_long_lines: on,
      refresh_interval: 10,
      rotate_wait: 30,
      ...buffered,
    });
  const source = (input: FluentBitSection): FluentBitSection => ({
    name: 'modify',
    alias: `source-${input.alias}`,
    match: String(input.tag),
    add: `log_source ${input.alias}`,
  });
  const filters: FluentBitSection[] = [
    {
      name: 'kubernetes',
      alias: 'kubernetes',
      match: 'kube.*',
      kube_tag_prefix: 'kube.var.log.containers.',
      kube_url: 'https://kubernetes.default.svc:443',
      merge_log: on,
      keep_log: off,
      'k8s-logging.parser': on,
      'k8s-logging.exclude': on,
      labels: on,
      annotations: off,
      buffer_size: '256k',
    },
    ...inputs.map(source),
    { name: 'modify', alias: 'environment', match: '*', add: `environment ${props.environment}` },
  ];
  const outputs: FluentBitSection[] = [
    {
      ...sinkOutput(props.sink, props.environment),
      alias: 'sink',
      match: '*',
      retry_limit: props.retryLimit === 'unlimited' ? 'no_limits' : props.retryLimit,
      // Bytes: Fluent Bit reads a plain number as bytes (K, M, G would be powers of 1000).
      'storage.total_limit_size': String(props.bufferBytes),
    },
  ];
  return {
    service: {
      flush: 1,
      grace: 10,
      log_level: 'info',
      http_server: on,
      http_listen: '0.0.0.0',
      http_port: LOG_COLLECTOR.metricsPort,
      'storage.path': `${state}/buffer`,
      'storage.sync': 'normal',
      'storage.checksum': off,
      'storage.max_chunks_up': props.maxChunksUp,
      'storage.backlog.mem_limit': '16M',
      'storage.metrics': on,
      // Retries wait at most 5 minutes, so a sink back from an outage is caught up with soon.
      'scheduler.cap': 300,
    },
    parsers: [
      {
        name: 'kube-audit',
        format: 'json',
        time_key: 'requestReceivedTimestamp',
        time_format: '%Y-%m-%dT%H:%M:%S.%LZ',
        time_keep: on,
      },
    ],
    pipeline: { inputs, filters, outputs },
  };
}

/** The configuration as Fluent Bit's YAML file (deterministic: keys in the order built). */
export function renderFluentBitConfig(config: FluentBitConfig): string {
  return `# Fluent Bit configuration (YAML format), written by Platform Blueprint; do not edit.\n${stringify(
    config,
    { lineWidth: 0 },
  )}`;
}

/** The collector's alerts (PromQL over Fluent Bit's /api/v2 metrics, scraped as job="fluent-bit"). */
export function logCollectorAlerts(bufferUsedPercent: number): AlertRule[] {
  if (!Number.isInteger(bufferUsedPercent) || bufferUsedPercent < 1 || bufferUsedPercent > 99)
    throw new ValidationError(
      `LogCollector: 'bufferUsedPercent' (${bufferUsedPercent}) must be a whole number 1-99`,
    );
  const job = `job="${LOG_COLLECTOR.name}"`;
  return [
    {
      alert: 'LogCollectorDown',
      expr: `up{${job}} == 0`,
      for: '10m',
      severity: 'warning',
      summary: 'A log collector cannot be scraped.',
      description:
        'Fluent Bit {{ $labels.pod }} on node {{ $labels.node }} has not answered scrapes for 10 minutes; that node may be shipping no logs.',
    },
    {
      alert: 'LogCollectorOutputErrors',
      expr: `rate(fluentbit_output_errors_total{${job}}[5m]) > 0`,
      for: '15m',
      severity: 'warning',
      summary: 'A log collector keeps failing to deliver to the sink.',
      description:
        'Fluent Bit on node {{ $labels.node }} has had errors flushing to output {{ $labels.name }} for 15 minutes; records wait in its disk buffer. Check the sink and the collector logs.',
    },
    {
      alert: 'LogCollectorRetriesFailed',
      expr: `increase(fluentbit_output_retries_failed_total{${job}}[10m]) > 0`,
      for: '1m',
      severity: 'critical',
      summary: 'A log collector gave up on records after its last retry.',
      description:
        'Fluent Bit on node {{ $labels.node }} exhausted the retries of output {{ $labels.name }}: those records are lost.',
    },
    {
      alert: 'LogCollectorRecordsDropped',
      expr: `increase(fluentbit_output_dropped_records_total{${job}}[10m]) > 0`,
      for: '1m',
      severity: 'critical',
      summary: 'A log collector dropped records.',
      description:
        'Fluent Bit on node {{ $labels.node }} dropped records of output {{ $labels.name }} in the last 10 minutes (refused by the sink, or its disk buffer was full): those records are lost.',
    },
    {
      alert: 'LogCollectorBufferNearLimit',
      expr: `fluentbit_output_chunk_available_capacity_percent{${job}} < ${100 - bufferUsedPercent}`,
      for: '5m',
      severity: 'warning',
      summary: `A log collector has used more than ${bufferUsedPercent}% of its disk buffer.`,
      description:
        'Fluent Bit on node {{ $labels.node }} has {{ $value }}% of the disk buffer of output {{ $labels.name }} left; when it is full the oldest chunks are dropped. The sink is slow or down.',
    },
  ];
}

/**
 * The log collector: Fluent Bit as two DaemonSets that together run one pod on every node,
 * masters included. `fluent-bit` runs on every node that is not a master; `fluent-bit-control-plane`
 * runs on the masters (kubeadm's control-plane label) and also reads the API server's audit log.
 * Both tolerate every taint. They read /var/log (container logs and the journal) read-only,
 * keep their positions and disk buffer in /var/lib/fluent-bit on the host, and run as root
 * with every capability dropped (the logs are root's files, mode 0600/0640). Their namespace
 * allows egress to the cluster DNS, the sink and the API servers only, and ingress from
 * Prometheus to the metrics port only.
 */
export class LogCollector extends Construct {
  /** The rendered configuration of each role, as shipped in the ConfigMap. */
  public readonly configs: Readonly<Record<CollectorRole, string>>;
  /** The collector's alerts. @default - none without monitoring */
  public readonly alerts: readonly AlertRule[];

  constructor(scope: Construct, id: string, props: LogCollectorProps) {
    super(scope, id);
    if (props.sinkNetworks.length === 0)
      throw new ValidationError('LogCollector: sinkNetworks is empty; the collector could reach no sink');
    const name = LOG_COLLECTOR.name;
    const common = { 'app.kubernetes.io/name': name };
    const meta = (objectName: string, labels: Record<string, string> = common) => ({
      name: objectName,
      namespace: props.namespace,
      labels,
    });
    this.configs = {
      node: renderFluentBitConfig(fluentBitConfig(props, 'node')),
      'control-plane': renderFluentBitConfig(fluentBitConfig(props, 'control-plane')),
    };

    new ApiObject(this, 'service-account', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: meta(name),
    });
    // The kubernetes filter reads pod metadata (labels, owner) to annotate each container log.
    const roleName = `platform-blueprint:${name}`;
    new ApiObject(this, 'cluster-role', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: roleName, labels: common },
      rules: [{ apiGroups: [''], resources: ['namespaces', 'pods'], verbs: ['get', 'list', 'watch'] }],
    });
    new ApiObject(this, 'cluster-role-binding', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: roleName, labels: common },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
      subjects: [{ kind: 'ServiceAccount', name, namespace: props.namespace }],
    });
    new ApiObject(this, 'config', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta(name),
      data: { 'node.yaml': this.configs.node, 'control-plane.yaml': this.configs['control-plane'] },
    });

    const daemonSet = (role: CollectorRole) => {
      const dsName = role === 'node' ? name : LOG_COLLECTOR.controlPlaneName;
      const labels = { ...common, 'app.kubernetes.io/component': role };
      const hostPath = (volume: string, path: string, type: string) => ({
        name: volume,
        hostPath: { path, type },
      });
      const ca = props.sink.tls.enabled ? props.sink.tls.ca : undefined;
      new ApiObject(this, `daemon-set-${role}`, {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: meta(dsName, labels),
        spec: {
          selector: { matchLabels: labels },
          updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%' } },
          template: {
            metadata: {
              labels,
              // A new configuration rolls the pods (Fluent Bit reads it at start).
              annotations: {
                'platform-blueprint.io/config-sha256': createHash('sha256')
                  .update(this.configs[role])
                  .digest('hex'),
              },
            },
            spec: {
              serviceAccountName: name,
              priorityClassName: props.priorityClassName,
              terminationGracePeriodSeconds: 30,
              // One pod on every node: the masters run the control-plane collector, every other node this one.
              ...(role === 'control-plane'
                ? { nodeSelector: { [LOG_COLLECTOR.controlPlaneLabel]: '' } }
                : {
                    affinity: {
                      nodeAffinity: {
                        requiredDuringSchedulingIgnoredDuringExecution: {
                          nodeSelectorTerms: [
                            {
                              matchExpressions: [
                                { key: LOG_COLLECTOR.controlPlaneLabel, operator: 'DoesNotExist' },
                              ],
                            },
                          ],
                        },
                      },
                    },
                  }),
              tolerations: [{ operator: 'Exists' }],
              securityContext: {
                runAsUser: 0,
                runAsGroup: 0,
                seccompProfile: { type: 'RuntimeDefault' },
              },
              containers: [
                {
                  name: 'fluent-bit',
                  image: props.image,
                  command: ['/fluent-bit/bin/fluent-bit'],
                  args: [`--config=${LOG_COLLECTOR.configDir}/fluent-bit.yaml`],
                  env: sinkSecrets(props.sink).map(({ env, secret }) => ({
                    name: env,
                    valueFrom: { secretKeyRef: { name: secret.name, key: secret.key } },
                  })),
                  ports: [{ name: 'metrics', containerPort: LOG_COLLECTOR.metricsPort, protocol: 'TCP' }],
                  // The HTTP server answers as soon as the pipeline runs; the sink's health is the alerts' job.
                  readinessProbe: { httpGet: { path: '/', port: 'metrics' }, periodSeconds: 10 },
                  livenessProbe: {
                    httpGet: { path: '/', port: 'metrics' },
                    periodSeconds: 20,
                    failureThreshold: 6,
                  },
                  resources: {
                    requests: { ...props.resources.requests },
                    limits: { ...props.resources.limits },
                  },
                  securityContext: {
                    allowPrivilegeEscalation: false,
                    privileged: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ['ALL'] },
                  },
                  volumeMounts: [
                    { name: 'config', mountPath: LOG_COLLECTOR.configDir, readOnly: true },
                    { name: 'var-log', mountPath: '/var/log', readOnly: true },
                    { name: 'machine-id', mountPath: '/etc/machine-id', readOnly: true },
                    { name: 'state', mountPath: LOG_COLLECTOR.stateDir },
                    ...(ca ? [{ name: 'sink-ca', mountPath: LOG_COLLECTOR.caDir, readOnly: true }] : []),
                  ],
                },
              ],
              volumes: [
                {
                  name: 'config',
                  configMap: { name, items: [{ key: `${role}.yaml`, path: 'fluent-bit.yaml' }] },
                },
                hostPath('var-log', '/var/log', 'Directory'),
                hostPath('machine-id', '/etc/machine-id', 'File'),
                hostPath('state', LOG_COLLECTOR.stateDir, 'DirectoryOrCreate'),
                ...(ca
                  ? [
                      {
                        name: 'sink-ca',
                        secret: { secretName: ca.name, items: [{ key: ca.key, path: 'ca.crt' }] },
                      },
                    ]
                  : []),
              ],
            },
          },
        },
      });
    };
    daemonSet('node');
    daemonSet('control-plane');

    this.alerts = props.monitoring ? logCollectorAlerts(props.monitoring.bufferUsedPercent) : [];
    if (props.monitoring) {
      const monitoring = props.monitoring;
      new ApiObject(this, 'pod-monitor', {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PodMonitor',
        metadata: meta(name, { ...common, ...monitoring.selectorLabels }),
        spec: {
          selector: { matchLabels: common },
          // job="fluent-bit", as the alerts select it.
          jobLabel: 'app.kubernetes.io/name',
          podMetricsEndpoints: [
            {
              port: 'metrics',
              path: LOG_COLLECTOR.metricsPath,
              interval: monitoring.interval,
              relabelings: [
                { sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node' },
                { sourceLabels: ['__meta_kubernetes_pod_name'], targetLabel: 'pod' },
              ],
            },
          ],
        },
      });
      new ApiObject(this, 'alerts', {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PrometheusRule',
        metadata: meta(name, { ...common, ...monitoring.selectorLabels }),
        spec: {
          groups: [
            {
              name: 'platform-blueprint.logging',
              rules: this.alerts.map((rule) => ({
                alert: rule.alert,
                expr: rule.expr,
                for: rule.for,
                labels: { severity: rule.severity, environment: props.environment },
                annotations: { summary: rule.summary, description: rule.description },
              })),
            },
          ],
        },
      });
    }

    // Isolation: nothing in or out but DNS, the sink, the API servers and Prometheus' scrapes.
    new DefaultDenyNetworkPolicy(this, 'deny-egress', {
      namespace: props.namespace,
      name: 'default-deny-egress',
      directions: ['Egress'],
    });
    new DnsEgressNetworkPolicy(this, 'dns', { namespace: props.namespace });
    const sinkPorts =
      props.sink.type === 'kafka'
        ? [...new Set(props.sink.brokers.map((broker) => broker.port))].sort((a, b) => a - b)
        : [props.sink.endpoint.port];
    const egress: NetworkRule[] = [
      { peers: props.sinkNetworks.map(addressBlock), ports: tcpPorts(...sinkPorts) },
      {
        peers: props.apiServers.addresses.map(addressBlock),
        ports: tcpPorts(props.apiServers.port),
      },
    ];
    new AllowNetworkPolicy(this, 'allow', {
      namespace: props.namespace,
      name: `allow-${name}`,
      podLabels: common,
      egress,
      ingress: props.monitoring
        ? [
            {
              peers: [podsIn(props.monitoring.prometheusNamespace)],
              ports: tcpPorts(LOG_COLLECTOR.metricsPort),
            },
          ]
        : [],
    });
  }
}
