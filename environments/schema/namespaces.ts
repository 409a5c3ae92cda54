import { z } from 'zod';
import { dnsLabel, labels } from './common';

/** A namespace the platform creates (in Terraform) for a team or an application. */
export const namespace = z.strictObject({
  name: dnsLabel.describe('Namespace name.'),
  labels: labels.default({}).describe('Extra labels on the namespace. @default {}'),
});
export type NamespaceSpec = z.infer<typeof namespace>;

export const namespaces = z
  .array(namespace)
  .default([])
  .describe('Namespaces for teams and applications, created by Terraform. @default []');
