import { Project } from '../../cli/project';
import type { EnvironmentSpec } from '../../environments/schema';
import { databaseKeyRanges } from '../../environments/schema/data-rules';
import { mermaidLabel, renderTopology } from '../../stacks/topology';
import { REPO_ROOT, TempProject } from '../support/cli';

function loadSpec(name: string): EnvironmentSpec {
  const project = new Project(REPO_ROOT);
  const [env] = project.loadEnvironments([name]);
  if (!env) throw new Error(`no ${name}`);
  return env.spec;
}

function clone(spec: EnvironmentSpec): EnvironmentSpec {
  return structuredClone(spec);
}

/** The Mermaid block of topology.md. */
function mermaid(content: string): string[] {
  const match = /```mermaid\n([\s\S]*?)\n```/.exec(content);
  if (!match) throw new Error('no mermaid block');
  return (match[1] as string).split('\n');
}

const ID = '[A-Za-z0-9_]+';
const LABEL = '"[^"]*"';
const NODE = new RegExp(
  `^\\s+(${ID})(\\[|\\(|\\(\\[|\\{\\{|\\[\\(|\\[/)(${LABEL})(\\]|\\)|\\]\\)|\\}\\}|\\)\\]|/\\])$`,
);
const EDGE = new RegExp(`^\\s+(${ID}) (-->|-\\.->)(?:\\|(${LABEL})\\|)? (${ID})$`);
const SUBGRAPH = new RegExp(`^\\s+subgraph (${ID})\\[(${LABEL})\\]$`);

/**
 * Checks the flowchart against the subset of Mermaid the renderer writes: every line is a
 * node, an edge, a subgraph or its end; ids are plain and defined before they are linked; node
 * brackets pair up; subgraphs are balanced. Returns the edges as `from -> to (label)`.
 */
function checkFlowchart(lines: readonly string[]): { nodes: Map<string, string>; edges: string[] } {
  expect(lines[0]).toBe('flowchart LR');
  const nodes = new Map<string, string>();
  const edges: { from: string; to: string; label: string }[] = [];
  let depth = 0;
  const pairs: Record<string, string> = {
    '[': ']',
    '(': ')',
    '([': '])',
    '{{': '}}',
    '[(': ')]',
    '[/': '/]',
  };
  for (const line of lines.slice(1)) {
    const node = NODE.exec(line);
    const edge = EDGE.exec(line);
    const subgraph = SUBGRAPH.exec(line);
    if (node) {
      const [, id, open, label, close] = node as unknown as string[];
      expect([line, pairs[open as string]]).toEqual([line, close]);
      expect(nodes.has(id as string)).toBe(false);
      nodes.set(id as string, (label as string).slice(1, -1));
    } else if (subgraph) {
      depth++;
      nodes.set(subgraph[1] as string, (subgraph[2] as string).slice(1, -1));
    } else if (line.trim() === 'end') {
      depth--;
      expect(depth).toBeGreaterThanOrEqual(0);
    } else if (edge) {
      edges.push({ from: edge[1] as string, to: edge[4] as string, label: edge[3]?.slice(1, -1) ?? '' });
    } else {
      throw new Error(`not a flowchart statement: ${line}`);
    }
  }
  expect(depth).toBe(0);
  for (const edge of edges) {
    expect([edge.from, nodes.has(edge.from)]).toEqual([edge.from, true]);
    expect([edge.to, nodes.has(edge.to)]).toEqual([edge.to, true]);
  }
  const name = (id: string) => (nodes.get(id) ?? id).split('<br/>')[0];
  return {
    nodes,
    edges: edges.map((e) => `${name(e.from)} -> ${name(e.to)}${e.label ? ` (${e.label})` : ''}`),
  };
}

describe('topology', () => {
  const prod = loadSpec('prod');
  const file = renderTopology('prod', prod);
  const { nodes, edges } = checkFlowchart(mermaid(file.content));
  const labels = [...nodes.values()];

  it('is topology.md with a valid Mermaid flowchart', () => {
    expect(file.path).toBe('topology.md');
    expect(file.content.startsWith('# Topology of prod\n')).toBe(true);
    expect(file.content.endsWith('```\n')).toBe(true);
  });

  it('draws VIP → HAProxy → every master', () => {
    const { vip, port, apiServerPort } = prod.controlPlane;
    const vipLabel = `VIP ${vip}:${port}`;
    const haproxy = `HAProxy :${port}`;
    expect(edges).toContain(`${vipLabel} -> ${haproxy}`);
    for (const master of prod.controlPlane.masters) {
      expect(edges).toContain(`${haproxy} -> ${master.name}`);
      expect(labels).toContain(`${master.name}<br/>${master.address}:${apiServerPort}`);
    }
  });

  it('lists every node pool with its size, zone and taints', () => {
    for (const pool of prod.nodePools) {
      const label = labels.find((l) => l.startsWith(`${pool.name}<br/>`));
      expect(label).toBeDefined();
      if (pool.nodes) expect(label).toContain(`${pool.nodes.length} node`);
      for (const taint of pool.taints) expect(label).toContain(`${taint.key}=${taint.value}:${taint.effect}`);
    }
  });

  it('routes gateway → route → services with the stable and gray weights', () => {
    expect(prod.gateway).toBeDefined();
    const routed = prod.services.filter((s) => s.route);
    expect(routed.length).toBeGreaterThan(0);
    const gatewayName = `Gateway ${prod.gateway?.namespace}/${prod.gateway?.name}`;
    for (const service of routed) {
      const route = `${service.protocol === 'grpc' ? 'GRPCRoute' : 'HTTPRoute'} ${service.name}`;
      const target = `${service.namespace}/${service.name}`;
      expect(edges).toContain(`${gatewayName} -> ${route}`);
      if (service.gray) {
        const weight = service.gray.weight;
        expect(edges).toContain(`${route} -> ${target} (stable ${100 - weight}%)`);
        expect(edges.find((e) => e.startsWith(`${route} -> ${target} gray (gray ${weight}% + `))).toContain(
          `${prod.grayscale.header}: ${service.gray.lane}`,
        );
      } else {
        expect(edges).toContain(`${route} -> ${target} (100%)`);
      }
    }
    expect(prod.services.some((s) => s.gray && s.gray.weight > 0)).toBe(true);
  });

  it('draws each database with its shards, external services, and what services use', () => {
    for (const db of prod.databases) {
      for (const range of databaseKeyRanges(db.shards) ?? [])
        expect(labels).toContain(`shard ${range.toString()}`);
      expect(edges).toContain(
        `${db.namespace}/${db.name}: ${db.engine}, ${(databaseKeyRanges(db.shards) ?? []).length} shards × ${db.replicas} -> ${db.pool} (runs on)`,
      );
    }
    for (const ext of prod.externalServices) {
      expect(labels.some((l) => l.startsWith(`${ext.namespace}/${ext.name}<br/>external ${ext.type}`))).toBe(
        true,
      );
    }
    const names = new Map<string, string>([
      ...prod.services.map((s) => [s.name, `${s.namespace}/${s.name}`] as [string, string]),
      ...prod.externalServices.map((e) => [e.name, `${e.namespace}/${e.name}`] as [string, string]),
    ]);
    for (const service of prod.services) {
      for (const used of service.uses) {
        const target = names.get(used);
        if (target) expect(edges).toContain(`${service.namespace}/${service.name} -> ${target}`);
        else {
          const from = `${service.namespace}/${service.name} -> `;
          expect(edges.some((e) => e.startsWith(from) && e.includes(`/${used}: `))).toBe(true);
        }
      }
    }
  });

  it('escapes labels and sanitizes ids whatever the names are', () => {
    const hostile = clone(prod);
    if (hostile.gateway) hostile.gateway.className = 'impl"with<quotes>&more';
    hostile.nodePools = [{ ...hostile.nodePools[0], name: 'end' } as (typeof hostile.nodePools)[number]];
    const lines = mermaid(renderTopology('x', hostile).content);
    const checked = checkFlowchart(lines);
    expect([...checked.nodes.values()].some((l) => l.includes('impl#quot;with#lt;quotes#gt;#amp;more'))).toBe(
      true,
    );
    expect(lines.some((l) => /^\s+end\[/.test(l))).toBe(false);
    expect(mermaidLabel('a"b\nc')).toBe('"a#quot;b<br/>c"');
  });

  it('handles an environment without gateway, services or data, and an external load balancer', () => {
    const bare = clone(prod);
    delete bare.gateway;
    bare.services = [];
    bare.databases = [];
    bare.externalServices = [];
    bare.nodePools = [];
    bare.controlPlane.loadBalancer = { type: 'external', endpoint: 'api.example.com', port: 6443 };
    const { edges: bareEdges } = checkFlowchart(mermaid(renderTopology('bare', bare).content));
    expect(bareEdges).toEqual(prod.controlPlane.masters.map((m) => `external load balancer -> ${m.name}`));
  });

  it('is part of every synthesized environment', async () => {
    const project = new TempProject();
    try {
      const result = await project.run(['synth', '--out', 'out', '--env', 'test']);
      expect(result.code).toBe(0);
      expect(project.read('out/test/topology.md')).toContain('```mermaid\nflowchart LR\n');
    } finally {
      project.dispose();
    }
  });
});
