import { z } from 'zod';

/**
 * How a service scales: an HPA between `minReplicas` and `maxReplicas` on CPU and/or memory
 * utilization. (First version by the lead; owned and extended by the autoscaling work:
 * behavior, CronHPA schedules.)
 */
export const serviceAutoscaling = z
  .strictObject({
    minReplicas: z.number().int().min(1).describe('Fewest replicas the HPA keeps.'),
    maxReplicas: z.number().int().min(1).describe('Most replicas the HPA may create.'),
    cpuUtilization: z
      .number()
      .int()
      .optional()
      .describe(
        'Target average CPU utilization, percent of requests (1-100). @default 70 when no target is set',
      ),
    memoryUtilization: z
      .number()
      .int()
      .optional()
      .describe(
        'Target average memory utilization, percent of requests (1-100). @default - no memory target',
      ),
  })
  .describe('Horizontal pod autoscaling of the service.');
export type ServiceAutoscalingSpec = z.infer<typeof serviceAutoscaling>;
