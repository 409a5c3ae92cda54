import { z } from 'zod';
import { serviceAutoscaling } from './autoscaling';
import { dnsLabel, dnsSubdomain, labelValue, port, secretRef } from './common';
import { trafficProtection } from './traffic-protection';

/**
 * Container image pinned by tag or digest: `registry/repo:1.2.3` or `registry/repo@sha256:<64 hex>`.
 * `:latest` and untagged images are refused, because a rollout must be reproducible.
 */
export const pinnedImage = z
  .string({ error: 'must be a string holding a container image' })
  .refine(
    (image) => /^[^\s:@]+(:[0-9]+)?(\/[^\s:@]+)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/.test(image),
    {
      error: 'is not a container image reference (registry/repository:tag or @sha256:digest)',
    },
  )
  .refine((image) => imageTag(image) !== undefined || image.includes('@sha256:'), {
    error: 'is not pinned: give a tag (repo:1.4.2) or a digest (repo@sha256:...)',
  })
  .refine((image) => imageTag(image) !== 'latest', {
    error: 'is pinned to :latest, which moves; give a version tag or a digest',
  });

/** The tag of an image reference, or undefined when it has none (a registry port is not a tag). */
export function imageTag(image: string): string | undefined {
  const withoutDigest = image.split('@')[0] ?? image;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const lastPart = withoutDigest.slice(lastSlash + 1);
  const colon = lastPart.indexOf(':');
  return colon === -1 ? undefined : lastPart.slice(colon + 1);
}

/** A Kubernetes/Gateway API duration in whole seconds or milliseconds, e.g. `10s`, `500ms`. */
export const routeDuration = z.string().regex(/^([0-9]{1,5}(h|m|s|ms)){1,4}$/, {
  error: 'is not a Gateway API duration (e.g. 500ms, 10s, 1m)',
});

/**
 * A path an HTTPRoute may match: absolute, of URL path characters, without the segments the
 * Gateway API refuses (`//`, `/./`, `/../`, `%2F`, `#`, a trailing `/.` or `/..`).
 */
export const routePath = z
  .string()
  .regex(/^\/(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})*$/, {
    error: 'is not an absolute URL path (starts with "/", letters, digits and -._~!$&\'()*+,;=:@/ or %XX)',
  })
  .refine(
    (path) =>
      !['//', '/./', '/../', '%2f', '%2F', '#'].some((bad) => path.includes(bad)) &&
      !path.endsWith('/.') &&
      !path.endsWith('/..'),
    { error: 'must not contain //, /./, /../ or %2F, nor end with /. or /..' },
  );

const cpuQuantity = z
  .union([z.string(), z.number()])
  .transform((value) => String(value))
  .pipe(
    z.string().regex(/^([1-9][0-9]*m|[0-9]+(\.[0-9]{1,3})?)$/, {
      error: 'is not a CPU quantity (millicores such as 250m, or cores such as 1 or 0.5)',
    }),
  );

const memoryQuantity = z
  .string({ error: 'must be a string such as 256Mi or 1Gi' })
  .regex(/^[1-9][0-9]*(Mi|Gi)$/, {
    error: 'is not a memory quantity in Mi or Gi (e.g. 256Mi, 1Gi)',
  });

const cpuAndMemory = z.strictObject({
  cpu: cpuQuantity.describe('CPU, in millicores (250m) or cores (1).'),
  memory: memoryQuantity.describe('Memory, in Mi or Gi (256Mi, 1Gi).'),
});

/** Requests and limits of the service's container. */
export const serviceResources = z
  .strictObject({
    requests: cpuAndMemory
      .prefault({ cpu: '100m', memory: '128Mi' })
      .describe(
        'What the scheduler reserves; HPA utilization is a percentage of it. @default {cpu: 100m, memory: 128Mi}',
      ),
    limits: cpuAndMemory
      .prefault({ cpu: '1', memory: '512Mi' })
      .describe(
        'The most the container may use; memory above it is OOM-killed. @default {cpu: "1", memory: 512Mi}',
      ),
  })
  .describe('Container resources. @default requests 100m/128Mi, limits 1/512Mi');
export type ServiceResourcesSpec = z.infer<typeof serviceResources>;

/** One health probe of the container. */
export const probe = z.strictObject({
  path: z
    .string()
    .regex(/^\/[^\s]*$/, { error: 'must be an absolute HTTP path starting with "/"' })
    .optional()
    .describe('HTTP path probed on an http service. @default /ready for readiness, /healthz otherwise'),
  port: z
    .string()
    .optional()
    .describe("Name of the port probed (one of `ports[].name`). @default the service's first port"),
  initialDelaySeconds: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe('Seconds before the first probe. Prefer a startup probe for slow starts. @default 0'),
  periodSeconds: z.number().int().min(1).default(5).describe('Seconds between probes. @default 5'),
  timeoutSeconds: z.number().int().min(1).default(2).describe('Seconds a probe may take. @default 2'),
  failureThreshold: z
    .number()
    .int()
    .min(1)
    .default(3)
    .describe('Consecutive failures before the probe fails. @default 3'),
});
export type ProbeSpec = z.infer<typeof probe>;

/**
 * The three probes. gRPC services use the standard gRPC health protocol
 * (grpc.health.v1.Health) on the named port; HTTP services an HTTP GET of `path`.
 */
export const serviceProbes = z
  .strictObject({
    startup: probe
      .prefault({ periodSeconds: 2, failureThreshold: 60 })
      .describe(
        'Holds readiness and liveness back while the app starts (up to period x threshold). @default /healthz every 2s, 60 tries',
      ),
    readiness: probe
      .prefault({})
      .describe(
        'Decides whether the pod receives traffic; it must fail while the app drains. @default /ready every 5s',
      ),
    liveness: probe
      .prefault({ periodSeconds: 10 })
      .describe('Restarts a hung container. @default /healthz every 10s'),
  })
  .describe('Startup, readiness and liveness probes. @default all three, on the first port');
export type ServiceProbesSpec = z.infer<typeof serviceProbes>;

/** Lossless online and offline: warm-up before traffic, drain before stop, never fewer ready pods. */
export const lossless = z
  .strictObject({
    maxSurge: z
      .union([
        z.number().int().min(1),
        z.string().regex(/^([1-9][0-9]?|100)%$/, { error: 'is not a percentage 1%-100%' }),
      ])
      .default('25%')
      .describe(
        'Extra pods a rollout may start (count or percentage); maxUnavailable is always 0. @default 25%',
      ),
    minReadySeconds: z
      .number()
      .int()
      .min(0)
      .max(599, {
        error:
          "must be less than 600: the Deployment's progress deadline is 600 s, and the warm-up must end before it",
      })
      .default(10)
      .describe(
        'Warm-up: seconds a new pod must stay ready before the rollout counts it and moves on. @default 10',
      ),
    preStopSeconds: z
      .number()
      .int()
      .min(0)
      .default(15)
      .describe(
        'Graceful drain: seconds the preStop hook waits before SIGTERM, while endpoints and gateways stop sending. @default 15',
      ),
    preStopPath: z
      .string()
      .regex(/^\/[^\s]*$/, { error: 'must be an absolute HTTP path starting with "/"' })
      .optional()
      .describe(
        'HTTP path of a drain endpoint called as the preStop hook (the app stops taking new work and waits preStopSeconds itself); for images without a `sleep` binary. @default - exec `sleep preStopSeconds`',
      ),
    terminationGracePeriodSeconds: z
      .number()
      .int()
      .min(1)
      .default(45)
      .describe(
        "Seconds from the start of termination to SIGKILL: preStop plus the app's own shutdown. @default 45",
      ),
  })
  .describe('Lossless rollout and scale-in. @default maxSurge 25%, 10s warm-up, 15s drain, 45s grace');
export type LosslessSpec = z.infer<typeof lossless>;

/** A named port of the service. */
export const servicePort = z.strictObject({
  name: dnsLabel
    .max(15, { error: 'is longer than 15 characters (an IANA service name)' })
    .describe('Port name, unique in the service (IANA service name, at most 15).'),
  port: port.describe('Port the Service exposes.'),
  targetPort: port.optional().describe('Port the container listens on. @default the same as `port`'),
});
export type ServicePortSpec = z.infer<typeof servicePort>;

/** A header a request must carry to enter a gray lane (besides the mark itself). */
export const headerMatch = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/, { error: 'is not an HTTP header name' })
    .describe('Header name, e.g. x-user-group.'),
  value: z.string().min(1).describe('Exact header value, e.g. beta.'),
});

/** A gray (canary) version of the service running beside the stable one. */
export const grayRelease = z
  .strictObject({
    image: pinnedImage.describe('Image of the gray version, pinned by tag or digest.'),
    version: labelValue.optional().describe('Version label of the gray pods. @default the tag of `image`'),
    lane: dnsLabel
      .max(20, { error: 'is longer than 20 characters' })
      .default('gray')
      .describe(
        'Lane name: the value of the mark header and the lane label. Services released together share a lane. @default gray',
      ),
    weight: z
      .number({ error: 'must be a number between 0 and 100' })
      .int({ error: 'must be a whole number between 0 and 100' })
      .min(0, { error: 'must be between 0 and 100 (percent of unmarked traffic sent to the gray version)' })
      .max(100, { error: 'must be between 0 and 100 (percent of unmarked traffic sent to the gray version)' })
      .default(0)
      .describe('Percent of unmarked traffic sent to the gray version, which is then marked. @default 0'),
    headers: z
      .array(headerMatch)
      .default([])
      .describe(
        'Requests carrying all of these headers enter the lane (and are marked). @default [] - only marked requests and `weight`',
      ),
    replicas: z
      .number()
      .int()
      .min(1)
      .default(1)
      .describe(
        'Replicas of the gray version; with `autoscaling` on the service, the minimum of its HPA. @default 1',
      ),
    maxReplicas: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe(
        "Most replicas of the gray version's HPA (only with `autoscaling` on the service), so that a weighted share or a flood of marked requests cannot overrun the lane. @default the stable `autoscaling.maxReplicas`",
      ),
    env: z
      .record(z.string(), z.string())
      .default({})
      .describe('Environment variables of the gray version that differ from the stable ones. @default {}'),
  })
  .describe('A gray release in progress: a second Deployment and Service, and routes by weight and by mark.');
export type GrayReleaseSpec = z.infer<typeof grayRelease>;

/** How the gateway exposes the service. */
export const serviceRoute = z
  .strictObject({
    hostnames: z
      .array(dnsSubdomain)
      .default([])
      .describe("Host names routed to the service. @default [] - the gateway's listeners' host names"),
    pathPrefixes: z
      .array(routePath)
      .min(1, { error: 'must list at least one path prefix' })
      .max(32, { error: 'must list at most 32 path prefixes (an HTTPRoute holds fewer than 128 matches)' })
      .default(['/'])
      .describe('Path prefixes routed to the service (HTTP only). @default ["/"]'),
    port: z
      .string()
      .optional()
      .describe("Name of the service port routed to. @default the service's first port"),
    timeout: routeDuration
      .default('15s')
      .describe(
        'Longest a request may take through the gateway, retries included (HTTPRoute timeouts; a BackendTrafficPolicy on gRPC routes). @default 15s',
      ),
    backendTimeout: routeDuration
      .optional()
      .describe('Longest one attempt to a backend may take (HTTP only). @default - the same as `timeout`'),
    protection: trafficProtection
      .prefault({})
      .describe(
        'Rate limits, circuit breaking, outlier detection, retries, timeouts and a fixed response (Envoy Gateway policies). @default 1000 req/s, circuit breaker and outlier detection on, no retries',
      ),
  })
  .describe('Expose the service through the gateway.');
export type ServiceRouteSpec = z.infer<typeof serviceRoute>;

/** An environment variable: a literal value, or a key of a Secret or ConfigMap (never a secret value). */
export const envVar = z.union([
  z.string().describe('Literal value.'),
  z
    .strictObject({ secret: secretRef.describe('The Secret key that holds the value.') })
    .describe('Value from a Secret key.'),
  z
    .strictObject({
      configMap: z
        .strictObject({
          name: dnsSubdomain.describe('ConfigMap name.'),
          key: z.string().min(1).describe('Key in the ConfigMap.'),
        })
        .describe('The ConfigMap key that holds the value.'),
    })
    .describe('Value from a ConfigMap key.'),
]);

/** A microservice of the platform. */
export const service = z.strictObject({
  name: dnsLabel
    .max(40, { error: "is longer than 40 characters (it prefixes the gray objects' names)" })
    .describe('Service name, unique in the environment; names the Deployment and the Service.'),
  namespace: dnsLabel.describe('Namespace the service runs in; one of `namespaces[].name`.'),
  image: pinnedImage.describe('Container image, pinned by tag or digest (never :latest).'),
  version: labelValue
    .optional()
    .describe(
      'Version label (app.kubernetes.io/version) and OpenTelemetry service.version. @default the tag of `image`',
    ),
  protocol: z
    .enum(['http', 'grpc'], { error: 'must be one of http, grpc' })
    .default('http')
    .describe(
      'Protocol of the service: decides HTTPRoute or GRPCRoute, and HTTP or gRPC probes. @default http',
    ),
  ports: z
    .array(servicePort)
    .min(1, { error: 'must list at least one port' })
    .default([{ name: 'http', port: 8080 }])
    .describe(
      'Named ports; the first is the main port (routes, probes). @default [{name: http, port: 8080}]',
    ),
  replicas: z.number().int().min(0).default(2).describe('Replicas when not autoscaled. @default 2'),
  pool: dnsLabel
    .optional()
    .describe(
      'Node pool to run on; its taints are tolerated and its nodes selected. @default - any general node',
    ),
  autoscaling: serviceAutoscaling
    .optional()
    .describe('Horizontal pod autoscaling. @default - a fixed replica count'),
  resources: serviceResources
    .prefault({})
    .describe('Container requests and limits. @default requests 100m/128Mi, limits 1/512Mi'),
  probes: serviceProbes
    .prefault({})
    .describe('Startup, readiness and liveness probes. @default all three on the first port'),
  lossless: lossless
    .prefault({})
    .describe(
      'Lossless rollout and scale-in settings. @default maxSurge 25%, 10s warm-up, 15s drain, 45s grace',
    ),
  env: z
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'is not an environment variable name' }),
      envVar,
    )
    .default({})
    .describe('Environment variables: literal values, or Secret/ConfigMap keys by reference. @default {}'),
  uses: z
    .array(dnsLabel)
    .default([])
    .describe(
      'Names of the services, databases and external services this service calls; used by network policy and topology. @default []',
    ),
  route: serviceRoute
    .optional()
    .describe('Expose the service through the gateway. @default - reachable inside the cluster only'),
  gray: grayRelease
    .optional()
    .describe('A gray release in progress. @default - no gray version; stable gets 100%'),
});
export type ServiceSpec = z.infer<typeof service>;

export const services = z
  .array(service)
  .default([])
  .describe('The microservices of the platform. @default []');
