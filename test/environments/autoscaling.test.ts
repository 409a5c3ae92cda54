import { TempProject } from '../support/cli';

/** Applies `edits` to a fresh copy of prod.yaml and runs `blueprint synth --env prod`. */
async function synthProdWith(edits: readonly [string | RegExp, string][]) {
  const project = new TempProject();
  try {
    for (const [search, replacement] of edits) project.edit('environments/prod.yaml', search, replacement);
    return await project.run(['synth', '--env', 'prod', '--out', 'out']);
  } finally {
    project.dispose();
  }
}

// services[1] (map) and its one-line autoscaling block in prod.yaml.
const MAP = 'autoscaling: { minReplicas: 2, maxReplicas: 8 }';
const mapWith = (fields: string): [string, string] => [
  MAP,
  `autoscaling: { minReplicas: 2, maxReplicas: 8, ${fields} }`,
];
const P = 'environments/prod.yaml: services[1].autoscaling';
// services[0] (vehicle-control) has the launch-day schedules.
const WARMUP = "schedule: '@date 2026-12-08 09:00:00'";

describe('autoscaling validation (exit 2, file, path and value)', () => {
  it.each<[string, [string | RegExp, string][], string]>([
    [
      'HPA min greater than max',
      [[MAP, 'autoscaling: { minReplicas: 9, maxReplicas: 8 }']],
      `${P}.minReplicas: 9 is greater than maxReplicas (8)`,
    ],
    [
      'CPU utilization of 0',
      [mapWith('cpuUtilization: 0')],
      `${P}.cpuUtilization: 0 must be a percentage 1-100`,
    ],
    [
      'CPU utilization above 100',
      [mapWith('cpuUtilization: 150')],
      `${P}.cpuUtilization: 150 must be a percentage 1-100`,
    ],
    [
      'memory utilization above 100',
      [mapWith('memoryUtilization: 101')],
      `${P}.memoryUtilization: 101 must be a percentage 1-100`,
    ],
    [
      'a stabilization window above an hour',
      [mapWith('behavior: { scaleDown: { stabilizationWindowSeconds: 7200 } }')],
      `${P}.behavior.scaleDown.stabilizationWindowSeconds: 7200 must be 0-3600 seconds`,
    ],
    [
      'a policy period above 30 minutes',
      [mapWith('behavior: { scaleUp: { policies: [{ type: Pods, value: 2, periodSeconds: 3600 }] } }')],
      `${P}.behavior.scaleUp.policies[0].periodSeconds: 3600 must be 1-1800 seconds`,
    ],
    [
      'an unknown policy type',
      [mapWith('behavior: { scaleUp: { policies: [{ type: Nodes, value: 2, periodSeconds: 60 }] } }')],
      `${P}.behavior.scaleUp.policies[0].type: "Nodes" must be Pods or Percent`,
    ],
    [
      'an unknown select policy',
      [mapWith('behavior: { scaleDown: { selectPolicy: Fastest } }')],
      `${P}.behavior.scaleDown.selectPolicy: "Fastest" must be one of Max, Min, Disabled`,
    ],
    [
      'a five-field cron (no seconds)',
      [
        mapWith(
          "schedules: [{ name: peak, schedule: '0 8 * * *', targetSize: 4 }, { name: calm, schedule: '@daily', targetSize: 2 }]",
        ),
      ],
      `${P}.schedules[0].schedule: "0 8 * * *" is not a valid CronHPA schedule: it has 5 fields; expected 6`,
    ],
    [
      'a cron field out of range',
      [mapWith("schedules: [{ name: peak, schedule: '0 0 25 * * *', targetSize: 2 }]")],
      `${P}.schedules[0].schedule: "0 0 25 * * *" is not a valid CronHPA schedule: field 3 (hours): value 25 is outside 0-23`,
    ],
    [
      'an unknown month name',
      [mapWith("schedules: [{ name: peak, schedule: '0 0 8 1 SMARCH *', targetSize: 2 }]")],
      'field 5 (month): value "SMARCH" is not a number 1-12 or JAN-DEC',
    ],
    [
      'a date that never comes',
      [mapWith("schedules: [{ name: peak, schedule: '0 0 8 31 4 *', targetSize: 2 }]")],
      `${P}.schedules[0].schedule: "0 0 8 31 4 *" is not a valid CronHPA schedule: it never fires`,
    ],
    [
      'a bad @every interval',
      [mapWith("schedules: [{ name: peak, schedule: '@every 1 hour', targetSize: 2 }]")],
      'the interval "1 hour" is not a Go duration',
    ],
    [
      'a bad @date',
      [[WARMUP, "schedule: '@date 2026-13-08 09:00:00'"]],
      'environments/prod.yaml: services[0].autoscaling.schedules[0].schedule: "@date 2026-13-08 09:00:00" is not a valid CronHPA schedule: the date "2026-13-08 09:00:00" is not a real calendar time',
    ],
    [
      'an excluded date that is not six cron fields',
      [mapWith("schedules: [{ name: day, schedule: '@daily', targetSize: 2 }], excludeDates: ['25 12 *']")],
      `${P}.excludeDates[0]: "25 12 *" is not a valid excluded date: it has 3 fields`,
    ],
    [
      'excludeDates without schedules',
      [mapWith("excludeDates: ['* * * 25 12 *']")],
      `${P}.excludeDates: ["* * * 25 12 *"] is set without schedules`,
    ],
    [
      'a scheduled size above maxReplicas',
      [['targetSize: 10, runOnce: true', 'targetSize: 20, runOnce: true']],
      'environments/prod.yaml: services[0].autoscaling.schedules[0].targetSize: 20 is greater than maxReplicas (12)',
    ],
    [
      'repeated job names',
      [['name: launch-cooldown', 'name: launch-warmup']],
      'environments/prod.yaml: services[0].autoscaling.schedules[1].name: "launch-warmup" repeats the name of schedules[0]',
    ],
    [
      'a raised floor that nothing lowers again',
      [[/ {8}- \{ name: launch-cooldown.*\n/, '']],
      "environments/prod.yaml: services[0].autoscaling.schedules[0].targetSize: 10 raises the HPA's floor above minReplicas (3) and no job lowers it again",
    ],
    [
      'a scheduled size of 0',
      [['targetSize: 3, runOnce: true', 'targetSize: 0, runOnce: true']],
      'environments/prod.yaml: services[0].autoscaling.schedules[1].targetSize: 0 must be at least 1',
    ],
    [
      'a service on a pool that does not exist',
      [[MAP, `${MAP}\n    pool: gpu`]],
      'environments/prod.yaml: services[1].pool: "gpu" is not one of nodePools[].name (general, general-b, database, gateway)',
    ],
  ])('rejects %s', async (_name, edits, expected) => {
    const result = await synthProdWith(edits);
    expect(result.stderr).toContain(expected);
    expect(result.stderr).toMatch(/\(line \d+\)/);
    expect(result.stderr).not.toContain('    at ');
    expect(result.code).toBe(2);
  });

  it('accepts behavior overrides, schedules with names of days and excluded dates', async () => {
    const result = await synthProdWith([
      mapWith(
        "behavior: { scaleDown: { stabilizationWindowSeconds: 600, policies: [{ type: Pods, value: 1, periodSeconds: 120 }] } }, schedules: [{ name: weekday-peak, schedule: '0 30 7 * * MON-FRI', targetSize: 6 }, { name: evening, schedule: '0 0 21 * * *', targetSize: 2 }], excludeDates: ['* * * 1 10 *']",
      ),
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});
