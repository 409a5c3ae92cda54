import { z } from 'zod';
import { ipv4Cidr } from './common';

/**
 * Traffic protection of one public route, rendered as an Envoy Gateway (v1.2) BackendTrafficPolicy
 * on the route (and a second, method-matched route for retries): local rate limits, a circuit
 * breaker, outlier detection, retries on idempotent methods, upstream timeouts and a fixed
 * response when the backend is limited or unhealthy. The defaults protect every public route.
 */

/** A duration as Envoy Gateway takes it (`metav1.Duration` / Gateway API duration): `500ms`, `10s`, `1m`, `1h`. */
const protectionDuration = z.string().regex(/^([0-9]{1,5}(h|m|s|ms)){1,4}$/, {
  error: 'is not a duration (e.g. 500ms, 10s, 1m, 1h)',
});

/** HTTP methods a retry may cover; POST and PATCH are not idempotent. */
export const HTTP_METHODS = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'POST', 'PATCH'] as const;
/** The idempotent methods (RFC 9110 9.2.2): a retry cannot do their work twice. */
export const IDEMPOTENT_METHODS: readonly string[] = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'];

/** Which clients a rate limit counts separately: one header value, or one source network. */
export const rateLimitClient = z
  .strictObject({
    header: z
      .strictObject({
        name: z
          .string()
          .regex(/^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/, { error: 'is not an HTTP header name' })
          .describe('Header name, e.g. x-api-key or x-tenant.'),
        value: z.string().min(1).max(1024).describe('Exact header value of the client, e.g. partner-a.'),
      })
      .optional()
      .describe('Requests carrying this header value share the limit. @default - not by header'),
    sourceCidr: ipv4Cidr
      .optional()
      .describe(
        'Requests from this network (the client address Envoy sees) share the limit. @default - not by network',
      ),
  })
  .refine((client) => client.header !== undefined || client.sourceCidr !== undefined, {
    error: 'must name a header or a sourceCidr (or leave `client` out for a per-route limit)',
  });

/** One local rate limit: at most `requests` per `unit`, per gateway proxy replica. */
export const rateLimit = z.strictObject({
  requests: z
    .number({ error: 'is required (a whole number of requests per unit)' })
    .int({ error: 'must be a whole number' })
    .min(1, { error: 'must be at least 1' })
    .describe('Requests allowed per unit; more are answered 429.'),
  unit: z
    .enum(['second', 'minute', 'hour'], { error: 'is required: one of second, minute, hour' })
    .describe('The unit of `requests`: second, minute or hour.'),
  client: rateLimitClient
    .optional()
    .describe(
      'Count only the requests of one client (a header value or a source network). @default - every request of the route',
    ),
});
export type RateLimitSpec = z.infer<typeof rateLimit>;

/** Envoy's circuit breaker: limits on the connections and requests towards the route's backends. */
export const circuitBreaker = z
  .strictObject({
    maxConnections: z
      .number()
      .int()
      .min(1)
      .default(1024)
      .describe('Most connections to the backends per proxy. @default 1024'),
    maxPendingRequests: z
      .number()
      .int()
      .min(1)
      .default(256)
      .describe('Most requests waiting for a connection; more fail fast with 503. @default 256'),
    maxParallelRequests: z
      .number()
      .int()
      .min(1)
      .default(1024)
      .describe('Most requests in flight to the backends per proxy. @default 1024'),
    maxParallelRetries: z
      .number()
      .int()
      .min(0)
      .default(3)
      .describe('Retry budget: most retries in flight to the backends per proxy. @default 3'),
  })
  .describe('Circuit breaker. @default 1024 connections, 256 pending, 1024 in flight, 3 retries in flight');

/** Outlier detection (Envoy Gateway's passive health check): eject backends that keep failing. */
export const outlierDetection = z
  .strictObject({
    consecutive5xxErrors: z
      .number()
      .int()
      .min(1)
      .default(5)
      .describe('Consecutive 5xx answers after which a backend pod is ejected. @default 5'),
    interval: protectionDuration.default('10s').describe('How often ejection is evaluated. @default 10s'),
    baseEjectionTime: protectionDuration
      .default('30s')
      .describe('How long a pod stays ejected the first time (times the ejection count). @default 30s'),
    maxEjectionPercent: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(50)
      .describe('Most pods of a backend ejected at once, in percent. @default 50'),
  })
  .describe('Outlier detection. @default eject after 5 consecutive 5xx, every 10s, for 30s, at most 50%');

/** Retries of failed attempts: a budget, and only idempotent methods unless opted in. */
export const retry = z
  .strictObject({
    attempts: z
      .number()
      .int()
      .min(1)
      .max(5)
      .default(2)
      .describe('Retries per request (numRetries), within `route.timeout`. @default 2'),
    on: z
      .array(
        z.enum([
          '5xx',
          'gateway-error',
          'reset',
          'connect-failure',
          'retriable-4xx',
          'refused-stream',
          'retriable-status-codes',
          'cancelled',
          'deadline-exceeded',
          'internal',
          'resource-exhausted',
          'unavailable',
        ]),
      )
      .min(1)
      .default(['connect-failure', 'refused-stream', 'reset', 'retriable-status-codes'])
      .describe(
        'Envoy retry triggers. @default [connect-failure, refused-stream, reset, retriable-status-codes]',
      ),
    statusCodes: z
      .array(z.number().int().min(100).max(599))
      .default([503])
      .describe('Status codes that trigger a retry with `retriable-status-codes`. @default [503]'),
    backOff: z
      .strictObject({
        baseInterval: protectionDuration.default('100ms').describe('First back-off. @default 100ms'),
        maxInterval: protectionDuration.default('1s').describe('Longest back-off. @default 1s'),
      })
      .prefault({})
      .describe('Back-off between attempts. @default 100ms, at most 1s'),
    methods: z
      .array(z.enum(HTTP_METHODS, { error: `must be one of ${HTTP_METHODS.join(', ')}` }))
      .min(1)
      .default([...IDEMPOTENT_METHODS] as (typeof HTTP_METHODS)[number][])
      .describe(
        'Methods retried (HTTP routes); POST and PATCH need `retryNonIdempotent`. @default [GET, HEAD, OPTIONS, PUT, DELETE]',
      ),
    retryNonIdempotent: z
      .boolean()
      .default(false)
      .describe(
        'Allow retrying POST and PATCH (and every gRPC call, which is a POST): the backend may do the work twice. @default false',
      ),
  })
  .superRefine((value, ctx) => {
    if (value.retryNonIdempotent) return;
    value.methods.forEach((method, i) => {
      if (!IDEMPOTENT_METHODS.includes(method))
        ctx.addIssue({
          code: 'custom',
          path: ['methods', i],
          input: method,
          message: `${method} is not idempotent: a retry may do its work twice; set retryNonIdempotent: true to retry it anyway`,
        });
    });
  });
export type RetrySpec = z.infer<typeof retry>;

/** What a client gets instead of a bare error when the route is limited or its backends are unhealthy. */
export const degradation = z
  .strictObject({
    statusCodes: z
      .array(z.number().int().min(400).max(599))
      .min(1)
      .default([429, 503])
      .describe(
        'Answers replaced by the fixed response: 429 (rate limited), 503 (circuit open, no healthy backend). @default [429, 503]',
      ),
    contentType: z
      .string()
      .min(1)
      .default('application/json')
      .describe('Content type of the fixed response. @default application/json'),
    body: z
      .string()
      .min(1)
      .max(4096)
      .default('{"error":"service temporarily unavailable, retry later"}')
      .describe(
        'Body of the fixed response. @default {"error":"service temporarily unavailable, retry later"}',
      ),
  })
  .describe(
    'A fixed response in place of 429/503 (responseOverride). @default 429 and 503 answered with a JSON body',
  );

/** Traffic protection of a public route. */
export const trafficProtection = z
  .strictObject({
    rateLimits: z
      .array(rateLimit)
      .min(1, { error: 'must list at least one rate limit: every public route is limited' })
      .max(16, { error: 'must list at most 16 rate limits' })
      .default([{ requests: 1000, unit: 'second' }])
      .describe(
        'Local rate limits, per gateway proxy replica; a request counts against every limit it matches and the strictest wins. @default [{requests: 1000, unit: second}]',
      ),
    circuitBreaker: circuitBreaker
      .prefault({})
      .describe(
        'Circuit breaker. @default 1024 connections, 256 pending, 1024 in flight, 3 retries in flight',
      ),
    outlierDetection: outlierDetection
      .prefault({})
      .describe('Outlier detection. @default eject after 5 consecutive 5xx, every 10s, for 30s, at most 50%'),
    retry: retry.optional().describe('Retries of failed attempts. @default - no retries'),
    idleTimeout: protectionDuration
      .default('1h')
      .describe('Idle time after which a connection to a backend is closed. @default 1h'),
    connectTimeout: protectionDuration
      .default('5s')
      .describe('Longest a connection to a backend may take to open. @default 5s'),
    degradation: degradation
      .prefault({})
      .describe('Fixed response in place of 429/503. @default 429 and 503 answered with a JSON body'),
  })
  .describe(
    'Rate limits, circuit breaking, outlier detection, retries, timeouts and a fixed response (Envoy Gateway policies). @default 1000 req/s, circuit breaker and outlier detection on, no retries',
  );
export type TrafficProtectionSpec = z.infer<typeof trafficProtection>;

/** Timeouts of client connections at the public listeners (a ClientTrafficPolicy on the Gateway). */
export const clientTimeouts = z
  .strictObject({
    idle: protectionDuration
      .default('1h')
      .describe('Idle time after which a client connection is closed. @default 1h'),
    requestReceived: protectionDuration
      .default('1m')
      .describe('Longest a client may take to send a whole request (headers and body). @default 1m'),
  })
  .describe('Client connection timeouts of the public listeners. @default idle 1h, request received 1m');
export type ClientTimeoutsSpec = z.infer<typeof clientTimeouts>;
