import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { Project } from '../../cli/project';
import { synthesizeEnvironment } from '../../stacks/environment';
import { REPO_ROOT } from '../support/cli';

/**
 * Terraform no longer manages Nodes: a worker's taints and the labels a kubelet may set on
 * itself come only from its kubeadm JoinConfiguration (`nodeRegistration`), so they must be
 * exactly what the environment file says about the node's pool: the pool's taints, and
 * `platform-blueprint.io/pool=<pool>`, the pool's labels and the zone as `--node-labels`.
 * The role label (`node-role.kubernetes.io/<pool>`) is not the kubelet's to set; deploy sets it.
 */
const project = new Project(REPO_ROOT);
const environments = project.loadEnvironments(project.environmentNames());

type KubeletArgs = Record<string, string> | { name: string; value: string }[];

/** A pool as the environment file writes it (before defaults). */
interface RawPool {
  name: string;
  zone?: string;
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: string }[];
  nodes?: { name: string; address: string }[];
}

function kubeletArg(args: KubeletArgs | undefined, name: string): string | undefined {
  return Array.isArray(args) ? args.find((arg) => arg.name === name)?.value : args?.[name];
}

function parseLabels(raw: string | undefined): Record<string, string> {
  if (!raw) return {};
  return Object.fromEntries(
    raw.split(',').map((pair) => {
      const [key, value, ...rest] = pair.split('=');
      expect(rest).toEqual([]);
      return [key as string, value as string];
    }),
  );
}

function rawPoolsOf(name: string): RawPool[] {
  const text = fs.readFileSync(path.join(REPO_ROOT, 'environments', `${name}.yaml`), 'utf8');
  return (parse(text).nodePools ?? []) as RawPool[];
}

it('covers the production sites and their fixed pools', () => {
  const names = environments.map((env) => env.name);
  expect(names).toEqual(expect.arrayContaining(['prod', 'prod-b']));
  for (const name of ['prod', 'prod-b']) {
    const fixed = rawPoolsOf(name).filter((pool) => pool.nodes !== undefined);
    expect(fixed.length).toBeGreaterThanOrEqual(3);
    expect(fixed.some((pool) => (pool.taints ?? []).length > 0)).toBe(true);
    expect(fixed.some((pool) => (pool.taints ?? []).length === 0)).toBe(true);
  }
});

describe.each(environments)('worker registration of $name', (env) => {
  const output = synthesizeEnvironment(env);
  const files = new Map(output.files.map((file) => [file.path, file.content]));
  const rawPools = rawPoolsOf(env.name);
  const fixedPools = rawPools.filter((pool) => pool.nodes !== undefined);

  it('reads the same pools from the environment file as the loader does', () => {
    expect(rawPools.map((pool) => pool.name)).toEqual(env.spec.nodePools.map((pool) => pool.name));
    for (const pool of rawPools) {
      const loaded = env.spec.nodePools.find((candidate) => candidate.name === pool.name);
      expect(loaded?.nodes?.map((node) => node.name)).toEqual(pool.nodes?.map((node) => node.name));
    }
  });

  it('writes a join file for every fixed node and no other worker', () => {
    const masters = new Set(env.spec.controlPlane.masters.map((master) => master.name));
    const hosts = new Set(
      [...files.keys()]
        .filter((file) => file.startsWith('hosts/'))
        .map((file) => file.split('/')[1] as string)
        .filter((host) => !masters.has(host)),
    );
    expect([...hosts].sort()).toEqual(
      fixedPools.flatMap((pool) => (pool.nodes ?? []).map((node) => node.name)).sort(),
    );
  });

  for (const pool of fixedPools) {
    it.each((pool.nodes ?? []).map((node) => [node.name, node.address]))(
      `node %s of pool ${pool.name} joins with exactly the pool's taints and labels from environments/${env.name}.yaml`,
      (node, address) => {
        const content = files.get(`hosts/${node}/kubeadm-join.yaml`);
        expect(content).toBeDefined();
        const join = parse(content as string);
        expect(join.kind).toBe('JoinConfiguration');
        // A worker, not a further master.
        expect(join.controlPlane).toBeUndefined();
        const registration = join.nodeRegistration;
        expect(registration.name).toBe(node);
        expect(kubeletArg(registration.kubeletExtraArgs, 'node-ip')).toBe(address);

        // Taints: always an explicit list (kubeadm reads a missing one as "the default"), the
        // pool's taints in the order of the environment file.
        expect(Array.isArray(registration.taints)).toBe(true);
        expect(registration.taints).toEqual(
          (pool.taints ?? []).map((taint) => ({
            key: taint.key,
            ...(taint.value === undefined ? {} : { value: taint.value }),
            effect: taint.effect,
          })),
        );

        // Labels: pool label, the pool's labels and the zone, and nothing else.
        const expected: Record<string, string> = {
          'platform-blueprint.io/pool': pool.name,
          ...(pool.labels ?? {}),
          ...(pool.zone === undefined ? {} : { 'topology.kubernetes.io/zone': pool.zone }),
        };
        const raw = kubeletArg(registration.kubeletExtraArgs, 'node-labels');
        const labels = parseLabels(raw);
        expect(labels).toEqual(expected);
        // In a stable order (sorted by key), so that a rerun of synth changes nothing.
        expect(Object.keys(labels)).toEqual(Object.keys(labels).sort());
        // The kubelet may not set role labels (NodeRestriction); deploy sets them by selector.
        expect(Object.keys(labels).filter((key) => key.startsWith('node-role.kubernetes.io/'))).toEqual([]);
        // The pool label is the selector deploy labels the pool's nodes by.
        expect(raw).toContain(`platform-blueprint.io/pool=${pool.name}`);
      },
    );
  }
});
