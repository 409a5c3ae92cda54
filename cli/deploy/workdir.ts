import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMap, parseAllDocuments } from 'yaml';
import { ADDON_LOCK_PATH, type AddonLock } from '../../stacks/addons/lock';
import type { EnvironmentOutput } from '../../stacks/environment';
import { PACKAGE_ROOT } from '../../stacks/package-root';
import { CRDS_DIR, readCrdFiles } from '../crd-files';

import {
  APPLYSET_PART_OF_LABEL,
  applySetCrdYaml,
  applySetId,
  applySetParentYaml,
  endpointsApplySetName,
} from './applyset';
import { type CrdEntry, parseCrd } from './manifests';

/**
 * The deploy work directory, `.blueprint/<env>/` at the project root (gitignored). Terraform
 * runs in `terraform/` there, so its state, lock file, `.terraform/` and plan survive
 * `blueprint synth`, which replaces `<out>/<env>/` as a whole. `kubernetes/` holds exactly
 * what kubectl applies.
 */
export const WORK_ROOT = '.blueprint';

/** The work directory of one environment, relative to the project root. */
export function workDirOf(environment: string): string {
  return `${WORK_ROOT}/${environment}`;
}

export { CRDS_DIR };

/** Every CRD under `crdsDir`, sorted by file. */
export function loadCrdCatalog(crdsDir: string = CRDS_DIR): (CrdEntry & { readonly content: string })[] {
  return readCrdFiles(crdsDir).map(({ file, content }) => ({ ...parseCrd(file, content), content }));
}

/**
 * The CRDs of the output's add-on lock (`kubernetes/addons.lock.json`): every CRD of every
 * installed add-on, read from the blueprint's addons/ and crds/ folders and checked against the
 * lock's sha256, one entry per CRD. Undefined when the output has no lock (older output).
 * An add-on that is off contributes nothing: whoever installed it owns its CRDs.
 */
export function loadLockedCrds(
  output: { readonly files: readonly { readonly path: string; readonly content: string }[] },
  root: string = PACKAGE_ROOT,
): (CrdEntry & { readonly content: string })[] | undefined {
  const lockFile = output.files.find((file) => file.path === ADDON_LOCK_PATH);
  if (!lockFile) return undefined;
  const lock = JSON.parse(lockFile.content) as AddonLock;
  const entries: (CrdEntry & { readonly content: string })[] = [];
  for (const addon of lock.addons) {
    for (const locked of addon.crds) {
      const bytes = fs.readFileSync(path.join(root, locked.file));
      const actual = createHash('sha256').update(bytes).digest('hex');
      if (actual !== locked.sha256)
        throw new Error(
          `${locked.file}: sha256 ${actual} is not the ${locked.sha256} that the add-on lock of ${addon.name} names; re-run blueprint synth`,
        );
      for (const doc of bytes.toString('utf8').split(/^---[^\n]*$/m)) {
        if (!/^kind:\s*CustomResourceDefinition\s*$/m.test(doc)) continue;
        const crd = parseCrd(locked.file, doc);
        if (locked.skipped?.some((skip) => skip.crd === crd.name)) continue;
        entries.push({ ...crd, file: `${crd.name}.yaml`, content: `${doc.trim()}\n` });
      }
    }
  }
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Whether a process with this id runs on this machine. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `.blueprint/<env>/deploy.lock` so that two deploys of one environment from this
 * project do not rewrite each other's work directory. A lock left by a process that is gone is
 * taken over. Returns the release function, or the id of the process that holds the lock.
 */
export function acquireDeployLock(root: string, workDir: string): (() => void) | { readonly heldBy: number } {
  const dir = path.join(root, workDir);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'deploy.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return () => fs.rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
      if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) return { heldBy: holder };
      fs.rmSync(file, { force: true });
    }
  }
  return { heldBy: Number.parseInt(fs.readFileSync(file, 'utf8'), 10) };
}

/** CRD file name in the work directory: `<plural>.<group>.yaml`, flat. */
export function crdFileName(crd: CrdEntry): string {
  return `${crd.name}.yaml`;
}

/**
 * Writes what the deploy runs against into `<root>/.blueprint/<env>/`: the fresh cdk.tf.json
 * (keeping Terraform's state and `.terraform/`, dropping an old plan), and a new `kubernetes/`
 * with the manifests, the CRDs they use and the ApplySet parent.
 */
export function prepareWorkDir(
  root: string,
  workDir: string,
  output: EnvironmentOutput,
  crds: readonly (CrdEntry & { readonly content: string })[],
  rehearsal?: { readonly kubeconfig: string; readonly context: string; readonly providerVersion?: string },
): void {
  const base = path.join(root, workDir.split('/')[0] as string);
  fs.mkdirSync(base, { recursive: true });
  // Ignored even in a project whose .gitignore does not list it.
  fs.writeFileSync(
    path.join(base, '.gitignore'),
    '# blueprint deploy and rehearsal work directories: Terraform state and plans\n*\n',
  );
  const dir = path.join(root, workDir);
  const terraform = path.join(dir, 'terraform');
  fs.mkdirSync(terraform, { recursive: true });
  fs.rmSync(path.join(terraform, 'tfplan'), { force: true });
  const kubernetes = path.join(dir, 'kubernetes');
  fs.rmSync(kubernetes, { recursive: true, force: true });
  fs.mkdirSync(path.join(kubernetes, 'manifests'), { recursive: true });
  fs.mkdirSync(path.join(kubernetes, 'crds'), { recursive: true });
  for (const file of output.files) {
    if (file.path === 'terraform/cdk.tf.json')
      fs.writeFileSync(
        path.join(terraform, 'cdk.tf.json'),
        rehearsal ? rehearsalTerraform(file.content, rehearsal) : file.content,
      );
    else if (file.path.startsWith('kubernetes/') && file.path.endsWith('.yaml')) {
      const relative = file.path.slice('kubernetes/'.length).split('/');
      const { main, endpoints } = splitEndpointSlices(
        rehearsal ? withoutUnreachableBackends(file.content) : file.content,
      );
      const write = (dir: string, content: string) => {
        if (content === '') return;
        const target = path.join(kubernetes, dir, ...relative);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, content);
      };
      write('manifests', main);
      write('endpoints', endpoints);
      // What the applies will leave: the objects with the part-of label kubectl adds.
      write('preview', main === '' ? '' : withApplySetLabel(main, output.name));
      write(
        'preview-endpoints',
        endpoints === '' ? '' : withApplySetLabel(endpoints, endpointsApplySetName(output.name)),
      );
    }
  }
  for (const crd of crds) fs.writeFileSync(path.join(kubernetes, 'crds', crdFileName(crd)), crd.content);
  fs.writeFileSync(path.join(kubernetes, 'applyset-crd.yaml'), applySetCrdYaml());
  fs.writeFileSync(
    path.join(kubernetes, 'applyset-parent.yaml'),
    `${applySetParentYaml(output.name)}---\n${applySetParentYaml(endpointsApplySetName(output.name))}`,
  );
}

/**
 * The Terraform JSON of a rehearsal: the provider pointed at the rehearsal's kubeconfig and
 * context, and a local backend in the rehearsal's own directory whatever the environment
 * configures (a rehearsal never reads or writes the real state).
 */
export function rehearsalTerraform(
  content: string,
  rehearsal: { readonly kubeconfig: string; readonly context: string; readonly providerVersion?: string },
): string {
  const json = JSON.parse(content) as {
    terraform: {
      backend?: Record<string, unknown>;
      required_providers?: Record<string, { version?: string }>;
    };
    provider?: { kubernetes?: Record<string, unknown>[] };
  };
  json.terraform.backend = { local: { path: 'terraform.tfstate' } };
  // The provider the rehearsal built from source (see tools/cluster/README.md).
  const kubernetes = json.terraform.required_providers?.kubernetes;
  if (kubernetes && rehearsal.providerVersion) kubernetes.version = rehearsal.providerVersion;
  for (const provider of json.provider?.kubernetes ?? []) {
    provider.config_path = rehearsal.kubeconfig;
    provider.config_context = rehearsal.context;
  }
  return `${JSON.stringify(json, null, 2)}\n`;
}

/** A manifest file's EndpointSlices and its other objects, as two YAML streams (either may be empty). */
/**
 * Kinds whose backends are pods the API server calls: admission webhooks and aggregated APIs.
 * A rehearsal's nodes are simulated, so those pods never answer; a webhook with
 * failurePolicy Fail would refuse every object it guards (MetalLB's pools) and an unavailable
 * APIService breaks discovery. A rehearsal leaves them out (docs/rehearsal.md says so).
 */
export const UNREACHABLE_IN_REHEARSAL = [
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'APIService',
];

/** A manifest without the objects of {@link UNREACHABLE_IN_REHEARSAL}. */
export function withoutUnreachableBackends(content: string): string {
  const docs = parseAllDocuments(content).filter((doc) => isMap(doc.contents));
  const kept = docs.filter((doc) => !UNREACHABLE_IN_REHEARSAL.includes(String(doc.get('kind'))));
  return kept.length === docs.length ? content : kept.map((doc) => doc.toString()).join('---\n');
}

/**
 * Kinds applied in the endpoints ApplySet, never in the environment's: EndpointSlices, and
 * hand-made Endpoints too, since the endpoints controller copies a Service's labels (the
 * ApplySet's part-of label included) onto the Endpoints it makes, so the environment's ApplySet
 * must not list the Endpoints kind either.
 */
export function inEndpointsApplySet(kind: unknown): boolean {
  return kind === 'EndpointSlice' || kind === 'Endpoints';
}

export function splitEndpointSlices(content: string): { main: string; endpoints: string } {
  const docs = parseAllDocuments(content).filter((doc) => isMap(doc.contents));
  const text = (list: typeof docs) => list.map((doc) => doc.toString()).join('---\n');
  const isSlice = (doc: (typeof docs)[number]) => inEndpointsApplySet(doc.get('kind'));
  return { main: text(docs.filter((doc) => !isSlice(doc))), endpoints: text(docs.filter(isSlice)) };
}

/** A manifest file's objects with the part-of label of the ApplySet `name` that `kubectl apply --applyset` adds. */
export function withApplySetLabel(content: string, name: string): string {
  const docs = parseAllDocuments(content);
  for (const doc of docs) {
    if (!isMap(doc.contents)) continue;
    doc.setIn(['metadata', 'labels', APPLYSET_PART_OF_LABEL], applySetId(name));
  }
  return docs.map((doc) => doc.toString()).join('');
}
