import { type Rule, report } from './rules';

/**
 * Cross-field rules of pod autoscaling (`services[].autoscaling`) and placement
 * (`services[].pool`). Single-field ranges (utilization 1-100, cron syntax) are in the schema.
 */

/** A service's pool must exist: its label is selected and its taints tolerated. */
const servicePoolsExist: Rule = (spec, ctx) => {
  const pools = spec.nodePools.map((pool) => pool.name);
  spec.services.forEach((service, index) => {
    if (service.pool !== undefined && !pools.includes(service.pool))
      report(
        ctx,
        ['services', index, 'pool'],
        service.pool,
        `is not one of nodePools[].name (${pools.length > 0 ? pools.join(', ') : 'none declared'})`,
      );
  });
};

/** HPA bounds, and scheduled sizes within them. */
const hpaBounds: Rule = (spec, ctx) => {
  spec.services.forEach((service, index) => {
    const autoscaling = service.autoscaling;
    if (!autoscaling) return;
    const path = ['services', index, 'autoscaling'];
    const { minReplicas, maxReplicas } = autoscaling;
    if (minReplicas > maxReplicas) {
      report(
        ctx,
        [...path, 'minReplicas'],
        minReplicas,
        `is greater than maxReplicas (${maxReplicas}); minReplicas must be <= maxReplicas`,
      );
      return;
    }
    if (autoscaling.excludeDates?.length && !autoscaling.schedules?.length)
      report(
        ctx,
        [...path, 'excludeDates'],
        autoscaling.excludeDates,
        'is set without schedules; there is no scheduled job to exclude',
      );
    const schedules = autoscaling.schedules ?? [];
    const names = new Map<string, number>();
    schedules.forEach((job, jobIndex) => {
      const first = names.get(job.name);
      if (first !== undefined)
        report(
          ctx,
          [...path, 'schedules', jobIndex, 'name'],
          job.name,
          `repeats the name of schedules[${first}]; job names must be unique`,
        );
      else names.set(job.name, jobIndex);
      if (job.targetSize > maxReplicas)
        report(
          ctx,
          [...path, 'schedules', jobIndex, 'targetSize'],
          job.targetSize,
          `is greater than maxReplicas (${maxReplicas}); the CronHPA would silently raise the HPA's maximum. Raise maxReplicas instead`,
        );
    });
    // A job sets the HPA's minReplicas and nothing sets it back: without a job that returns to
    // minReplicas, the first peak's floor would stay for good.
    const raising = schedules.findIndex((job) => job.targetSize > minReplicas);
    if (raising !== -1 && !schedules.some((job) => job.targetSize <= minReplicas)) {
      const job = schedules[raising] as (typeof schedules)[number];
      report(
        ctx,
        [...path, 'schedules', raising, 'targetSize'],
        job.targetSize,
        `raises the HPA's floor above minReplicas (${minReplicas}) and no job lowers it again; add a job with targetSize ${minReplicas} after the peak`,
      );
    }
  });
};

/** The rules of the autoscaling area, in the order they report. */
export const autoscalingRules: Rule[] = [servicePoolsExist, hpaBounds];
