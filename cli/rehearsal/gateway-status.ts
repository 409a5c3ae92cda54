// The Gateways and routes of a rehearsal, as the real Envoy Gateway and MetalLB controller
// left them: stand-in TLS Secrets for the certificates the blueprint references (it never
// carries their values), then a wait until every Gateway is Programmed with an address and
// every route Accepted, judged by report.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exec } from '../deploy/exec';
import { ToolError } from '../errors';
import { ENVOY_GATEWAY_NAMESPACE } from './addon-controllers';
import { kubectl } from './kubectl';
import { type GatewayObjects, judgeGateways, type RehearsalReport } from './report';
import { selfSignedCertificateCommand } from './self-signed-certificate';

interface SecretRef {
  readonly namespace: string;
  readonly name: string;
  readonly hostnames: readonly string[];
}

interface GatewayListing {
  items: {
    metadata: { name: string; namespace: string };
    spec: {
      listeners?: {
        hostname?: string;
        tls?: { certificateRefs?: { group?: string; kind?: string; name: string; namespace?: string }[] };
      }[];
    };
  }[];
}

/** The Secrets the Gateways' listeners name as certificates, with the hostnames they serve. */
export function certificateSecrets(gateways: GatewayListing['items']): SecretRef[] {
  const refs = new Map<string, { namespace: string; name: string; hostnames: Set<string> }>();
  for (const gateway of gateways)
    for (const listener of gateway.spec.listeners ?? [])
      for (const ref of listener.tls?.certificateRefs ?? []) {
        if ((ref.group ?? '') !== '' || (ref.kind ?? 'Secret') !== 'Secret') continue;
        const namespace = ref.namespace ?? gateway.metadata.namespace;
        const key = `${namespace}/${ref.name}`;
        const entry = refs.get(key) ?? { namespace, name: ref.name, hostnames: new Set<string>() };
        if (listener.hostname) entry.hostnames.add(listener.hostname);
        refs.set(key, entry);
      }
  return [...refs.values()]
    .map((ref) => ({ ...ref, hostnames: [...ref.hostnames].sort() }))
    .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
}

/**
 * Creates, for every certificate Secret a Gateway names that does not exist, a stand-in
 * `kubernetes.io/tls` Secret with a self-signed certificate (openssl, EC P-256, 2 days) for the
 * listener hostnames, labelled as the rehearsal's. In production those Secrets come from the
 * user's certificate process (the blueprint references them, never inlines them); without them
 * Envoy Gateway reports the listener's refs unresolved. Returns the Secrets created.
 */
export async function createStandInCertificates(
  kubeconfig: string,
  dir: string,
  timeoutSeconds: number,
): Promise<string[]> {
  const gateways = JSON.parse(
    await kubectl(
      kubeconfig,
      ['get', 'gateways', '--all-namespaces', '--output=json'],
      'reading the Gateways',
      timeoutSeconds,
    ),
  ) as GatewayListing;
  const created: string[] = [];
  const work = path.join(dir, 'stand-in-certificates');
  fs.mkdirSync(work, { recursive: true, mode: 0o700 });
  for (const ref of certificateSecrets(gateways.items)) {
    const found = await exec(
      [
        'kubectl',
        `--kubeconfig=${kubeconfig}`,
        'get',
        'secret',
        ref.name,
        `--namespace=${ref.namespace}`,
        '--ignore-not-found',
        '--output=name',
      ],
      { cwd: dir, env: process.env, timeoutSeconds },
    );
    if (found.exitCode !== 0)
      throw new ToolError(
        `looking for the Secret ${ref.namespace}/${ref.name} failed: ${found.stderr.trim()}`,
      );
    if (found.stdout.trim() !== '') continue;
    const hostnames = ref.hostnames.length > 0 ? ref.hostnames : [`${ref.name}.rehearsal.invalid`];
    const key = path.join(work, `${ref.namespace}-${ref.name}.key`);
    const cert = path.join(work, `${ref.namespace}-${ref.name}.crt`);
    const openssl = await exec(
      selfSignedCertificateCommand({
        commonName: hostnames[0]?.replace(/^\*\./, 'wildcard.') ?? ref.name,
        dnsNames: hostnames,
        days: 2,
        keyFile: key,
        certFile: cert,
      }),
      { cwd: work, env: process.env, timeoutSeconds },
    );
    if (openssl.missing) throw new ToolError('a stand-in certificate needs openssl, which is not installed');
    if (openssl.exitCode !== 0)
      throw new ToolError(
        `openssl could not make a stand-in certificate for ${ref.namespace}/${ref.name}: ${openssl.stderr.trim()}`,
      );
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: {
        name: ref.name,
        namespace: ref.namespace,
        labels: { 'app.kubernetes.io/managed-by': 'blueprint-rehearse' },
        annotations: {
          'platform-blueprint.io/purpose': `rehearsal stand-in: self-signed for ${hostnames.join(', ')}`,
        },
      },
      data: {
        'tls.crt': fs.readFileSync(cert).toString('base64'),
        'tls.key': fs.readFileSync(key).toString('base64'),
      },
    };
    const file = path.join(work, `${ref.namespace}-${ref.name}.json`);
    fs.writeFileSync(file, JSON.stringify(secret), { mode: 0o600 });
    await kubectl(
      kubeconfig,
      ['apply', '--server-side', '--field-manager=blueprint-rehearse', `--filename=${file}`],
      `creating the stand-in Secret ${ref.namespace}/${ref.name}`,
      timeoutSeconds,
    );
    created.push(`${ref.namespace}/${ref.name}`);
  }
  fs.rmSync(work, { recursive: true, force: true });
  return created;
}

/** Reads the Gateways, HTTPRoutes, GRPCRoutes and MetalLB's pools from the rehearsal cluster. */
export async function readGatewayObjects(kubeconfig: string, metallb: boolean): Promise<GatewayObjects> {
  const list = async <T>(resource: string): Promise<T[]> =>
    (
      JSON.parse(
        await kubectl(
          kubeconfig,
          ['get', resource, '--all-namespaces', '--output=json'],
          `reading the ${resource}`,
          60,
        ),
      ) as { items: T[] }
    ).items;
  const [gateways, http, grpc, pools] = [
    await list<GatewayObjects['gateways'][number]>('gateways.gateway.networking.k8s.io'),
    await list<Omit<GatewayObjects['routes'][number], 'kind'>>('httproutes.gateway.networking.k8s.io'),
    await list<Omit<GatewayObjects['routes'][number], 'kind'>>('grpcroutes.gateway.networking.k8s.io'),
    metallb ? await list<{ spec?: { addresses?: string[] } }>('ipaddresspools.metallb.io') : [],
  ];
  const proxyServices = (await list<NonNullable<GatewayObjects['proxyServices']>[number]>('services')).filter(
    (service) => service.metadata.labels?.['gateway.envoyproxy.io/owning-gateway-name'] !== undefined,
  );
  return {
    gateways,
    routes: [
      ...http.map((route) => ({ ...route, kind: 'HTTPRoute' })),
      ...grpc.map((route) => ({ ...route, kind: 'GRPCRoute' })),
    ],
    pools: pools.flatMap((pool) => pool.spec?.addresses ?? []),
    proxyServices,
  };
}

/**
 * Waits (at most `timeoutSeconds`) until {@link judgeGateways} finds nothing, and returns its
 * last verdict: the controllers settle the status in a few seconds once the proxies' pods are
 * Ready and MetalLB gave their Services an address.
 */
export async function waitGatewaysSettled(
  kubeconfig: string,
  metallb: boolean,
  timeoutSeconds: number,
): Promise<RehearsalReport> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let report = judgeGateways(await readGatewayObjects(kubeconfig, metallb));
  while (report.problems.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    report = judgeGateways(await readGatewayObjects(kubeconfig, metallb));
  }
  return report;
}

/**
 * Waits (`kubectl rollout status`, at most `timeoutSeconds` each) for the proxy Deployments
 * Envoy Gateway created for the Gateways (label app.kubernetes.io/managed-by=envoy-gateway), so
 * that the workload report sees them complete: a Gateway is Programmed as soon as one proxy
 * replica is ready. Returns their names; one that does not roll out in time is left to the
 * workload report, which finds it not ready.
 */
export async function waitProxiesRolledOut(kubeconfig: string, timeoutSeconds: number): Promise<string[]> {
  const names = (
    await kubectl(
      kubeconfig,
      [
        'get',
        'deployments',
        `--namespace=${ENVOY_GATEWAY_NAMESPACE}`,
        '--selector=app.kubernetes.io/managed-by=envoy-gateway',
        '--output=name',
      ],
      "listing Envoy Gateway's proxy Deployments",
      60,
    )
  )
    .split('\n')
    .filter(Boolean)
    .sort();
  for (const name of names)
    await exec(
      [
        'kubectl',
        `--kubeconfig=${kubeconfig}`,
        'rollout',
        'status',
        name,
        `--namespace=${ENVOY_GATEWAY_NAMESPACE}`,
        `--timeout=${timeoutSeconds}s`,
      ],
      { cwd: process.cwd(), env: process.env, timeoutSeconds: timeoutSeconds + 10 },
    );
  return names;
}
