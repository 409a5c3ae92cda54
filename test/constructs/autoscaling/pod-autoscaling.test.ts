import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { PodAutoscaling, type PodAutoscalingProps } from '../../../constructs/autoscaling/pod-autoscaling';
import { DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP } from '../../../constructs/autoscaling/scaling-behavior';
import { validateAgainstCrd } from '../../support/crd-schema';
import { validateKubernetesObjects } from '../data/kubernetes-schema';

type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  // biome-ignore lint/suspicious/noExplicitAny: synthesized manifests are untyped JSON
  spec: Record<string, any>;
};

function setup() {
  const app = new App();
  const chart = new Chart(app, 'test', { disableResourceNameHashes: true });
  const deployment = new kplus.Deployment(chart, 'api', {
    metadata: { name: 'order-api', namespace: 'commerce' },
    containers: [
      { image: 'registry.example/order-api:1.4.2', resources: { cpu: { request: kplus.Cpu.millis(200) } } },
    ],
  });
  return { app, chart, deployment };
}

function synth(props: Omit<PodAutoscalingProps, 'target'>) {
  const { app, chart, deployment } = setup();
  const autoscaling = new PodAutoscaling(chart, 'autoscaling', { target: deployment, ...props });
  const errors = app.node.findAll().flatMap((c) => c.node.validate());
  const docs = chart.toJson() as Manifest[];
  const find = (kind: string) => docs.filter((doc) => doc.kind === kind);
  return { errors, docs, find, autoscaling };
}

describe('PodAutoscaling', () => {
  it('emits an autoscaling/v2 HPA in the target namespace, targeting the Deployment, which leaves replicas unset', () => {
    const { errors, find } = synth({
      minReplicas: 3,
      maxReplicas: 12,
      cpuUtilization: 60,
      memoryUtilization: 80,
    });
    expect(errors).toEqual([]);
    const [hpa] = find('HorizontalPodAutoscaler');
    const [deployment] = find('Deployment');
    expect(hpa?.apiVersion).toBe('autoscaling/v2');
    expect(hpa?.metadata).toEqual({ name: 'order-api', namespace: 'commerce' });
    expect(hpa?.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'order-api',
    });
    expect(deployment?.metadata.namespace).toBe('commerce');
    expect(deployment?.spec).not.toHaveProperty('replicas');
    expect(hpa?.spec.minReplicas).toBe(3);
    expect(hpa?.spec.maxReplicas).toBe(12);
    expect(hpa?.spec.metrics).toEqual([
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } },
      },
      {
        type: 'Resource',
        resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } },
      },
    ]);
  });

  it('emits an HPA that the Kubernetes OpenAPI schema of autoscaling/v2 accepts', () => {
    const { find } = synth({
      minReplicas: 2,
      maxReplicas: 9,
      memoryUtilization: 75,
      behavior: {
        scaleUp: { selectPolicy: 'Min', policies: [{ type: 'Pods', value: 2, periodSeconds: 30 }] },
      },
    });
    expect(validateKubernetesObjects(find('HorizontalPodAutoscaler'))).toEqual([[]]);
  });

  it('targets CPU at 70 % when no utilization is given, and only memory when only memory is given', () => {
    expect(
      synth({ minReplicas: 1, maxReplicas: 2 }).find('HorizontalPodAutoscaler')[0]?.spec.metrics,
    ).toEqual([
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
      },
    ]);
    const memoryOnly = synth({ minReplicas: 1, maxReplicas: 2, memoryUtilization: 75 });
    expect(
      memoryOnly
        .find('HorizontalPodAutoscaler')[0]
        ?.spec.metrics.map((m: { resource: { name: string } }) => m.resource.name),
    ).toEqual(['memory']);
  });

  it('writes the default behavior out explicitly: fast scale-up, slow scale-down that still moves small services', () => {
    const behavior = synth({ minReplicas: 2, maxReplicas: 6 }).find('HorizontalPodAutoscaler')[0]?.spec
      .behavior;
    expect(behavior.scaleUp).toEqual({
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      policies: [
        { type: 'Percent', value: 100, periodSeconds: 15 },
        { type: 'Pods', value: 4, periodSeconds: 15 },
      ],
    });
    expect(behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
    // With 2 replicas, 10 % is less than one pod; the one-pod policy and Max keep scale-down possible.
    expect(behavior.scaleDown.selectPolicy).toBe('Max');
    expect(behavior.scaleDown.policies).toContainEqual({ type: 'Pods', value: 1, periodSeconds: 60 });
    expect(DEFAULT_SCALE_UP.policies.length + DEFAULT_SCALE_DOWN.policies.length).toBe(4);
  });

  it('applies per-direction overrides and keeps the defaults of what is not overridden', () => {
    const behavior = synth({
      minReplicas: 2,
      maxReplicas: 6,
      behavior: {
        scaleDown: {
          stabilizationWindowSeconds: 600,
          policies: [{ type: 'Pods', value: 2, periodSeconds: 120 }],
        },
        scaleUp: { selectPolicy: 'Min' },
      },
    }).find('HorizontalPodAutoscaler')[0]?.spec.behavior;
    expect(behavior.scaleDown).toEqual({
      stabilizationWindowSeconds: 600,
      selectPolicy: 'Max',
      policies: [{ type: 'Pods', value: 2, periodSeconds: 120 }],
    });
    expect(behavior.scaleUp.selectPolicy).toBe('Min');
    expect(behavior.scaleUp.policies).toHaveLength(2);
    expect(behavior.scaleUp.stabilizationWindowSeconds).toBe(0);
  });

  it('disables scale-down when asked', () => {
    const behavior = synth({
      minReplicas: 2,
      maxReplicas: 6,
      behavior: { scaleDown: { selectPolicy: 'Disabled' } },
    }).find('HorizontalPodAutoscaler')[0]?.spec.behavior;
    expect(behavior.scaleDown.selectPolicy).toBe('Disabled');
  });

  it('emits no CronHPA without schedules', () => {
    const { find, autoscaling } = synth({ minReplicas: 1, maxReplicas: 3 });
    expect(find('CronHorizontalPodAutoscaler')).toEqual([]);
    expect(autoscaling.scheduledScaler).toBeUndefined();
  });

  it('emits a CronHPA that targets the HPA (never the Deployment) and validates against its CRD', () => {
    const { find, errors } = synth({
      minReplicas: 2,
      maxReplicas: 20,
      schedules: [
        { name: 'launch-peak', schedule: '@date 2026-11-27 07:30:00', targetSize: 16, runOnce: true },
        { name: 'after-launch', schedule: '0 0 23 27 11 *', targetSize: 2 },
      ],
      excludeDates: ['* * * 25 12 *'],
    });
    expect(errors).toEqual([]);
    const [cron] = find('CronHorizontalPodAutoscaler');
    const [hpa] = find('HorizontalPodAutoscaler');
    expect(cron?.apiVersion).toBe('autoscaling.alibabacloud.com/v1beta1');
    expect(cron?.metadata).toEqual({ name: 'order-api', namespace: 'commerce' });
    expect(cron?.spec.scaleTargetRef).toEqual({
      apiVersion: hpa?.apiVersion,
      kind: 'HorizontalPodAutoscaler',
      name: hpa?.metadata.name,
    });
    expect(cron?.spec.scaleTargetRef.kind).not.toBe('Deployment');
    expect(cron?.spec.jobs).toEqual([
      { name: 'launch-peak', schedule: '@date 2026-11-27 07:30:00', targetSize: 16, runOnce: true },
      { name: 'after-launch', schedule: '0 0 23 27 11 *', targetSize: 2, runOnce: false },
    ]);
    expect(cron?.spec.excludeDates).toEqual(['* * * 25 12 *']);
    expect(validateAgainstCrd(cron as Manifest)).toEqual([]);
  });

  it('fails synthesis when the Deployment was given a fixed replica count', () => {
    const app = new App();
    const chart = new Chart(app, 'test', { disableResourceNameHashes: true });
    const deployment = new kplus.Deployment(chart, 'api', {
      replicas: 3,
      containers: [{ image: 'x:1', resources: { cpu: { request: kplus.Cpu.millis(100) } } }],
    });
    new PodAutoscaling(chart, 'autoscaling', { target: deployment, minReplicas: 1, maxReplicas: 4 });
    const errors = app.node.findAll().flatMap((c) => c.node.validate());
    expect(errors.join('\n')).toContain('cannot have a fixed number of replicas (3)');
  });

  it.each<[string, Omit<PodAutoscalingProps, 'target'>, string]>([
    ['min > max', { minReplicas: 5, maxReplicas: 3 }, "'minReplicas' (5) must be <= 'maxReplicas' (3)"],
    ['min < 1', { minReplicas: 0, maxReplicas: 3 }, "'minReplicas' (0) must be a whole number >= 1"],
    [
      'cpu 0',
      { minReplicas: 1, maxReplicas: 3, cpuUtilization: 0 },
      "'cpuUtilization' (0) must be a whole percentage 1-100",
    ],
    [
      'memory 101',
      { minReplicas: 1, maxReplicas: 3, memoryUtilization: 101 },
      "'memoryUtilization' (101) must be a whole percentage 1-100",
    ],
    [
      'window 4000',
      { minReplicas: 1, maxReplicas: 3, behavior: { scaleDown: { stabilizationWindowSeconds: 4000 } } },
      "'scaleDown.stabilizationWindowSeconds' (4000) must be a whole number 0-3600",
    ],
    [
      'period 0',
      {
        minReplicas: 1,
        maxReplicas: 3,
        behavior: { scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 0 }] } },
      },
      "'scaleUp.policies[0].periodSeconds' (0) must be a whole number 1-1800",
    ],
    [
      'no policies',
      { minReplicas: 1, maxReplicas: 3, behavior: { scaleUp: { policies: [] } } },
      "'scaleUp.policies' is empty",
    ],
    [
      'bad schedule',
      { minReplicas: 1, maxReplicas: 3, schedules: [{ name: 'x', schedule: '0 8 * * *', targetSize: 2 }] },
      '"0 8 * * *" is not a valid CronHPA schedule: it has 5 fields',
    ],
    [
      'targetSize above max',
      { minReplicas: 1, maxReplicas: 3, schedules: [{ name: 'peak', schedule: '@daily', targetSize: 4 }] },
      "job 'peak': 'targetSize' (4) must be <= the HPA's 'maxReplicas' (3)",
    ],
    [
      'excludeDates alone',
      { minReplicas: 1, maxReplicas: 3, excludeDates: ['* * * 25 12 *'] },
      "'excludeDates' (1) given without 'schedules'",
    ],
  ])('rejects %s with the values in the message', (_name, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});
