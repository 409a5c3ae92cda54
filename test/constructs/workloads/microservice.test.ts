import { type Chart, Testing } from 'cdk8s';
import { HorizontalPodAutoscaler } from 'cdk8s-plus-28';
import { Microservice, type MicroserviceProps } from '../../../constructs/workloads/microservice';

// biome-ignore lint/suspicious/noExplicitAny: manifests are untyped JSON
type Manifest = any;

const base: MicroserviceProps = {
  name: 'map',
  namespace: 'vehicle',
  image: 'registry.example.com/vehicle/map:3.1.9',
  version: '3.1.9',
  environment: 'prod',
  ports: [
    { name: 'http', port: 80, targetPort: 8080 },
    { name: 'metrics', port: 9090 },
  ],
};

function synth(
  props: Partial<MicroserviceProps> = {},
  extra?: (m: Microservice, chart: Chart) => void,
): Manifest[] {
  const chart = Testing.chart();
  const microservice = new Microservice(chart, 'svc', { ...base, ...props });
  extra?.(microservice, chart);
  return Testing.synth(chart);
}
const of = (objects: Manifest[], kind: string) => objects.filter((o) => o.kind === kind);
const container = (objects: Manifest[]) => of(objects, 'Deployment')[0].spec.template.spec.containers[0];

describe('Microservice', () => {
  it('rolls out losslessly: surge without unavailability, warm-up, drain shorter than the grace period', () => {
    const objects = synth({
      lossless: { maxSurge: 2, minReadySeconds: 20, preStopSeconds: 25, terminationGracePeriodSeconds: 60 },
    });
    const [deployment] = of(objects, 'Deployment');
    expect(deployment.spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: 2, maxUnavailable: 0 },
    });
    expect(deployment.spec.minReadySeconds).toBe(20);
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBe(60);
    expect(container(objects).lifecycle.preStop).toEqual({ exec: { command: ['sleep', '25'] } });
  });

  it('drains through an HTTP endpoint for images without sleep', () => {
    const objects = synth({ lossless: { preStopPath: '/drain' } });
    expect(container(objects).lifecycle.preStop.httpGet).toEqual(
      expect.objectContaining({ path: '/drain', port: 8080 }),
    );
  });

  it('probes startup, readiness and liveness on the container port', () => {
    const c = container(synth({ readinessProbe: { path: '/ready', periodSeconds: 3 } }));
    expect(c.readinessProbe).toEqual(
      expect.objectContaining({
        httpGet: expect.objectContaining({ path: '/ready', port: 8080 }),
        periodSeconds: 3,
      }),
    );
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    expect(c.startupProbe.failureThreshold).toBe(60);
  });

  it('uses the gRPC health protocol for gRPC services and marks the port h2c', () => {
    const objects = synth({ protocol: 'grpc', ports: [{ name: 'grpc', port: 9000 }] });
    const c = container(objects);
    for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) {
      expect(probe.grpc).toEqual({ port: 9000 });
      expect(probe.tcpSocket).toBeUndefined();
    }
    expect(of(objects, 'Service')[0].spec.ports[0].appProtocol).toBe('kubernetes.io/h2c');
    expect(of(synth(), 'Service')[0].spec.ports.map((p: Manifest) => p.appProtocol)).toEqual([
      'http',
      undefined,
    ]);
  });

  it('sets requests and limits as given', () => {
    const c = container(
      synth({
        resources: { cpuRequest: '250m', cpuLimit: '1.5', memoryRequest: '256Mi', memoryLimit: '1Gi' },
      }),
    );
    expect(c.resources).toEqual({
      requests: { cpu: '250m', memory: '256Mi' },
      limits: { cpu: '1500m', memory: '1024Mi' },
    });
  });

  it('runs restricted: non-root, no escalation, read-only root, no capabilities, RuntimeDefault seccomp', () => {
    const objects = synth();
    expect(container(objects).securityContext).toEqual(
      expect.objectContaining({
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        privileged: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      }),
    );
    expect(of(objects, 'Deployment')[0].spec.template.spec.securityContext.seccompProfile).toEqual({
      type: 'RuntimeDefault',
    });
    // ... and still has a writable /tmp.
    expect(container(objects).volumeMounts).toEqual([{ mountPath: '/tmp', name: 'tmp' }]);
    expect(of(objects, 'Deployment')[0].spec.template.spec.volumes).toEqual([
      { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
    ]);
  });

  it('selects its lane only, with a Service and a PDB on the same selector', () => {
    const objects = synth({ lane: 'gray', name: 'map-gray', appName: 'map', replicas: 2 });
    const selector = { 'app.kubernetes.io/name': 'map', 'platform-blueprint.io/lane': 'gray' };
    const [deployment] = of(objects, 'Deployment');
    expect(deployment.spec.selector.matchLabels).toEqual(selector);
    expect(deployment.spec.template.metadata.labels).toEqual({
      ...selector,
      'app.kubernetes.io/instance': 'map-gray',
      'app.kubernetes.io/version': '3.1.9',
      'app.kubernetes.io/part-of': 'vehicle',
    });
    expect(of(objects, 'Service')[0].spec.selector).toEqual(selector);
    expect(of(objects, 'PodDisruptionBudget')[0].spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: selector },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    });
  });

  it('gives the app OpenTelemetry conventions and its lane', () => {
    const env = (objects: Manifest[]) =>
      Object.fromEntries(container(objects).env.map((e: Manifest) => [e.name, e.value ?? e.valueFrom]));
    const stable = env(synth({ otlpEndpoint: 'http://otel-collector.monitoring:4317' }));
    expect(stable).toEqual(
      expect.objectContaining({
        OTEL_SERVICE_NAME: 'map',
        OTEL_RESOURCE_ATTRIBUTES:
          'service.namespace=vehicle,deployment.environment=prod,service.version=3.1.9,lane=stable',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.monitoring:4317',
        LANE: 'stable',
        GRAY_HEADER: 'x-gray-tag',
      }),
    );
    expect(stable.GRAY_TAG).toBeUndefined();
    const gray = env(synth({ name: 'map-gray', appName: 'map', lane: 'gray', grayHeader: 'x-lane' }));
    expect(gray).toEqual(
      expect.objectContaining({
        OTEL_SERVICE_NAME: 'map',
        LANE: 'gray',
        GRAY_TAG: 'gray',
        GRAY_HEADER: 'x-lane',
      }),
    );
  });

  it('references secrets by name and key, never by value', () => {
    const c = container(synth({ env: { DB_PASSWORD: { secret: { name: 'map-db', key: 'password' } } } }));
    expect(c.env.find((e: Manifest) => e.name === 'DB_PASSWORD')).toEqual({
      name: 'DB_PASSWORD',
      valueFrom: { secretKeyRef: { name: 'map-db', key: 'password' } },
    });
  });

  it('spreads softly across zones and nodes, per revision', () => {
    const spec = of(synth(), 'Deployment')[0].spec.template.spec;
    expect(spec.topologySpreadConstraints.map((c: Manifest) => [c.topologyKey, c.whenUnsatisfiable])).toEqual(
      [
        ['topology.kubernetes.io/zone', 'ScheduleAnyway'],
        ['kubernetes.io/hostname', 'ScheduleAnyway'],
      ],
    );
    expect(spec.topologySpreadConstraints[0].matchLabelKeys).toEqual(['pod-template-hash']);
  });

  it('places pods on a pool', () => {
    const spec = of(
      synth({
        placement: {
          nodeSelector: { 'platform-blueprint.io/pool': 'gateway' },
          tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gateway', effect: 'NoSchedule' }],
        },
      }),
      'Deployment',
    )[0].spec.template.spec;
    expect(spec.nodeSelector).toEqual({ 'platform-blueprint.io/pool': 'gateway' });
    expect(spec.tolerations).toHaveLength(1);
  });

  it('emits a PDB for more than one replica or an autoscaler, not for a single fixed replica', () => {
    expect(of(synth({ replicas: 1 }), 'PodDisruptionBudget')).toHaveLength(0);
    expect(of(synth({ replicas: 2 }), 'PodDisruptionBudget')).toHaveLength(1);
    expect(of(synth({ replicas: 1, autoscaled: true }), 'PodDisruptionBudget')).toHaveLength(1);
  });

  it('leaves replicas to an autoscaler', () => {
    const objects = synth({ autoscaled: true }, (m, chart) => {
      new HorizontalPodAutoscaler(chart, 'hpa', { target: m.deployment, maxReplicas: 5 });
    });
    expect(of(objects, 'Deployment')[0].spec.replicas).toBeUndefined();
  });

  it('refuses an autoscaler on a Deployment it was not told about when it has no PDB', () => {
    expect(() =>
      synth({ replicas: 1 }, (m, chart) => {
        m.deployment.markHasAutoscaler();
        void chart;
      }),
    ).toThrow(/autoscaled but has no PodDisruptionBudget/);
  });

  it.each([
    [
      { image: 'registry.example.com/vehicle/map' },
      /'image' \("registry.example.com\/vehicle\/map"\) must be pinned/,
    ],
    [{ image: 'registry.example.com/vehicle/map:latest' }, /must be pinned/],
    [
      { lossless: { preStopSeconds: 50, terminationGracePeriodSeconds: 45 } },
      /'preStopSeconds' \(50\) must be < 'terminationGracePeriodSeconds' \(45\)/,
    ],
    [
      { resources: { cpuRequest: '2', cpuLimit: '1', memoryRequest: '1Gi', memoryLimit: '1Gi' } },
      /'cpuLimit' \(1\) must be >= 'cpuRequest' \(2\)/,
    ],
    [{ ports: [] }, /'ports' must list at least one port/],
    [
      {
        ports: [
          { name: 'a', port: 80 },
          { name: 'a', port: 81 },
        ],
      },
      /port name 'a' is used twice/,
    ],
    [
      { readinessProbe: { port: 'nope' } },
      /'readinessProbe.port' \("nope"\) is not one of the port names \(http, metrics\)/,
    ],
    [{ env: { LANE: 'x' } }, /env 'LANE' is set by the platform/],
    [{ runAsUser: 0 }, /'runAsUser' \(0\) must not be root/],
  ] as [Partial<MicroserviceProps>, RegExp][])('refuses bad props %#', (props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});
