import type { App, Chart } from 'cdk8s';
import { ValidationError } from '../../constructs/core/validation-error';
import type { LoadedEnvironment } from '../../environments/load';
import { AddonsChart } from '../addons/addons-chart';
import { installedAddons } from '../addons/catalog';
import type { OutputFile } from '../output-file';
import { AutoscalingChart, hasAutoscaledPools } from './autoscaling-chart';
import { DataChart, needsDataChart } from './data-chart';
import { GatewayChart, needsGatewayChart } from './gateway-chart';
import { manifestYaml } from './manifest-yaml';
import { MonitoringChart } from './monitoring-chart';
import { PlatformChart } from './platform-chart';
import { needsPoliciesChart, PoliciesChart } from './policies-chart';
import { WorkloadsChart } from './workloads-chart';

/**
 * Adds the environment's charts to a cdk8s App. Each chart becomes one file,
 * `kubernetes/<chart id>.yaml`. The order here is the order of apply.
 */
export function addCharts(app: App, env: LoadedEnvironment): Chart[] {
  const charts: Chart[] = [];
  // The add-ons first: the CNI, the controllers and the classes the other charts depend on.
  if (installedAddons(env.spec).length > 0) charts.push(new AddonsChart(app, 'addons', env));
  charts.push(new PlatformChart(app, 'platform', env));
  // Isolation first, so that no workload ever runs unguarded.
  if (needsPoliciesChart(env)) charts.push(new PoliciesChart(app, 'policies', env));
  if (hasAutoscaledPools(env.spec)) charts.push(new AutoscalingChart(app, 'autoscaling', env));
  if (needsDataChart(env)) charts.push(new DataChart(app, 'data', env));
  if (env.spec.services.length > 0) charts.push(new WorkloadsChart(app, 'workloads', env));
  if (needsGatewayChart(env)) charts.push(new GatewayChart(app, 'gateway', env));
  charts.push(new MonitoringChart(app, 'monitoring', env));
  return charts;
}

/**
 * Renders every chart of the app as `cdk8s synth` does (validation, then one YAML stream
 * per chart, the same documents), without touching the file system.
 */
export function renderCharts(
  app: App,
  charts: readonly Chart[],
): { files: OutputFile[]; objects: number; documents: Map<string, unknown[]> } {
  const errors: string[] = [];
  for (const child of app.node.findAll()) {
    for (const error of child.node.validate()) errors.push(`[${child.node.path}] ${error}`);
  }
  if (errors.length > 0) throw new ValidationError(`Validation failed:\n  ${errors.join('\n  ')}`);
  let objects = 0;
  // The documents of each file, so that the policy checks need not parse the YAML back.
  const documents = new Map<string, unknown[]>();
  const files = charts.map((chart) => {
    const docs = Object.values(chart.toJson());
    objects += docs.length;
    documents.set(`kubernetes/${chart.node.id}.yaml`, docs);
    return { path: `kubernetes/${chart.node.id}.yaml`, content: manifestYaml(docs) };
  });
  return { files, objects, documents };
}
