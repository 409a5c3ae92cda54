import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { type LoadedEnvironment, loadEnvironment } from '../../../environments/load';
import { synthesizeEnvironment } from '../../../stacks/environment';
import { REPO_ROOT } from '../../support/cli';
import { validateAgainstCrd } from '../../support/crd-schema';

// biome-ignore lint/suspicious/noExplicitAny: manifests are untyped JSON
type Manifest = any;

function load(name: string): LoadedEnvironment {
  const dir = path.join(REPO_ROOT, 'environments');
  const read = (file: string) => ({
    file: `environments/${file}`,
    text: fs.readFileSync(path.join(dir, file), 'utf8'),
  });
  const templates = fs.readdirSync(path.join(dir, 'templates')).map((file) => file.replace(/\.yaml$/, ''));
  return loadEnvironment(
    name,
    read(`${name}.yaml`),
    (template) => (templates.includes(template) ? read(`templates/${template}.yaml`) : undefined),
    templates,
  );
}

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
      expect(selected.map(key)).toEqual([key(service)]);
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
    expect(objects.filter((o) => o.kind === 'Gateway')).toHaveLength(1);
  });

  it('has a gray release in progress by weight and by mark', () => {
    const route = routes.find((r) => r.kind === 'HTTPRoute' && r.metadata.name === 'vehicle-control');
    const mark = route.spec.rules.find((r: Manifest) => r.name === 'lane-gray-mark');
    expect(mark.matches[0].headers).toEqual([{ type: 'Exact', name: 'x-gray-tag', value: 'gray' }]);
    expect(mark.backendRefs.map((b: Manifest) => b.name)).toEqual(['vehicle-control-gray']);
    const split = route.spec.rules.find((r: Manifest) => r.name === 'default');
    expect(split.backendRefs.map((b: Manifest) => [b.name, b.weight])).toEqual([
      ['vehicle-control', 90],
      ['vehicle-control-gray', 10],
    ]);
    const gray = deployments.find((d) => d.metadata.name === 'vehicle-control-gray');
    expect(gray.spec.template.metadata.labels['platform-blueprint.io/lane']).toBe('gray');
    const env = Object.fromEntries(
      gray.spec.template.spec.containers[0].env.map((e: Manifest) => [e.name, e.value]),
    );
    expect(env).toEqual(
      expect.objectContaining({ LANE: 'gray', GRAY_TAG: 'gray', GRAY_HEADER: 'x-gray-tag' }),
    );
  });

  it('keeps in-cluster calls in the lane with a mesh route per gray service', () => {
    for (const gray of deployments.filter(
      (d) => d.metadata.labels['platform-blueprint.io/lane'] === 'gray',
    )) {
      const service = gray.metadata.labels['app.kubernetes.io/name'];
      const mesh = routes.find((r) => r.metadata.name === `${service}-mesh`);
      expect(mesh.spec.parentRefs).toEqual([
        expect.objectContaining({ group: '', kind: 'Service', name: service }),
      ]);
      const markRule = mesh.spec.rules.find((r: Manifest) => r.name === 'lane-gray-mark');
      expect(markRule.backendRefs[0].name).toBe(gray.metadata.name);
    }
  });

  it('sends everything to stable for services without a gray release, and emits no gray object', () => {
    const mall = routes.find((r) => r.metadata.name === 'mall');
    expect(mall.spec.rules).toHaveLength(1);
    expect(mall.spec.rules[0].backendRefs.map((b: Manifest) => b.name)).toEqual(['mall']);
    const mallObjects = objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/name'] === 'mall');
    expect(mallObjects.map((o) => `${o.kind} ${o.metadata.name}`).sort()).toEqual([
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

  it('splits an internal-only service by weight in its mesh route, marking the canary share', () => {
    const objects = synthWith((spec) => spec.services.push(worker));
    const mesh = objects.find((o) => o.kind === 'HTTPRoute' && o.metadata.name === 'worker-mesh');
    expect(mesh.spec.parentRefs).toEqual([{ group: '', kind: 'Service', name: 'worker', port: 8080 }]);
    const split = mesh.spec.rules.find((r: Manifest) => r.name === 'default');
    expect(split.backendRefs.map((b: Manifest) => [b.name, b.weight])).toEqual([
      ['worker', 70],
      ['worker-canary', 30],
    ]);
    expect(split.backendRefs[1].filters[0].requestHeaderModifier.set).toEqual([
      { name: 'x-gray-tag', value: 'canary' },
    ]);
    expect(objects.find((o) => o.kind === 'HTTPRoute' && o.metadata.name === 'worker')).toBeUndefined();
    for (const object of objects.filter((o) => o.apiVersion.startsWith('gateway.networking.k8s.io/'))) {
      expect(validateAgainstCrd(object)).toEqual([]);
    }
  });

  it('emits no mesh route when grayscale.meshRoutes is off, and uses the configured mark header', () => {
    const objects = synthWith((spec) => {
      spec.services.push(worker);
      spec.grayscale = { header: 'x-lane', meshRoutes: false };
    });
    expect(objects.filter((o) => o.metadata.name.endsWith('-mesh'))).toEqual([]);
    const canary = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'worker-canary');
    const env = Object.fromEntries(
      canary.spec.template.spec.containers[0].env.map((e: Manifest) => [e.name, e.value]),
    );
    expect(env).toEqual(
      expect.objectContaining({ LANE: 'canary', GRAY_TAG: 'canary', GRAY_HEADER: 'x-lane' }),
    );
  });
});
