import { App, Chart, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { ScheduledScaler } from '../../../constructs/autoscaling/scheduled-scaler';
import { validateAgainstCrd } from '../../support/crd-schema';

function hpaIn(namespace: string) {
  const app = new App();
  const chart = new Chart(app, 'test', { disableResourceNameHashes: true });
  const workload = new kplus.StatefulSet(chart, 'db', {
    metadata: { name: 'ledger', namespace },
    containers: [
      {
        image: 'ledger:2.0.1',
        ports: [{ number: 7000 }],
        resources: { memory: { request: Size.gibibytes(1) } },
      },
    ],
  });
  const hpa = new kplus.HorizontalPodAutoscaler(chart, 'hpa', {
    metadata: { name: 'ledger', namespace },
    target: workload,
    minReplicas: 2,
    maxReplicas: 8,
    metrics: [kplus.Metric.resourceMemory(kplus.MetricTarget.averageUtilization(80))],
  });
  return { chart, hpa };
}

describe('ScheduledScaler', () => {
  it('renders a CronHPA in the HPA namespace, valid against the CRD, with jobs added later included', () => {
    const { chart, hpa } = hpaIn('data');
    const scaler = new ScheduledScaler(chart, 'cron', {
      hpa,
      jobs: [{ name: 'office-hours', schedule: '0 0 8 * * MON-FRI', targetSize: 4 }],
    });
    scaler.addJob({ name: 'night', schedule: '0 0 20 * * MON-FRI', targetSize: 2 });
    scaler.addExcludeDate('* * * 1 1 *');
    const cron = chart.toJson().find((doc: { kind: string }) => doc.kind === 'CronHorizontalPodAutoscaler');
    expect(cron.metadata).toEqual({ name: 'ledger', namespace: 'data' });
    expect(cron.spec.scaleTargetRef).toEqual({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      name: 'ledger',
    });
    expect(cron.spec.jobs.map((job: { name: string }) => job.name)).toEqual(['office-hours', 'night']);
    expect(cron.spec.excludeDates).toEqual(['* * * 1 1 *']);
    expect(validateAgainstCrd(cron)).toEqual([]);
  });

  it('omits excludeDates when there are none', () => {
    const { chart, hpa } = hpaIn('data');
    new ScheduledScaler(chart, 'cron', {
      hpa,
      jobs: [{ name: 'a', schedule: '@daily', targetSize: 2 }],
      name: 'ledger-peaks',
    });
    const cron = chart.toJson().find((doc: { kind: string }) => doc.kind === 'CronHorizontalPodAutoscaler');
    expect(cron.spec).not.toHaveProperty('excludeDates');
    expect(cron.metadata.name).toBe('ledger-peaks');
  });

  it('rejects empty jobs, repeated names, sizes below 1 and bad excluded dates', () => {
    const { chart, hpa } = hpaIn('data');
    expect(() => new ScheduledScaler(chart, 'none', { hpa, jobs: [] })).toThrow(
      "'jobs' of ScheduledScaler 'none' is empty",
    );
    const scaler = new ScheduledScaler(chart, 'ok', {
      hpa,
      jobs: [{ name: 'a', schedule: '@daily', targetSize: 2 }],
    });
    expect(() => scaler.addJob({ name: 'a', schedule: '@hourly', targetSize: 2 })).toThrow(
      "job name 'a' is used twice",
    );
    expect(() => scaler.addJob({ name: 'b', schedule: '@hourly', targetSize: 0 })).toThrow(
      "job 'b': 'targetSize' (0)",
    );
    expect(() => scaler.addExcludeDate('@daily')).toThrow(
      'excludeDates "@daily" is not a valid cron expression',
    );
  });
});
