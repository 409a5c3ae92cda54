import type { ApiObjectMetadataDefinition } from 'cdk8s';
import { Duration } from 'cdk8s';
import {
  HorizontalPodAutoscaler,
  type IScalable,
  Metric,
  MetricTarget,
  Replicas,
  type ScalingRules,
  ScalingStrategy,
} from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ValidationError } from '../core/validation-error';
import { type ResolvedScalingRules, resolveScalingRules, type ScalingBehaviorSpec } from './scaling-behavior';
import { ScheduledScaler, type ScheduledScalingJob } from './scheduled-scaler';

/** A workload an HPA can scale: a cdk8s-plus Deployment or StatefulSet. */
export interface ScalableWorkload extends IScalable {
  /** Kubernetes name of the workload. */
  readonly name: string;
  /** Its metadata; the autoscalers take its namespace. */
  readonly metadata: ApiObjectMetadataDefinition;
}

/** Props of {@link PodAutoscaling}. Apart from `target` and `name`, they mirror `services[].autoscaling`. */
export interface PodAutoscalingProps {
  /**
   * The workload to scale. It is marked as autoscaled, so that it leaves `spec.replicas`
   * unset (a fixed count would reset the HPA's choice on every apply).
   */
  readonly target: ScalableWorkload;
  /** Fewest replicas the HPA keeps (>= 1). */
  readonly minReplicas: number;
  /** Most replicas the HPA creates (>= minReplicas). */
  readonly maxReplicas: number;
  /**
   * Target average CPU utilization, percent of the pods' CPU requests (1-100).
   * @default 70 when no memory target is given either; otherwise no CPU target
   */
  readonly cpuUtilization?: number;
  /**
   * Target average memory utilization, percent of the pods' memory requests (1-100).
   * @default - no memory target
   */
  readonly memoryUtilization?: number;
  /**
   * Overrides of the scale-up and scale-down rules.
   * @default - scale up at once by up to 100 % or 4 pods per 15 s; scale down after 5 min by up to 10 % or 1 pod per minute
   */
  readonly behavior?: ScalingBehaviorSpec;
  /**
   * Scheduled changes of the HPA's lower bound (a CronHorizontalPodAutoscaler targeting the HPA).
   * @default - no scheduled scaling
   */
  readonly schedules?: readonly ScheduledScalingJob[];
  /**
   * Days on which no scheduled change runs (six-field cron expressions).
   * @default - no excluded days
   */
  readonly excludeDates?: readonly string[];
  /**
   * Name of the HPA (and the CronHPA).
   * @default - the target's name
   */
  readonly name?: string;
}

/** CPU target used when a service names no utilization target at all. */
export const DEFAULT_CPU_UTILIZATION = 70;

/**
 * Horizontal pod autoscaling of one workload: an autoscaling/v2 HorizontalPodAutoscaler on CPU
 * and/or memory utilization with an explicit `behavior`, and, when schedules are given, a
 * CronHorizontalPodAutoscaler that moves the HPA's lower bound ahead of known peaks. Both live
 * in the workload's namespace; the CronHPA targets the HPA, never the workload.
 */
export class PodAutoscaling extends Construct {
  /** The HorizontalPodAutoscaler. */
  public readonly hpa: HorizontalPodAutoscaler;
  /** The scheduled scaling, when `schedules` were given. */
  public readonly scheduledScaler?: ScheduledScaler;
  /** The scale-up rules in effect (defaults filled in). */
  public readonly scaleUp: ResolvedScalingRules;
  /** The scale-down rules in effect (defaults filled in). */
  public readonly scaleDown: ResolvedScalingRules;

  constructor(scope: Construct, id: string, props: PodAutoscalingProps) {
    super(scope, id);
    const { minReplicas, maxReplicas } = props;
    if (!Number.isInteger(minReplicas) || minReplicas < 1)
      throw new ValidationError(`'minReplicas' (${minReplicas}) must be a whole number >= 1`);
    if (!Number.isInteger(maxReplicas) || maxReplicas < minReplicas)
      throw new ValidationError(`'minReplicas' (${minReplicas}) must be <= 'maxReplicas' (${maxReplicas})`);
    for (const [field, value] of [
      ['cpuUtilization', props.cpuUtilization],
      ['memoryUtilization', props.memoryUtilization],
    ] as const) {
      if (value !== undefined && (!Number.isInteger(value) || value < 1 || value > 100))
        throw new ValidationError(`'${field}' (${value}) must be a whole percentage 1-100`);
    }
    if (props.excludeDates?.length && !props.schedules?.length)
      throw new ValidationError(
        `'excludeDates' (${props.excludeDates.length}) given without 'schedules'; nothing to exclude`,
      );

    this.scaleUp = resolveScalingRules('scaleUp', props.behavior?.scaleUp);
    this.scaleDown = resolveScalingRules('scaleDown', props.behavior?.scaleDown);

    const cpu =
      props.cpuUtilization ?? (props.memoryUtilization === undefined ? DEFAULT_CPU_UTILIZATION : undefined);
    const metrics: Metric[] = [];
    if (cpu !== undefined) metrics.push(Metric.resourceCpu(MetricTarget.averageUtilization(cpu)));
    if (props.memoryUtilization !== undefined)
      metrics.push(Metric.resourceMemory(MetricTarget.averageUtilization(props.memoryUtilization)));

    const name = props.name ?? props.target.name;
    // cdk8s-plus marks the target as autoscaled (so it renders no spec.replicas) and checks at
    // synthesis that the target was not given a fixed replica count.
    this.hpa = new HorizontalPodAutoscaler(this, 'Hpa', {
      metadata: { name, namespace: props.target.metadata.namespace },
      target: props.target,
      minReplicas,
      maxReplicas,
      metrics,
      scaleUp: toScalingRules(this.scaleUp),
      scaleDown: toScalingRules(this.scaleDown),
    });

    if (props.schedules?.length) {
      this.scheduledScaler = new ScheduledScaler(this, 'Schedule', {
        hpa: this.hpa,
        jobs: props.schedules,
        excludeDates: props.excludeDates,
        name,
      });
    }
  }
}

function toScalingRules(rules: ResolvedScalingRules): ScalingRules {
  return {
    stabilizationWindow: Duration.seconds(rules.stabilizationWindowSeconds),
    strategy:
      rules.selectPolicy === 'Max'
        ? ScalingStrategy.MAX_CHANGE
        : rules.selectPolicy === 'Min'
          ? ScalingStrategy.MIN_CHANGE
          : ScalingStrategy.DISABLED,
    policies: rules.policies.map((policy) => ({
      replicas: policy.type === 'Pods' ? Replicas.absolute(policy.value) : Replicas.percent(policy.value),
      duration: Duration.seconds(policy.periodSeconds),
    })),
  };
}
