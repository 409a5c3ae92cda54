import { parseAllDocuments } from 'yaml';
import { Project } from '../../../cli/project';
import type { LoadedEnvironment } from '../../../environments/load';
import { synthesizeEnvironment } from '../../../stacks/environment';
import { metricsPortOf } from '../../../stacks/kubernetes/monitoring-chart';
import { gatewayProxyNamespace } from '../../../stacks/kubernetes/policies-chart';
import { promqlProblems } from '../../../stacks/policy/promql';
import { TempProject } from '../../support/cli';
import { validateAgainstCrd } from '../../support/crd-schema';

// biome-ignore lint/suspicious/noExplicitAny: manifests are plain JSON
type Manifest = Record<string, any>;

const NAME = 'app.kubernetes.io/name';
const nsSelector = (ns: string) => ({ matchLabels: { 'kubernetes.io/metadata.name': ns } });

/** The shipped environments, synthesized, with their manifests by chart. */
function shipped(): { env: LoadedEnvironment; charts: Map<string, Manifest[]> }[] {
  const temp = new TempProject();
  try {
    const project = Project.find(temp.root);
    return project.loadEnvironments(project.environmentNames()).map((env) => {
      const charts = new Map<string, Manifest[]>();
      for (const file of synthesizeEnvironment(env).files) {
        const match = /^kubernetes\/(.+)\.yaml$/.exec(file.path);
        if (match?.[1])
          charts.set(
            match[1],
            parseAllDocuments(file.content).map((doc) => doc.toJS() as Manifest),
          );
      }
      return { env, charts };
    });
  } finally {
    temp.dispose();
  }
}

describe.each(shipped().map((entry) => [entry.env.name, entry] as const))('%s', (_name, { env, charts }) => {
  const { spec } = env;
  const policies = charts.get('policies') ?? [];
  const monitoring = charts.get('monitoring') ?? [];
  const policy = (namespace: string, name: string) =>
    policies.find((p) => p.metadata.namespace === namespace && p.metadata.name === name);

  it('isolates every team namespace: default deny and DNS egress only', () => {
    for (const ns of spec.namespaces) {
      expect(policy(ns.name, 'default-deny')?.spec).toEqual({
        podSelector: {},
        policyTypes: ['Ingress', 'Egress'],
      });
      expect(policy(ns.name, 'allow-dns-egress')?.spec.egress[0].ports).toEqual([
        { port: 53, protocol: 'UDP' },
        { port: 53, protocol: 'TCP' },
      ]);
    }
  });

  it('lets each service call what it uses, and the callee admit it', () => {
    for (const service of spec.services) {
      const own = policy(service.namespace, `allow-${service.name}`);
      for (const used of service.uses) {
        const target = spec.services.find((candidate) => candidate.name === used);
        const db = spec.databases.find((candidate) => candidate.name === used);
        const external = spec.externalServices.find((candidate) => candidate.name === used);
        if (target) {
          const peer = {
            namespaceSelector: nsSelector(target.namespace),
            podSelector: { matchLabels: { [NAME]: used } },
          };
          expect(own?.spec.egress).toContainEqual(expect.objectContaining({ to: [peer] }));
          const callee = policy(target.namespace, `allow-${used}`);
          expect(callee?.spec.ingress).toContainEqual(
            expect.objectContaining({
              from: [
                {
                  namespaceSelector: nsSelector(service.namespace),
                  podSelector: { matchLabels: { [NAME]: service.name } },
                },
              ],
            }),
          );
        } else if (db) {
          // A vitess database is reached through vtgate only (port 3306), a mysql-single one at its pod.
          const vitess = db.engine === 'vitess';
          expect(own?.spec.egress).toContainEqual({
            to: [
              {
                namespaceSelector: nsSelector(db.namespace),
                podSelector: {
                  matchLabels: {
                    'platform-blueprint.io/database': db.name,
                    ...(vitess ? { 'planetscale.com/component': 'vtgate' } : {}),
                  },
                },
              },
            ],
            ports: [{ port: vitess ? 3306 : db.port, protocol: 'TCP' }],
          });
        } else if (external) {
          expect(own?.spec.egress).toContainEqual(
            expect.objectContaining({
              to: external.addresses.map((address) => ({ ipBlock: { cidr: `${address}/32` } })),
            }),
          );
        }
      }
    }
  });

  it('admits the gateway proxies to every routed service', () => {
    const proxies = gatewayProxyNamespace(spec);
    for (const service of spec.services.filter((candidate) => candidate.route && proxies)) {
      expect(policy(service.namespace, `allow-${service.name}`)?.spec.ingress).toContainEqual(
        expect.objectContaining({
          from: [{ namespaceSelector: nsSelector(proxies as string), podSelector: {} }],
        }),
      );
    }
  });

  it('scrapes every service and database exporter, and admits the scrapes from the monitoring namespace', () => {
    for (const service of spec.services) {
      const metrics = metricsPortOf(service);
      expect(metrics).toBeDefined();
      const monitor = monitoring.find(
        (m) =>
          m.kind === 'ServiceMonitor' &&
          m.metadata.namespace === service.namespace &&
          m.metadata.name === service.name,
      );
      expect(monitor?.spec.endpoints[0].port).toBe(metrics?.name);
      expect(policy(service.namespace, `allow-${service.name}`)?.spec.ingress).toContainEqual({
        from: [{ namespaceSelector: nsSelector(spec.observability.namespace), podSelector: {} }],
        ports: [{ port: metrics?.containerPort, protocol: 'TCP' }],
      });
    }
    // Vitess databases are scraped by their PodMonitor in the data chart (test/stacks/kubernetes/data-chart.test.ts).
    for (const db of spec.databases.filter((candidate) => candidate.engine === 'vitess'))
      expect(policy(db.namespace, `allow-${db.name}`)?.spec.ingress).toContainEqual({
        from: [{ namespaceSelector: nsSelector(spec.observability.namespace), podSelector: {} }],
        ports: [
          { port: 15000, protocol: 'TCP' },
          { port: 9104, protocol: 'TCP' },
        ],
      });
    for (const db of spec.databases.filter((candidate) => candidate.engine === 'mysql-single')) {
      const monitor = monitoring.find(
        (m) => m.kind === 'ServiceMonitor' && m.metadata.name === `${db.name}-exporter`,
      );
      expect(monitor?.spec.selector.matchLabels).toEqual({ 'platform-blueprint.io/database': db.name });
      expect(policy(db.namespace, `allow-${db.name}`)?.spec.ingress).toContainEqual({
        from: [{ namespaceSelector: nsSelector(spec.observability.namespace), podSelector: {} }],
        ports: [{ port: 'metrics', protocol: 'TCP' }],
      });
    }
  });

  it('writes custom resources their CRDs accept and alerts whose PromQL parses', () => {
    const custom = monitoring.filter((m) => m.apiVersion.startsWith('monitoring.coreos.com/'));
    expect(custom.length).toBeGreaterThan(0);
    for (const resource of custom)
      expect([resource.metadata.name, validateAgainstCrd(resource as never)]).toEqual([
        resource.metadata.name,
        [],
      ]);
    const rule = monitoring.find((m) => m.kind === 'PrometheusRule');
    const alerts =
      rule?.spec.groups.flatMap((group: { rules: { alert: string; expr: string }[] }) => group.rules) ?? [];
    expect(alerts.length).toBeGreaterThanOrEqual(5);
    for (const alert of alerts) expect([alert.alert, promqlProblems(alert.expr)]).toEqual([alert.alert, []]);
  });
});
