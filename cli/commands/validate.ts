import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { LoadedEnvironment } from '../../environments/load';
import { ADDONS_DIR } from '../../stacks/addons/vendored';
import { synthesizeEnvironment } from '../../stacks/environment';
import { describeObject, type PolicyReport } from '../../stacks/policy';
import { CrdSchemas } from '../../stacks/policy/crd-schemas';
import { isKubernetes128Kind, kubernetes128PropsType } from '../../stacks/policy/kubernetes-api';
import { KubernetesFields } from '../../stacks/policy/kubernetes-fields';
import { collectObjects, type FoundObject, objectRef } from '../../stacks/policy/manifests';
import { promqlProblems } from '../../stacks/policy/promql';
import { readCrdFiles } from '../crd-files';
import { ExitCode } from '../errors';
import type { Io } from '../io';
import { Project } from '../project';
import { usage } from './usage';
import { validateKubernetesSchemas } from './validate-kubernetes';

export const VALIDATE_USAGE = 'blueprint validate [--env NAME]...';

/** The CRDs shipped with the blueprint (beside cli/), compiled once per process. */
let crdSchemas: CrdSchemas | undefined;
function crds(): CrdSchemas {
  if (!crdSchemas) {
    // crds/ and the vendored add-on releases' CRDs (addons/<name>/crds.yaml); a kind both
    // define is checked against the add-on's copy, the one deploy installs.
    const addonCrds = readCrdFiles(ADDONS_DIR).filter(({ file }) => file.endsWith('/crds.yaml'));
    crdSchemas = CrdSchemas.fromYaml([...readCrdFiles(), ...addonCrds].map(({ content }) => content));
  }
  return crdSchemas;
}

/** The 1.28 field structure, from the declarations cdk8s-plus-28 generated from the 1.28 OpenAPI. */
let fields: KubernetesFields | undefined;
function kubernetesFields(): KubernetesFields {
  if (!fields) {
    const root = path.dirname(require.resolve('cdk8s-plus-28/package.json'));
    fields = KubernetesFields.fromDeclarations(
      fs.readFileSync(path.join(root, 'lib', 'imports', 'k8s.d.ts'), 'utf8'),
    );
  }
  return fields;
}

/** One finding: which check, where, and what. */
export interface Finding {
  readonly env: string;
  readonly check: 'schema' | 'crd' | 'api' | 'promql' | 'policy' | 'waiver';
  readonly where: string;
  readonly message: string;
}

/** What `validate` checked in one environment, for the summary line. */
export interface Counts {
  objects: number;
  kubernetes: number;
  custom: number;
  alerts: number;
  waived: number;
}

function where(object: FoundObject): string {
  return `${object.file}: ${objectRef(object.manifest)}`;
}

/** Objects the schema checks cover: the manifests, and the static pods among the host files. */
function schemaSubjects(objects: readonly FoundObject[]): FoundObject[] {
  return objects.filter(
    (object) =>
      object.origin === 'kubernetes' || (object.origin === 'hosts' && object.manifest.kind === 'Pod'),
  );
}

/**
 * The checks of one environment's objects that need no child process: which API serves each
 * object (Kubernetes 1.28 or a CRD), CRD schemas, fields 1.28 does not know, alert PromQL.
 * Returns the findings, the objects left for the Kubernetes JSON schemas, and what was counted.
 */
export function checkObjects(
  env: string,
  objects: readonly FoundObject[],
  crdSchemas: CrdSchemas,
  fieldTree: KubernetesFields,
): { findings: Finding[]; pending: FoundObject[]; counts: Omit<Counts, 'waived'> } {
  const findings: Finding[] = [];
  const pending: FoundObject[] = [];
  const counts = { objects: 0, kubernetes: 0, custom: 0, alerts: 0 };
  for (const object of schemaSubjects(objects)) {
    counts.objects++;
    const { apiVersion, kind } = object.manifest;
    if (crdSchemas.has(apiVersion, kind)) {
      counts.custom++;
      for (const problem of crdSchemas.validate(object.manifest))
        findings.push({ env, check: 'crd', where: where(object), message: problem });
    } else if (isKubernetes128Kind(apiVersion, kind)) {
      counts.kubernetes++;
      pending.push(object);
      const props = kubernetes128PropsType(apiVersion, kind);
      for (const field of props ? fieldTree.unknownFields(object.manifest, props) : [])
        findings.push({
          env,
          check: 'schema',
          where: where(object),
          message: `${field} is not a field of ${apiVersion} ${kind} in Kubernetes 1.28 (strict field validation refuses it)`,
        });
    } else {
      findings.push({
        env,
        check: 'api',
        where: where(object),
        message: `${apiVersion} ${kind} is neither served by Kubernetes 1.28 nor defined by a CRD under crds/`,
      });
    }
    if (kind === 'PrometheusRule') {
      const groups = (
        object.manifest.spec as {
          groups?: { rules?: { alert?: string; record?: string; expr?: unknown }[] }[];
        }
      )?.groups;
      for (const rule of (groups ?? []).flatMap((group) => group.rules ?? [])) {
        counts.alerts++;
        for (const problem of promqlProblems(String(rule.expr ?? '')))
          findings.push({
            env,
            check: 'promql',
            where: `${where(object)}: ${rule.alert ?? rule.record}`,
            message: problem,
          });
      }
    }
  }
  return { findings, pending, counts };
}

function policyFindings(env: LoadedEnvironment, report: PolicyReport): Finding[] {
  const findings: Finding[] = report.violations.map((finding) => ({
    env: env.name,
    check: 'policy',
    where: describeObject(finding.object),
    message: `breaks "${finding.rule}": ${finding.message}`,
  }));
  for (const { index, waiver } of report.unusedWaivers) {
    findings.push({
      env: env.name,
      check: 'waiver',
      where:
        index < env.spec.policy.waivers.length
          ? `${env.file}: policy.waivers[${index}]`
          : `add-on exception ${index - env.spec.policy.waivers.length} (stacks/addons/catalog.ts)`,
      message: `waives "${waiver.rule}" for ${waiver.kind} ${waiver.namespace ? `${waiver.namespace}/` : ''}${waiver.name}, which breaks no such rule (the object is gone or complies); remove the waiver`,
    });
  }
  return findings;
}

/**
 * `blueprint validate`: synthesizes the environments in memory and checks every manifest
 * against the Kubernetes 1.28 API and schemas, every custom resource against its CRD, every
 * alert's PromQL, and the policy rules (reporting waived findings and stale waivers). Prints
 * one line per finding; exit 1 with findings, 0 without; bad input is exit 2 as everywhere.
 */
export async function validateCommand(argv: string[], io: Io): Promise<number> {
  const { values } = usage(VALIDATE_USAGE, () =>
    parseArgs({
      args: argv,
      options: { env: { type: 'string', multiple: true, default: [] } },
      strict: true,
      allowPositionals: false,
    }),
  );
  const project = Project.find(io.cwd);
  const envs = project.loadEnvironments(project.selectEnvironments(values.env ?? []));
  const findings: Finding[] = [];
  const counts = new Map<string, Counts>();
  const pending: { env: string; object: FoundObject }[] = [];

  for (const env of envs) {
    const output = synthesizeEnvironment(env, { enforcePolicy: false });
    const objects = collectObjects(output.files);
    const count: Counts = {
      objects: 0,
      kubernetes: 0,
      custom: 0,
      alerts: 0,
      waived: output.policy?.waived.length ?? 0,
    };
    counts.set(env.name, count);
    const checked = checkObjects(env.name, objects, crds(), kubernetesFields());
    findings.push(...checked.findings);
    pending.push(...checked.pending.map((object) => ({ env: env.name, object })));
    Object.assign(count, checked.counts);
    if (output.policy) {
      findings.push(...policyFindings(env, output.policy));
      for (const { finding, reason } of output.policy.waived)
        io.out(`${env.name}: waived "${finding.rule}" for ${describeObject(finding.object)}: ${reason}`);
    }
  }

  const results = validateKubernetesSchemas(pending.map((entry) => entry.object.manifest));
  results.forEach((result, index) => {
    const entry = pending[index];
    if (!entry) return;
    if (!result.known) {
      findings.push({
        env: entry.env,
        check: 'api',
        where: where(entry.object),
        message: `no Kubernetes schema for ${entry.object.manifest.apiVersion} ${entry.object.manifest.kind}`,
      });
      return;
    }
    for (const problem of result.problems)
      findings.push({ env: entry.env, check: 'schema', where: where(entry.object), message: problem });
  });

  for (const env of envs) {
    for (const finding of findings.filter((candidate) => candidate.env === env.name))
      io.out(`${finding.env}: ${finding.where}: [${finding.check}] ${finding.message}`);
    const count = counts.get(env.name);
    if (count) {
      const found = findings.filter((candidate) => candidate.env === env.name).length;
      io.out(
        `${env.name}: ${found} findings; ${count.objects} objects checked (${count.kubernetes} against Kubernetes 1.28 schemas, ${count.custom} against CRDs), ${count.alerts} alert expressions parsed, policy checked with ${count.waived} waived`,
      );
    }
  }
  if (findings.length > 0) {
    io.out(
      `validate: ${findings.length} findings in ${new Set(findings.map((f) => f.env)).size} of ${envs.length} environments`,
    );
    return ExitCode.FINDINGS;
  }
  io.out(`validate: ${envs.length} environments valid`);
  return ExitCode.OK;
}
