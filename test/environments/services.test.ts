import { environmentSchema } from '../../environments/schema/index';
import { imageTag } from '../../environments/schema/services';
import { TempProject } from '../support/cli';
import { MINIMAL_ENVIRONMENT } from '../support/minimal-environment';

/**
 * A minimal valid environment with one namespace, `services` and `extra` on top. Envoy Gateway
 * (on by default) serves a gateway through NodePorts: the environment has no MetalLB addresses
 * and no cloud load balancer, and the gateway's address is not what these tests are about.
 */
function parse(services: unknown[], extra: Record<string, unknown> = {}) {
  return environmentSchema.safeParse({
    ...MINIMAL_ENVIRONMENT,
    namespaces: [{ name: 'shop' }, { name: 'gateway' }],
    services,
    addons: { envoyGateway: { exposure: 'NodePort' } },
    ...extra,
  });
}

function issues(services: unknown[], extra: Record<string, unknown> = {}): string[] {
  const result = parse(services, extra);
  return result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

const api = { name: 'api', namespace: 'shop', image: 'registry.example.com/shop/api:1.0.0' };

describe('services schema', () => {
  it('fills lossless defaults: probes, resources, drain shorter than the grace period', () => {
    const result = parse([api]);
    expect(result.success).toBe(true);
    if (!result.success) return;
    const [service] = result.data.services;
    expect(service?.ports).toEqual([{ name: 'http', port: 8080 }]);
    expect(service?.lossless).toEqual({
      maxSurge: '25%',
      minReadySeconds: 10,
      preStopSeconds: 15,
      terminationGracePeriodSeconds: 45,
    });
    expect(service?.resources).toEqual({
      requests: { cpu: '100m', memory: '128Mi' },
      limits: { cpu: '1', memory: '512Mi' },
    });
    expect(service?.probes.readiness).toEqual({
      initialDelaySeconds: 0,
      periodSeconds: 5,
      timeoutSeconds: 2,
      failureThreshold: 3,
    });
    expect(service?.probes.startup.failureThreshold).toBe(60);
    expect(result.data.grayscale).toMatchObject({ header: 'x-gray-tag', inCluster: 'lanesGateway' });
  });

  it.each([
    ['registry.example.com/shop/api', 'is not pinned'],
    ['registry.example.com/shop/api:latest', 'is pinned to :latest'],
    ['registry.example.com:5000/shop/api', 'is not pinned'],
    ['api with spaces:1', 'is not a container image reference'],
  ])('refuses the unpinned or invalid image %s', (image, message) => {
    expect(issues([{ ...api, image }]).join('\n')).toContain(`services.0.image: ${message}`);
  });

  it('accepts images pinned by tag, by digest, and behind a registry port', () => {
    const digest = `registry.example.com/shop/api@sha256:${'a'.repeat(64)}`;
    expect(issues([{ ...api, image: 'registry.example.com:5000/shop/api:2.1.0' }])).toEqual([]);
    expect(issues([{ ...api, image: digest }])).toEqual([]);
    expect(imageTag('registry.example.com:5000/shop/api:2.1.0')).toBe('2.1.0');
    expect(imageTag(digest)).toBeUndefined();
  });

  it('refuses duplicate service names and unknown namespaces', () => {
    expect(issues([api, { ...api, namespace: 'nowhere' }])).toEqual([
      'services.1.name: repeats the service name of item 0; the service names must be unique',
      'services.1.namespace: is not one of namespaces[].name (shop, gateway)',
    ]);
  });

  it('refuses conflicting ports: repeated names, numbers and container ports', () => {
    const ports = [
      { name: 'http', port: 8080 },
      { name: 'http', port: 8080 },
      { name: 'admin', port: 9000, targetPort: 8080 },
    ];
    expect(issues([{ ...api, ports }])).toEqual([
      'services.0.ports.1.name: repeats the port name of item 0; the port names must be unique',
      'services.0.ports.1.port: is already the port of ports[0]; port numbers must be unique',
      'services.0.ports.2.targetPort: is already the container port of ports[0]; container ports must be unique',
    ]);
  });

  it('refuses a preStop drain as long as or longer than the grace period', () => {
    expect(issues([{ ...api, lossless: { preStopSeconds: 30, terminationGracePeriodSeconds: 30 } }])).toEqual(
      [
        "services.0.lossless.preStopSeconds: must be shorter than lossless.terminationGracePeriodSeconds (30), which also covers the app's shutdown after SIGTERM",
      ],
    );
    expect(issues([{ ...api, lossless: { preStopSeconds: 29, terminationGracePeriodSeconds: 30 } }])).toEqual(
      [],
    );
  });

  it.each([-1, 101, 12.5])('refuses the gray weight %s', (weight) => {
    const gray = { image: 'registry.example.com/shop/api:1.1.0', weight };
    expect(issues([{ ...api, gray }])[0]).toMatch(
      /^services\.0\.gray\.weight: must be (between 0 and 100|a whole number)/,
    );
  });

  it('bounds the gray lane: gray.maxReplicas needs autoscaling and at least gray.replicas; <service>-stable is taken', () => {
    const gray = { image: 'registry.example.com/shop/api:1.1.0', replicas: 2, maxReplicas: 4 };
    expect(issues([{ ...api, gray }])).toEqual([
      'services.0.gray.maxReplicas: needs `autoscaling` on the service (the gray lane is autoscaled like its stable twin); without it the lane runs gray.replicas',
    ]);
    const autoscaling = { minReplicas: 2, maxReplicas: 6 };
    expect(issues([{ ...api, autoscaling, gray }])).toEqual([]);
    expect(issues([{ ...api, autoscaling, gray: { ...gray, maxReplicas: 1 } }])).toEqual([
      "services.0.gray.maxReplicas: must be at least gray.replicas (2), the minimum of the gray lane's HPA",
    ]);
    const other = { ...api, name: 'api-stable' };
    expect(issues([{ ...api, autoscaling, gray }, other])).toEqual([
      'services.0.gray: gives the stable pods the Service "api-stable" (grayscale.inCluster: lanesGateway), which is already a service\'s name',
    ]);
  });

  it('refuses a gray release without an image, or one that changes nothing', () => {
    expect(issues([{ ...api, gray: { weight: 10 } }])).toEqual([
      'services.0.gray.image: must be a string holding a container image',
    ]);
    expect(issues([{ ...api, gray: { image: api.image } }])).toEqual([
      'services.0.gray.image: is the stable image and the gray version sets no env: the gray release would change nothing',
    ]);
  });

  it('refuses a gray lane named stable, or one whose objects would take another service name', () => {
    const gray = { image: 'registry.example.com/shop/api:1.1.0', lane: 'stable' };
    expect(issues([{ ...api, gray }])).toEqual([
      'services.0.gray.lane: is the lane of the stable version; name the gray lane otherwise (e.g. gray)',
    ]);
    const canary = { image: 'registry.example.com/shop/api:1.1.0', lane: 'canary' };
    expect(
      issues([
        { ...api, gray: canary },
        { ...api, name: 'api-canary' },
      ]),
    ).toEqual([
      'services.0.gray.lane: makes the gray objects\' name "api-canary", which is already a service\'s name; choose another lane',
    ]);
  });

  it('refuses probe and route ports that the service does not have', () => {
    const service = { ...api, probes: { readiness: { port: 'admin' } }, route: { port: 'admin' } };
    expect(
      issues([service], {
        gateway: { className: 'envoy-gateway', certificateRefs: [{ name: 'tls' }] },
      }),
    ).toEqual([
      "services.0.probes.readiness.port: is not one of the service's port names (http)",
      "services.0.route.port: is not one of the service's port names (http)",
    ]);
  });

  it('checks `uses`: known services or other entries, not itself, no repeats', () => {
    const other = { ...api, name: 'cart' };
    expect(issues([{ ...api, uses: ['cart', 'api', 'ghost', 'cart'] }, other])).toEqual([
      'services.0.uses.1: names the service itself',
      'services.0.uses.2: is not a service, database or external service of this environment (known: api, cart)',
      'services.0.uses.3: repeats the name of item 0; the names must be unique',
    ]);
  });

  it('refuses reserved environment variables and a limit below the request', () => {
    expect(issues([{ ...api, env: { LANE: 'x', OK: 'y' } }])).toEqual([
      'services.0.env.LANE: is set by the platform (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_PROPAGATORS, OTEL_EXPORTER_OTLP_ENDPOINT, LANE, GRAY_HEADER, GRAY_TAG)',
    ]);
    const resources = { requests: { cpu: '2', memory: '1Gi' }, limits: { cpu: '1500m', memory: '512Mi' } };
    expect(issues([{ ...api, resources }])).toEqual([
      'services.0.resources.limits.cpu: is below the request (2)',
      'services.0.resources.limits.memory: is below the request (1Gi)',
    ]);
  });
});

describe('gateway schema', () => {
  const gateway = {
    className: 'envoy-gateway',
    hostnames: ['api.example.com'],
    certificateRefs: [{ name: 'tls' }],
  };

  it('refuses a route without a gateway', () => {
    expect(issues([{ ...api, route: {} }])).toEqual([
      'services.0.route: exposes the service through the gateway, but the environment has no `gateway`',
    ]);
  });

  it('refuses a gateway in an unknown namespace and a route host no listener accepts', () => {
    const route = { hostnames: ['other.example.org'] };
    expect(issues([{ ...api, route }], { gateway: { ...gateway, namespace: 'edge' } })).toEqual([
      'gateway.namespace: is not one of namespaces[].name (shop, gateway); add it there',
      'services.0.route.hostnames.0: is not accepted by any gateway listener (gateway.hostnames: api.example.com)',
    ]);
  });

  it('refuses two services on the same host and path prefix', () => {
    const route = { hostnames: ['api.example.com'], pathPrefixes: ['/shop'] };
    expect(
      issues(
        [
          { ...api, route },
          { ...api, name: 'web', route },
        ],
        { gateway },
      ),
    ).toEqual([
      'services.1.route.pathPrefixes.0: on host api.example.com is already routed to services[0] (api); a host and path prefix go to one service',
    ]);
  });

  it('refuses a backend timeout longer than the request timeout', () => {
    const route = { timeout: '5s', backendTimeout: '1m' };
    expect(issues([{ ...api, route }], { gateway })).toEqual([
      'services.0.route.backendTimeout: must not exceed route.timeout (5s), which covers every attempt of the request',
    ]);
    expect(issues([{ ...api, route: { timeout: '1m', backendTimeout: '59s500ms' } }], { gateway })).toEqual(
      [],
    );
  });

  it('refuses a gRPC route on a host name an HTTP route uses', () => {
    const points = {
      ...api,
      name: 'points',
      protocol: 'grpc',
      ports: [
        { name: 'grpc', port: 9000 },
        { name: 'metrics', port: 9090 },
      ],
    };
    const gw = { ...gateway, hostnames: ['api.example.com', 'grpc.example.com'] };
    expect(
      issues(
        [
          { ...api, route: { hostnames: ['api.example.com'] } },
          { ...points, route: { hostnames: ['api.example.com'] } },
        ],
        {
          gateway: gw,
        },
      ),
    ).toEqual([
      'services.1.route.hostnames.0: shares host api.example.com with the HTTP route of services[0] (api); give gRPC services their own host name',
    ]);
    expect(
      issues(
        [
          { ...api, route: { hostnames: ['api.example.com'] } },
          { ...points, route: { hostnames: ['grpc.example.com'] } },
        ],
        {
          gateway: gw,
        },
      ),
    ).toEqual([]);
  });

  it.each([
    ['map', 'is not an absolute URL path'],
    ['/a//b', 'must not contain //'],
    ['/a/../b', 'must not contain //'],
    ['/a%2Fb', 'must not contain //'],
    ['/a b', 'is not an absolute URL path'],
  ])('refuses the route path %s', (path, message) => {
    expect(issues([{ ...api, route: { pathPrefixes: [path] } }], { gateway })[0]).toContain(
      `services.0.route.pathPrefixes.0: ${message}`,
    );
  });

  it('requires a certificate for the HTTPS listener', () => {
    expect(issues([], { gateway: { className: 'envoy-gateway', certificateRefs: [] } })).toEqual([
      'gateway.certificateRefs: must list at least one certificate Secret for the HTTPS listener',
    ]);
  });
});

describe('blueprint synth with bad services (exit 2, file, field path, value)', () => {
  let project: TempProject;
  let original: string;
  beforeAll(() => {
    project = new TempProject();
    original = project.read('environments/prod.yaml');
  });
  afterEach(() => project.write('environments/prod.yaml', original));
  afterAll(() => project.dispose());

  async function synthWith(search: string | RegExp, replacement: string) {
    project.edit('environments/prod.yaml', search, replacement);
    const result = await project.run(['synth', '--env', 'prod', '--out', 'out']);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    return result.stderr;
  }

  it('names the gray weight outside 0-100', async () => {
    expect(await synthWith('weight: 10\n', 'weight: 120\n')).toMatch(
      /environments\/prod\.yaml: services\[0\]\.gray\.weight: 120 must be between 0 and 100 .*\(line \d+\)/,
    );
  });

  it('names a gray release without an image', async () => {
    expect(await synthWith('      image: registry.example.com/vehicle/vehicle-control:2.8.0\n', '')).toMatch(
      /environments\/prod\.yaml: services\[0\]\.gray\.image: is required \(a string\) \(line \d+\)/,
    );
  });

  it('names a duplicate service name', async () => {
    expect(await synthWith('  - name: mall\n', '  - name: map\n')).toMatch(
      /environments\/prod\.yaml: services\[2\]\.name: "map" repeats the service name of item 1/,
    );
  });

  it('names conflicting ports', async () => {
    expect(await synthWith('{ name: metrics, port: 9090 }', '{ name: metrics, port: 8080 }')).toMatch(
      /environments\/prod\.yaml: services\[0\]\.ports\[1\]\.port: 8080 is already the port of ports\[0\]; port numbers must be unique \(line \d+\)$/,
    );
  });

  it('names a preStop drain longer than the grace period', async () => {
    expect(await synthWith('preStopSeconds: 20,', 'preStopSeconds: 90,')).toMatch(
      /environments\/prod\.yaml: services\[0\]\.lossless\.preStopSeconds: 90 must be shorter than lossless\.terminationGracePeriodSeconds \(60\)/,
    );
  });

  it('synthesizes the unchanged file', async () => {
    const result = await project.run(['synth', '--env', 'prod', '--out', 'out']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});
