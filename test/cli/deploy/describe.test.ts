import { describeOutput, describeSteps, hostsNote } from '../../../cli/deploy/describe';
import type { Step } from '../../../cli/deploy/plan';
import type { EnvironmentOutput } from '../../../stacks/environment';

const output: EnvironmentOutput = {
  name: 'prod',
  objects: 1,
  resources: 1,
  files: [
    { path: 'hosts/master-1/haproxy.cfg', content: '' },
    { path: 'hosts/master-1/keepalived.conf', content: '' },
    { path: 'hosts/node-01/kubeadm-join.yaml', content: '' },
    { path: 'kubernetes/platform.yaml', content: '' },
    { path: 'terraform/cdk.tf.json', content: '' },
  ],
};

describe('what deploy says before it runs', () => {
  it('says when the committed output is up to date', () => {
    expect(describeOutput(output, [], 'dist', 'environments/prod.yaml')).toEqual([
      'dist/prod is up to date with environments/prod.yaml',
    ]);
  });

  it('lists stale files like synth --check, at most ten, and says what deploy applies', () => {
    const differences = Array.from({ length: 12 }, (_, i) => ({
      path: `prod/hosts/h${i}/f`,
      kind: 'changed' as const,
    }));
    const lines = describeOutput(output, differences, 'dist', 'environments/prod.yaml');
    expect(lines[0]).toBe('changed dist/prod/hosts/h0/f');
    expect(lines).toContain('... and 2 more (`blueprint synth --check --out dist` lists them all)');
    expect(lines[lines.length - 1]).toMatch(
      /^warning: dist\/prod is stale: 12 files differ .* deploy applies the fresh synthesis/,
    );
  });

  it('says so in one line when there is no committed output at all', () => {
    const missing = output.files.map((file) => ({ path: `prod/${file.path}`, kind: 'missing' as const }));
    expect(describeOutput(output, missing, 'dist', 'environments/prod.yaml')).toEqual([
      'warning: dist/prod holds no committed output; deploy applies a fresh synthesis of environments/prod.yaml. Run `blueprint synth` and commit the result so that what is reviewed is what is deployed',
    ]);
  });

  it('names the host directories deploy does not push', () => {
    expect(hostsNote(output, 'dist')).toBe(
      'host files are not pushed by deploy: copy dist/prod/hosts/<host>/ to each of 2 machines (master-1, node-01) and restart the services there',
    );
  });

  it('numbers the steps across phases and shows each command, question and check', () => {
    const steps: Step[] = [
      {
        id: 'kubeconfig',
        phase: 'preflight',
        title: 'kubeconfig',
        kind: 'check',
        check: { type: 'kubeconfig', path: '/k', context: 'c' },
      },
      {
        id: 'terraform-init',
        phase: 'terraform',
        title: 'terraform init',
        kind: 'run',
        argv: ['terraform', 'init'],
      },
      { id: 'confirm', phase: 'kubernetes', title: 'confirm', kind: 'confirm', question: 'Apply?' },
    ];
    expect(describeSteps(steps)).toEqual([
      '',
      'preflight checks:',
      '   1. kubeconfig',
      '      reads /k',
      '',
      'Terraform:',
      '   2. terraform init',
      '      $ terraform init',
      '',
      'Kubernetes:',
      '   3. confirm',
      '      ? Apply? (--yes skips this question)',
      '',
    ]);
  });
});
