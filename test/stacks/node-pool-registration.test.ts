import { Construct } from 'constructs';
import { parse } from 'yaml';
import { Project } from '../../cli/project';
import { NodePool } from '../../constructs/node-pool/node-pool';
import { synthesizeEnvironment } from '../../stacks/environment';
import { POOL_LABEL } from '../../stacks/kubernetes/placement';
import { REPO_ROOT } from '../support/cli';

/**
 * A worker gets its labels and taints twice: from kubeadm when it joins (so that no pod lands
 * before Terraform runs) and from Terraform afterwards. The two must agree, or they would
 * overwrite each other on every apply and rejoin.
 */
const project = new Project(REPO_ROOT);
const environments = project.loadEnvironments(project.environmentNames());

type KubeletArgs = Record<string, string> | { name: string; value: string }[];

function nodeLabelsArg(args: KubeletArgs | undefined): Record<string, string> {
  const raw = Array.isArray(args)
    ? args.find((arg) => arg.name === 'node-labels')?.value
    : args?.['node-labels'];
  if (!raw) return {};
  return Object.fromEntries(
    raw.split(',').map((pair) => {
      const [key, value] = pair.split('=') as [string, string];
      return [key, value];
    }),
  );
}

describe.each(environments)('worker registration of $name', (env) => {
  const output = synthesizeEnvironment(env);
  const files = new Map(output.files.map((file) => [file.path, file.content]));
  const terraform = JSON.parse(files.get('terraform/cdk.tf.json') as string).resource;
  const scope = new Construct(undefined as never, 'pools');

  for (const spec of env.spec.nodePools.filter((pool) => pool.nodes !== undefined)) {
    const pool = new NodePool(scope, spec.name, { ...spec, poolLabelKey: POOL_LABEL });
    it.each(pool.nodes.map((node) => node.name))(
      `node %s of pool ${spec.name} joins with the labels and taints Terraform keeps`,
      (node) => {
        const path = [...files.keys()].find(
          (file) => file.startsWith(`hosts/${node}/`) && file.endsWith('.yaml') && /join/.test(file),
        );
        expect(path).toBeDefined();
        const join = parse(files.get(path as string) as string);
        expect(join.kind).toBe('JoinConfiguration');
        const registration = join.nodeRegistration;
        expect(registration.name).toBe(node);
        expect(registration.taints ?? []).toEqual(
          pool.taints.map((taint) => ({
            key: taint.key,
            ...(taint.value === undefined ? {} : { value: taint.value }),
            effect: taint.effect,
          })),
        );
        const kubeletLabels = nodeLabelsArg(registration.kubeletExtraArgs);
        expect(kubeletLabels).toEqual(pool.kubeletLabels);
        // Terraform sets a superset (adding the role label) with the same values.
        const labels = terraform.kubernetes_labels[`node_labels_${node}`].labels;
        expect(labels).toEqual(pool.nodeLabels);
        for (const [key, value] of Object.entries(kubeletLabels)) expect(labels[key]).toBe(value);
      },
    );
  }
});
