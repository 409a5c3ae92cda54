import { Chart, Testing } from 'cdk8s';
import { PlatformAlerts, type PlatformAlertsProps } from '../../../constructs/observability/platform-alerts';
import { alertThresholds } from '../../../environments/schema/observability';
import { promqlProblems } from '../../../stacks/policy/promql';
import { validateAgainstCrd } from '../../support/crd-schema';

const FULL: PlatformAlertsProps = {
  namespace: 'monitoring',
  environment: 'prod',
  labels: { release: 'kube-prometheus-stack' },
  apiServerVip: { job: 'apiserver-vip', endpoint: '10.20.0.10:8443' },
  databases: [
    { namespace: 'data', name: 'users-db' },
    { namespace: 'data', name: 'points-db' },
  ],
  gateway: { job: 'gateway-public', name: 'gateway/public' },
  thresholds: alertThresholds.parse({}),
  controlPlane: { apiServerJob: 'apiserver', etcdJob: 'etcd', etcdMembers: 3 },
};

function render(props: PlatformAlertsProps) {
  const chart = new Chart(Testing.app(), 'test');
  const alerts = new PlatformAlerts(chart, 'alerts', props);
  // biome-ignore lint/suspicious/noExplicitAny: manifests are plain JSON
  return { alerts, manifests: Testing.synth(chart) as Record<string, any>[] };
}

describe('PlatformAlerts', () => {
  it('holds the alerts the platform needs, one per failure of the issue', () => {
    const { alerts } = render(FULL);
    expect(alerts.rules.map((rule) => rule.alert)).toEqual([
      'ApiServerUnreachableThroughVip',
      'ControlPlaneNodeNotReady',
      'NodeNotReady',
      'NodeFilesystemAlmostFull',
      'NodeFilesystemFillingUp',
      'NodeMemoryLow',
      'NodeClockSkew',
      'NodeClockNotSynchronising',
      'ApiServerDown',
      'ApiServerHighLatency',
      'ApiServerHighErrorRatio',
      'EtcdMemberDown',
      'EtcdInsufficientMembers',
      'EtcdNoLeader',
      'EtcdFrequentLeaderChanges',
      'EtcdDatabaseNearQuota',
      'EtcdHighFsyncLatency',
      'EtcdHighCommitLatency',
      'KubeadmCertificateExpiresSoon',
      'EtcdBackupTooOld',
      'EtcdBackupFailed',
      'PodCrashLooping',
      'HpaAtMaximum',
      'ShardReplicaDown',
      'ShardReplicaMissing',
      'GatewayHigh5xxRatio',
    ]);
  });

  it('writes PromQL that Prometheus parses, for every alert', () => {
    const { alerts } = render(FULL);
    for (const rule of alerts.rules)
      expect([rule.alert, promqlProblems(rule.expr)]).toEqual([rule.alert, []]);
  });

  it('is a valid PrometheusRule for the operator CRD, labelled for the rule selector', () => {
    const { manifests } = render(FULL);
    expect(manifests).toHaveLength(1);
    const [rule] = manifests;
    expect(validateAgainstCrd(rule as { apiVersion: string; kind: string })).toEqual([]);
    expect(rule?.metadata).toMatchObject({
      name: 'platform-blueprint',
      namespace: 'monitoring',
      labels: { release: 'kube-prometheus-stack' },
    });
    for (const group of rule?.spec.groups ?? [])
      for (const alert of group.rules) expect(alert.labels).toMatchObject({ environment: 'prod' });
  });

  it('watches the VIP job, HPAs for the configured time, and the named databases', () => {
    const { alerts } = render({ ...FULL, hpaMaxedFor: '20m' });
    const byName = Object.fromEntries(alerts.rules.map((rule) => [rule.alert, rule]));
    expect(byName.ApiServerUnreachableThroughVip?.expr).toBe(
      'up{job="apiserver-vip"} == 0 or absent(up{job="apiserver-vip"})',
    );
    expect(byName.HpaAtMaximum?.for).toBe('20m');
    expect(byName.PodCrashLooping?.for).toBe('15m');
    expect(byName.ShardReplicaDown?.expr).toContain('platform_blueprint_io_database=~"points-db|users-db"');
    expect(byName.GatewayHigh5xxRatio?.expr).toMatch(/> 0\.05$/);
  });

  it("leaves Envoy Gateway's own stats and readiness listeners out of the gateway 5xx ratio", () => {
    const { alerts } = render(FULL);
    const expr = alerts.rules.find((rule) => rule.alert === 'GatewayHigh5xxRatio')?.expr ?? '';
    const selectors = expr.match(/\{[^}]*\}/g) ?? [];
    expect(selectors).toHaveLength(2);
    for (const selector of selectors)
      expect(selector).toContain('envoy_http_conn_manager_prefix!~"eg-stats-http|eg-ready-http"');
    expect(expr).not.toContain('"admin"');
    expect(promqlProblems(expr)).toEqual([]);
  });

  it('leaves out the alerts of parts the environment does not have', () => {
    const { alerts } = render({ namespace: 'monitoring', environment: 'cloud', thresholds: FULL.thresholds });
    expect(alerts.rules.map((rule) => rule.alert)).toEqual([
      'ControlPlaneNodeNotReady',
      'NodeNotReady',
      'NodeFilesystemAlmostFull',
      'NodeFilesystemFillingUp',
      'NodeMemoryLow',
      'NodeClockSkew',
      'NodeClockNotSynchronising',
      'PodCrashLooping',
      'HpaAtMaximum',
    ]);
  });

  it('writes the thresholds it is given into the expressions, and the quorum of the members', () => {
    const thresholds = {
      ...FULL.thresholds,
      nodeFilesystemFreeRatio: 0.2,
      nodeFilesystemFillsWithin: '12h',
      etcdDatabaseQuotaRatio: 0.7,
      certificateExpiresWithin: '14d',
      etcdBackupMaxAge: '2h',
    };
    const { alerts } = render({
      ...FULL,
      thresholds,
      controlPlane: { apiServerJob: 'apiserver', etcdJob: 'etcd', etcdMembers: 5 },
    });
    const byName = Object.fromEntries(alerts.rules.map((rule) => [rule.alert, rule]));
    expect(byName.NodeFilesystemAlmostFull?.expr).toContain('< 0.2 and');
    expect(byName.NodeFilesystemFillingUp?.expr).toContain('[6h], 43200) < 0');
    expect(byName.EtcdDatabaseNearQuota?.expr).toMatch(/> 0\.7$/);
    expect(byName.EtcdInsufficientMembers?.expr).toBe('(count(up{job="etcd"} == 1) or vector(0)) < 3');
    expect(byName.KubeadmCertificateExpiresSoon?.expr).toMatch(/< 1209600$/);
    expect(byName.EtcdBackupTooOld?.expr).toContain('> 7200 or absent_over_time(');
    expect(byName.EtcdBackupTooOld?.expr).toContain('[2h])');
    expect(byName.ApiServerHighLatency?.expr).toContain('verb!~"WATCH|CONNECT"');
    for (const rule of alerts.rules)
      expect([rule.alert, promqlProblems(rule.expr)]).toEqual([rule.alert, []]);
  });

  it('refuses bad durations and ratios, naming the value', () => {
    expect(() => render({ ...FULL, crashLoopFor: '15 minutes' })).toThrow(
      `PlatformAlerts: 'crashLoopFor' ("15 minutes") must be a Prometheus duration such as 5m`,
    );
    expect(() => render({ ...FULL, gateway5xxRatio: 5 })).toThrow(
      "PlatformAlerts: 'gateway5xxRatio' (5) must be between 0 and 1",
    );
    expect(() =>
      render({ ...FULL, thresholds: { ...FULL.thresholds, nodeMemoryAvailableRatio: 1.5 } }),
    ).toThrow("PlatformAlerts: 'nodeMemoryAvailableRatio' (1.5) must be between 0 and 1");
    expect(() => render({ ...FULL, thresholds: { ...FULL.thresholds, etcdBackupMaxAge: 'a day' } })).toThrow(
      `PlatformAlerts: 'etcdBackupMaxAge' ("a day") must be a Prometheus duration such as 5m`,
    );
    expect(() =>
      render({ ...FULL, thresholds: { ...FULL.thresholds, etcdLeaderChangesPerHour: 0.5 } }),
    ).toThrow("PlatformAlerts: 'etcdLeaderChangesPerHour' (0.5) must be a whole number of at least 1");
  });
});

describe('promqlProblems', () => {
  it('reports where an expression does not parse', () => {
    expect(promqlProblems('sum(rate(x[5m])')).not.toEqual([]);
    expect(promqlProblems('up ==')).not.toEqual([]);
    expect(promqlProblems('')).toEqual(['the expression is empty']);
    expect(promqlProblems('sum by (job) (rate(http_requests_total[5m])) > 1')).toEqual([]);
  });
});
