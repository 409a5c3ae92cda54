import { ValidationError } from '../core/validation-error';
/**
 * HPA `behavior` (autoscaling/v2): how fast a HorizontalPodAutoscaler may add and remove
 * replicas. Plain data, so that an environment file can override any part of it.
 */

/** One rate limit of scaling: at most `value` pods (or percent of the current pods) per `periodSeconds`. */
export interface ScalingPolicySpec {
  /** Whether `value` counts pods or percent of the current replicas. */
  readonly type: 'Pods' | 'Percent';
  /** Pods, or percent of the current replicas, that may change within one period. */
  readonly value: number;
  /** Length of the period, 1-1800 seconds. */
  readonly periodSeconds: number;
}

/** The rules of one direction (scale up or scale down). */
export interface ScalingRulesSpec {
  /**
   * Seconds of past recommendations considered before scaling in this direction (0-3600); the
   * most conservative recommendation in the window wins, which damps flapping.
   * @default 0 for scale-up, 300 for scale-down
   */
  readonly stabilizationWindowSeconds?: number;
  /**
   * Which policy applies when several allow different changes: `Max` the largest change, `Min`
   * the smallest, `Disabled` no scaling in this direction.
   * @default Max
   */
  readonly selectPolicy?: 'Max' | 'Min' | 'Disabled';
  /**
   * Rate limits. Replaces the default list as a whole.
   * @default - scale-up: 100 percent or 4 pods per 15 s; scale-down: 10 percent or 1 pod per 60 s
   */
  readonly policies?: readonly ScalingPolicySpec[];
}

/** Overrides of the default scale-up and scale-down rules. */
export interface ScalingBehaviorSpec {
  /**
   * How fast replicas are added.
   * @default - no stabilization, at most double or +4 pods (whichever is more) every 15 s
   */
  readonly scaleUp?: ScalingRulesSpec;
  /**
   * How fast replicas are removed.
   * @default - 5 minute stabilization, at most 10 percent or 1 pod (whichever is more) per minute
   */
  readonly scaleDown?: ScalingRulesSpec;
}

/** A direction's rules with every default filled in. */
export interface ResolvedScalingRules {
  readonly stabilizationWindowSeconds: number;
  readonly selectPolicy: 'Max' | 'Min' | 'Disabled';
  readonly policies: readonly ScalingPolicySpec[];
}

/**
 * Scale up fast: a load spike must be met within a metrics cycle or two (Kubernetes' own
 * defaults, written out so that a reviewer sees them and a controller upgrade cannot change them).
 */
export const DEFAULT_SCALE_UP: ResolvedScalingRules = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Percent', value: 100, periodSeconds: 15 },
    { type: 'Pods', value: 4, periodSeconds: 15 },
  ],
};

/**
 * Scale down slowly: five minutes of stabilization, then at most 10 percent or one pod a minute,
 * so that draining pods finish their requests and a returning peak finds warm replicas. The
 * one-pod policy matters: 10 percent of fewer than ten replicas rounds to no change at all.
 */
export const DEFAULT_SCALE_DOWN: ResolvedScalingRules = {
  stabilizationWindowSeconds: 300,
  selectPolicy: 'Max',
  policies: [
    { type: 'Percent', value: 10, periodSeconds: 60 },
    { type: 'Pods', value: 1, periodSeconds: 60 },
  ],
};

/**
 * Fills the defaults into `rules` and checks the ranges the API server enforces, naming the
 * direction and the value in errors (e.g. `scaleDown.stabilizationWindowSeconds (4000) must be 0-3600`).
 */
export function resolveScalingRules(
  direction: 'scaleUp' | 'scaleDown',
  rules: ScalingRulesSpec | undefined,
): ResolvedScalingRules {
  const defaults = direction === 'scaleUp' ? DEFAULT_SCALE_UP : DEFAULT_SCALE_DOWN;
  const resolved: ResolvedScalingRules = {
    stabilizationWindowSeconds: rules?.stabilizationWindowSeconds ?? defaults.stabilizationWindowSeconds,
    selectPolicy: rules?.selectPolicy ?? defaults.selectPolicy,
    policies: rules?.policies ?? defaults.policies,
  };
  const window = resolved.stabilizationWindowSeconds;
  if (!Number.isInteger(window) || window < 0 || window > 3600)
    throw new ValidationError(
      `'${direction}.stabilizationWindowSeconds' (${window}) must be a whole number 0-3600`,
    );
  // The API server rejects an empty list, even with selectPolicy Disabled.
  if (resolved.policies.length === 0)
    throw new ValidationError(
      `'${direction}.policies' is empty; give at least one policy (or leave it out for the defaults)`,
    );
  resolved.policies.forEach((policy, index) => {
    if (!Number.isInteger(policy.value) || policy.value < 1)
      throw new ValidationError(
        `'${direction}.policies[${index}].value' (${policy.value}) must be a whole number >= 1`,
      );
    if (!Number.isInteger(policy.periodSeconds) || policy.periodSeconds < 1 || policy.periodSeconds > 1800)
      throw new ValidationError(
        `'${direction}.policies[${index}].periodSeconds' (${policy.periodSeconds}) must be a whole number 1-1800`,
      );
  });
  return resolved;
}
