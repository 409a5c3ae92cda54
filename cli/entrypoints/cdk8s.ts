import * as path from 'node:path';
import { App } from 'cdk8s';
import { addCharts } from '../../stacks/kubernetes';
import { Project } from '../project';

/**
 * `npx cdk8s synth` (cdk8s.yaml `app`): each environment's charts in their own cdk8s App,
 * written by cdk8s itself to `<outdir>/<env>/<chart>.k8s.yaml`. Chart ids and object names
 * are the same as in `blueprint synth`, so the documents are identical.
 */
const project = Project.find(process.cwd());
const outdir = process.env.CDK8S_OUTDIR ?? 'cdk8s.out';
for (const env of project.loadEnvironments(project.environmentNames())) {
  const app = new App({ outdir: path.join(outdir, env.name) });
  addCharts(app, env);
  app.synth();
}
