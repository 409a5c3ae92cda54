import { applySetId } from '../../../cli/deploy/applyset';
import {
  commandLine,
  type DeployTarget,
  planDeploy,
  REHEARSAL_MARKER,
  type Step,
  shellQuote,
} from '../../../cli/deploy/plan';
import { nodeRoles } from './node-roles';

/** A target without nodes (as before node steps existed): the planner adds no node step. */
const bare: DeployTarget = {
  environment: 'prod',
  kubeconfig: '/home/ops/.kube/config',
  context: 'prod-admin@prod',
  backendType: 'local',
  workDir: '.blueprint/prod',
  manifests: ['platform.yaml', 'workloads.yaml'],
  crds: ['httproutes.gateway.networking.k8s.io.yaml'],
  rollouts: [
    { kind: 'deployment', name: 'orders', namespace: 'commerce' },
    { kind: 'statefulset', name: 'points-db', namespace: 'data' },
  ],
};

/** The target deploy builds: the environment's masters and fixed nodes, a role label per pool. */
const target: DeployTarget = {
  ...bare,
  nodes: ['master-1', 'node-01', 'node-10'],
  nodeRoles: nodeRoles('general', 'database'),
};

const KUBECTL = 'kubectl --kubeconfig=/home/ops/.kube/config --context=prod-admin@prod';
const TERRAFORM = 'TF_IN_AUTOMATION=1 terraform -chdir=.blueprint/prod/terraform';

/** Each step as `id: command line` (or the question / check), which is what --dry-run shows. */
function lines(steps: readonly Step[]): string[] {
  return steps.map((step) => {
    if (step.kind === 'confirm') return `${step.id}: ? ${step.question}`;
    if (step.kind === 'check') return `${step.id}: (check)`;
    return `${step.id}: ${commandLine(step)}`;
  });
}

describe('planDeploy', () => {
  it('runs preflight, then Terraform, then Kubernetes, with the exact command lines', () => {
    expect(lines(planDeploy(target))).toEqual([
      'tool-terraform: terraform version -json',
      'tool-kubectl: kubectl version --client -o json',
      'kubeconfig: (check)',
      `cluster-identity: ${KUBECTL} get configmap platform-blueprint platform-blueprint-rehearsal --namespace=kube-public --ignore-not-found --request-timeout=5s '--output=jsonpath={range .items[*]}{.metadata.name}={.data.environment}{"\\n"}{end}'`,
      `terraform-init: ${TERRAFORM} init -input=false -no-color`,
      `terraform-plan: ${TERRAFORM} plan -input=false -lock-timeout=120s -detailed-exitcode -out=tfplan -no-color`,
      'confirm-terraform: ? Apply this Terraform plan to prod (context prod-admin@prod)?',
      `terraform-apply: ${TERRAFORM} apply -input=false -lock-timeout=120s -no-color tfplan`,
      `kubectl-diff: ${KUBECTL} diff --server-side --field-manager=blueprint --force-conflicts -f .blueprint/prod/kubernetes/preview/platform.yaml -f .blueprint/prod/kubernetes/preview/workloads.yaml`,
      'confirm-kubernetes: ? Apply 2 manifest files to prod (context prod-admin@prod), deleting objects that left the output?',
      `crds-apply: ${KUBECTL} apply --server-side --field-manager=blueprint -f .blueprint/prod/kubernetes/crds/httproutes.gateway.networking.k8s.io.yaml -f .blueprint/prod/kubernetes/applyset-crd.yaml`,
      `crds-established: ${KUBECTL} wait --for=condition=Established --timeout=60s -f .blueprint/prod/kubernetes/crds/httproutes.gateway.networking.k8s.io.yaml -f .blueprint/prod/kubernetes/applyset-crd.yaml`,
      `applyset-parent: ${KUBECTL} create -f .blueprint/prod/kubernetes/applyset-parent.yaml`,
      `controller-owned-fields: ${KUBECTL} get horizontalpodautoscalers.autoscaling --all-namespaces --show-managed-fields --output=json`,
      `kubectl-apply: KUBECTL_APPLYSET=true ${KUBECTL} apply --server-side --field-manager=blueprint --force-conflicts --applyset=applysets.platform-blueprint.io/prod --prune -f .blueprint/prod/kubernetes/manifests/platform.yaml -f .blueprint/prod/kubernetes/manifests/workloads.yaml`,
      // No EndpointSlices in the output: their ApplySet prunes any left from an earlier deploy.
      `kubectl-apply-endpoints: ${KUBECTL} delete endpointslices.discovery.k8s.io --all-namespaces --selector=applyset.kubernetes.io/part-of=${applySetId('prod-endpoints')} --ignore-not-found`,
      `nodes-joined: ${KUBECTL} get nodes '--output=jsonpath={range .items[*]}{.metadata.name}{"\\n"}{end}'`,
      `node-role-general: ${KUBECTL} label nodes --selector=platform-blueprint.io/pool=general --field-manager=blueprint --overwrite node-role.kubernetes.io/general=`,
      `node-role-database: ${KUBECTL} label nodes --selector=platform-blueprint.io/pool=database --field-manager=blueprint --overwrite node-role.kubernetes.io/database=`,
      `rollout-deployment-commerce-orders: ${KUBECTL} rollout status deployment/orders --namespace=commerce --timeout=300s`,
      `rollout-statefulset-data-points-db: ${KUBECTL} rollout status statefulset/points-db --namespace=data --timeout=300s`,
    ]);
  });

  it('drops the questions with --yes and changes no command', () => {
    const asked = planDeploy(target);
    const unasked = planDeploy(target, { yes: true });
    expect(unasked.some((step) => step.kind === 'confirm')).toBe(false);
    expect(lines(unasked)).toEqual(lines(asked.filter((step) => step.kind !== 'confirm')));
  });

  it('--only terraform stops after terraform apply and still checks the cluster identity', () => {
    const ids = planDeploy(target, { only: 'terraform', yes: true }).map((step) => step.id);
    expect(ids).toEqual([
      'tool-terraform',
      'tool-kubectl',
      'kubeconfig',
      'cluster-identity',
      'terraform-init',
      'terraform-plan',
      'terraform-apply',
    ]);
  });

  it('--only kubernetes needs no terraform and runs no terraform command', () => {
    const steps = planDeploy(target, { only: 'kubernetes', yes: true });
    expect(steps.map((step) => step.id)).toEqual([
      'tool-kubectl',
      'kubeconfig',
      'cluster-identity',
      'kubectl-diff',
      'crds-apply',
      'crds-established',
      'applyset-parent',
      'controller-owned-fields',
      'kubectl-apply',
      'kubectl-apply-endpoints',
      'nodes-joined',
      'node-role-general',
      'node-role-database',
      'rollout-deployment-commerce-orders',
      'rollout-statefulset-data-points-db',
    ]);
    expect(steps.some((step) => step.argv?.[0] === 'terraform')).toBe(false);
  });

  it('every terraform step comes before every kubectl step that changes the cluster', () => {
    const steps = planDeploy(target);
    const lastTerraform = steps.map((step) => step.argv?.[0]).lastIndexOf('terraform');
    const firstKubeChange = steps.findIndex((step) => step.changes && step.argv?.[0] === 'kubectl');
    expect(lastTerraform).toBeGreaterThan(0);
    expect(firstKubeChange).toBeGreaterThan(lastTerraform);
  });

  it('lets Terraform colour its output only on a terminal', () => {
    const colored = planDeploy(target, { color: true }).filter(
      (step) => step.argv?.[0] === 'terraform' && step.id !== 'tool-terraform',
    );
    expect(colored.length).toBe(3);
    for (const step of colored) expect(step.argv).not.toContain('-no-color');
  });

  it('applies only when the plan found changes, and treats plan exit 2 as success', () => {
    const steps = planDeploy(target);
    const plan = steps.find((step) => step.id === 'terraform-plan');
    expect(plan?.okExitCodes).toEqual([0, 2]);
    expect(steps.find((step) => step.id === 'terraform-apply')?.onlyIfChanges).toBe('terraform-plan');
    expect(steps.find((step) => step.id === 'confirm-terraform')?.onlyIfChanges).toBe('terraform-plan');
  });

  it('uses the rollout timeout for kubectl and gives the process 30 s more', () => {
    const rollout = planDeploy(target, { yes: true, rolloutTimeoutSeconds: 90 }).find(
      (step) => step.id === 'rollout-deployment-commerce-orders',
    );
    expect(rollout?.argv).toContain('--timeout=90s');
    expect(rollout?.timeoutSeconds).toBe(120);
  });

  it('checks PG_CONN_STR only for the pg backend, and only when Terraform runs', () => {
    const pg = { ...target, backendType: 'pg' };
    expect(planDeploy(pg).map((step) => step.id)).toContain('backend-credentials');
    expect(planDeploy(pg, { only: 'kubernetes' }).map((step) => step.id)).not.toContain(
      'backend-credentials',
    );
    expect(planDeploy(target).map((step) => step.id)).not.toContain('backend-credentials');
  });

  it('contacts the cluster first with a short request timeout', () => {
    const identity = planDeploy(target).find((step) => step.id === 'cluster-identity');
    expect(identity?.argv).toContain('--request-timeout=5s');
    expect(identity?.timeoutSeconds).toBeLessThanOrEqual(15);
  });

  it('asks for the environment ConfigMap and the rehearsal marker in one request, one name=environment line each', () => {
    const identity = planDeploy(target).find((step) => step.id === 'cluster-identity');
    expect(REHEARSAL_MARKER).toBe('platform-blueprint-rehearsal');
    expect(identity?.phase).toBe('preflight');
    expect(identity?.argv?.slice(3, 7)).toEqual(['get', 'configmap', 'platform-blueprint', REHEARSAL_MARKER]);
    expect(identity?.argv).toContain('--namespace=kube-public');
    // A cluster without either ConfigMap (a first deploy) is not an error.
    expect(identity?.argv).toContain('--ignore-not-found');
    expect(identity?.argv?.at(-1)).toBe(
      '--output=jsonpath={range .items[*]}{.metadata.name}={.data.environment}{"\\n"}{end}',
    );
    expect(identity?.check).toEqual({ type: 'identity', environment: 'prod', allowRehearsal: false });
  });

  it('accepts the rehearsal marker only when the target allows a rehearsal cluster', () => {
    const check = (t: DeployTarget) => planDeploy(t).find((step) => step.id === 'cluster-identity')?.check;
    expect(check({ ...target, allowRehearsalCluster: false })).toMatchObject({ allowRehearsal: false });
    expect(check({ ...target, allowRehearsalCluster: true })).toEqual({
      type: 'identity',
      environment: 'prod',
      allowRehearsal: true,
    });
  });

  it('checks which nodes joined after the apply, with the names the environment expects, and changes nothing', () => {
    const steps = planDeploy(target, { yes: true });
    const ids = steps.map((step) => step.id);
    const joined = steps.find((step) => step.id === 'nodes-joined');
    expect(joined).toMatchObject({ phase: 'kubernetes', kind: 'run' });
    expect(joined?.argv).toEqual([
      'kubectl',
      '--kubeconfig=/home/ops/.kube/config',
      '--context=prod-admin@prod',
      'get',
      'nodes',
      '--output=jsonpath={range .items[*]}{.metadata.name}{"\\n"}{end}',
    ]);
    expect(joined?.check).toEqual({ type: 'nodes-joined', expected: ['master-1', 'node-01', 'node-10'] });
    expect(joined?.changes).toBeFalsy();
    expect(joined?.optional).toBeFalsy();
    expect(joined?.title).toContain('3 nodes');
    expect(ids.indexOf('nodes-joined')).toBeGreaterThan(ids.indexOf('kubectl-apply'));
    expect(ids.indexOf('nodes-joined')).toBeLessThan(ids.indexOf('node-role-general'));
  });

  it('also sets the pool labels a kubelet may not set on itself, sorted, on the same selector', () => {
    const steps = planDeploy(
      {
        ...target,
        nodeRoles: [
          {
            pool: 'secure',
            selector: 'platform-blueprint.io/pool=secure',
            label: 'node-role.kubernetes.io/secure',
            restrictedLabels: {
              'node-restriction.kubernetes.io/zone-b': 'x',
              'node-restriction.kubernetes.io/dedicated': 'y',
            },
          },
        ],
      },
      { yes: true },
    );
    const step = steps.find((candidate) => candidate.id === 'node-role-secure');
    expect(step?.title).toBe(
      'role label node-role.kubernetes.io/secure and 2 restricted labels on the joined nodes of pool secure',
    );
    expect(step?.argv?.slice(-3)).toEqual([
      'node-role.kubernetes.io/secure=',
      'node-restriction.kubernetes.io/dedicated=y',
      'node-restriction.kubernetes.io/zone-b=x',
    ]);
  });

  it("sets each pool's role label by selector, key by key, between the apply and the rollouts", () => {
    const steps = planDeploy(target, { yes: true });
    const ids = steps.map((step) => step.id);
    const roles = steps.filter((step) => step.id.startsWith('node-role-'));
    expect(roles.map((step) => step.id)).toEqual(['node-role-general', 'node-role-database']);
    for (const [step, pool] of roles.map((step, i) => [step, ['general', 'database'][i]] as const)) {
      expect(step.phase).toBe('kubernetes');
      expect(step.argv).toEqual([
        'kubectl',
        '--kubeconfig=/home/ops/.kube/config',
        '--context=prod-admin@prod',
        'label',
        'nodes',
        `--selector=platform-blueprint.io/pool=${pool}`,
        '--field-manager=blueprint',
        '--overwrite',
        `node-role.kubernetes.io/${pool}=`,
      ]);
      // Changes the cluster: a failure report lists it as applied.
      expect(step.changes).toBe(true);
      expect(step.title).toContain(`node-role.kubernetes.io/${pool}`);
      expect(ids.indexOf(step.id)).toBeGreaterThan(ids.indexOf('kubectl-apply'));
      expect(ids.indexOf(step.id)).toBeLessThan(ids.indexOf('rollout-deployment-commerce-orders'));
    }
  });

  it('has no node step when the target names no nodes and no pools, and none with --only terraform', () => {
    const ids = planDeploy(bare, { yes: true }).map((step) => step.id);
    expect(ids.filter((id) => id.startsWith('node'))).toEqual([]);
    const terraformOnly = planDeploy(target, { only: 'terraform', yes: true }).map((step) => step.id);
    expect(terraformOnly.filter((id) => id.startsWith('node'))).toEqual([]);
  });

  it('has unique step ids', () => {
    const ids = planDeploy(target).map((step) => step.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('shellQuote', () => {
  it('leaves plain words alone and quotes the rest so that a shell reads them back', () => {
    expect(shellQuote('--context=prod-admin@prod')).toBe('--context=prod-admin@prod');
    expect(shellQuote('{.data}')).toBe("'{.data}'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('')).toBe("''");
  });
});
