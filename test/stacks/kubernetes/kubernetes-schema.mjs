// Validates Kubernetes objects (JSON array on stdin) against the Kubernetes OpenAPI schemas of
// kubernetes-models, which is ESM-only and so runs here, outside jest's CommonJS runtime.
// Prints a JSON array of "Kind namespace/name: problem" strings; empty when all are valid.
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Service } from 'kubernetes-models/v1';

const models = { Deployment, HorizontalPodAutoscaler, PodDisruptionBudget, Service };
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const problems = [];
for (const object of JSON.parse(Buffer.concat(chunks).toString('utf8'))) {
  const Model = models[object.kind];
  if (!Model) {
    problems.push(`${object.kind} ${object.metadata?.name}: no model for this kind`);
    continue;
  }
  try {
    new Model(object).validate();
  } catch (error) {
    problems.push(`${object.kind} ${object.metadata?.namespace}/${object.metadata?.name}: ${error.message}`);
  }
}
process.stdout.write(JSON.stringify(problems));
