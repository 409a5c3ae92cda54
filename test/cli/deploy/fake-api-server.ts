import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type * as net from 'node:net';

/**
 * A small in-memory Kubernetes API on 127.0.0.1, enough for kubectl and Terraform's kubernetes
 * backend: discovery, get, create, update (PUT), server-side apply (PATCH
 * application/apply-patch+yaml, merged naively), list with label and field selectors, delete,
 * CRDs that become Established and Deployments, StatefulSets and DaemonSets that are rolled out
 * at once. It is a stand-in for
 * a cluster in tests, not a conformant API server: no admission, no field ownership, and a watch
 * request gets the current list (enough when the condition already holds).
 */

/** One kind the fake serves. */
export interface FakeResource {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
}

const BUILTIN: FakeResource[] = [
  { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true },
  { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true },
  { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false },
  { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true },
  { group: 'apps', version: 'v1', kind: 'StatefulSet', plural: 'statefulsets', namespaced: true },
  { group: 'apps', version: 'v1', kind: 'DaemonSet', plural: 'daemonsets', namespaced: true },
  { group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true },
  { group: '', version: 'v1', kind: 'Endpoints', plural: 'endpoints', namespaced: true },
  { group: '', version: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true },
  { group: '', version: 'v1', kind: 'ResourceQuota', plural: 'resourcequotas', namespaced: true },
  { group: '', version: 'v1', kind: 'LimitRange', plural: 'limitranges', namespaced: true },
  {
    group: 'discovery.k8s.io',
    version: 'v1',
    kind: 'EndpointSlice',
    plural: 'endpointslices',
    namespaced: true,
  },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'NetworkPolicy',
    plural: 'networkpolicies',
    namespaced: true,
  },
  {
    group: 'policy',
    version: 'v1',
    kind: 'PodDisruptionBudget',
    plural: 'poddisruptionbudgets',
    namespaced: true,
  },
  {
    group: 'autoscaling',
    version: 'v2',
    kind: 'HorizontalPodAutoscaler',
    plural: 'horizontalpodautoscalers',
    namespaced: true,
  },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'Role', plural: 'roles', namespaced: true },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'RoleBinding',
    plural: 'rolebindings',
    namespaced: true,
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'ClusterRole',
    plural: 'clusterroles',
    namespaced: false,
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'ClusterRoleBinding',
    plural: 'clusterrolebindings',
    namespaced: false,
  },
  {
    group: 'scheduling.k8s.io',
    version: 'v1',
    kind: 'PriorityClass',
    plural: 'priorityclasses',
    namespaced: false,
  },
  { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', namespaced: true },
  // What the add-ons bring besides workloads: jobs, webhooks, an aggregated API, CSI drivers.
  { group: 'batch', version: 'v1', kind: 'Job', plural: 'jobs', namespaced: true },
  {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    kind: 'ValidatingWebhookConfiguration',
    plural: 'validatingwebhookconfigurations',
    namespaced: false,
  },
  {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    kind: 'MutatingWebhookConfiguration',
    plural: 'mutatingwebhookconfigurations',
    namespaced: false,
  },
  {
    group: 'apiregistration.k8s.io',
    version: 'v1',
    kind: 'APIService',
    plural: 'apiservices',
    namespaced: false,
  },
  { group: 'storage.k8s.io', version: 'v1', kind: 'CSIDriver', plural: 'csidrivers', namespaced: false },
  {
    group: 'storage.k8s.io',
    version: 'v1',
    kind: 'StorageClass',
    plural: 'storageclasses',
    namespaced: false,
  },
  {
    group: '',
    version: 'v1',
    kind: 'PersistentVolume',
    plural: 'persistentvolumes',
    namespaced: false,
  },
  {
    group: '',
    version: 'v1',
    kind: 'PersistentVolumeClaim',
    plural: 'persistentvolumeclaims',
    namespaced: true,
  },
  {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    kind: 'CustomResourceDefinition',
    plural: 'customresourcedefinitions',
    namespaced: false,
  },
];

type Obj = {
  apiVersion?: string;
  kind?: string;
  metadata: Record<string, unknown> & {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
};

export class FakeApiServer {
  private readonly server: http.Server;
  private readonly resources: FakeResource[] = [...BUILTIN];
  /** key: `<group>/<plural>/<namespace>/<name>` */
  readonly objects = new Map<string, Obj>();
  /** Every request as `METHOD path`, for assertions. */
  readonly requests: string[] = [];
  private version = 1;

  constructor() {
    this.server = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      request.on('end', () => this.handle(request, body, response));
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  /** Puts an object in place, as if created earlier. */
  seed(object: Obj): void {
    const resource = this.resourceOfKind(object.apiVersion ?? '', object.kind ?? '');
    if (!resource) throw new Error(`fake API: no resource for ${object.apiVersion} ${object.kind}`);
    this.store(resource, object);
  }

  /** The stored objects of one kind, as `namespace/name` (or `name`). */
  names(kind: string): string[] {
    return [...this.objects.values()]
      .filter((object) => object.kind === kind)
      .map((object) =>
        object.metadata.namespace
          ? `${object.metadata.namespace}/${object.metadata.name}`
          : object.metadata.name,
      )
      .sort();
  }

  private resourceOfKind(apiVersion: string, kind: string): FakeResource | undefined {
    const [group, version] = apiVersion.includes('/')
      ? (apiVersion.split('/') as [string, string])
      : ['', apiVersion];
    return this.resources.find((r) => r.group === group && r.version === version && r.kind === kind);
  }

  private store(resource: FakeResource, object: Obj): Obj {
    const key = `${resource.group}/${resource.plural}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
    const stored: Obj = {
      ...object,
      apiVersion: resource.group ? `${resource.group}/${resource.version}` : resource.version,
      kind: resource.kind,
      metadata: {
        ...object.metadata,
        uid: (this.objects.get(key)?.metadata.uid as string | undefined) ?? randomUUID(),
        resourceVersion: String(this.version++),
        creationTimestamp: '2026-11-21T00:00:00Z',
        ...(resource.namespaced ? {} : { namespace: undefined }),
      },
    };
    if (!resource.namespaced) delete stored.metadata.namespace;
    if (resource.kind === 'Deployment' || resource.kind === 'StatefulSet') {
      // Rolled out at once: every replica updated, ready and available.
      const replicas = ((object.spec as { replicas?: number } | undefined)?.replicas ?? 1) as number;
      stored.metadata.generation = 1;
      stored.status = {
        observedGeneration: 1,
        replicas,
        updatedReplicas: replicas,
        readyReplicas: replicas,
        availableReplicas: replicas,
        currentReplicas: replicas,
        currentRevision: 'r1',
        updateRevision: 'r1',
      };
    }
    if (resource.kind === 'DaemonSet') {
      // The API server's default update strategy (kubectl rollout status needs RollingUpdate), and
      // rolled out at once on the node the fake pretends to have: one pod, updated and available.
      const spec = (stored.spec ?? {}) as { updateStrategy?: unknown };
      stored.spec = {
        ...spec,
        updateStrategy: spec.updateStrategy ?? {
          type: 'RollingUpdate',
          rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
        },
      };
      stored.metadata.generation = 1;
      stored.status = {
        observedGeneration: 1,
        desiredNumberScheduled: 1,
        currentNumberScheduled: 1,
        updatedNumberScheduled: 1,
        numberReady: 1,
        numberAvailable: 1,
        numberMisscheduled: 0,
      };
    }
    if (resource.kind === 'CustomResourceDefinition') {
      stored.status = {
        conditions: [
          { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts' },
          { type: 'Established', status: 'True', reason: 'InitialNamesAccepted' },
        ],
      };
      this.addCustomResource(stored);
    }
    this.objects.set(key, stored);
    return stored;
  }

  private addCustomResource(crd: Obj): void {
    const spec = crd.spec as {
      group: string;
      scope: string;
      names: { kind: string; plural: string };
      versions: { name: string }[];
    };
    for (const version of spec.versions) {
      if (
        !this.resources.some(
          (r) => r.group === spec.group && r.version === version.name && r.kind === spec.names.kind,
        )
      ) {
        this.resources.push({
          group: spec.group,
          version: version.name,
          kind: spec.names.kind,
          plural: spec.names.plural,
          namespaced: spec.scope === 'Namespaced',
        });
      }
    }
  }

  private handle(request: http.IncomingMessage, body: string, response: http.ServerResponse) {
    const url = new URL(request.url ?? '/', 'http://fake');
    const method = request.method ?? 'GET';
    this.requests.push(`${method} ${url.pathname}${url.search}`);
    const send = (code: number, value: unknown) => {
      response.writeHead(code, { 'content-type': 'application/json' });
      response.end(JSON.stringify(value));
    };
    const status = (code: number, reason: string, message: string) =>
      send(code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code });
    const parts = url.pathname.split('/').filter(Boolean);

    // Discovery.
    if (url.pathname === '/api')
      return send(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
    if (url.pathname === '/apis') {
      const groups = [...new Set(this.resources.filter((r) => r.group).map((r) => r.group))].map((name) => {
        const versions = [
          ...new Set(this.resources.filter((r) => r.group === name).map((r) => r.version)),
        ].map((version) => ({ groupVersion: `${name}/${version}`, version }));
        return { name, versions, preferredVersion: versions[0] };
      });
      return send(200, { kind: 'APIGroupList', apiVersion: 'v1', groups });
    }
    if (url.pathname === '/version')
      return send(200, { major: '1', minor: '32', gitVersion: 'v1.32.0-fake' });
    // OpenAPI v3: only enough for kubectl to see that PATCH takes fieldValidation (server-side
    // validation), so that it needs no schemas. Custom resources fall back to Namespace's entry.
    if (url.pathname === '/openapi/v3') {
      const paths: Record<string, { serverRelativeURL: string }> = {};
      for (const r of this.resources) {
        const gv = r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`;
        paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}` };
      }
      return send(200, { paths });
    }
    if (url.pathname.startsWith('/openapi/v3/')) {
      const gv = url.pathname.slice('/openapi/v3/'.length);
      const paths: Record<string, unknown> = {};
      for (const r of this.resources) {
        if ((r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`) !== gv) continue;
        paths[`/${gv}/${r.namespaced ? 'namespaces/{namespace}/' : ''}${r.plural}/{name}`] = {
          patch: {
            'x-kubernetes-group-version-kind': { group: r.group, version: r.version, kind: r.kind },
            parameters: [{ name: 'fieldValidation', in: 'query', schema: { type: 'string' } }],
            responses: { '200': { description: 'OK' } },
          },
        };
      }
      return send(200, { openapi: '3.0.0', info: { title: 'fake', version: 'v1' }, paths });
    }
    if (url.pathname.startsWith('/openapi'))
      return status(404, 'NotFound', 'no OpenAPI v2 in the fake API server');
    const [root, ...rest] = parts;
    const [group, version, ...path] = root === 'api' ? ['', ...rest] : rest;
    if (path.length === 0) {
      const resources = this.resources
        .filter((r) => r.group === group && r.version === version)
        .map((r) => ({
          name: r.plural,
          singularName: r.kind.toLowerCase(),
          namespaced: r.namespaced,
          kind: r.kind,
          verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
        }));
      if (resources.length === 0) return status(404, 'NotFound', `no group version ${group}/${version}`);
      return send(200, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: group ? `${group}/${version}` : version,
        resources,
      });
    }

    // Resources: [namespaces/<ns>/]<plural>[/<name>]
    let namespace: string | undefined;
    let rp = path;
    if (rp[0] === 'namespaces' && rp.length >= 3) {
      namespace = rp[1];
      rp = rp.slice(2);
    }
    const [plural, name] = rp;
    const resource = this.resources.find(
      (r) => r.group === group && r.version === version && r.plural === plural,
    );
    if (!resource)
      return status(404, 'NotFound', `the server could not find the requested resource (${plural})`);
    const key = (n: string) =>
      `${resource.group}/${resource.plural}/${resource.namespaced ? (namespace ?? '') : ''}/${n}`;
    const qualified = resource.group ? `${resource.plural}.${resource.group}` : resource.plural;

    if (method === 'GET' && name === undefined) {
      const selector = url.searchParams.get('labelSelector') ?? '';
      const fieldSelector = url.searchParams.get('fieldSelector') ?? '';
      const items = [...this.objects.entries()]
        .filter(([k]) =>
          k.startsWith(
            `${resource.group}/${resource.plural}/${resource.namespaced && namespace !== undefined ? `${namespace}/` : ''}`,
          ),
        )
        .map(([, object]) => object)
        .filter((object) => matches(object.metadata.labels ?? {}, selector))
        .filter((object) => {
          const match = /metadata\.name=([^,]+)/.exec(fieldSelector);
          return !match || object.metadata.name === match[1];
        });
      return send(200, {
        kind: `${resource.kind}List`,
        apiVersion: resource.group ? `${resource.group}/${resource.version}` : resource.version,
        metadata: { resourceVersion: String(this.version) },
        items,
      });
    }
    if (name === undefined && method === 'POST') {
      const object = JSON.parse(body) as Obj;
      if (this.objects.has(key(object.metadata.name))) {
        return status(409, 'AlreadyExists', `${qualified} "${object.metadata.name}" already exists`);
      }
      if (resource.namespaced) object.metadata.namespace = namespace;
      return send(201, this.store(resource, object));
    }
    if (name === undefined) return status(405, 'MethodNotAllowed', `${method} on a collection`);
    const existing = this.objects.get(key(name));
    if (method === 'GET') {
      return existing ? send(200, existing) : status(404, 'NotFound', `${qualified} "${name}" not found`);
    }
    if (method === 'DELETE') {
      if (!existing) return status(404, 'NotFound', `${qualified} "${name}" not found`);
      this.objects.delete(key(name));
      return send(200, {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Success',
        details: { name, kind: plural, uid: existing.metadata.uid },
      });
    }
    if (method === 'PUT') {
      if (!existing) return status(404, 'NotFound', `${qualified} "${name}" not found`);
      const object = JSON.parse(body) as Obj;
      if (resource.namespaced) object.metadata.namespace = namespace;
      return send(200, this.store(resource, object));
    }
    if (method === 'PATCH') {
      if (!(request.headers['content-type'] ?? '').startsWith('application/apply-patch')) {
        return status(
          415,
          'UnsupportedMediaType',
          'the fake API server only takes server-side apply patches',
        );
      }
      const patch = JSON.parse(body) as Obj;
      const merged: Obj = existing
        ? {
            ...existing,
            ...patch,
            metadata: {
              ...existing.metadata,
              ...patch.metadata,
              labels: { ...existing.metadata.labels, ...patch.metadata.labels },
              annotations: { ...existing.metadata.annotations, ...patch.metadata.annotations },
            },
          }
        : { ...patch, metadata: { ...patch.metadata, ...(resource.namespaced ? { namespace } : {}) } };
      if (url.searchParams.get('dryRun') === 'All') return send(existing ? 200 : 201, merged);
      return send(existing ? 200 : 201, this.store(resource, merged));
    }
    return status(405, 'MethodNotAllowed', method);
  }
}

/** Equality-based label selectors: `a=b,c=d`, `a==b`, `a!=b`, `a` (exists), `!a`. */
function matches(labels: Record<string, string>, selector: string): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const not = /^(.+)!=(.*)$/.exec(term);
    if (not) return labels[not[1] as string] !== not[2];
    const eq = /^(.+?)==?(.*)$/.exec(term);
    if (eq) return labels[eq[1] as string] === eq[2];
    if (term.startsWith('!')) return !(term.slice(1) in labels);
    return term in labels;
  });
}
