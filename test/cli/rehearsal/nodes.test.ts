import { Project } from '../../../cli/project';
import { nodeObject, rehearsalNodes } from '../../../cli/rehearsal/nodes';
import { judgeRehearsal } from '../../../cli/rehearsal/report';
import { rehearsalVolumes } from '../../../cli/rehearsal/volumes';
import { synthesizeEnvironment } from '../../../stacks/environment';
import { REPO_ROOT } from '../../support/cli';

describe('rehearsal nodes, volumes and report (prod)', () => {
  const [env] = new Project(REPO_ROOT).loadEnvironments(['prod']);
  if (!env) throw new Error('prod did not load');
  const output = synthesizeEnvironment(env);
  const nodes = rehearsalNodes(env, output);

  it('registers every master and fixed pool node with its name and address', () => {
    expect(nodes.map((node) => node.name)).toEqual([
      ...env.spec.controlPlane.masters.map((master) => master.name),
      ...env.spec.nodePools.flatMap((pool) => (pool.nodes ?? []).map((node) => node.name)),
    ]);
    expect(nodes.find((node) => node.name === 'node-01')?.address).toBe('10.20.1.11');
  });

  it("takes taints and kubelet labels from the node's own kubeadm file, as kubeadm registers it", () => {
    const master = nodes.find((node) => node.name === 'master-1');
    expect(master?.taints).toEqual([{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]);
    expect(master?.labels['node-role.kubernetes.io/control-plane']).toBe('');
    const db = nodes.find((node) => node.name === 'node-10');
    expect(db?.taints).toEqual([{ key: 'dedicated', value: 'database', effect: 'NoSchedule' }]);
    expect(db?.labels).toMatchObject({
      'platform-blueprint.io/pool': 'database',
      tier: 'database',
      'topology.kubernetes.io/zone': 'dc1-a',
      'kubernetes.io/hostname': 'node-10',
    });
    // A kubelet may not give itself a role label: deploy sets it by selector.
    expect(Object.keys(db?.labels ?? {}).some((key) => key.startsWith('node-role.kubernetes.io/'))).toBe(
      false,
    );
  });

  it('gives a Node object kwok manages, with the pool capacity', () => {
    const object = nodeObject(nodes.find((node) => node.name === 'node-01') as (typeof nodes)[number]) as {
      metadata: { annotations: Record<string, string> };
      status: { capacity: Record<string, string>; addresses: { type: string; address: string }[] };
    };
    expect(object.metadata.annotations['kwok.x-k8s.io/node']).toBe('fake');
    expect(object.status.capacity).toEqual({ cpu: '8', memory: '32Gi', pods: '110' });
    expect(object.status.addresses).toContainEqual({ type: 'InternalIP', address: '10.20.1.11' });
  });

  it('pre-binds one volume per StatefulSet claim', () => {
    // prod's databases are VitessClusters (the operator makes their pods); test's is a StatefulSet.
    const [test] = new Project(REPO_ROOT).loadEnvironments(['test']);
    if (!test) throw new Error('test did not load');
    const volumes = rehearsalVolumes(synthesizeEnvironment(test)) as {
      spec: { claimRef: { namespace: string; name: string } };
    }[];
    expect(volumes.length).toBeGreaterThan(0);
    const claims = volumes.map((volume) => `${volume.spec.claimRef.namespace}/${volume.spec.claimRef.name}`);
    expect(new Set(claims).size).toBe(claims.length);
    expect(claims.every((claim) => /^app\/[a-z0-9-]+-[a-z0-9-]+-\d+$/.test(claim))).toBe(true);
  });

  it('judges placement: a pod on a master, or off its pool, is a finding', () => {
    const pod = (name: string, nodeName: string, pool?: string) => ({
      metadata: { name, namespace: 'app', ownerReferences: [{ kind: 'ReplicaSet', name: 'api-1' }] },
      spec: { nodeName, ...(pool ? { nodeSelector: { 'platform-blueprint.io/pool': pool } } : {}) },
      status: { phase: 'Running' },
    });
    const report = judgeRehearsal(
      {
        workloads: [
          {
            kind: 'Deployment',
            metadata: { name: 'api', namespace: 'app' },
            spec: { replicas: 3 },
            status: { readyReplicas: 2 },
          },
        ],
        replicaSets: [
          {
            metadata: {
              name: 'api-1',
              namespace: 'app',
              ownerReferences: [{ kind: 'Deployment', name: 'api' }],
            },
          },
        ],
        pods: [pod('a', 'master-1'), pod('b', 'node-10', 'general'), pod('c', 'node-01', 'general')],
        events: [
          {
            reason: 'FailedCreate',
            message: 'pods "x" is forbidden: violates PodSecurity',
            involvedObject: { kind: 'ReplicaSet', name: 'api-1', namespace: 'app' },
          },
        ],
      },
      nodes,
    );
    expect(report.problems).toEqual([
      'pod app/a runs on master master-1',
      'pod app/b selects pool general but runs on node-10 of pool database',
      'Deployment app/api: 2/3 ready',
      'FailedCreate for ReplicaSet app/api-1: pods "x" is forbidden: violates PodSecurity',
    ]);
    expect(report.lines[0]).toBe('rehearsal: 0 of 1 workloads ready on 18 nodes');
  });
});
