import { parse, parseAllDocuments } from 'yaml';
import { AUDIT_LOG_PATH, AUDIT_POLICY_PATH } from '../../../constructs/control-plane/audit-policy';
import { synthesizeEnvironment } from '../../../stacks/environment';
import { placeHostFile } from '../../../stacks/hosts/ansible';
import { loadRepoEnvironment } from '../../support/repo-environment';

// The test environment: three masters, three workers, a week of audit log (controlPlane.audit.log).
describe('the audit policy in the synthesized host files (test environment)', () => {
  const env = loadRepoEnvironment('test');
  const files = new Map(synthesizeEnvironment(env).files.map((file) => [file.path, file.content]));
  const masters = env.spec.controlPlane.masters.map((master) => master.name);

  it('writes the same audit-policy.yaml on every master and on no worker', () => {
    const policies = [...files.keys()].filter((key) => key.endsWith('/audit-policy.yaml')).sort();
    expect(policies).toEqual(masters.map((master) => `hosts/${master}/audit-policy.yaml`).sort());
    expect(new Set(policies.map((key) => files.get(key))).size).toBe(1);
    const policy = parse(files.get(policies[0] as string) as string);
    expect(policy).toMatchObject({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy' });
    expect(policy.rules[0]).toMatchObject({
      level: 'Metadata',
      resources: [
        { group: '', resources: ['secrets', 'configmaps', 'serviceaccounts/token'] },
        { group: 'authentication.k8s.io' },
      ],
    });
    expect(policy.rules.at(-1)).toEqual({ level: 'Metadata' });
  });

  it("hands kubeadm's ClusterConfiguration the policy, the log with the environment's rotation and the mounts", () => {
    const init = files.get(`hosts/${masters[0]}/kubeadm-init.yaml`) as string;
    const cluster = parseAllDocuments(init)
      .map((doc) => doc.toJS())
      .find((doc) => doc.kind === 'ClusterConfiguration');
    expect(cluster.apiServer.extraArgs).toMatchObject({
      'audit-policy-file': AUDIT_POLICY_PATH,
      'audit-log-path': AUDIT_LOG_PATH,
      'audit-log-maxage': '7',
      'audit-log-maxbackup': '5',
      'audit-log-maxsize': '100',
    });
    expect(
      cluster.apiServer.extraVolumes.map((v: { hostPath: string; readOnly: boolean }) => [
        v.hostPath,
        v.readOnly,
      ]),
    ).toEqual([
      ['/etc/kubernetes/audit', true],
      ['/var/log/kubernetes/audit', false],
    ]);
  });

  it('has the playbook install it on every master where the ClusterConfiguration says, and restart a running API server when it changed', () => {
    expect(placeHostFile('audit-policy.yaml', undefined, false)).toEqual({
      source: 'audit-policy.yaml',
      destination: AUDIT_POLICY_PATH,
    });
    const inventory = parse(files.get('ansible/inventory.yaml') as string);
    const hosts = inventory.all.children.masters.hosts as Record<
      string,
      { blueprint_files: { src: string; dest: string; mode: string }[] }
    >;
    for (const master of masters)
      expect(hosts[master]?.blueprint_files).toContainEqual({
        src: 'audit-policy.yaml',
        dest: AUDIT_POLICY_PATH,
        mode: '0644',
      });
    const playbook = parse(files.get('ansible/playbook.yaml') as string) as {
      tasks: { name: string; loop?: string; tags: string[] }[];
    }[];
    const restart = playbook[0]?.tasks.find((task) => task.name.startsWith('Restart kube-apiserver'));
    expect(restart?.loop).toContain("selectattr('src', 'equalto', 'audit-policy.yaml')");
    expect(restart?.tags).toEqual(['services']);
  });
});
