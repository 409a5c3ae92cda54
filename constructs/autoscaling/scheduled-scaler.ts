import { Lazy } from 'cdk8s';
import type { HorizontalPodAutoscaler } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { CronHorizontalPodAutoscaler } from '../../imports/cronhpa-autoscaling.alibabacloud.com';
import { ValidationError } from '../core/validation-error';
import { CronSchedule } from './cron-schedule';

/** One scheduled change of an HPA's lower bound. */
export interface ScheduledScalingJob {
  /** Job name, unique within the schedule list; the controller reports status per name. */
  readonly name: string;
  /**
   * When the job runs: six cron fields with seconds first (`0 0 8 * * MON-FRI`), a descriptor
   * (`@daily`), `@every <Go duration>` or `@date YYYY-MM-DD hh:mm:ss`, in the controller's time zone.
   */
  readonly schedule: string;
  /**
   * Replicas the HPA keeps at least from this time on: the controller sets the HPA's
   * `minReplicas` to this value (the HPA still scales above it on load).
   */
  readonly targetSize: number;
  /**
   * Run only at the first matching time, then never again.
   * @default false
   */
  readonly runOnce?: boolean;
}

/** Props of {@link ScheduledScaler}. */
export interface ScheduledScalerProps {
  /**
   * The HPA whose bounds the schedule moves. A CronHPA always targets the HPA, never the
   * workload: two controllers writing the workload's replicas would undo each other.
   */
  readonly hpa: HorizontalPodAutoscaler;
  /** The scheduled changes, at least one. */
  readonly jobs: readonly ScheduledScalingJob[];
  /**
   * Days on which no job runs, as six-field cron expressions matched per day
   * (`* * * 24 12 *` skips 24 December).
   * @default - no excluded days
   */
  readonly excludeDates?: readonly string[];
  /**
   * Name of the CronHorizontalPodAutoscaler.
   * @default - the HPA's name
   */
  readonly name?: string;
}

/**
 * Scheduled scaling ahead of known peaks (launches, sales, office hours): an Alibaba
 * `CronHorizontalPodAutoscaler` (autoscaling.alibabacloud.com/v1beta1) that moves the lower
 * bound of an HPA at set times, in the HPA's namespace. Reactive scaling then continues
 * from the raised floor.
 */
export class ScheduledScaler extends Construct {
  /** The CronHorizontalPodAutoscaler object. */
  public readonly apiObject: CronHorizontalPodAutoscaler;
  /** The HPA it targets. */
  public readonly hpa: HorizontalPodAutoscaler;
  private readonly jobs: ScheduledScalingJob[];
  private readonly excludeDates: string[];

  constructor(scope: Construct, id: string, props: ScheduledScalerProps) {
    super(scope, id);
    this.hpa = props.hpa;
    this.jobs = [];
    this.excludeDates = [];
    if (props.jobs.length === 0)
      throw new ValidationError(`'jobs' of ScheduledScaler '${id}' is empty; give at least one`);
    for (const job of props.jobs) this.addJob(job);
    for (const date of props.excludeDates ?? []) this.addExcludeDate(date);
    this.apiObject = new CronHorizontalPodAutoscaler(this, 'Resource', {
      metadata: {
        name: props.name ?? props.hpa.name,
        namespace: props.hpa.metadata.namespace,
      },
      spec: Lazy.any({
        produce: () => ({
          scaleTargetRef: {
            apiVersion: props.hpa.apiVersion,
            kind: props.hpa.kind,
            name: props.hpa.name,
          },
          excludeDates: this.excludeDates.length > 0 ? [...this.excludeDates] : undefined,
          jobs: this.jobs.map((job) => ({
            name: job.name,
            schedule: job.schedule,
            targetSize: job.targetSize,
            runOnce: job.runOnce ?? false,
          })),
        }),
      }),
    });
  }

  /** Adds a scheduled change; throws on a bad schedule, a repeated name or a size above the HPA's maximum. */
  public addJob(job: ScheduledScalingJob): void {
    if (this.jobs.some((existing) => existing.name === job.name))
      throw new ValidationError(`job name '${job.name}' is used twice; job names must be unique`);
    CronSchedule.parse(job.schedule);
    if (!Number.isInteger(job.targetSize) || job.targetSize < 1)
      throw new ValidationError(
        `job '${job.name}': 'targetSize' (${job.targetSize}) must be a whole number >= 1`,
      );
    if (job.targetSize > this.hpa.maxReplicas)
      throw new ValidationError(
        `job '${job.name}': 'targetSize' (${job.targetSize}) must be <= the HPA's 'maxReplicas' (${this.hpa.maxReplicas}); the controller would silently raise the maximum`,
      );
    this.jobs.push({ ...job });
  }

  /** Adds a day on which no job runs (six-field cron expression); throws when it is not one. */
  public addExcludeDate(expression: string): void {
    const check = CronSchedule.check(expression, { fieldsOnly: true });
    if (!check.ok)
      throw new ValidationError(
        `excludeDates ${JSON.stringify(expression)} is not a valid cron expression: ${check.problem}`,
      );
    this.excludeDates.push(expression);
  }
}
