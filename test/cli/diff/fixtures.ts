import { stringify } from 'yaml';
import { diffEnvironment } from '../../../cli/diff/engine';
import type { DiffOptions, EnvironmentDiff, EnvironmentTree, ResourceDiff } from '../../../cli/diff/model';

/** An environment tree from `path → text`. */
export function tree(files: Record<string, string>): EnvironmentTree {
  return new Map(Object.entries(files).map(([path, content]) => [path, { content }]));
}

/** A multi-document manifest file. */
export function manifests(...docs: unknown[]): string {
  return docs.map((doc) => stringify(doc)).join('---\n');
}

/** cdk.tf.json as cdktf writes it, with its `//` bookkeeping. */
export function terraform(
  resources: Record<string, Record<string, unknown>>,
  extra: Record<string, unknown> = {},
): string {
  const resource: Record<string, Record<string, unknown>> = {};
  for (const [type, byName] of Object.entries(resources)) {
    resource[type] = {};
    for (const [name, body] of Object.entries(byName)) {
      resource[type][name] = {
        '//': { metadata: { path: `prod/${name}`, uniqueId: name } },
        ...(body as object),
      };
    }
  }
  return JSON.stringify(
    {
      '//': { metadata: { backend: 'local', stackName: 'prod', version: '0.21.0' }, outputs: {} },
      provider: { kubernetes: [{ config_context: 'prod-admin@prod', config_path: '~/.kube/config' }] },
      resource,
      terraform: {
        backend: { local: { path: 'terraform.tfstate' } },
        required_providers: { kubernetes: { source: 'kubernetes', version: '2.38.0' } },
      },
      ...extra,
    },
    null,
    2,
  );
}

/** A Deployment in the shape cdk8s-plus writes, with two containers. */
export function deployment(
  overrides: { image?: string; containers?: unknown[]; name?: string } = {},
): Record<string, unknown> {
  const name = overrides.name ?? 'api';
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace: 'vehicle',
      labels: { app: 'api', 'cdk8s.io/metadata.addr': 'platform-api-c8f00d11' },
    },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'api' } },
      template: {
        metadata: { labels: { app: 'api', 'cdk8s.io/metadata.addr': 'platform-api-c8f00d11' } },
        spec: {
          containers: overrides.containers ?? [
            {
              name: 'api',
              image: overrides.image ?? 'app:1.2',
              args: ['--port', '8080'],
              env: [
                { name: 'A', value: '1' },
                { name: 'B', value: '2' },
              ],
              ports: [
                { containerPort: 8080, name: 'http' },
                { containerPort: 9090, name: 'metrics' },
              ],
              volumeMounts: [
                { mountPath: '/data', name: 'data' },
                { mountPath: '/tmp', name: 'tmp' },
              ],
            },
            { name: 'sidecar', image: 'proxy:1.0' },
          ],
          tolerations: [
            { key: 'dedicated', operator: 'Equal', value: 'gateway', effect: 'NoSchedule' },
            { key: 'zone', operator: 'Exists', effect: 'NoExecute' },
          ],
          volumes: [
            { name: 'data', emptyDir: {} },
            { name: 'tmp', emptyDir: {} },
          ],
        },
      },
    },
  };
}

/** Diffs one environment's before and after files. */
export function diffFiles(
  before: Record<string, string>,
  after: Record<string, string>,
  options: DiffOptions = {},
): EnvironmentDiff {
  return diffEnvironment('prod', tree(before), tree(after), options);
}

/** The resource diff with this title, failing when there is none. */
export function resource(diff: EnvironmentDiff, title: string): ResourceDiff {
  const found = diff.resources.find((r) => r.title === title);
  if (!found) throw new Error(`no ${title} in ${diff.resources.map((r) => r.title).join(', ')}`);
  return found;
}
