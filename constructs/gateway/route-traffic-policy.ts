import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ValidationError } from '../core/validation-error';

/** A local rate limit: `requests` per `unit`, per proxy replica, optionally for one client. */
export interface LocalRateLimit {
  /** Requests allowed per unit; more are answered 429. */
  readonly requests: number;
  /** The unit of `requests`. */
  readonly unit: 'second' | 'minute' | 'hour';
  /** Count only requests carrying this exact header value. @default - not by header */
  readonly clientHeader?: { readonly name: string; readonly value: string };
  /** Count only requests from this network (one shared bucket). @default - not by network */
  readonly clientCidr?: string;
}

/** Envoy's circuit breaker thresholds towards the route's backends (per proxy). */
export interface CircuitBreakerLimits {
  /** Most connections. */
  readonly maxConnections: number;
  /** Most requests waiting for a connection. */
  readonly maxPendingRequests: number;
  /** Most requests in flight. */
  readonly maxParallelRequests: number;
  /** Most retries in flight: the retry budget. */
  readonly maxParallelRetries: number;
}

/** Passive health checking (outlier detection). Durations such as `10s`. */
export interface OutlierDetection {
  /** Consecutive 5xx answers before a pod is ejected. */
  readonly consecutive5xxErrors: number;
  /** How often ejection is evaluated. */
  readonly interval: string;
  /** Ejection time of a first ejection. */
  readonly baseEjectionTime: string;
  /** Most pods ejected at once, in percent. */
  readonly maxEjectionPercent: number;
}

/** Retries of failed attempts (Envoy retry policy). */
export interface RetryPolicy {
  /** Retries per request. */
  readonly attempts: number;
  /** Envoy retry triggers, e.g. `connect-failure`, `retriable-status-codes`. */
  readonly on: readonly string[];
  /** Status codes that trigger a retry with `retriable-status-codes`. @default [] */
  readonly statusCodes?: readonly number[];
  /** Back-off between attempts. */
  readonly backOff: { readonly baseInterval: string; readonly maxInterval: string };
}

/** A fixed response in place of some status codes (Envoy's custom response filter). */
export interface FixedResponse {
  /** Status codes replaced, e.g. 429 and 503. */
  readonly statusCodes: readonly number[];
  /** Content type of the body. */
  readonly contentType: string;
  /** The body. */
  readonly body: string;
}

/** Props of {@link RouteTrafficPolicy}. */
export interface RouteTrafficPolicyProps {
  /** The route the policy protects (name, namespace and kind). */
  readonly route: {
    readonly kind: 'HTTPRoute' | 'GRPCRoute';
    readonly name: string;
    readonly namespace: string;
  };
  /** Local rate limits; a request counts against every limit it matches. Must not be empty. */
  readonly rateLimits: readonly LocalRateLimit[];
  /** Circuit breaker. @default - Envoy's defaults (1024 each, 3 retries) */
  readonly circuitBreaker?: CircuitBreakerLimits;
  /** Outlier detection. @default - none */
  readonly outlierDetection?: OutlierDetection;
  /** Retries. @default - Envoy Gateway's default retry policy (none) */
  readonly retry?: RetryPolicy;
  /** Longest a whole request may take (for routes without HTTPRoute timeouts, e.g. gRPC). @default - not set here */
  readonly requestTimeout?: string;
  /** Idle time after which a backend connection closes. @default - Envoy's 1h */
  readonly idleTimeout?: string;
  /** Longest a backend connection may take to open. @default - Envoy Gateway's 10s */
  readonly connectTimeout?: string;
  /** Fixed response in place of some status codes. @default - none */
  readonly fixedResponse?: FixedResponse;
  /** Labels of the policy. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

const UNITS = { second: 'Second', minute: 'Minute', hour: 'Hour' } as const;
const DURATION = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;

/**
 * An Envoy Gateway (v1.2) BackendTrafficPolicy on one route, named like the route: local rate
 * limits, circuit breaker, outlier detection (`healthCheck.passive`), retries, upstream timeouts
 * and a fixed response (`responseOverride`) in place of 429/503.
 */
export class RouteTrafficPolicy extends Construct {
  /** The BackendTrafficPolicy object. */
  public readonly policy: ApiObject;

  constructor(scope: Construct, id: string, props: RouteTrafficPolicyProps) {
    super(scope, id);
    const where = `RouteTrafficPolicy ${props.route.namespace}/${props.route.name}`;
    if (props.rateLimits.length === 0)
      throw new ValidationError(`${where}: 'rateLimits' must hold at least one limit`);
    if (props.rateLimits.length > 16)
      throw new ValidationError(`${where}: 'rateLimits' holds ${props.rateLimits.length}; at most 16`);
    const unscoped = props.rateLimits.filter((limit) => !limit.clientHeader && !limit.clientCidr);
    if (unscoped.length > 1)
      throw new ValidationError(
        `${where}: ${unscoped.length} rate limits without a client; a local rate limit holds at most one`,
      );
    const durations: Record<string, string | undefined> = {
      requestTimeout: props.requestTimeout,
      idleTimeout: props.idleTimeout,
      connectTimeout: props.connectTimeout,
      'outlierDetection.interval': props.outlierDetection?.interval,
      'outlierDetection.baseEjectionTime': props.outlierDetection?.baseEjectionTime,
      'retry.backOff.baseInterval': props.retry?.backOff.baseInterval,
      'retry.backOff.maxInterval': props.retry?.backOff.maxInterval,
    };
    for (const [field, value] of Object.entries(durations)) {
      if (value !== undefined && !DURATION.test(value))
        throw new ValidationError(`${where}: '${field}' (${JSON.stringify(value)}) is not a duration`);
    }
    if (props.retry && (props.retry.attempts < 1 || !Number.isInteger(props.retry.attempts)))
      throw new ValidationError(
        `${where}: 'retry.attempts' (${props.retry.attempts}) must be a whole number >= 1`,
      );

    const http = {
      ...(props.requestTimeout ? { requestTimeout: props.requestTimeout } : {}),
      ...(props.idleTimeout ? { connectionIdleTimeout: props.idleTimeout } : {}),
    };
    const spec: Record<string, unknown> = {
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: props.route.kind, name: props.route.name }],
      rateLimit: { type: 'Local', local: { rules: props.rateLimits.map(toRateLimitRule) } },
      ...(props.circuitBreaker ? { circuitBreaker: { ...props.circuitBreaker } } : {}),
      ...(props.outlierDetection
        ? {
            healthCheck: {
              passive: {
                consecutive5XxErrors: props.outlierDetection.consecutive5xxErrors,
                interval: props.outlierDetection.interval,
                baseEjectionTime: props.outlierDetection.baseEjectionTime,
                maxEjectionPercent: props.outlierDetection.maxEjectionPercent,
              },
            },
          }
        : {}),
      ...(props.retry
        ? {
            retry: {
              numRetries: props.retry.attempts,
              retryOn: {
                triggers: [...props.retry.on],
                ...(props.retry.statusCodes && props.retry.statusCodes.length > 0
                  ? { httpStatusCodes: [...props.retry.statusCodes] }
                  : {}),
              },
              perRetry: { backOff: { ...props.retry.backOff } },
            },
          }
        : {}),
      ...(props.connectTimeout || Object.keys(http).length > 0
        ? {
            timeout: {
              ...(props.connectTimeout ? { tcp: { connectTimeout: props.connectTimeout } } : {}),
              ...(Object.keys(http).length > 0 ? { http } : {}),
            },
          }
        : {}),
      ...(props.fixedResponse
        ? {
            responseOverride: [
              {
                match: {
                  statusCodes: props.fixedResponse.statusCodes.map((code) => ({
                    type: 'Value',
                    value: code,
                  })),
                },
                response: {
                  contentType: props.fixedResponse.contentType,
                  body: { type: 'Inline', inline: props.fixedResponse.body },
                },
              },
            ],
          }
        : {}),
    };
    this.policy = new ApiObject(this, 'policy', {
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'BackendTrafficPolicy',
      metadata: { name: props.route.name, namespace: props.route.namespace, labels: { ...props.labels } },
      spec,
    });
  }
}

function toRateLimitRule(limit: LocalRateLimit): Record<string, unknown> {
  const selector = {
    ...(limit.clientHeader
      ? { headers: [{ type: 'Exact', name: limit.clientHeader.name, value: limit.clientHeader.value }] }
      : {}),
    ...(limit.clientCidr ? { sourceCIDR: { type: 'Exact', value: limit.clientCidr } } : {}),
  };
  return {
    ...(Object.keys(selector).length > 0 ? { clientSelectors: [selector] } : {}),
    limit: { requests: limit.requests, unit: UNITS[limit.unit] },
  };
}
