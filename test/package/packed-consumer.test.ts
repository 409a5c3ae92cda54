import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../support/cli';

/**
 * The package as a user gets it: `npm pack`, installed from the tarball into a scratch project
 * (dependencies from the npm cache `npm ci` filled, the registry only for a miss), and a user's
 * own cdk8s app and cdktf stack written in TypeScript against its types, compiled with tsc
 * and run with node. Nothing of the repository is on the scratch project's module path.
 */
describe('the packed package in a user project', () => {
  let scratch: string;

  beforeAll(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-consumer-'));
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'tools/build.js'), '--quiet'], { cwd: REPO_ROOT });
    const packed = execFileSync(
      'npm',
      ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 },
    );
    const [{ filename }] = JSON.parse(packed) as { filename: string }[];
    fs.writeFileSync(
      path.join(scratch, 'package.json'),
      `${JSON.stringify({ name: 'my-platform', version: '1.0.0', private: true }, null, 2)}\n`,
    );
    execFileSync(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', `./${filename}`],
      { cwd: scratch, stdio: 'pipe', timeout: 240_000 },
    );
    fs.writeFileSync(
      path.join(scratch, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          skipLibCheck: true,
          outDir: 'out',
          types: [],
        },
        include: ['*.ts'],
      }),
    );
    fs.writeFileSync(
      path.join(scratch, 'kubernetes.ts'),
      `import { App, Chart } from 'cdk8s';
import { KeyRange, Microservice, VitessCluster, ZoneSpread } from 'platform-blueprint';

const app = new App({ outdir: 'cdk8s.out' });
const chart = new Chart(app, 'shop', { disableResourceNameHashes: true });
new Microservice(chart, 'orders', {
  name: 'orders',
  namespace: 'shop',
  image: 'registry.example.com/shop/orders:1.4.2',
  version: '1.4.2',
  environment: 'staging',
  ports: [{ name: 'http', port: 8080 }],
});
const resources = { cpuRequest: '500m', cpuLimit: '2', memoryRequest: '1Gi', memoryLimit: '2Gi' };
new VitessCluster(chart, 'orders-db', {
  name: 'orders-db',
  namespace: 'shop',
  cell: 'zone1',
  partitionings: [KeyRange.evenSplit(2)],
  tabletsPerShard: 3,
  durabilityPolicy: 'semi_sync',
  storageSize: '50Gi',
  mysqldResources: resources,
  vttabletResources: resources,
  innodbBufferPoolMebibytes: 1536,
  placement: { nodeSelector: { 'example.com/pool': 'database' }, tolerations: [] },
  zoneSpread: ZoneSpread.PREFERRED,
  images: {
    vitess: 'vitess/lite:v22.0.1',
    mysqld: 'vitess/lite:v22.0.1',
    mysqldExporter: 'prom/mysqld-exporter:v0.15.1',
  },
  gateway: { replicas: 2, resources, users: { name: 'orders-db-users', key: 'users.json' } },
  initScript: { name: 'orders-db-init', key: 'init.sql' },
  backup: {
    schedule: '0 2 * * *',
    keepCount: 7,
    keepFor: '168h',
    engine: 'xtrabackup',
    storage: {
      endpoint: 'https://s3.example.com',
      bucket: 'backups',
      region: 'us-east-1',
      keyPrefix: 'orders-db',
      credentials: { name: 'orders-db-s3', key: 'credentials' },
    },
    resources,
  },
});
app.synth();
`,
    );
    fs.writeFileSync(
      path.join(scratch, 'terraform.ts'),
      `import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { App, TerraformStack } from 'cdktf';
import { TeamNamespace } from 'platform-blueprint/terraform';

const app = new App({ outdir: 'cdktf.out' });
const stack = new TerraformStack(app, 'teams');
new KubernetesProvider(stack, 'kubernetes', { configPath: '~/.kube/config' });
new TeamNamespace(stack, 'payments', {
  name: 'payments',
  labels: { 'example.com/team': 'payments' },
  quota: {
    requestsCpu: '8', requestsMemory: '16Gi', limitsCpu: '16', limitsMemory: '32Gi',
    pods: 50, services: 10, loadBalancers: 0, persistentVolumeClaims: 5, requestsStorage: '100Gi',
  },
  limitRange: {
    defaultRequest: { cpu: '100m', memory: '128Mi' },
    defaultLimit: { cpu: '500m', memory: '512Mi' },
    max: { cpu: '4', memory: '8Gi' },
  },
  roleBindings: [{ clusterRole: 'edit', key: 'edit', groups: ['payments-devs'] }],
});
app.synth();
`,
    );
    // The user's TypeScript is checked against the package's .d.ts and compiled.
    const tsc = path.join(path.dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
    execFileSync(process.execPath, [tsc, '-p', scratch], { cwd: scratch, stdio: 'pipe', timeout: 120_000 });
  }, 420_000);

  afterAll(() => {
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('installs without the repository: the package resolves inside the scratch project', () => {
    const resolved = execFileSync(
      process.execPath,
      [
        '-e',
        "console.log(require.resolve('platform-blueprint'), require.resolve('platform-blueprint/terraform'))",
      ],
      { cwd: scratch, encoding: 'utf8' },
    );
    for (const file of resolved.trim().split(' '))
      expect(file.startsWith(path.join(scratch, 'node_modules'))).toBe(true);
    expect(fs.existsSync(path.join(scratch, 'node_modules/platform-blueprint/lib/index.d.ts'))).toBe(true);
    // No TypeScript sources or tests in the package: it ships compiled JS and types.
    expect(fs.existsSync(path.join(scratch, 'node_modules/platform-blueprint/constructs'))).toBe(false);
    expect(fs.existsSync(path.join(scratch, 'node_modules/platform-blueprint/test'))).toBe(false);
  });

  it("a user's cdk8s app synthesizes a Microservice and a VitessCluster", () => {
    execFileSync(process.execPath, ['out/kubernetes.js'], { cwd: scratch, stdio: 'pipe', timeout: 60_000 });
    const docs = parseAllDocuments(
      fs.readFileSync(path.join(scratch, 'cdk8s.out/shop.k8s.yaml'), 'utf8'),
    ).map((doc) => doc.toJS() as { kind: string; metadata: { name: string } });
    const kinds = docs.map((doc) => `${doc.kind}/${doc.metadata.name}`);
    expect(kinds).toEqual(
      expect.arrayContaining(['Deployment/orders', 'Service/orders', 'VitessCluster/orders-db']),
    );
  });

  it("a user's cdktf stack synthesizes a TeamNamespace with its stable Terraform addresses", () => {
    execFileSync(process.execPath, ['out/terraform.js'], { cwd: scratch, stdio: 'pipe', timeout: 60_000 });
    const tf = JSON.parse(
      fs.readFileSync(path.join(scratch, 'cdktf.out/stacks/teams/cdk.tf.json'), 'utf8'),
    ) as {
      resource: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(tf.resource.kubernetes_namespace_v1 ?? {})).toEqual(['namespace_payments']);
    expect(Object.keys(tf.resource.kubernetes_resource_quota_v1 ?? {})).toEqual(['resource_quota_payments']);
    expect(Object.keys(tf.resource.kubernetes_role_binding_v1 ?? {})).toEqual(['role_binding_payments_edit']);
  });
});
