import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applySetCrdYaml, applySetId, applySetParentYaml } from '../../../cli/deploy/applyset';
import { type DeployTarget, planDeploy } from '../../../cli/deploy/plan';
import { PlainProgress } from '../../../cli/deploy/progress';
import { runSteps } from '../../../cli/deploy/runner';
import { withApplySetLabel } from '../../../cli/deploy/workdir';
import { describeNeeding } from '../../support/requirements';
import { FakeApiServer } from './fake-api-server';

/**
 * The Kubernetes half of the plan, run by the real kubectl against a fake API server on
 * 127.0.0.1: it shows that kubectl accepts the blueprint's cluster-scoped ApplySet parent (kind,
 * id label, annotations), applies across namespaces, and prunes what left the output. The fake
 * is not a cluster (see fake-api-server.ts): this proves the command lines and the ApplySet
 * protocol, not the behaviour of a real API server.
 */

const hasKubectl = (process.env.PATH ?? '')
  .split(path.delimiter)
  .some((dir) => fs.existsSync(path.join(dir, 'kubectl')));

const IDENTITY =
  'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: platform-blueprint\n  namespace: kube-public\ndata:\n  environment: test\n';
const configMap = (name: string, namespace: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\ndata:\n  key: value\n`;
const DEPLOYMENT =
  'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: one\nspec:\n  replicas: 2\n  selector:\n    matchLabels: { app: api }\n  template:\n    metadata:\n      labels: { app: api }\n    spec:\n      containers:\n        - name: api\n          image: registry.example/api:1.0.0\n';

describeNeeding(
  'kubectl apply with the blueprint ApplySet (real kubectl, fake API)',
  [hasKubectl ? undefined : 'kubectl'],
  () => {
    let api: FakeApiServer;
    let root: string;
    let kubeconfig: string;
    beforeEach(async () => {
      api = new FakeApiServer();
      const url = await api.start();
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'blueprint-applyset-'));
      kubeconfig = path.join(root, 'kubeconfig');
      fs.writeFileSync(
        kubeconfig,
        `apiVersion: v1\nkind: Config\nclusters:\n  - name: fake\n    cluster: { server: "${url}" }\ncontexts:\n  - name: test-admin@test\n    context: { cluster: fake, user: fake }\nusers:\n  - name: fake\n    user: {}\n`,
      );
    });
    afterEach(async () => {
      await api.close();
      fs.rmSync(root, { recursive: true, force: true });
    });

    /** Writes the work directory as prepareWorkDir does, then runs the Kubernetes half of the plan. */
    async function deploy(manifest: string) {
      const kube = path.join(root, '.blueprint/test/kubernetes');
      fs.rmSync(kube, { recursive: true, force: true });
      fs.mkdirSync(path.join(kube, 'manifests'), { recursive: true });
      fs.mkdirSync(path.join(kube, 'crds'), { recursive: true });
      fs.writeFileSync(path.join(kube, 'applyset-crd.yaml'), applySetCrdYaml());
      fs.writeFileSync(path.join(kube, 'applyset-parent.yaml'), applySetParentYaml('test'));
      fs.writeFileSync(path.join(kube, 'manifests/app.yaml'), manifest);
      fs.mkdirSync(path.join(kube, 'preview'), { recursive: true });
      fs.writeFileSync(path.join(kube, 'preview/app.yaml'), withApplySetLabel(manifest, 'test'));
      const target: DeployTarget = {
        environment: 'test',
        kubeconfig,
        context: 'test-admin@test',
        backendType: 'local',
        workDir: '.blueprint/test',
        manifests: ['app.yaml'],
        crds: [],
        rollouts: manifest.includes('kind: Deployment')
          ? [{ kind: 'deployment', name: 'api', namespace: 'one' }]
          : [],
      };
      const lines: string[] = [];
      const io = {
        out: (line: string) => lines.push(line),
        err: (line: string) => lines.push(line),
        isTty: false,
        cwd: root,
      };
      const outcome = await runSteps(planDeploy(target, { only: 'kubernetes', yes: true }), {
        cwd: root,
        env: process.env,
        progress: new PlainProgress(io),
        ask: async () => true,
        access: { kubeconfig, context: 'test-admin@test', environmentFile: 'environments/test.yaml' },
      });
      return { outcome, lines };
    }

    it('creates the parent, applies across namespaces, labels the members and waits for the rollout', async () => {
      const { outcome, lines } = await deploy(
        [IDENTITY, configMap('a', 'one'), configMap('b', 'two'), DEPLOYMENT].join('---\n'),
      );
      expect(lines.filter((line) => line.includes(': failed'))).toEqual([]);
      expect(outcome.status).toBe('done');
      const parent = api.objects.get('platform-blueprint.io/applysets//test');
      expect(parent?.metadata.labels?.['applyset.kubernetes.io/id']).toBe(applySetId('test'));
      expect(parent?.metadata.annotations).toMatchObject({
        'applyset.kubernetes.io/contains-group-kinds': 'ConfigMap,Deployment.apps',
        'applyset.kubernetes.io/additional-namespaces': 'kube-public,one,two',
      });
      expect(parent?.metadata.annotations?.['applyset.kubernetes.io/tooling']).toMatch(/^kubectl\/v1\./);
      expect(api.names('ConfigMap')).toEqual(['kube-public/platform-blueprint', 'one/a', 'two/b']);
      for (const object of api.objects.values()) {
        if (object.kind === 'ConfigMap' || object.kind === 'Deployment') {
          expect(object.metadata.labels?.['applyset.kubernetes.io/part-of']).toBe(applySetId('test'));
        }
      }
      expect(lines).toContain('    deployment "api" successfully rolled out');
      // Server-side apply with the blueprint's field manager.
      expect(
        api.requests.some((request) =>
          request.startsWith('PATCH /api/v1/namespaces/one/configmaps/a?fieldManager=blueprint'),
        ),
      ).toBe(true);
    });

    it('prunes what left the output on the next deploy, and leaves the rest', async () => {
      expect(
        (await deploy([IDENTITY, configMap('a', 'one'), configMap('b', 'two')].join('---\n'))).outcome.status,
      ).toBe('done');
      const { outcome, lines } = await deploy([IDENTITY, configMap('a', 'one')].join('---\n'));
      expect(outcome.status).toBe('done');
      expect(api.names('ConfigMap')).toEqual(['kube-public/platform-blueprint', 'one/a']);
      expect(lines).toContain('    configmap/b pruned');
      // The second run found the parent and did not fail on it.
      expect(lines.some((line) => /create the ApplySets .*: ok: already there/.test(line))).toBe(true);
    });

    it('never prunes an object that another tool created, even in a namespace of the set', async () => {
      api.seed({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'not-ours', namespace: 'one' } });
      expect((await deploy([IDENTITY, configMap('a', 'one')].join('---\n'))).outcome.status).toBe('done');
      expect((await deploy(IDENTITY)).outcome.status).toBe('done');
      expect(api.names('ConfigMap')).toEqual(['kube-public/platform-blueprint', 'one/not-ours']);
    });
  },
);
