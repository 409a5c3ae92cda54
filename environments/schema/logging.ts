import { z } from 'zod';
import { dnsLabel, ipv4Cidr, quantity, secretRef } from './common';

/**
 * `addons.logging`: the log collector (Fluent Bit), a DaemonSet on every node that ships
 * container logs, the kubelet's and containerd's journald and, on the masters, the API server's
 * audit log to one sink per environment. See docs/logs.md.
 */

/** The Fluent Bit release the collector runs (image `cr.fluentbit.io/fluent/fluent-bit:<release without v>`). */
export const LOG_COLLECTOR_RELEASE = 'v5.1.4';

const HOST_PORT =
  /^(?<host>[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*):(?<port>\d{1,5})$/;

/** `host:port` of a sink: a DNS name or an IPv4 address, and a port. */
export const sinkAddress = z
  .string({ error: 'must be a string such as 10.20.3.50:9200 or logs.example.com:443' })
  .refine(
    (value) => {
      const port = Number(HOST_PORT.exec(value)?.groups?.port ?? 0);
      return port >= 1 && port <= 65535;
    },
    {
      error:
        'is not host:port (a lowercase DNS name or an IPv4 address, a colon and a port 1-65535, e.g. 10.20.3.50:9200 or logs.example.com:443)',
    },
  );

/** Splits a validated `host:port`. */
export function splitSinkAddress(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at), port: Number(address.slice(at + 1)) };
}

/** Whether a sink host is an IPv4 address (else a DNS name). */
export function isIpv4Host(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host);
}

const tls = z
  .strictObject({
    enabled: z
      .boolean({ error: 'must be true or false' })
      .default(true)
      .describe('Talk to the sink over TLS. @default true'),
    verify: z
      .boolean({ error: 'must be true or false' })
      .default(true)
      .describe("Check the sink's certificate (chain and name). @default true"),
    ca: secretRef
      .optional()
      .describe(
        "A Secret key holding the PEM CA certificate(s) that signed the sink's certificate; mounted read-only into the collector. @default - the image's system CAs",
      ),
  })
  .prefault({})
  .describe('TLS to the sink. @default enabled, verified against the system CAs');

const basicAuth = z
  .strictObject({
    username: secretRef.describe('Secret key holding the user name.'),
    password: secretRef.describe('Secret key holding the password.'),
  })
  .describe(
    'HTTP basic authentication; both values come from Secrets (the collector reads them from environment variables).',
  );

const networks = z
  .array(ipv4Cidr)
  .min(1, { error: 'must list at least one network' })
  .optional()
  .describe(
    "Networks the sink's addresses lie in: the collector's egress NetworkPolicy allows the sink's port(s) to them. Required when an address is a DNS name (a NetworkPolicy cannot name hosts). @default - each IPv4 address as a /32",
  );

const lokiSink = z.strictObject({
  type: z.literal('loki').describe('Grafana Loki (its push API).'),
  address: sinkAddress.describe('Loki (or its gateway) as host:port, e.g. 10.20.3.50:3100.'),
  path: z
    .string()
    .regex(/^\/[A-Za-z0-9._~/-]*$/, { error: 'is not an absolute URL path (e.g. /loki/api/v1/push)' })
    .default('/loki/api/v1/push')
    .describe('Path of the push API. @default /loki/api/v1/push'),
  tenantId: z
    .string()
    .regex(/^[A-Za-z0-9!._*'()-]{1,150}$/, { error: 'is not a Loki tenant id (X-Scope-OrgID)' })
    .optional()
    .describe('Tenant (X-Scope-OrgID) of a multi-tenant Loki. @default - none (single-tenant Loki)'),
  tls,
  auth: z
    .union([
      basicAuth.extend({ type: z.literal('basic').describe('HTTP basic authentication.') }),
      z.strictObject({
        type: z.literal('bearer').describe('A bearer token (Authorization: Bearer).'),
        token: secretRef.describe('Secret key holding the bearer token.'),
      }),
    ])
    .optional()
    .describe(
      'Authentication: `type: basic` (username and password) or `type: bearer` (token), from Secrets. @default - none',
    ),
  networks,
});

const searchSink = (type: 'elasticsearch' | 'opensearch', what: string) =>
  z.strictObject({
    type: z.literal(type).describe(what),
    address: sinkAddress.describe(
      'The cluster (or its coordinating nodes) as host:port, e.g. 10.20.3.50:9200.',
    ),
    index: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_.-]{0,200}$/, {
        error: 'is not an index prefix (lowercase letters, digits, _ . -, starting alphanumeric)',
      })
      .default('logs')
      .describe('Prefix of the daily indices (`<index>-YYYY.MM.DD`). @default logs'),
    tls,
    auth: basicAuth.optional().describe('Basic authentication from Secrets. @default - none'),
    networks,
  });

const kafkaSink = z.strictObject({
  type: z.literal('kafka').describe('Apache Kafka: one topic, JSON records.'),
  brokers: z
    .array(sinkAddress)
    .min(1, { error: 'must list at least one broker address' })
    .describe('Bootstrap brokers as host:port, e.g. [10.20.3.51:9093, 10.20.3.52:9093].'),
  topic: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,249}$/, { error: 'is not a Kafka topic name (A-Z a-z 0-9 . _ -, at most 249)' })
    .default('logs')
    .describe('Topic the records go to. @default logs'),
  tls,
  auth: z
    .strictObject({
      mechanism: z
        .enum(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'], {
          error: 'must be one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512',
        })
        .describe('SASL mechanism.'),
      username: secretRef.describe('Secret key holding the SASL user name.'),
      password: secretRef.describe('Secret key holding the SASL password.'),
    })
    .optional()
    .describe('SASL authentication from Secrets. @default - none'),
  networks,
});

/** Where the logs go: one typed sink per environment. */
export const logSink = z
  .discriminatedUnion(
    'type',
    [
      lokiSink,
      searchSink('elasticsearch', 'Elasticsearch (bulk API; 8.x: no mapping types).'),
      searchSink('opensearch', "OpenSearch (bulk API), e.g. KubeSphere's log store."),
      kafkaSink,
    ],
    { error: 'must have a type: one of loki, elasticsearch, opensearch, kafka' },
  )
  .describe('The sink: `type` loki, elasticsearch, opensearch or kafka, and its typed fields.');
export type LogSinkSpec = z.infer<typeof logSink>;

/** A size in bytes, Kubernetes-style (`5Gi`, `500Mi`, `2G`). */
const byteSize = z
  .string({ error: 'must be a size such as 5Gi or 500Mi' })
  .regex(/^[1-9]\d{0,5}(Ki|Mi|Gi|Ti|K|M|G|T)$/, {
    error: 'is not a size (a whole number and one of Ki, Mi, Gi, Ti, K, M, G, T, e.g. 5Gi)',
  });

/** Bytes of a validated {@link byteSize}. */
export function byteSizeValue(size: string): number {
  const match = /^(\d+)(Ki|Mi|Gi|Ti|K|M|G|T)$/.exec(size);
  if (!match)
    throw new Error(`byteSizeValue: ${JSON.stringify(size)} is not a size; the schema must reject it`);
  const unit = match[2] as string;
  const power = { K: 1, M: 2, G: 3, T: 4 }[unit[0] as 'K' | 'M' | 'G' | 'T'];
  return Number(match[1]) * (unit.endsWith('i') ? 1024 : 1000) ** power;
}

const resources = (requests: { cpu: string; memory: string }, limits: { cpu: string; memory: string }) =>
  z
    .strictObject({
      requests: z
        .strictObject({
          cpu: quantity.describe('CPU request.'),
          memory: quantity.describe('Memory request.'),
        })
        .default(requests)
        .describe(`Requests. @default cpu ${requests.cpu}, memory ${requests.memory}`),
      limits: z
        .strictObject({ cpu: quantity.describe('CPU limit.'), memory: quantity.describe('Memory limit.') })
        .default(limits)
        .describe(`Limits. @default cpu ${limits.cpu}, memory ${limits.memory}`),
    })
    .prefault({})
    .describe(
      `Requests and limits of each collector container. @default requests ${requests.cpu}/${requests.memory}, limits ${limits.cpu}/${limits.memory}`,
    );

/** `addons.logging`. */
export const logging = z
  .strictObject({
    enabled: z
      .boolean({ error: 'must be true or false' })
      .default(false)
      .describe(
        'Install the log collector (Fluent Bit) on every node, masters included. Needs a sink. @default false',
      ),
    version: z
      .literal(LOG_COLLECTOR_RELEASE, {
        error: `is not a pinned version of this add-on; this blueprint ships ${LOG_COLLECTOR_RELEASE} (a moving tag or another release is never installed unannounced)`,
      })
      .default(LOG_COLLECTOR_RELEASE)
      .describe(`Fluent Bit release; pinned. @default ${LOG_COLLECTOR_RELEASE}`),
    namespace: dnsLabel
      .default('logging')
      .describe(
        'Namespace of the collector, created privileged (it reads host paths) and holding nothing else. @default logging',
      ),
    sink: logSink.optional().describe('Where the logs go. Required when enabled. @default - none'),
    buffer: z
      .strictObject({
        size: byteSize
          .default('5Gi')
          .describe(
            'Disk buffer per node for the sink (storage.total_limit_size) under /var/lib/fluent-bit on the host; when it is full the oldest chunks are dropped. @default 5Gi',
          ),
        maxChunksUp: z
          .number({ error: 'must be a number' })
          .int({ error: 'must be a whole number' })
          .min(8, { error: 'must be at least 8' })
          .max(1024, { error: 'must be at most 1024' })
          .default(64)
          .describe(
            'Chunks (about 2 MB each) kept in memory (storage.max_chunks_up); inputs pause when they are all busy (backpressure). @default 64',
          ),
        retryLimit: z
          .union(
            [
              z
                .number()
                .int({ error: 'must be a whole number' })
                .min(1, { error: 'must be at least 1' })
                .max(1000),
              z.literal('unlimited'),
            ],
            { error: 'must be a whole number 1-1000 or unlimited' },
          )
          .default('unlimited')
          .describe(
            'Retries of a chunk the sink refused before it is dropped (retry_limit); `unlimited` keeps it until the disk buffer is full. @default unlimited',
          ),
      })
      .prefault({})
      .describe('Buffering to disk and backpressure. @default 5Gi, 64 chunks in memory, unlimited retries'),
    resources: resources({ cpu: '100m', memory: '128Mi' }, { cpu: '1', memory: '512Mi' }),
    alerts: z
      .strictObject({
        bufferUsedPercent: z
          .number({ error: 'must be a number' })
          .int({ error: 'must be a whole number' })
          .min(1, { error: 'must be at least 1' })
          .max(99, { error: 'must be at most 99' })
          .default(80)
          .describe(
            'LogCollectorBufferNearLimit fires when a node has used this much of its disk buffer. @default 80',
          ),
      })
      .prefault({})
      .describe("Thresholds of the collector's own alerts. @default buffer 80% used"),
  })
  .prefault({})
  .describe(
    "The log collector: Fluent Bit on every node, shipping container logs, kubelet and containerd journald and the masters' audit log to one typed sink, with a disk buffer. @default off",
  );
export type LoggingSpec = z.infer<typeof logging>;
