import type { ExecResult } from '../../../cli/deploy/exec';
import { explainFailure, kubectlReason, terraformReason } from '../../../cli/deploy/failures';
import type { Step } from '../../../cli/deploy/plan';

const access = {
  kubeconfig: '/tmp/kubeconfig',
  context: 'test-admin@test',
  environmentFile: 'environments/test.yaml',
};
const kubectlStep: Step = {
  id: 'kubectl-apply',
  phase: 'kubernetes',
  title: 'kubectl apply --prune',
  kind: 'run',
  argv: ['kubectl', 'apply'],
};
const terraformStep: Step = {
  id: 'terraform-init',
  phase: 'terraform',
  title: 'terraform init',
  kind: 'run',
  argv: ['terraform', 'init'],
};

function failed(stderr: string, extra: Partial<ExecResult> = {}): ExecResult {
  return { exitCode: 1, stdout: '', stderr, missing: false, timedOut: false, ms: 10, ...extra };
}

// What kubectl 1.32 printed against a closed port on this machine.
const REFUSED = [
  'E1121 13:39:33.587954    9769 memcache.go:265] "Unhandled Error" err="couldn\'t get current server API group list: Get \\"https://127.0.0.1:37067/api?timeout=5s\\": dial tcp 127.0.0.1:37067: connect: connection refused"',
  'The connection to the server 127.0.0.1:37067 was refused - did you specify the right host or port?',
  '',
].join('\n');

// What terraform 1.11 printed for `init` without network access on this machine.
const NO_REGISTRY = [
  '',
  'Error: Failed to query available provider packages',
  '',
  'Could not retrieve the list of available versions for provider',
  'hashicorp/kubernetes: could not connect to registry.terraform.io: failed to',
].join('\n');

describe('explainFailure', () => {
  it('names an unreachable cluster, its context and the kubeconfig, in one line', () => {
    const line = explainFailure(kubectlStep, failed(REFUSED), access);
    expect(line).toBe(
      'cannot reach the cluster of context test-admin@test (The connection to the server 127.0.0.1:37067 was refused - did you specify the right host or port?); check that its API server is up and that /tmp/kubeconfig points at it',
    );
    expect(line).not.toContain('\n');
  });

  it('keeps klog noise out of kubectl reasons', () => {
    expect(kubectlReason(REFUSED)).toMatch(/^The connection to the server/);
    expect(kubectlReason('error: the server doesn\'t have a resource type "applysets"\n')).toBe(
      'the server doesn\'t have a resource type "applysets"',
    );
  });

  it("prefers the error line over kubectl's closing advice", () => {
    const stderr =
      'error: resource mapping not found for name: "public" namespace: "gateway" from "gateway.yaml": no matches for kind "Gateway" in version "gateway.networking.k8s.io/v1"\nensure CRDs are installed first\n';
    expect(kubectlReason(stderr)).toMatch(/^resource mapping not found for name: "public"/);
  });

  it('tells credentials, permissions and a missing context apart', () => {
    expect(
      explainFailure(
        kubectlStep,
        failed('error: You must be logged in to the server (Unauthorized)'),
        access,
      ),
    ).toMatch(/refused the credentials/);
    expect(
      explainFailure(
        kubectlStep,
        failed('Error from server (Forbidden): secrets is forbidden: User "x" cannot list'),
        access,
      ),
    ).toMatch(/not allowed for the user of context test-admin@test/);
    expect(
      explainFailure(
        kubectlStep,
        failed('error: context was not found for specified context: test-admin@test'),
        access,
      ),
    ).toMatch(
      /has no context test-admin@test; add it, or fix cluster.kubeconfig.context in environments\/test.yaml/,
    );
  });

  it('explains the EOF of a kubeconfig user without credentials (kubectl prompts on a closed stdin)', () => {
    expect(explainFailure(kubectlStep, failed('Please enter Username: error: EOF\n'), access)).toMatch(
      /^kubectl asked for a username and password for context test-admin@test \(its kubeconfig user has no credentials\)/,
    );
  });

  it('names the other field manager of a server-side apply conflict', () => {
    const stderr =
      'error: Apply failed with 1 conflict: conflict with "helm" using apiextensions.k8s.io/v1: .spec.versions\nPlease review the fields above--they currently have other managers.';
    expect(explainFailure({ ...kubectlStep, title: 'apply the CRDs' }, failed(stderr), access)).toMatch(
      /^apply the CRDs failed: fields are owned by another field manager \(helm\)/,
    );
  });

  it('explains a provider download failure of terraform init with the fix', () => {
    const line = explainFailure(terraformStep, failed(NO_REGISTRY), access);
    expect(line).toMatch(
      /^terraform init could not install the Terraform providers \(Failed to query available provider packages: Could not retrieve/,
    );
    expect(line).toContain('provider mirror');
  });

  it('reads the first Error of terraform output through its box drawing and colours', () => {
    const boxed =
      '╷\n│ \u001b[31mError: \u001b[0mInvalid backend configuration\n│ \n│ The bucket does not exist.\n╵\n';
    expect(terraformReason(boxed, '')).toBe('Invalid backend configuration: The bucket does not exist.');
  });

  it('reports a timeout and a missing binary as such', () => {
    expect(
      explainFailure(
        { ...kubectlStep, timeoutSeconds: 30 },
        failed('', { timedOut: true, exitCode: -1 }),
        access,
      ),
    ).toMatch(/did not finish within 30 s/);
    expect(explainFailure(kubectlStep, failed('', { missing: true, exitCode: -1 }), access)).toMatch(
      /^kubectl is not installed/,
    );
  });
});
