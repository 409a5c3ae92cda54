import { z } from 'zod';
import { serviceAutoscaling } from './autoscaling';
import { dnsLabel } from './common';

/**
 * A microservice of the platform. (First version by the lead; owned and extended by the
 * microservices/gateway work: ports, probes, resources, lossless rollout, gray releases.)
 */
export const service = z.strictObject({
  name: dnsLabel.describe('Service name, unique in the environment; names the Deployment and the Service.'),
  namespace: dnsLabel.describe('Namespace the service runs in; one of `namespaces[].name`.'),
  image: z.string().min(1).describe('Container image, pinned by tag or digest (never :latest).'),
  replicas: z.number().int().min(0).default(2).describe('Replicas when not autoscaled. @default 2'),
  pool: dnsLabel
    .optional()
    .describe(
      'Node pool to run on; its taints are tolerated and its nodes selected. @default - any general node',
    ),
  autoscaling: serviceAutoscaling
    .optional()
    .describe('Horizontal pod autoscaling. @default - a fixed replica count'),
});
export type ServiceSpec = z.infer<typeof service>;

export const services = z
  .array(service)
  .default([])
  .describe('The microservices of the platform. @default []');
