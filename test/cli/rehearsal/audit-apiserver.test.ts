import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  auditReport,
  freePort,
  REHEARSAL_AUDIT_LOG,
  rehearsalAuditArgs,
  rehearsalPaths,
} from '../../../cli/rehearsal/cluster';
import { cacheRoot } from '../../../cli/rehearsal/components';
import { synthesizeEnvironment } from '../../../stacks/environment';
import { loadRepoEnvironment } from '../../support/repo-environment';
import { describeNeeding } from '../../support/requirements';

// The real kube-apiserver v1.28.15 (npm run cluster:build) starts with each shipped environment's
// audit policy, the same flags `blueprint rehearse` gives it (rehearsalAuditArgs), and writes the
// events the policy promises; then it judges the platform roles of the synthesized Terraform with
// its own RBAC authorizer. One etcd, one API server at a time, on 127.0.0.1; about 10 s per server.

const APISERVER = path.join(cacheRoot(), 'bin', 'kube-apiserver');

function onPath(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

const missing = [
  fs.existsSync(APISERVER)
    ? undefined
    : `kube-apiserver in ${path.dirname(APISERVER)} (npm run cluster:build)`,
  onPath('etcd') ? undefined : 'etcd (Debian etcd-server)',
  onPath('kubectl') ? undefined : 'kubectl',
  onPath('openssl') ? undefined : 'openssl',
  onPath('curl') ? undefined : 'curl',
];

/** Static tokens (kube-apiserver --token-auth-file): an admin, an on-call engineer of vehicle, an auditor. */
const USERS = {
  admin: { token: 'admin-token-0123456789', name: 'ada', groups: ['system:masters'] },
  onCall: { token: 'oncall-token-0123456789', name: 'olivia', groups: ['vehicle-oncall'] },
  auditor: { token: 'auditor-token-0123456789', name: 'audrey', groups: ['security-auditors'] },
  developer: { token: 'developer-token-0123456789', name: 'dev', groups: ['vehicle-developers'] },
} as const;

/** A value that must never reach the audit log. */
const SECRET_VALUE = 'do-not-log-7f3a9c1e';

interface AuditEvent {
  level: string;
  stage: string;
  verb: string;
  user: { username: string; groups?: string[] };
  objectRef?: { resource?: string; namespace?: string; name?: string; apiGroup?: string };
  requestObject?: unknown;
  responseObject?: unknown;
}

async function waitFor(what: string, seconds: number, check: () => boolean): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${what} within ${seconds} s`);
}

function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** A Terraform JSON value with `${kubernetes_namespace_v1.<id>.metadata[0].name}` resolved. */
// biome-ignore lint/suspicious/noExplicitAny: Terraform JSON
type Tf = any;

/** The RBAC objects of a synthesized cdk.tf.json, as Kubernetes objects. */
function rbacObjects(tf: Tf): Record<string, unknown>[] {
  const namespaces = tf.resource.kubernetes_namespace_v1 ?? {};
  const resolve = (value: string) =>
    value.replace(
      /^\$\{kubernetes_namespace_v1\.([^.]+)\.metadata\[0\]\.name\}$/,
      (_all, id: string) => namespaces[id].metadata.name,
    );
  const meta = (m: Tf) => ({
    name: m.name,
    ...(m.namespace === undefined ? {} : { namespace: resolve(m.namespace) }),
    labels: m.labels,
  });
  const binding = (kind: string, r: Tf) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind,
    metadata: meta(r.metadata),
    roleRef: { apiGroup: r.role_ref.api_group, kind: r.role_ref.kind, name: r.role_ref.name },
    subjects: r.subject.map((s: Tf) => ({ apiGroup: s.api_group, kind: s.kind, name: s.name })),
  });
  return [
    ...Object.values(namespaces).map((r: Tf) => ({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: meta(r.metadata),
    })),
    ...Object.values(tf.resource.kubernetes_cluster_role_v1 ?? {}).map((r: Tf) => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: meta(r.metadata),
      rules: r.rule.map((rule: Tf) => ({
        ...(rule.api_groups ? { apiGroups: rule.api_groups } : {}),
        ...(rule.resources ? { resources: rule.resources } : {}),
        ...(rule.non_resource_urls ? { nonResourceURLs: rule.non_resource_urls } : {}),
        verbs: rule.verbs,
      })),
    })),
    ...Object.values(tf.resource.kubernetes_cluster_role_binding_v1 ?? {}).map((r: Tf) =>
      binding('ClusterRoleBinding', r),
    ),
    ...Object.values(tf.resource.kubernetes_role_binding_v1 ?? {}).map((r: Tf) => binding('RoleBinding', r)),
  ];
}

describeNeeding("the real kube-apiserver runs each environment's audit policy", missing, () => {
  let dir: string;
  let etcd: ChildProcess | undefined;
  let apiserver: ChildProcess | undefined;
  let etcdPort: number;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blueprint-audit-'));
    execFileSync('openssl', ['genrsa', '-out', path.join(dir, 'sa.key'), '2048'], { stdio: 'ignore' });
    execFileSync(
      'openssl',
      ['rsa', '-in', path.join(dir, 'sa.key'), '-pubout', '-out', path.join(dir, 'sa.pub')],
      {
        stdio: 'ignore',
      },
    );
    fs.writeFileSync(
      path.join(dir, 'tokens.csv'),
      Object.values(USERS)
        .map((user, i) => `${user.token},${user.name},uid-${i},"${user.groups.join(',')}"`)
        .join('\n'),
    );
    etcdPort = await freePort();
    const peerPort = await freePort();
    etcd = spawn(
      'etcd',
      [
        '--name=audit-test',
        `--data-dir=${path.join(dir, 'etcd')}`,
        `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
        `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
        `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-cluster=audit-test=http://127.0.0.1:${peerPort}`,
        '--unsafe-no-fsync',
      ],
      { stdio: ['ignore', 'ignore', fs.openSync(path.join(dir, 'etcd.log'), 'w')] },
    );
    await waitFor(
      'etcd answers',
      20,
      () => spawnSync('curl', ['-sf', `http://127.0.0.1:${etcdPort}/health`]).status === 0,
    );
  }, 60_000);

  afterAll(async () => {
    await stop(apiserver);
    await stop(etcd);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Starts kube-apiserver with the environment's audit flags; returns a kubectl for a user. */
  async function startApiServer(name: string) {
    const env = loadRepoEnvironment(name);
    // The rehearsal's own layout (dir standing for the project root), so that auditReport reads it.
    const cluster = path.join(dir, rehearsalPaths(name).cluster);
    fs.mkdirSync(path.join(cluster, 'logs'), { recursive: true });
    const port = await freePort();
    const log = path.join(cluster, 'apiserver.log');
    apiserver = spawn(
      APISERVER,
      [
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${port}`,
        `--etcd-servers=http://127.0.0.1:${etcdPort}`,
        `--etcd-prefix=/registry-${name}`,
        `--cert-dir=${path.join(cluster, 'certs')}`,
        `--token-auth-file=${path.join(dir, 'tokens.csv')}`,
        '--authorization-mode=RBAC',
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${path.join(dir, 'sa.pub')}`,
        `--service-account-signing-key-file=${path.join(dir, 'sa.key')}`,
        `--service-cluster-ip-range=${env.spec.cluster.serviceSubnet}`,
        '--endpoint-reconciler-type=none',
        '--profiling=false',
        ...rehearsalAuditArgs(env, cluster),
      ],
      { stdio: ['ignore', 'ignore', fs.openSync(log, 'w')], env: { ...process.env, GOMEMLIMIT: '1GiB' } },
    );
    const kubectl = (user: keyof typeof USERS, args: readonly string[], input = '') =>
      spawnSync(
        'kubectl',
        [
          `--server=https://127.0.0.1:${port}`,
          '--insecure-skip-tls-verify',
          `--token=${USERS[user].token}`,
          '--request-timeout=20s',
          ...args,
        ],
        { encoding: 'utf8', input },
      );
    const started = apiserver;
    await waitFor(
      `kube-apiserver of ${name} ready (log: ${fs.existsSync(log) ? fs.readFileSync(log, 'utf8').slice(-600) : ''})`,
      60,
      () => {
        if (started.exitCode !== null)
          throw new Error(`kube-apiserver exited: ${fs.readFileSync(log, 'utf8').slice(-1500)}`);
        return kubectl('admin', ['get', '--raw=/readyz']).status === 0;
      },
    );
    const events = (): AuditEvent[] =>
      fs
        .readFileSync(path.join(cluster, REHEARSAL_AUDIT_LOG), 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as AuditEvent);
    return { env, kubectl, events, log, auditLog: path.join(cluster, REHEARSAL_AUDIT_LOG) };
  }

  it.each(['test', 'prod', 'prod-b'])(
    '%s: starts with the policy, logs a Secret read at Metadata without the data, RBAC changes with their bodies, no system reads',
    async (name) => {
      const api = await startApiServer(name);
      try {
        const ok = (result: ReturnType<typeof api.kubectl>) => {
          expect([result.status, result.stderr]).toEqual([0, '']);
          return result.stdout;
        };
        ok(api.kubectl('admin', ['create', 'namespace', 'audit-check']));
        ok(
          api.kubectl('admin', [
            'create',
            'secret',
            'generic',
            'database',
            '--namespace=audit-check',
            `--from-literal=password=${SECRET_VALUE}`,
          ]),
        );
        // The response carries the data: the audit log must not.
        expect(
          ok(api.kubectl('admin', ['get', 'secret', 'database', '--namespace=audit-check', '--output=json'])),
        ).toContain(Buffer.from(SECRET_VALUE).toString('base64'));
        ok(api.kubectl('admin', ['create', 'clusterrole', 'audit-check', '--verb=get', '--resource=pods']));

        const events = api.events();
        const secretReads = events.filter(
          (e) => e.verb === 'get' && e.objectRef?.resource === 'secrets' && e.objectRef.name === 'database',
        );
        expect(secretReads.map((e) => [e.level, e.stage, e.user.username])).toEqual([
          ['Metadata', 'ResponseComplete', 'ada'],
        ]);
        expect(secretReads[0]).not.toHaveProperty('requestObject');
        expect(secretReads[0]).not.toHaveProperty('responseObject');
        const secretCreate = events.find(
          (e) =>
            e.verb === 'create' && e.objectRef?.resource === 'secrets' && e.objectRef.name === 'database',
        );
        expect(secretCreate?.level).toBe('Metadata');
        const text = fs.readFileSync(api.auditLog, 'utf8');
        expect(text).not.toContain(SECRET_VALUE);
        expect(text).not.toContain(Buffer.from(SECRET_VALUE).toString('base64'));

        // The environment's rules apply: RBAC changes at RequestResponse, namespace writes at Request.
        const roleCreate = events.find(
          (e) =>
            e.verb === 'create' &&
            e.objectRef?.resource === 'clusterroles' &&
            e.objectRef.name === 'audit-check',
        );
        expect(roleCreate?.level).toBe('RequestResponse');
        expect(roleCreate?.requestObject).toMatchObject({
          kind: 'ClusterRole',
          metadata: { name: 'audit-check' },
        });
        expect(roleCreate?.responseObject).toMatchObject({ kind: 'ClusterRole' });
        const namespaceCreate = events.find(
          (e) =>
            e.verb === 'create' &&
            e.objectRef?.resource === 'namespaces' &&
            e.objectRef.name === 'audit-check',
        );
        expect(namespaceCreate?.level).toBe('Request');
        expect(namespaceCreate).not.toHaveProperty('responseObject');

        // Read-only system traffic (the API server's own informers) and health probes are not logged,
        // except on credentials, which are logged whoever reads them; no RequestReceived stage.
        const systemReads = events.filter(
          (e) => e.user.username === 'system:apiserver' && ['get', 'list', 'watch'].includes(e.verb),
        );
        expect(
          systemReads.filter(
            (e) => e.level !== 'Metadata' || !['secrets', 'configmaps'].includes(e.objectRef?.resource ?? ''),
          ),
        ).toEqual([]);
        expect(events.filter((e) => e.stage === 'RequestReceived')).toEqual([]);
        expect(events.some((e) => (e as { requestURI?: string }).requestURI === '/readyz')).toBe(false);
        expect(events.length).toBeGreaterThan(0);

        // What `blueprint rehearse` reports from the same log.
        const report = auditReport(dir, name);
        expect(report.problems).toEqual([]);
        expect(report.lines).toEqual([
          expect.stringMatching(
            /^rehearsal: the API server ran the environment's audit policy .*: \d+ events \(Metadata \d+, Request \d+, RequestResponse \d+\)/,
          ),
        ]);

        // Strictly decoded: kube-apiserver falls back to lenient decoding (and says so) on unknown fields.
        expect(fs.readFileSync(api.log, 'utf8')).not.toMatch(
          /falling back to lenient decoding|Audit policy contains errors/,
        );
        if (name !== 'prod') return;

        // prod: its platform roles, as Terraform would create them, judged by the API server's own RBAC authorizer.
        const tf = synthesizeEnvironment(api.env).files.find((file) => file.path === 'terraform/cdk.tf.json');
        const list = { apiVersion: 'v1', kind: 'List', items: rbacObjects(JSON.parse(tf?.content ?? '{}')) };
        const file = path.join(dir, 'prod-rbac.json');
        fs.writeFileSync(file, JSON.stringify(list));
        expect(ok(api.kubectl('admin', ['create', `--filename=${file}`, '--output=name']))).toContain(
          'rolebinding.rbac.authorization.k8s.io/platform:on-call',
        );
        // A SelfSubjectAccessReview per question, with the group, resource and subresource spelled
        // out (kubectl auth can-i guesses groups by discovery, and the add-ons' CRDs are not installed).
        const can = (user: keyof typeof USERS, [verb, resource, namespace]: string[]) => {
          const [kindAndGroup, subresource] = (resource as string).split('/');
          const [kind, ...group] = (kindAndGroup as string).split('.');
          const review = {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SelfSubjectAccessReview',
            spec: {
              resourceAttributes: {
                verb,
                group: group.join('.'),
                resource: kind,
                ...(subresource === undefined ? {} : { subresource }),
                ...(namespace === undefined || namespace === '*' ? {} : { namespace }),
              },
            },
          };
          const result = api.kubectl(
            user,
            ['create', '--validate=false', '--filename=-', '--output=json'],
            JSON.stringify(review),
          );
          if (result.status !== 0) return result.stderr.trim();
          return JSON.parse(result.stdout).status.allowed ? 'yes' : 'no';
        };
        const expectations: [keyof typeof USERS, string[], string][] = [
          // on-call of vehicle: exec, logs, delete pods, scale, read — in vehicle only.
          ['onCall', ['create', 'pods/exec', 'vehicle'], 'yes'],
          ['onCall', ['get', 'pods/exec', 'vehicle'], 'yes'],
          ['onCall', ['get', 'pods/log', 'vehicle'], 'yes'],
          ['onCall', ['delete', 'pods', 'vehicle'], 'yes'],
          ['onCall', ['patch', 'deployments.apps/scale', 'vehicle'], 'yes'],
          ['onCall', ['update', 'statefulsets.apps/scale', 'vehicle'], 'yes'],
          ['onCall', ['list', 'deployments.apps', 'vehicle'], 'yes'],
          ['onCall', ['create', 'pods/exec', 'commerce'], 'no'],
          ['onCall', ['get', 'pods/log', 'data'], 'no'],
          ['onCall', ['get', 'secrets', 'vehicle'], 'no'],
          ['onCall', ['patch', 'deployments.apps', 'vehicle'], 'no'],
          ['onCall', ['create', 'pods/portforward', 'vehicle'], 'no'],
          ['onCall', ['create', 'pods/attach', 'vehicle'], 'no'],
          ['onCall', ['create', 'pods', 'vehicle'], 'no'],
          ['onCall', ['list', 'nodes'], 'no'],
          // auditor: reads configuration cluster-wide, never Secrets, logs or exec, never writes.
          ['auditor', ['list', 'clusterrolebindings.rbac.authorization.k8s.io'], 'yes'],
          ['auditor', ['list', 'validatingwebhookconfigurations.admissionregistration.k8s.io'], 'yes'],
          ['auditor', ['list', 'networkpolicies.networking.k8s.io', '*'], 'yes'],
          ['auditor', ['get', 'securitypolicies.gateway.envoyproxy.io', 'commerce'], 'yes'],
          ['auditor', ['list', 'pods', 'vehicle'], 'yes'],
          ['auditor', ['get', 'secrets', 'vehicle'], 'no'],
          ['auditor', ['list', 'secrets', '*'], 'no'],
          ['auditor', ['create', 'pods/exec', 'vehicle'], 'no'],
          ['auditor', ['get', 'pods/log', 'vehicle'], 'no'],
          ['auditor', ['delete', 'pods', 'vehicle'], 'no'],
          ['auditor', ['patch', 'clusterroles.rbac.authorization.k8s.io'], 'no'],
          // developers keep their role and gain no exec from the on-call one.
          ['developer', ['create', 'pods/exec', 'vehicle'], 'no'],
          ['developer', ['get', 'pods/log', 'vehicle'], 'yes'],
        ];
        const answers = expectations.map(([user, args]) => [user, args.join(' '), can(user, args)]);
        expect(answers).toEqual(expectations.map(([user, args, answer]) => [user, args.join(' '), answer]));
      } finally {
        await stop(apiserver);
        apiserver = undefined;
      }
    },
    90_000,
  );
});
