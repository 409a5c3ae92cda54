import * as fs from 'node:fs';
import { crossCheckEnvironments } from '../../environments/cross-checks';
import { formatProblem } from '../../environments/input-error';
import type { LoadedEnvironment } from '../../environments/load';
import type { EnvironmentSpec } from '../../environments/schema/index';
import { TempProject } from '../support/cli';

interface Shape {
  context?: string;
  subnet?: string;
  vip?: string;
  virtualRouterId?: number;
  masters?: string[];
  nodes?: string[];
  endpoint?: string;
}

/** A loaded environment with just the fields the cross-environment checks read. */
function env(name: string, shape: Shape = {}): LoadedEnvironment {
  const spec = {
    cluster: { kubeconfig: { context: shape.context ?? `${name}-admin@${name}` } },
    controlPlane: {
      subnet: shape.subnet,
      vip: shape.vip,
      virtualRouterId: shape.virtualRouterId,
      loadBalancer: shape.endpoint ? { type: 'external', endpoint: shape.endpoint } : { type: 'keepalived' },
      masters: (shape.masters ?? []).map((address, i) => ({ name: `m${i}`, address })),
    },
    nodePools: [
      { name: 'general', nodes: (shape.nodes ?? []).map((address, i) => ({ name: `n${i}`, address })) },
    ],
  };
  return {
    name,
    file: `environments/${name}.yaml`,
    templateFile: 'environments/templates/idc-ha.yaml',
    spec: spec as unknown as EnvironmentSpec,
  };
}

function messages(envs: LoadedEnvironment[], focus?: string[]): string[] {
  return crossCheckEnvironments(envs, focus).map(formatProblem);
}

describe('cross-environment checks', () => {
  const a = { subnet: '10.20.0.0/24', vip: '10.20.0.10', virtualRouterId: 51, masters: ['10.20.0.11'] };

  it('accepts environments on different segments that reuse a VIP plan and router id', () => {
    expect(
      messages([env('prod', a), env('prod-b', { ...a, subnet: '10.21.0.0/24', vip: '10.20.0.10' })]),
    ).toEqual([]);
  });

  it('refuses a shared VIP on one segment, naming both files and paths', () => {
    expect(
      messages([env('prod', a), env('staging', { ...a, virtualRouterId: 52, masters: ['10.20.0.21'] })]),
    ).toEqual([
      'environments/staging.yaml: controlPlane.vip: "10.20.0.10" is also the VIP of environments/prod.yaml (controlPlane.vip); they share a network segment (both declare controlPlane.subnet 10.20.0.0/24), so each needs its own VIP',
    ]);
  });

  it('refuses a shared virtualRouterId on one segment', () => {
    expect(
      messages([env('prod', a), env('staging', { ...a, vip: '10.20.0.20', masters: ['10.20.0.21'] })]),
    ).toEqual([
      'environments/staging.yaml: controlPlane.virtualRouterId: 51 is also the virtualRouterId of environments/prod.yaml (controlPlane.virtualRouterId); they share a network segment (both declare controlPlane.subnet 10.20.0.0/24), so their keepalived instances need different VRRP router ids',
    ]);
  });

  it('treats overlapping subnets as one segment', () => {
    const out = messages([
      env('prod', a),
      env('staging', { ...a, subnet: '10.20.0.0/16', vip: '10.20.5.10', masters: [] }),
    ]);
    expect(out).toEqual([
      expect.stringContaining(
        'environments/staging.yaml: controlPlane.virtualRouterId: 51 is also the virtualRouterId of environments/prod.yaml',
      ),
    ]);
    expect(out[0]).toContain(
      '(controlPlane.subnet 10.20.0.0/16 overlaps 10.20.0.0/24 of environments/prod.yaml)',
    );
  });

  it('refuses a machine address that two environments on one segment both assign', () => {
    expect(
      messages([
        env('prod', { ...a, nodes: ['10.20.1.11'] }),
        env('staging', {
          ...a,
          vip: '10.20.0.20',
          virtualRouterId: 52,
          masters: ['10.20.0.21'],
          nodes: ['10.20.0.11'],
        }),
      ]),
    ).toEqual([
      'environments/staging.yaml: nodePools[0].nodes[0].address: "10.20.0.11" is also assigned by environments/prod.yaml (controlPlane.masters[0].address); they share a network segment (both declare controlPlane.subnet 10.20.0.0/24), so an address can belong to one of them only',
    ]);
  });

  it('does not compare VIPs of environments that declare no subnet (their segment is unknown)', () => {
    expect(
      messages([
        env('a', { vip: '10.0.0.10', virtualRouterId: 1 }),
        env('b', { vip: '10.0.0.10', virtualRouterId: 1 }),
      ]),
    ).toEqual([]);
  });

  it('refuses a kubeconfig context used twice, whatever the networks', () => {
    expect(
      messages([env('prod', a), env('test', { subnet: '10.30.0.0/24', context: 'prod-admin@prod' })]),
    ).toEqual([
      'environments/test.yaml: cluster.kubeconfig.context: "prod-admin@prod" is also the context of environments/prod.yaml (cluster.kubeconfig.context); every environment needs its own kubeconfig context, or a deploy could reach the wrong cluster',
    ]);
  });

  it('refuses an external load balancer endpoint used twice', () => {
    expect(
      messages([env('a', { endpoint: 'api.example.com' }), env('b', { endpoint: 'api.example.com' })]),
    ).toEqual([
      'environments/b.yaml: controlPlane.loadBalancer.endpoint: "api.example.com" is also the API server endpoint of environments/a.yaml (controlPlane.loadBalancer.endpoint); two clusters cannot answer on one endpoint',
    ]);
  });

  it('reports a conflict in the selected environment, and ignores conflicts between others', () => {
    const envs = [
      env('a', { context: 'same' }),
      env('b', { context: 'same' }),
      env('c', { context: 'other' }),
    ];
    expect(messages(envs, ['a'])).toEqual([
      expect.stringMatching(/^environments\/a\.yaml: .* environments\/b\.yaml/),
    ]);
    expect(messages(envs, ['c'])).toEqual([]);
    expect(messages(envs)).toEqual([
      expect.stringMatching(/^environments\/b\.yaml: .* environments\/a\.yaml/),
    ]);
  });
});

describe('cross-environment checks at synth', () => {
  let project: TempProject;
  beforeEach(() => {
    project = new TempProject();
  });
  afterEach(() => project.dispose());

  it('refuses with exit 2, naming both files, and writes nothing', async () => {
    // 10.0.0.0/8 holds test's own masters and overlaps prod's 10.20.0.0/24.
    project.edit('environments/test.yaml', 'subnet: 10.30.0.0/24', 'subnet: 10.0.0.0/8');
    project.edit('environments/test.yaml', 'virtualRouterId: 61', 'virtualRouterId: 51');
    project.edit('environments/test.yaml', 'context: test-admin@test', 'context: prod-admin@prod');
    const result = await project.run(['synth', '--out', 'out']);
    expect(result.code).toBe(2);
    const errors = result.stderr.split('\n');
    expect(errors).toContain(
      'error: environments/test.yaml: cluster.kubeconfig.context: "prod-admin@prod" is also the context of environments/prod.yaml (cluster.kubeconfig.context); every environment needs its own kubeconfig context, or a deploy could reach the wrong cluster',
    );
    expect(errors).toContain(
      'error: environments/test.yaml: controlPlane.virtualRouterId: 51 is also the virtualRouterId of environments/prod.yaml (controlPlane.virtualRouterId); they share a network segment (controlPlane.subnet 10.0.0.0/8 overlaps 10.20.0.0/24 of environments/prod.yaml), so their keepalived instances need different VRRP router ids',
    );
    expect(result.stderr).not.toMatch(/at .*\.ts:\d+/);
    expect(fs.existsSync(project.path('out'))).toBe(false);
  });

  it('still compares a selected environment with the ones not selected', async () => {
    project.edit('environments/test.yaml', 'context: test-admin@test', 'context: prod-admin@prod');
    const result = await project.run(['synth', '--env', 'test', '--out', 'out']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('environments/test.yaml: cluster.kubeconfig.context');
    expect(result.stderr).toContain('environments/prod.yaml');
  });
});
