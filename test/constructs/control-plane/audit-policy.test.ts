import { parse } from 'yaml';
import {
  AUDIT_LOG_PATH,
  AUDIT_POLICY_PATH,
  AuditPolicy,
  type AuditPolicyProps,
  BUILT_IN_AUDIT_RULES,
  isSensitiveResource,
} from '../../../constructs/control-plane/audit-policy';
import { ValidationError } from '../../../constructs/core/validation-error';
import { ClusterConfiguration } from '../../../constructs/kubeadm/cluster-configuration';

const PROPS: AuditPolicyProps = {
  rules: [{ level: 'RequestResponse', resources: [{ group: 'rbac.authorization.k8s.io' }] }],
  defaultLevel: 'Metadata',
  omitStages: ['RequestReceived'],
  log: { maxAgeDays: 30, maxBackups: 10, maxSizeMegabytes: 100 },
};

describe('AuditPolicy', () => {
  it('renders an audit.k8s.io/v1 Policy: credentials at Metadata first, system reads at None, the rules, a catch-all last', () => {
    const policy = parse(new AuditPolicy(PROPS).render('prod'));
    expect(policy).toMatchObject({
      apiVersion: 'audit.k8s.io/v1',
      kind: 'Policy',
      omitStages: ['RequestReceived'],
    });
    const rules = policy.rules as Record<string, unknown>[];
    expect(rules[0]).toEqual({
      level: 'Metadata',
      resources: [
        { group: '', resources: ['secrets', 'configmaps', 'serviceaccounts/token'] },
        { group: 'authentication.k8s.io', resources: ['tokenreviews'] },
      ],
    });
    expect(rules.slice(1, BUILT_IN_AUDIT_RULES.length).every((rule) => rule.level === 'None')).toBe(true);
    expect(rules[1]).toMatchObject({
      verbs: ['get', 'list', 'watch'],
      users: expect.arrayContaining(['system:kube-scheduler']),
    });
    expect(rules[2]).toMatchObject({
      verbs: ['get', 'list', 'watch'],
      userGroups: ['system:nodes', 'system:serviceaccounts:kube-system'],
    });
    expect(rules[BUILT_IN_AUDIT_RULES.length]).toEqual({
      level: 'RequestResponse',
      resources: [{ group: 'rbac.authorization.k8s.io' }],
    });
    expect(rules.at(-1)).toEqual({ level: 'Metadata' });
    expect(rules).toHaveLength(BUILT_IN_AUDIT_RULES.length + 2);
  });

  it('never excludes a read-only system request before the credentials rule, nor writes of users', () => {
    for (const rule of BUILT_IN_AUDIT_RULES.slice(1)) {
      expect(rule.level).toBe('None');
      if (rule.nonResourceURLs) continue;
      expect(rule.users ?? rule.userGroups).toBeDefined();
      for (const user of [...(rule.users ?? []), ...(rule.userGroups ?? [])])
        expect(user).toMatch(/^system:/);
      expect(rule.verbs).toBeDefined();
      if (rule.resources === undefined) expect(rule.verbs).toEqual(['get', 'list', 'watch']);
      else expect(rule.resources).toEqual([{ group: 'coordination.k8s.io', resources: ['leases'] }]);
    }
  });

  it('gives kube-apiserver the policy, the log and its rotation; mounts the two directories', () => {
    const audit = new AuditPolicy({ ...PROPS, log: { maxAgeDays: 7, maxBackups: 3, maxSizeMegabytes: 50 } });
    expect(audit.apiServerArgs()).toEqual({
      'audit-policy-file': AUDIT_POLICY_PATH,
      'audit-log-path': AUDIT_LOG_PATH,
      'audit-log-format': 'json',
      'audit-log-maxage': '7',
      'audit-log-maxbackup': '3',
      'audit-log-maxsize': '50',
    });
    expect(audit.apiServerArgs({ policyFile: '/w/p.yaml', logFile: '/w/a.log' })).toMatchObject({
      'audit-policy-file': '/w/p.yaml',
      'audit-log-path': '/w/a.log',
    });
    expect(audit.apiServerVolumes()).toEqual([
      {
        name: 'audit-policy',
        hostPath: '/etc/kubernetes/audit',
        mountPath: '/etc/kubernetes/audit',
        readOnly: true,
        pathType: 'DirectoryOrCreate',
      },
      {
        name: 'audit-log',
        hostPath: '/var/log/kubernetes/audit',
        mountPath: '/var/log/kubernetes/audit',
        readOnly: false,
        pathType: 'DirectoryOrCreate',
      },
    ]);
  });

  it.each([
    [{ ...PROPS, defaultLevel: 'Verbose' as never }, /'defaultLevel' \("Verbose"\) must be None, Metadata/],
    [{ ...PROPS, omitStages: ['Started' as never] }, /'omitStages' \("Started"\) must be RequestReceived/],
    [
      { ...PROPS, rules: [{ level: 'None' as const }] },
      /'rules\[0\]'.resources \(\[\]\) must be at least one API group/,
    ],
    [
      {
        ...PROPS,
        rules: [{ level: 'Request' as const, resources: [{ group: '', resources: ['secrets'] }] }],
      },
      /'rules\[0\]' resource \("secrets"\) must be left out of a Request rule: it is always audited at Metadata/,
    ],
    [
      { ...PROPS, log: { ...PROPS.log, maxBackups: 0 } },
      /'log.maxBackups' \(0\) must be a whole number >= 1/,
    ],
  ])('refuses bad props with a ValidationError naming the value (%#)', (props, message) => {
    expect(() => new AuditPolicy(props)).toThrow(ValidationError);
    expect(() => new AuditPolicy(props)).toThrow(message);
  });

  it('knows the sensitive resources by name only', () => {
    expect(isSensitiveResource('', 'secrets')).toBe(true);
    expect(isSensitiveResource('', 'serviceaccounts/token')).toBe(true);
    expect(isSensitiveResource('authentication.k8s.io', 'tokenreviews')).toBe(true);
    expect(isSensitiveResource('', 'serviceaccounts')).toBe(false);
    expect(isSensitiveResource('apps', 'secrets')).toBe(false);
  });
});

describe('ClusterConfiguration with the audit policy', () => {
  const audit = new AuditPolicy(PROPS);
  const cluster = (kubernetesVersion: string) =>
    new ClusterConfiguration({
      kubernetesVersion,
      controlPlaneEndpoint: '10.0.0.10:8443',
      certSANs: [],
      apiServerExtraArgs: audit.apiServerArgs(),
      apiServerExtraVolumes: audit.apiServerVolumes(),
    }).toJson() as { apiServer: { extraArgs: unknown; extraVolumes: unknown } };

  it('v1beta3 (before 1.31): extraArgs is a map, extraVolumes the two host paths', () => {
    const { apiServer } = cluster('1.28.15');
    expect(apiServer.extraArgs).toEqual({
      'audit-log-format': 'json',
      'audit-log-maxage': '30',
      'audit-log-maxbackup': '10',
      'audit-log-maxsize': '100',
      'audit-log-path': AUDIT_LOG_PATH,
      'audit-policy-file': AUDIT_POLICY_PATH,
      'shutdown-delay-duration': '5s',
    });
    expect(apiServer.extraVolumes).toEqual(audit.apiServerVolumes());
  });

  it('v1beta4 (from 1.31): extraArgs is a list of name/value pairs, sorted', () => {
    const { apiServer } = cluster('1.31.2');
    expect(apiServer.extraArgs).toEqual([
      { name: 'audit-log-format', value: 'json' },
      { name: 'audit-log-maxage', value: '30' },
      { name: 'audit-log-maxbackup', value: '10' },
      { name: 'audit-log-maxsize', value: '100' },
      { name: 'audit-log-path', value: AUDIT_LOG_PATH },
      { name: 'audit-policy-file', value: AUDIT_POLICY_PATH },
      { name: 'shutdown-delay-duration', value: '5s' },
    ]);
    expect(apiServer.extraVolumes).toEqual(audit.apiServerVolumes());
  });

  it('refuses a flag it sets itself, a flag with dashes, and a volume named twice', () => {
    const base = { kubernetesVersion: '1.28.15', controlPlaneEndpoint: 'a:1', certSANs: [] };
    expect(
      () => new ClusterConfiguration({ ...base, apiServerExtraArgs: { 'shutdown-delay-duration': '1s' } }),
    ).toThrow(/names "shutdown-delay-duration"/);
    expect(() => new ClusterConfiguration({ ...base, apiServerExtraArgs: { '--v': '2' } })).toThrow(
      /names "--v"/,
    );
    const [volume] = audit.apiServerVolumes();
    expect(
      () =>
        new ClusterConfiguration({
          ...base,
          apiServerExtraVolumes: [volume as never, volume as never],
        }),
    ).toThrow(/names the volume "audit-policy" twice/);
  });
});
