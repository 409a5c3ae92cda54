import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import {
  type CollectorRole,
  type FluentBitConfig,
  fluentBitConfig,
  LOG_COLLECTOR,
  LogCollector,
  type LogCollectorProps,
  type LogSink,
  renderFluentBitConfig,
} from '../../../constructs/addons/log-collector';
import { validateKubernetesObjects } from '../data/kubernetes-schema';

const secret = (name: string, key: string) => ({ name, key });
/** Fluent Bit's `${NAME}` environment-variable reference. */
const ref = (name: string) => `\${${name}}`;
const verifiedTls = { enabled: true, verify: true, ca: secret('sink-ca', 'ca.crt') };

/** One sink of each type, each with authentication and TLS. */
const SINKS: Record<LogSink['type'], LogSink> = {
  loki: {
    type: 'loki',
    endpoint: { host: 'loki.example.com', port: 3100 },
    path: '/loki/api/v1/push',
    tenantId: 'platform',
    tls: verifiedTls,
    auth: { type: 'bearer', token: secret('loki-token', 'token') },
  },
  elasticsearch: {
    type: 'elasticsearch',
    endpoint: { host: '10.20.3.50', port: 9200 },
    index: 'logs',
    tls: verifiedTls,
    auth: { username: secret('es-user', 'username'), password: secret('es-user', 'password') },
  },
  opensearch: {
    type: 'opensearch',
    endpoint: { host: '10.20.3.50', port: 9200 },
    index: 'prod-logs',
    tls: { enabled: true, verify: false },
    auth: { username: secret('os-user', 'username'), password: secret('os-user', 'password') },
  },
  kafka: {
    type: 'kafka',
    brokers: [
      { host: '10.20.3.51', port: 9093 },
      { host: '10.20.3.52', port: 9094 },
    ],
    topic: 'logs',
    tls: verifiedTls,
    auth: {
      mechanism: 'SCRAM-SHA-512',
      username: secret('kafka-user', 'username'),
      password: secret('kafka-user', 'password'),
    },
  },
};

const props = (sink: LogSink, extra: Partial<LogCollectorProps> = {}): LogCollectorProps => ({
  namespace: 'logging',
  image: 'cr.fluentbit.io/fluent/fluent-bit:5.1.4',
  environment: 'prod',
  sink,
  sinkNetworks: ['10.20.3.0/24'],
  apiServers: { addresses: ['10.20.0.11', '10.20.0.12', '10.20.0.13'], port: 6443 },
  bufferBytes: 5 * 1024 ** 3,
  maxChunksUp: 64,
  retryLimit: 'unlimited',
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
  priorityClassName: 'system-node-critical',
  monitoring: {
    prometheusNamespace: 'monitoring',
    selectorLabels: { release: 'kube-prometheus-stack' },
    interval: '30s',
    bufferUsedPercent: 80,
  },
  ...extra,
});

// biome-ignore lint/suspicious/noExplicitAny: synthesized manifests are untyped JSON
type Manifest = any;

function synth(collectorProps: LogCollectorProps): Manifest[] {
  const chart = new Chart(Testing.app(), 'test');
  new LogCollector(chart, 'log-collector', collectorProps);
  return Testing.synth(chart);
}
const find = (objects: Manifest[], kind: string, name: string): Manifest => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
};
const ROLES: CollectorRole[] = ['node', 'control-plane'];

describe('the Fluent Bit configuration', () => {
  for (const [type, sink] of Object.entries(SINKS))
    for (const role of ROLES)
      it(`${type}, ${role}: every input is tagged, buffers on disk and pauses under backpressure; every tail input has a parser; every output caps its disk buffer`, () => {
        const config = fluentBitConfig(props(sink), role);
        const { inputs, filters, outputs } = config.pipeline;
        expect(inputs.length).toBeGreaterThanOrEqual(3);
        for (const input of inputs) {
          expect([input.alias, input.tag]).toEqual([input.alias, expect.stringMatching(/^[a-z][a-z.*-]+$/)]);
          expect([input.alias, input['storage.type'], input['storage.pause_on_chunks_overlimit']]).toEqual([
            input.alias,
            'filesystem',
            'on',
          ]);
          // Positions and cursors on the host, so that a replaced pod resumes where the last one stopped.
          expect(String(input.db)).toMatch(new RegExp(`^${LOG_COLLECTOR.stateDir}/`));
          if (input.name === 'tail')
            expect(input.parser ?? input['multiline.parser']).toEqual(expect.any(String));
          // Every tail parser the config names is one it defines (or a built-in multiline parser).
          if (input.parser) expect(config.parsers.map((p) => p.name)).toContain(input.parser);
        }
        expect(new Set(inputs.map((input) => input.tag)).size).toBe(inputs.length);
        expect(outputs.length).toBe(1);
        for (const output of outputs) {
          expect(output['storage.total_limit_size']).toBe(String(5 * 1024 ** 3));
          expect(output.match).toBe('*');
          expect(output.retry_limit).toBe('no_limits');
        }
        // Every input's records get their source; pod metadata only for container logs.
        for (const input of inputs)
          expect(filters).toContainEqual(expect.objectContaining({ name: 'modify', match: input.tag }));
        expect(filters.find((f) => f.name === 'kubernetes')?.match).toBe('kube.*');
        expect(config.service['storage.path']).toBe(`${LOG_COLLECTOR.stateDir}/buffer`);
        expect(config.service['storage.max_chunks_up']).toBe(64);
        expect(config.service['storage.metrics']).toBe('on');
      });

  it('reads the audit log on the masters only', () => {
    const paths = (role: CollectorRole) =>
      fluentBitConfig(props(SINKS.loki), role).pipeline.inputs.map((i) => i.path);
    expect(paths('control-plane')).toContain(LOG_COLLECTOR.auditLog);
    expect(paths('node')).not.toContain(LOG_COLLECTOR.auditLog);
    expect(paths('node')).toEqual(paths('control-plane').filter((p) => p !== LOG_COLLECTOR.auditLog));
  });

  it('reads kubelet and containerd from the journal, and container logs in the CRI format', () => {
    const inputs = fluentBitConfig(props(SINKS.loki), 'node').pipeline.inputs;
    expect(inputs.filter((i) => i.name === 'systemd').map((i) => i.systemd_filter)).toEqual([
      '_SYSTEMD_UNIT=kubelet.service',
      '_SYSTEMD_UNIT=containerd.service',
    ]);
    expect(inputs.find((i) => i.alias === 'containers')).toMatchObject({
      path: '/var/log/containers/*.log',
      'multiline.parser': 'cri',
    });
  });

  it('a finite retry limit is written as a number', () => {
    expect(
      fluentBitConfig(props(SINKS.loki, { retryLimit: 20 }), 'node').pipeline.outputs[0]?.retry_limit,
    ).toBe(20);
  });

  it('renders YAML that reads back as the same configuration, byte-identical across runs', () => {
    for (const sink of Object.values(SINKS)) {
      const config = fluentBitConfig(props(sink), 'control-plane');
      const text = renderFluentBitConfig(config);
      expect(parse(text) as FluentBitConfig).toEqual(config);
      expect(renderFluentBitConfig(fluentBitConfig(props(sink), 'control-plane'))).toBe(text);
    }
  });

  it('writes each sink with its own plugin and takes credentials from environment variables only', () => {
    const output = (type: LogSink['type']) => fluentBitConfig(props(SINKS[type]), 'node').pipeline.outputs[0];
    expect(output('loki')).toMatchObject({
      name: 'loki',
      host: 'loki.example.com',
      port: 3100,
      uri: '/loki/api/v1/push',
      tenant_id: 'platform',
      tls: 'on',
      'tls.verify': 'on',
      'tls.ca_file': `${LOG_COLLECTOR.caDir}/ca.crt`,
      bearer_token: ref('LOG_SINK_TOKEN'),
    });
    expect(output('elasticsearch')).toMatchObject({
      name: 'es',
      http_user: ref('LOG_SINK_USERNAME'),
      http_passwd: ref('LOG_SINK_PASSWORD'),
      suppress_type_name: 'on',
    });
    expect(output('opensearch')).toMatchObject({
      name: 'opensearch',
      logstash_prefix: 'prod-logs',
      'tls.verify': 'off',
    });
    expect(output('opensearch')).not.toHaveProperty('tls.ca_file');
    expect(output('kafka')).toMatchObject({
      name: 'kafka',
      brokers: '10.20.3.51:9093,10.20.3.52:9094',
      topics: 'logs',
      'rdkafka.security.protocol': 'SASL_SSL',
      'rdkafka.sasl.mechanisms': 'SCRAM-SHA-512',
      'rdkafka.sasl.password': ref('LOG_SINK_PASSWORD'),
      'rdkafka.ssl.ca.location': `${LOG_COLLECTOR.caDir}/ca.crt`,
    });
    const plain: LogSink = {
      ...(SINKS.kafka as LogSink & { type: 'kafka' }),
      tls: { enabled: false, verify: true },
    };
    delete (plain as { auth?: unknown }).auth;
    expect(fluentBitConfig(props(plain), 'node').pipeline.outputs[0]?.['rdkafka.security.protocol']).toBe(
      'PLAINTEXT',
    );
  });

  it('refuses a buffer below 1 MiB, naming the value', () => {
    expect(() => fluentBitConfig(props(SINKS.loki, { bufferBytes: 1000 }), 'node')).toThrow(
      "LogCollector: 'bufferBytes' (1000) must be a whole number of at least 1 MiB",
    );
  });
});

describe('the LogCollector objects', () => {
  it('pass the Kubernetes 1.28 OpenAPI schemas, for every sink type', () => {
    const builtIn = Object.values(SINKS).flatMap((sink) =>
      synth(props(sink)).filter((o) => !o.apiVersion.startsWith('monitoring.coreos.com/')),
    );
    expect(builtIn.length).toBeGreaterThan(30);
    expect(validateKubernetesObjects(builtIn)).toEqual(builtIn.map(() => []));
  });

  it('run one pod per node: the masters by their control-plane label, every other node by its absence; every taint tolerated', () => {
    const objects = synth(props(SINKS.opensearch));
    const node = find(objects, 'DaemonSet', 'fluent-bit').spec.template.spec;
    const master = find(objects, 'DaemonSet', 'fluent-bit-control-plane').spec.template.spec;
    expect(master.nodeSelector).toEqual({ 'node-role.kubernetes.io/control-plane': '' });
    expect(node.nodeSelector).toBeUndefined();
    expect(
      node.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms,
    ).toEqual([
      { matchExpressions: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'DoesNotExist' }] },
    ]);
    for (const pod of [node, master]) {
      expect(pod.tolerations).toEqual([{ operator: 'Exists' }]);
      expect(pod.priorityClassName).toBe('system-node-critical');
      expect(pod.hostNetwork).toBeUndefined();
    }
  });

  it('mounts only /var/log (read-only), the machine id and its state directory from the host, with no capability', () => {
    const pod = find(synth(props(SINKS.elasticsearch)), 'DaemonSet', 'fluent-bit').spec.template.spec;
    const hostPaths = pod.volumes.filter((v: Manifest) => v.hostPath).map((v: Manifest) => v.hostPath.path);
    expect(hostPaths).toEqual(['/var/log', '/etc/machine-id', LOG_COLLECTOR.stateDir]);
    const [container] = pod.containers;
    const mounts = new Map(container.volumeMounts.map((m: Manifest) => [m.mountPath, m.readOnly === true]));
    expect([
      mounts.get('/var/log'),
      mounts.get('/etc/machine-id'),
      mounts.get(LOG_COLLECTOR.stateDir),
    ]).toEqual([true, true, false]);
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    // Credentials only by Secret reference; the CA mounted from its Secret.
    expect(container.env).toEqual([
      { name: 'LOG_SINK_USERNAME', valueFrom: { secretKeyRef: { name: 'es-user', key: 'username' } } },
      { name: 'LOG_SINK_PASSWORD', valueFrom: { secretKeyRef: { name: 'es-user', key: 'password' } } },
    ]);
    expect(pod.volumes).toContainEqual({
      name: 'sink-ca',
      secret: { secretName: 'sink-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] },
    });
  });

  it('gives each DaemonSet its own configuration, and rolls the pods when it changes', () => {
    const objects = synth(props(SINKS.loki));
    const configMap = find(objects, 'ConfigMap', 'fluent-bit');
    expect(Object.keys(configMap.data).sort()).toEqual(['control-plane.yaml', 'node.yaml']);
    expect(configMap.data['control-plane.yaml']).toContain(LOG_COLLECTOR.auditLog);
    expect(configMap.data['node.yaml']).not.toContain(LOG_COLLECTOR.auditLog);
    for (const [name, key] of [
      ['fluent-bit', 'node.yaml'],
      ['fluent-bit-control-plane', 'control-plane.yaml'],
    ] as const) {
      const pod = find(objects, 'DaemonSet', name).spec.template;
      expect(pod.spec.volumes[0]).toEqual({
        name: 'config',
        configMap: { name: 'fluent-bit', items: [{ key, path: 'fluent-bit.yaml' }] },
      });
      expect(pod.metadata.annotations['platform-blueprint.io/config-sha256']).toMatch(/^[a-f0-9]{64}$/);
    }
    const before = find(objects, 'DaemonSet', 'fluent-bit').spec.template.metadata.annotations;
    const after = find(synth(props(SINKS.loki, { maxChunksUp: 128 })), 'DaemonSet', 'fluent-bit').spec
      .template.metadata.annotations;
    expect(after['platform-blueprint.io/config-sha256']).not.toBe(
      before['platform-blueprint.io/config-sha256'],
    );
  });

  it('allows egress to DNS, the sink port on its networks and the API servers only, and ingress from Prometheus to the metrics port only', () => {
    const policies = synth(props(SINKS.kafka)).filter((o) => o.kind === 'NetworkPolicy');
    expect(policies.map((p) => p.metadata.name).sort()).toEqual([
      'allow-dns-egress',
      'allow-fluent-bit',
      'default-deny-egress',
    ]);
    expect(find(policies, 'NetworkPolicy', 'default-deny-egress').spec).toEqual({
      podSelector: {},
      policyTypes: ['Egress'],
    });
    const allow = find(policies, 'NetworkPolicy', 'allow-fluent-bit').spec;
    expect(allow.egress).toEqual([
      {
        to: [{ ipBlock: { cidr: '10.20.3.0/24' } }],
        ports: [
          { port: 9093, protocol: 'TCP' },
          { port: 9094, protocol: 'TCP' },
        ],
      },
      {
        to: ['10.20.0.11', '10.20.0.12', '10.20.0.13'].map((ip) => ({ ipBlock: { cidr: `${ip}/32` } })),
        ports: [{ port: 6443, protocol: 'TCP' }],
      },
    ]);
    expect(allow.ingress).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
            podSelector: {},
          },
        ],
        ports: [{ port: 2020, protocol: 'TCP' }],
      },
    ]);
  });

  it("scrapes /api/v2/metrics/prometheus with a PodMonitor and alerts on the collector's own failures", () => {
    const objects = synth(props(SINKS.loki));
    const monitor = find(objects, 'PodMonitor', 'fluent-bit');
    expect(monitor.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    expect(monitor.spec.jobLabel).toBe('app.kubernetes.io/name');
    expect(monitor.spec.podMetricsEndpoints[0]).toMatchObject({
      port: 'metrics',
      path: '/api/v2/metrics/prometheus',
    });
    const rules = find(objects, 'PrometheusRule', 'fluent-bit').spec.groups[0].rules;
    expect(rules.map((r: Manifest) => r.alert)).toEqual([
      'LogCollectorDown',
      'LogCollectorOutputErrors',
      'LogCollectorRetriesFailed',
      'LogCollectorRecordsDropped',
      'LogCollectorBufferNearLimit',
    ]);
    expect(rules[4].expr).toBe('fluentbit_output_chunk_available_capacity_percent{job="fluent-bit"} < 20');
    for (const rule of rules) expect(rule.labels.environment).toBe('prod');
  });

  it('without Prometheus: no PodMonitor, no alerts, no ingress', () => {
    const objects = synth(props(SINKS.loki, { monitoring: undefined }));
    expect(objects.filter((o) => ['PodMonitor', 'PrometheusRule'].includes(o.kind))).toEqual([]);
    expect(find(objects, 'NetworkPolicy', 'allow-fluent-bit').spec.policyTypes).toEqual(['Egress']);
  });
});
