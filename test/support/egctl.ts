import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';

/** A Kubernetes object as the synthesized YAML holds it. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: manifests are free-form
  spec?: any;
  // biome-ignore lint/suspicious/noExplicitAny: manifests are free-form
  [key: string]: any;
}

/** The kinds Envoy Gateway's translation reads (egctl's resource loader), besides Namespace and Secret. */
const TRANSLATED_KINDS = new Set([
  'GatewayClass',
  'Gateway',
  'HTTPRoute',
  'GRPCRoute',
  'TLSRoute',
  'TCPRoute',
  'UDPRoute',
  'Service',
  'Backend',
  'BackendTrafficPolicy',
  'ClientTrafficPolicy',
  'SecurityPolicy',
  'EnvoyExtensionPolicy',
  'EnvoyPatchPolicy',
  'HTTPRouteFilter',
  'BackendTLSPolicy',
]);

/** Every object of an environment's synthesized `kubernetes/*.yaml`. */
export function synthesizedObjects(dir: string): KubeObject[] {
  return fs
    .readdirSync(dir)
    .filter((file) => file.endsWith('.yaml'))
    .sort()
    .flatMap((file) => yaml.loadAll(fs.readFileSync(path.join(dir, file), 'utf8')) as KubeObject[])
    .filter((object) => object && typeof object === 'object');
}

/** The input of one translation, and what was changed to fit egctl's loader. */
export interface TranslationInput {
  readonly objects: KubeObject[];
  /** Listener namespace selectors, checked here and replaced by `from: All` (see below). */
  readonly selectors: { gateway: string; listener: string; namespaces: string[] }[];
  /** `<gateway>/<listener>` of the HTTPS listeners translated as HTTP (see below). */
  readonly terminatedTls: readonly string[];
  /** The ClusterIP given to each Service (`<namespace>/<name>` by address). */
  readonly serviceAddresses: ReadonlyMap<string, string>;
}

/**
 * The Gateway API and Envoy Gateway objects of the output, as Envoy Gateway's controller would
 * see them in the cluster, for `egctl experimental translate`:
 * - the GatewayClass, every Gateway, route, Service, Backend and Envoy Gateway policy as synthesized;
 * - the EnvoyProxy of `proxy` only: egctl's loader keeps one EnvoyProxy (the GatewayClass's);
 *   EnvoyProxy settings shape the proxies' Deployment and Service, not the routing;
 * - a Namespace per namespace used, and a ClusterIP per Service (the API server's job);
 * - HTTPS listeners as HTTP listeners on the same port (egctl cannot load TLS Secrets, below);
 * - listener `allowedRoutes.namespaces` selectors on `kubernetes.io/metadata.name` become
 *   `from: All`, because egctl's loader drops Namespace labels (which the API server sets); the
 *   selectors are returned so the caller can check each attached route's namespace against them.
 */
export function translationInput(objects: readonly KubeObject[], proxy: string): TranslationInput {
  const picked = structuredClone(
    objects.filter(
      (object) =>
        TRANSLATED_KINDS.has(object.kind) || (object.kind === 'EnvoyProxy' && object.metadata.name === proxy),
    ),
  );
  const namespaces = new Set(
    picked.map((object) => object.metadata.namespace).filter((ns) => ns !== undefined),
  );
  const selectors: TranslationInput['selectors'] = [];
  const terminatedTls: string[] = [];
  for (const gateway of picked.filter((object) => object.kind === 'Gateway')) {
    for (const listener of gateway.spec.listeners) {
      const allowed = listener.allowedRoutes?.namespaces;
      if (allowed?.from === 'Selector') {
        const expressions = allowed.selector.matchExpressions ?? [];
        if (
          Object.keys(allowed.selector.matchLabels ?? {}).length > 0 ||
          expressions.length !== 1 ||
          expressions[0].key !== 'kubernetes.io/metadata.name' ||
          expressions[0].operator !== 'In'
        )
          throw new Error(`${gateway.metadata.name}/${listener.name}: a selector this test cannot evaluate`);
        selectors.push({
          gateway: gateway.metadata.name,
          listener: listener.name,
          namespaces: expressions[0].values,
        });
        listener.allowedRoutes.namespaces = { from: 'All' };
      }
      if (listener.protocol === 'HTTPS') {
        // egctl v1.2.8's loader drops a Secret's `type` (internal/gatewayapi/resource/load.go), so
        // no certificate resolves under egctl ("must be of type kubernetes.io/tls"). The listener
        // becomes plain HTTP on the same port: the same routes, without TLS termination (which
        // `blueprint rehearse` judges with the real controller and stand-in certificates).
        listener.protocol = 'HTTP';
        delete listener.tls;
        terminatedTls.push(`${gateway.metadata.name}/${listener.name}`);
      }
    }
  }
  // Envoy Gateway routes to a Service's ClusterIP (egctl disables endpoint routing); the API
  // server would assign one. Each gets its own, so a cluster's endpoint names its Service.
  const serviceAddresses = new Map<string, string>();
  picked
    .filter((object) => object.kind === 'Service' && object.spec?.type !== 'ExternalName')
    .forEach((service, index) => {
      const address = `10.96.${Math.floor(index / 250)}.${(index % 250) + 2}`;
      service.spec.clusterIP = address;
      serviceAddresses.set(address, `${service.metadata.namespace}/${service.metadata.name}`);
    });
  const namespaceObjects = [...namespaces].sort().map((name) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
  }));
  return { objects: [...namespaceObjects, ...picked], selectors, serviceAddresses, terminatedTls };
}

/** What `egctl x translate --to gateway-api,xds` prints. */
export interface Translation {
  /** The Gateway API resources with the status Envoy Gateway gives them. */
  // biome-ignore lint/suspicious/noExplicitAny: egctl's output
  readonly resources: Record<string, any[]>;
  /** Per Gateway (`<namespace>/<name>`), the Envoy config dump: listeners, routes, clusters. */
  // biome-ignore lint/suspicious/noExplicitAny: egctl's output
  readonly xds: Record<string, any>;
}

/** Runs Envoy Gateway's own translation (`egctl experimental translate`) on `objects`. */
export function translate(egctl: string, objects: readonly KubeObject[], scratch: string): Translation {
  const file = path.join(scratch, 'input.yaml');
  fs.writeFileSync(file, objects.map((object) => yaml.dump(object, { noRefs: true })).join('---\n'));
  const out = execFileSync(
    egctl,
    [
      'experimental',
      'translate',
      '--from',
      'gateway-api',
      '--to',
      'gateway-api,xds',
      '--type',
      'all',
      '--output',
      'json',
      '--file',
      file,
    ],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return JSON.parse(out) as Translation;
}

/** A scratch directory, removed by the caller. */
export function scratchDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'egctl-translate-'));
}
