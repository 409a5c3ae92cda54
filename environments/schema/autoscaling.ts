import { z } from 'zod';
import { CronSchedule } from '../../constructs/autoscaling/cron-schedule';
import { dnsLabel, secretRef } from './common';

/**
 * Autoscaling fields: pod autoscaling of a service (HPA with explicit behavior, CronHPA
 * schedules) and the cluster-autoscaler of autoscaled node pools. Cross-field rules are in
 * autoscaling-rules.ts.
 */

const percentage = z
  .number({ error: 'must be a number' })
  .int({ error: 'must be a whole percentage 1-100' })
  .min(1, { error: 'must be a percentage 1-100' })
  .max(100, { error: 'must be a percentage 1-100' });

const scalingPolicy = z
  .strictObject({
    type: z
      .enum(['Pods', 'Percent'], { error: 'must be Pods or Percent' })
      .describe('Whether `value` counts pods or percent of the current replicas.'),
    value: z
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1' })
      .describe('Pods, or percent of the current replicas, that may change within one period.'),
    periodSeconds: z
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number of seconds' })
      .min(1, { error: 'must be 1-1800 seconds' })
      .max(1800, { error: 'must be 1-1800 seconds' })
      .describe('Length of the period the limit applies to, 1-1800 seconds.'),
  })
  .describe('One rate limit: at most `value` pods or percent per `periodSeconds`.');

function scalingRules(direction: 'up' | 'down') {
  const defaults =
    direction === 'up'
      ? { window: 0, policies: '100 Percent or 4 Pods per 15 s' }
      : { window: 300, policies: '10 Percent or 1 Pod per 60 s' };
  return z
    .strictObject({
      stabilizationWindowSeconds: z
        .number({ error: 'must be a number' })
        .int({ error: 'must be a whole number of seconds' })
        .min(0, { error: 'must be 0-3600 seconds' })
        .max(3600, { error: 'must be 0-3600 seconds' })
        .optional()
        .describe(
          `Seconds of past recommendations considered before scaling ${direction}; the most conservative wins. @default ${defaults.window}`,
        ),
      selectPolicy: z
        .enum(['Max', 'Min', 'Disabled'], { error: 'must be one of Max, Min, Disabled' })
        .optional()
        .describe(
          `Which policy applies when several allow different changes (Max: the largest, Min: the smallest, Disabled: never scale ${direction}). @default Max`,
        ),
      policies: z
        .array(scalingPolicy)
        .min(1, { error: 'must hold at least one policy (leave it out for the defaults)' })
        .optional()
        .describe(`Rate limits; replaces the default list as a whole. @default ${defaults.policies}`),
    })
    .describe(`How fast the HPA scales ${direction}.`);
}

/** Overrides of the HPA's default scale-up and scale-down rules. */
export const scalingBehavior = z
  .strictObject({
    scaleUp: scalingRules('up')
      .optional()
      .describe('How fast replicas are added. @default - no stabilization, double or +4 pods every 15 s'),
    scaleDown: scalingRules('down')
      .optional()
      .describe(
        'How fast replicas are removed. @default - 5 minute stabilization, then 10 percent or 1 pod per minute',
      ),
  })
  .describe('HPA behavior overrides (autoscaling/v2 `behavior`).');

/** A CronHPA schedule: six fields with seconds first, a descriptor, `@every` or `@date`. */
export const cronSchedule = z
  .string({ error: 'must be a string holding a cron schedule' })
  .superRefine((value, ctx) => {
    const check = CronSchedule.check(value);
    if (!check.ok)
      ctx.addIssue({
        code: 'custom',
        input: value,
        message: `is not a valid CronHPA schedule: ${check.problem}`,
      });
  });

/** A day excluded from every job: a six-field cron expression matched per day. */
export const excludeDate = z
  .string({ error: 'must be a string holding a cron expression' })
  .superRefine((value, ctx) => {
    const check = CronSchedule.check(value, { fieldsOnly: true });
    if (!check.ok)
      ctx.addIssue({
        code: 'custom',
        input: value,
        message: `is not a valid excluded date: ${check.problem}`,
      });
  });

/** One scheduled change of the HPA's lower bound. */
export const scheduledScaling = z
  .strictObject({
    name: dnsLabel.describe('Job name, unique within the service; the controller reports status per name.'),
    schedule: cronSchedule.describe(
      'When the job runs, in the CronHPA controller\'s time zone: six cron fields with seconds first ("0 0 8 * * MON-FRI"; months JAN-DEC and days SUN-SAT by name), @hourly/@daily/@weekly/@monthly/@yearly, "@every 1h30m" or "@date 2026-11-27 08:00:00".',
    ),
    targetSize: z
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1' })
      .describe(
        "Replicas kept at least from this time on: the job sets the HPA's minReplicas (at most maxReplicas); the HPA still scales above it on load.",
      ),
    runOnce: z
      .boolean({ error: 'must be true or false' })
      .optional()
      .describe('Run only at the first matching time. @default false'),
  })
  .describe('A scheduled change of the HPA lower bound (a CronHPA job).');
export type ScheduledScalingSpec = z.infer<typeof scheduledScaling>;

/**
 * How a service scales: an HPA between `minReplicas` and `maxReplicas` on CPU and/or memory
 * utilization, with explicit behavior, and scheduled changes of its lower bound (CronHPA).
 */
export const serviceAutoscaling = z
  .strictObject({
    minReplicas: z
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1' })
      .describe('Fewest replicas the HPA keeps.'),
    maxReplicas: z
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1' })
      .describe('Most replicas the HPA may create; at least minReplicas.'),
    cpuUtilization: percentage
      .optional()
      .describe(
        'Target average CPU utilization, percent of requests (1-100). @default 70 when memoryUtilization is not set either',
      ),
    memoryUtilization: percentage
      .optional()
      .describe(
        'Target average memory utilization, percent of requests (1-100). @default - no memory target',
      ),
    behavior: scalingBehavior
      .optional()
      .describe(
        'Overrides of the scale-up and scale-down rules. @default - fast scale-up, scale-down after 5 minutes by 10 percent or 1 pod per minute',
      ),
    schedules: z
      .array(scheduledScaling)
      .min(1, { error: 'must hold at least one job (leave it out for no scheduled scaling)' })
      .optional()
      .describe(
        'Scheduled scaling ahead of known peaks: a CronHorizontalPodAutoscaler that targets the HPA. @default - no scheduled scaling',
      ),
    excludeDates: z
      .array(excludeDate)
      .optional()
      .describe(
        'Days on which no scheduled job runs, as six-field cron expressions ("* * * 25 12 *" skips 25 December). @default - no excluded days',
      ),
  })
  .describe('Horizontal pod autoscaling of the service.');
export type ServiceAutoscalingSpec = z.infer<typeof serviceAutoscaling>;

/** Go duration as cluster-autoscaler flags take it. */
const goDuration = z.string().regex(/^(\d+(\.\d+)?(ms|s|m|h))+$/, {
  error: 'is not a duration such as 30s, 10m or 1h30m',
});

/** The cluster-autoscaler that resizes the autoscaled pools (those with minSize/maxSize). */
export const clusterAutoscaler = z
  .strictObject({
    cloudProvider: z
      .enum(['alicloud', 'aws', 'azure', 'gce', 'hetzner', 'huaweicloud', 'magnum', 'tencentcloud'], {
        error: 'must be one of alicloud, aws, azure, gce, hetzner, huaweicloud, magnum, tencentcloud',
      })
      .describe(
        "cluster-autoscaler's --cloud-provider: where the pools' node groups live (magnum is OpenStack). Providers that size groups by --nodes=min:max:<group> only.",
      ),
    image: z
      .string()
      .regex(/^\S+$/, { error: 'is not a container image reference (no spaces)' })
      .refine((image) => /[:@]/.test(image.slice(image.lastIndexOf('/') + 1)) && !image.endsWith(':latest'), {
        error: 'must be pinned by tag or digest (never :latest)',
      })
      .optional()
      .describe(
        'cluster-autoscaler image; its minor version must match kubernetesVersion. @default registry.k8s.io/autoscaling/cluster-autoscaler:v1.<minor of kubernetesVersion>.0',
      ),
    namespace: dnsLabel.default('kube-system').describe('Namespace it runs in. @default kube-system'),
    pool: dnsLabel
      .optional()
      .describe(
        'Pool it runs on: a fixed pool, or an autoscaled pool with minSize >= 1, so that it never removes its own node. @default - any untainted node',
      ),
    expander: z
      .enum(['least-waste', 'most-pods', 'priority', 'price', 'random'], {
        error: 'must be one of least-waste, most-pods, priority, price, random',
      })
      .default('least-waste')
      .describe('How it picks a pool to grow when several fit. @default least-waste'),
    balanceSimilarNodeGroups: z
      .boolean()
      .default(true)
      .describe(
        'Keep similar pools (same labels apart from the zone) the same size, which spreads capacity across zones. @default true',
      ),
    scaleDownUnneededTime: goDuration
      .default('10m')
      .describe('How long a node must be unneeded before it is removed. @default 10m'),
    scaleDownDelayAfterAdd: goDuration
      .default('10m')
      .describe('How long after a scale-up scale-down stays off. @default 10m'),
    skipNodesWithLocalStorage: z
      .boolean()
      .default(true)
      .describe('Never remove nodes running pods with emptyDir or hostPath volumes. @default true'),
    cloudConfig: secretRef
      .optional()
      .describe(
        'Secret key holding the cloud provider configuration, mounted and passed as --cloud-config. @default - none (credentials from the node role or workload identity)',
      ),
  })
  .describe('The cluster-autoscaler for autoscaled pools (those with minSize/maxSize).');
export type ClusterAutoscalerSpec = z.infer<typeof clusterAutoscaler>;
