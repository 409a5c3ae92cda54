import { parseAllDocuments } from 'yaml';
import { Project } from '../../../cli/project';
import { synthesizeEnvironment } from '../../../stacks/environment';
import { REPO_ROOT } from '../../support/cli';
import { validateAgainstCrd } from '../../support/crd-schema';

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  // biome-ignore lint/suspicious/noExplicitAny: synthesized manifests are untyped JSON
  spec?: any;
}

const project = new Project(REPO_ROOT);
const names = project.environmentNames();
const environments = project.loadEnvironments(names).map((env) => {
  const manifests = synthesizeEnvironment(env)
    .files.filter((file) => file.path.startsWith('kubernetes/'))
    .flatMap((file) => parseAllDocuments(file.content).map((doc) => doc.toJS() as Manifest))
    .filter((doc) => doc !== null);
  return { env, manifests };
});

const ref = (doc: Manifest) => `${doc.kind} ${doc.metadata.namespace}/${doc.metadata.name}`;

describe.each(environments)('autoscalers of $env.name', ({ env, manifests }) => {
  const hpas = manifests.filter((doc) => doc.kind === 'HorizontalPodAutoscaler');
  const crons = manifests.filter((doc) => doc.kind === 'CronHorizontalPodAutoscaler');

  it('has one autoscaling/v2 HPA per autoscaled service and per gray lane of one, with explicit behavior', () => {
    const autoscaled = env.spec.services.filter((service) => service.autoscaling);
    expect(hpas.map((hpa) => `${hpa.metadata.namespace}/${hpa.metadata.name}`).sort()).toEqual(
      autoscaled
        .flatMap((service) => [
          `${service.namespace}/${service.name}`,
          ...(service.gray ? [`${service.namespace}/${service.name}-${service.gray.lane}`] : []),
        ])
        .sort(),
    );
    // A gray lane scales like its stable twin, between gray.replicas and gray.maxReplicas.
    for (const service of autoscaled.filter((s) => s.gray)) {
      const gray = hpas.find((hpa) => hpa.metadata.name === `${service.name}-${service.gray?.lane}`);
      const stable = hpas.find((hpa) => hpa.metadata.name === service.name);
      expect(gray?.spec.minReplicas).toBe(service.gray?.replicas);
      expect(gray?.spec.maxReplicas).toBe(service.gray?.maxReplicas ?? service.autoscaling?.maxReplicas);
      expect(gray?.spec.metrics).toEqual(stable?.spec.metrics);
      expect(gray?.spec.behavior).toEqual(stable?.spec.behavior);
    }
    for (const hpa of hpas) {
      expect(hpa.apiVersion).toBe('autoscaling/v2');
      expect(hpa.spec.behavior.scaleUp.policies.length).toBeGreaterThan(0);
      expect(hpa.spec.behavior.scaleDown.policies.length).toBeGreaterThan(0);
      expect(hpa.spec.minReplicas).toBeLessThanOrEqual(hpa.spec.maxReplicas);
    }
  });

  it('points every HPA at a workload in its own namespace that leaves spec.replicas unset', () => {
    for (const hpa of hpas) {
      const target = hpa.spec.scaleTargetRef;
      const workloads = manifests.filter(
        (doc) =>
          doc.kind === target.kind &&
          doc.apiVersion === target.apiVersion &&
          doc.metadata.name === target.name &&
          doc.metadata.namespace === hpa.metadata.namespace,
      );
      expect({ hpa: ref(hpa), found: workloads.length }).toEqual({ hpa: ref(hpa), found: 1 });
      expect(workloads[0]?.spec).not.toHaveProperty('replicas');
    }
  });

  it('points every CronHPA at an HPA in its own namespace (never at the workload) and matches the CRD', () => {
    for (const cron of crons) {
      const target = cron.spec.scaleTargetRef;
      expect(target.kind).toBe('HorizontalPodAutoscaler');
      const hpa = hpas.find(
        (candidate) =>
          candidate.apiVersion === target.apiVersion &&
          candidate.metadata.name === target.name &&
          candidate.metadata.namespace === cron.metadata.namespace,
      );
      expect({ cron: ref(cron), hpa: hpa ? ref(hpa) : undefined }).toEqual({
        cron: ref(cron),
        hpa: `HorizontalPodAutoscaler ${cron.metadata.namespace}/${target.name}`,
      });
      for (const job of cron.spec.jobs) expect(job.targetSize).toBeLessThanOrEqual(hpa?.spec.maxReplicas);
      expect(validateAgainstCrd(cron)).toEqual([]);
    }
  });
});

it('prod scales ahead of the launch-day peak with a CronHPA', () => {
  const prod = environments.find(({ env }) => env.name === 'prod');
  const crons = prod?.manifests.filter((doc) => doc.kind === 'CronHorizontalPodAutoscaler') ?? [];
  expect(crons.length).toBeGreaterThanOrEqual(1);
  const jobs = crons.flatMap((cron) => cron.spec.jobs as { name: string; targetSize: number }[]);
  expect(jobs.some((job) => job.name.includes('launch'))).toBe(true);
});
