import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { loadEnvironment } from '../../../environments/load';
import { synthesizeEnvironment } from '../../../stacks/environment';
import { REPO_ROOT } from '../../support/cli';
import { validateAgainstCrd } from '../../support/crd-schema';
import { loadRepoEnvironment } from '../../support/repo-environment';

// biome-ignore lint/suspicious/noExplicitAny: manifests are untyped JSON
type Manifest = any;

const load = loadRepoEnvironment;

/**
 * The blueprint's own manifests: kubernetes/addons.yaml holds the upstream add-ons (their own
 * test is test/stacks/addons), and kubernetes/addons.lock.json is the add-on lock, not a manifest.
 */
function ownManifests(file: { readonly path: string }): boolean {
  return (
    file.path.startsWith('kubernetes/') &&
    file.path.endsWith('.yaml') &&
    file.path !== 'kubernetes/addons.yaml'
  );
}

function manifests(name: string): Manifest[] {
  const output = synthesizeEnvironment(load(name));
  return output.files
    .filter(ownManifests)
    .flatMap((file) => parseAllDocuments(file.content).map((doc) => doc.toJS()))
    .filter((doc) => doc !== null);
}

/** Problems the Kubernetes OpenAPI schemas (kubernetes-models, ESM-only, so in a child process) find. */
function validateAgainstKubernetes(objects: readonly Manifest[]): string[] {
  const result = spawnSync(process.execPath, [path.join(__dirname, 'kubernetes-schema.mjs')], {
    input: JSON.stringify(objects),
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.status !== 0) throw new Error(`kubernetes-schema.mjs failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

const key = (object: Manifest) => `${object.metadata.namespace}/${object.metadata.name}`;
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);

describe.each(['prod', 'test'])('the %s environment', (envName) => {
  const objects = manifests(envName);
  const ofKind = (kind: string) => objects.filter((object) => object.kind === kind);
  const deployments = ofKind('Deployment');
  const services = ofKind('Service');
  const pdbs = ofKind('PodDisruptionBudget');
  const gatewayApi = objects.filter((object) => object.apiVersion.startsWith('gateway.networking.k8s.io/'));

  it('has workloads and Gateway API objects to check', () => {
    expect(deployments.length).toBeGreaterThan(0);
    expect(gatewayApi.length).toBeGreaterThan(0);
  });

  it('emits Deployments, Services, PDBs and HPAs that the Kubernetes schemas accept', () => {
    const checked = objects.filter((o) =>
      ['Deployment', 'Service', 'PodDisruptionBudget', 'HorizontalPodAutoscaler'].includes(o.kind),
    );
    expect(checked.length).toBeGreaterThan(0);
    expect(validateAgainstKubernetes(checked)).toEqual([]);
    // The validator rejects what it should: a container port that is not a number.
    const broken = structuredClone(deployments[0]);
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    expect(validateAgainstKubernetes([broken])).toHaveLength(1);
  });

  it('validates every Gateway API object against its CRD schema', () => {
    for (const object of gatewayApi) {
      expect({ object: `${object.kind} ${key(object)}`, problems: validateAgainstCrd(object) }).toEqual({
        object: `${object.kind} ${key(object)}`,
        problems: [],
      });
    }
  });

  it('points every backendRef at a Service that exists, with a port it has', () => {
    const routes = gatewayApi.filter((object) => object.kind === 'HTTPRoute' || object.kind === 'GRPCRoute');
    let checked = 0;
    for (const route of routes) {
      for (const rule of route.spec.rules) {
        for (const ref of rule.backendRefs ?? []) {
          const namespace = ref.namespace ?? route.metadata.namespace;
          const service = services.find((s) => key(s) === `${namespace}/${ref.name}`);
          expect({ route: key(route), ref: ref.name, found: service !== undefined }).toEqual({
            route: key(route),
            ref: ref.name,
            found: true,
          });
          expect(service.spec.ports.map((p: Manifest) => p.port)).toContain(ref.port);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('attaches every route to a parent that exists', () => {
    const gateways = gatewayApi.filter((object) => object.kind === 'Gateway');
    for (const route of gatewayApi.filter((o) => o.kind === 'HTTPRoute' || o.kind === 'GRPCRoute')) {
      for (const parent of route.spec.parentRefs) {
        const namespace = parent.namespace ?? route.metadata.namespace;
        if (parent.kind === 'Gateway') {
          const gateway = gateways.find((g) => key(g) === `${namespace}/${parent.name}`);
          expect(gateway).toBeDefined();
          if (parent.sectionName) {
            expect(gateway.spec.listeners.map((l: Manifest) => l.name)).toContain(parent.sectionName);
          }
        } else {
          expect(parent.kind).toBe('Service');
          expect(services.some((s) => key(s) === `${namespace}/${parent.name}`)).toBe(true);
        }
      }
    }
  });

  it('gives every Deployment readiness, preStop, resources, maxUnavailable 0 and a PDB', () => {
    for (const d of deployments) {
      const where = key(d);
      expect({ where, strategy: d.spec.strategy.rollingUpdate.maxUnavailable }).toEqual({
        where,
        strategy: 0,
      });
      expect(d.spec.minReadySeconds).toBeGreaterThan(0);
      const grace = d.spec.template.spec.terminationGracePeriodSeconds;
      for (const container of d.spec.template.spec.containers) {
        expect(container.readinessProbe).toBeDefined();
        expect(container.resources.requests).toEqual(
          expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }),
        );
        expect(container.resources.limits).toEqual(
          expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }),
        );
        const preStop = container.lifecycle.preStop;
        expect(preStop.exec ?? preStop.httpGet).toBeDefined();
        if (preStop.exec) expect(Number(preStop.exec.command[1])).toBeLessThan(grace);
        expect(container.image).not.toMatch(/:latest$/);
        expect(container.securityContext).toEqual(
          expect.objectContaining({
            runAsNonRoot: true,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ['ALL'] },
            seccompProfile: { type: 'RuntimeDefault' },
          }),
        );
      }
      const podLabels = d.spec.template.metadata.labels;
      const selecting = pdbs.filter(
        (p) =>
          p.metadata.namespace === d.metadata.namespace && matches(p.spec.selector.matchLabels, podLabels),
      );
      expect({ where, pdbs: selecting.length }).toEqual({ where, pdbs: 1 });
    }
  });

  it('leaves spec.replicas of autoscaled Deployments to their HPA', () => {
    for (const hpa of ofKind('HorizontalPodAutoscaler')) {
      const target = deployments.find(
        (d) =>
          d.metadata.namespace === hpa.metadata.namespace && d.metadata.name === hpa.spec.scaleTargetRef.name,
      );
      expect(target).toBeDefined();
      expect(target.spec.replicas).toBeUndefined();
    }
  });

  it('selects each lane with its own Service: stable and gray pods never share one', () => {
    for (const service of services.filter((s) => s.spec.selector?.['platform-blueprint.io/lane'])) {
      const selected = deployments.filter(
        (d) =>
          d.metadata.namespace === service.metadata.namespace &&
          matches(service.spec.selector, d.spec.template.metadata.labels),
      );
      // A laned service's own name is an ExternalName to the lanes proxies; <service>-stable selects its stable pods.
      expect(selected.map(key)).toEqual([key(service).replace(/-stable$/, '')]);
    }
  });
});

describe('prod', () => {
  const objects = manifests('prod');
  const deployments = objects.filter((o) => o.kind === 'Deployment');
  const routes = objects.filter((o) => o.kind === 'HTTPRoute' || o.kind === 'GRPCRoute');

  it('runs at least three autoscaled services and a gateway', () => {
    const stable = deployments.filter((d) => d.metadata.labels['platform-blueprint.io/lane'] === 'stable');
    expect(stable.length).toBeGreaterThanOrEqual(3);
    const hpaTargets = objects
      .filter((o) => o.kind === 'HorizontalPodAutoscaler')
      .map((h) => h.spec.scaleTargetRef.name);
    for (const d of stable) expect(hpaTargets).toContain(d.metadata.name);
    // The public Gateway, and the lanes Gateway of in-cluster calls.
    expect(objects.filter((o) => o.kind === 'Gateway').map((g) => g.metadata.name)).toEqual([
      'public',
      'lanes',
    ]);
  });

  it('has a gray release in progress by weight and by mark', () => {
    const route = routes.find((r) => r.kind === 'HTTPRoute' && r.metadata.name === 'vehicle-control');
    const mark = route.spec.rules.find((r: Manifest) => r.name === 'lane-gray-mark');
    expect(mark.matches[0].headers).toEqual([{ type: 'Exact', name: 'x-gray-tag', value: 'gray' }]);
    expect(mark.backendRefs.map((b: Manifest) => b.name)).toEqual(['vehicle-control-gray']);
    const split = route.spec.rules.find((r: Manifest) => r.name === 'default');
    expect(split.backendRefs.map((b: Manifest) => [b.name, b.weight])).toEqual([
      ['vehicle-control-stable', 90],
      ['vehicle-control-gray', 10],
    ]);
    // Under Envoy Gateway the gray share is not marked at the edge (LaneSplit.markWeightedShare).
    expect(split.backendRefs.map((b: Manifest) => b.filters)).toEqual([undefined, undefined]);
    const gray = deployments.find((d) => d.metadata.name === 'vehicle-control-gray');
    expect(gray.spec.template.metadata.labels['platform-blueprint.io/lane']).toBe('gray');
    const env = Object.fromEntries(
      gray.spec.template.spec.containers[0].env.map((e: Manifest) => [e.name, e.value]),
    );
    expect(env).toEqual(
      expect.objectContaining({ LANE: 'gray', GRAY_TAG: 'gray', GRAY_HEADER: 'x-gray-tag' }),
    );
  });

  it('keeps in-cluster calls in the lane through the lanes Gateway, and autoscales every gray lane', () => {
    const lanes = objects.find((o) => o.kind === 'Gateway' && o.metadata.name === 'lanes');
    for (const gray of deployments.filter(
      (d) => d.metadata.labels['platform-blueprint.io/lane'] === 'gray',
    )) {
      const service = gray.metadata.labels['app.kubernetes.io/name'];
      const route = routes.find((r) => r.metadata.name === `${service}-lanes`);
      expect(route.spec.parentRefs.map((p: Manifest) => p.name)).toEqual([
        'lanes',
        'lanes',
        'lanes',
        'lanes',
      ]);
      expect(route.spec.hostnames).toEqual([
        service,
        `${service}.vehicle`,
        `${service}.vehicle.svc`,
        `${service}.vehicle.svc.cluster.local`,
      ]);
      for (const parent of route.spec.parentRefs)
        expect(lanes.spec.listeners.map((l: Manifest) => l.name)).toContain(parent.sectionName);
      const markRule = route.spec.rules.find((r: Manifest) => r.name === 'lane-gray-mark');
      expect(markRule.backendRefs[0].name).toBe(gray.metadata.name);
      const own = objects.find((o) => o.kind === 'Service' && o.metadata.name === service);
      expect(own.spec).toMatchObject({
        type: 'ExternalName',
        externalName: 'lanes.envoy-gateway-system.svc.cluster.local',
      });
      expect(own.spec.selector).toBeUndefined();
      const hpa = objects.find(
        (o) => o.kind === 'HorizontalPodAutoscaler' && o.spec.scaleTargetRef.name === gray.metadata.name,
      );
      expect(hpa.spec.minReplicas).toBe(2);
      expect(gray.spec.replicas).toBeUndefined();
    }
    const hpaMax = (name: string) =>
      objects.find((o) => o.kind === 'HorizontalPodAutoscaler' && o.spec.scaleTargetRef.name === name).spec
        .maxReplicas;
    expect([hpaMax('vehicle-control-gray'), hpaMax('map-gray')]).toEqual([4, 3]);
    const proxy = objects.find((o) => o.kind === 'EnvoyProxy' && o.metadata.name === 'lanes');
    expect(proxy.spec.provider.kubernetes.envoyService).toEqual({ type: 'ClusterIP', name: 'lanes' });
  });

  it('lets callers reach the lanes proxies and the lanes proxies reach both lanes', () => {
    const policy = (namespace: string, name: string) =>
      objects.find(
        (o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === namespace && o.metadata.name === name,
      );
    const caller = policy('vehicle', 'allow-vehicle-control');
    expect(caller.spec.egress).toEqual(
      expect.arrayContaining([
        {
          to: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'envoy-gateway-system' } },
              podSelector: {
                matchLabels: {
                  'gateway.envoyproxy.io/owning-gateway-name': 'lanes',
                  'gateway.envoyproxy.io/owning-gateway-namespace': 'gateway',
                },
              },
            },
          ],
          ports: [{ port: 8080, protocol: 'TCP' }],
        },
      ]),
    );
    // map (both lanes: the policy selects app.kubernetes.io/name) admits the proxies' namespace.
    const map = policy('vehicle', 'allow-map');
    expect(map.spec.ingress).toEqual(
      expect.arrayContaining([
        {
          from: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'envoy-gateway-system' } },
              podSelector: {},
            },
          ],
          ports: [{ port: 8080, protocol: 'TCP' }],
        },
      ]),
    );
  });

  it('sends everything to stable for services without a gray release, and emits no gray object', () => {
    const mall = routes.find((r) => r.metadata.name === 'mall');
    expect(mall.spec.rules).toHaveLength(1);
    expect(mall.spec.rules[0].backendRefs.map((b: Manifest) => b.name)).toEqual(['mall']);
    const mallObjects = objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/name'] === 'mall');
    expect(mallObjects.map((o) => `${o.kind} ${o.metadata.name}`).sort()).toEqual([
      'BackendTrafficPolicy mall',
      'Deployment mall',
      'HTTPRoute mall',
      'PodDisruptionBudget mall',
      'Service mall',
    ]);
  });
});

describe('gray releases of the test environment, varied', () => {
  const base = fs.readFileSync(path.join(REPO_ROOT, 'environments', 'test.yaml'), 'utf8');
  const templates = path.join(REPO_ROOT, 'environments', 'templates');
  function synthWith(change: (spec: Manifest) => void): Manifest[] {
    const spec = parse(base);
    change(spec);
    const text = stringify(spec);
    const env = loadEnvironment(
      'test',
      { file: 'environments/test.yaml', text },
      (template) => ({
        file: `environments/templates/${template}.yaml`,
        text: fs.readFileSync(path.join(templates, `${template}.yaml`), 'utf8'),
      }),
      ['idc-ha'],
    );
    return synthesizeEnvironment(env)
      .files.filter(ownManifests)
      .flatMap((file) => parseAllDocuments(file.content).map((doc) => doc.toJS()))
      .filter((doc) => doc !== null);
  }
  const worker = {
    name: 'worker',
    namespace: 'app',
    image: 'registry.example.com/app/worker:2.0.0',
    replicas: 2,
    gray: { image: 'registry.example.com/app/worker:2.1.0', weight: 30, lane: 'canary', replicas: 2 },
  };

  it('splits an internal-only service by weight in its lane route (unmarked under Envoy Gateway)', () => {
    const objects = synthWith((spec) => spec.services.push(worker));
    const route = objects.find((o) => o.kind === 'HTTPRoute' && o.metadata.name === 'worker-lanes');
    expect(route.spec.parentRefs.map((p: Manifest) => [p.name, p.sectionName])).toEqual([
      ['lanes', 'lane-worker'],
      ['lanes', 'lane-worker-app'],
      ['lanes', 'lane-worker-app-svc'],
      ['lanes', 'lane-worker-app-svc-cluster-local'],
    ]);
    const split = route.spec.rules.find((r: Manifest) => r.name === 'default');
    expect(split.backendRefs.map((b: Manifest) => [b.name, b.weight])).toEqual([
      ['worker-stable', 70],
      ['worker-canary', 30],
    ]);
    expect(split.backendRefs[1].filters).toBeUndefined();
    expect(objects.find((o) => o.kind === 'HTTPRoute' && o.metadata.name === 'worker')).toBeUndefined();
    for (const object of objects.filter((o) => o.apiVersion.startsWith('gateway.networking.k8s.io/'))) {
      expect(validateAgainstCrd(object)).toEqual([]);
    }
  });

  it('emits no lanes Gateway when grayscale.inCluster is none, and uses the configured mark header', () => {
    const objects = synthWith((spec) => {
      spec.services.push(worker);
      spec.grayscale = { header: 'x-lane', inCluster: 'none' };
    });
    expect(objects.filter((o) => o.metadata.name.endsWith('-lanes') || o.metadata.name === 'lanes')).toEqual(
      [],
    );
    expect(objects.find((o) => o.kind === 'Service' && o.metadata.name === 'worker').spec.type).toBe(
      'ClusterIP',
    );
    const canary = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'worker-canary');
    const env = Object.fromEntries(
      canary.spec.template.spec.containers[0].env.map((e: Manifest) => [e.name, e.value]),
    );
    expect(env).toEqual(
      expect.objectContaining({ LANE: 'canary', GRAY_TAG: 'canary', GRAY_HEADER: 'x-lane' }),
    );
  });
});
