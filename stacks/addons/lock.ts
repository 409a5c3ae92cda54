import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { kubernetesMinor } from '../../constructs/core/kubernetes-version';
import type { EnvironmentSpec } from '../../environments/schema';
import type { OutputFile } from '../output-file';
import { PACKAGE_ROOT } from '../package-root';
import { installedAddons } from './catalog';
import { vendored } from './vendored';

/** Where the add-on lock is written, per environment. */
export const ADDON_LOCK_PATH = 'kubernetes/addons.lock.json';

/** One CRD file deploy applies, pinned by content. */
export interface LockedCrdFile {
  /** Path relative to the blueprint, e.g. `addons/metallb/crds.yaml`. */
  readonly file: string;
  readonly sha256: string;
  /** CRDs of the file that are not installed on this Kubernetes version, with the reason. @default none */
  readonly skipped?: readonly { readonly crd: string; readonly reason: string }[];
}

/** The add-on lock: what is installed, at which release, with which CRDs. */
export interface AddonLock {
  readonly format: 1;
  readonly addons: readonly {
    readonly name: string;
    readonly release: string;
    readonly source?: { readonly module: string; readonly version: string };
    readonly crds: readonly LockedCrdFile[];
  }[];
}

const hashes = new Map<string, string>();
function sha256Of(file: string): string {
  const known = hashes.get(file);
  if (known) return known;
  const hash = createHash('sha256')
    .update(fs.readFileSync(path.join(PACKAGE_ROOT, file)))
    .digest('hex');
  hashes.set(file, hash);
  return hash;
}

/**
 * The add-on lock of an environment (`kubernetes/addons.lock.json`): every installed add-on, its
 * release and upstream module, and the CRD files it owns with their sha256. The CRDs are not
 * copied into the output (they are megabytes per environment); deploy applies the files the lock
 * names from the blueprint's addons/ and crds/ folders and refuses a file whose hash differs, so
 * that a review of the lock is a review of the CRDs.
 */
export function addonLock(spec: EnvironmentSpec): AddonLock {
  const lockCrds = (files: readonly string[]) =>
    files.map((file) => {
      const skipped = skippedCrds(file, spec.kubernetesVersion);
      return { file, sha256: sha256Of(file), ...(skipped.length > 0 ? { skipped } : {}) };
    });
  return {
    format: 1,
    addons: [
      ...installedAddons(spec).map((addon) => {
        const source = addon.vendored ? vendored(addon.vendored).source : undefined;
        return {
          name: addon.name,
          release: addon.release,
          ...(source ? { source: { module: source.module, version: source.version } } : {}),
          crds: lockCrds(addon.crdFiles),
        };
      }),
      // The vitess-operator's CRDs, for the VitessClusters of engine-vitess databases: deploy
      // installs them like an add-on's. The operator itself is not installed by the blueprint
      // (its Go module is not served where this was built; docs/data-services.md).
      ...(spec.databases.some((db) => db.engine === 'vitess')
        ? [{ name: 'vitessOperatorCrds', release: VITESS_OPERATOR_RELEASE, crds: lockCrds(VITESS_CRDS) }]
        : []),
    ],
  };
}

/** The vitess-operator release whose CRDs crds/ ships. */
const VITESS_OPERATOR_RELEASE = 'v2.17.0';
const VITESS_CRDS = ['vitessbackupschedules', 'vitessbackupstorages', 'vitessclusters'].map(
  (name) => `crds/vitess-operator-${VITESS_OPERATOR_RELEASE}/${name}.yaml`,
);

/**
 * CRDs of a file that the cluster's API server cannot create: validation rules that call CEL's IP
 * and CIDR library (isIP, ip, cidr), which Kubernetes has from 1.31 on. Gateway API v1.6.1's
 * TLSRoute is one; Envoy Gateway watches TLSRoutes only where the CRD exists.
 */
function skippedCrds(file: string, kubernetesVersion: string): { crd: string; reason: string }[] {
  const minor = kubernetesMinor(kubernetesVersion) ?? 0;
  if (minor >= 31) return [];
  const skipped: { crd: string; reason: string }[] = [];
  for (const doc of fs.readFileSync(path.join(PACKAGE_ROOT, file), 'utf8').split(/^---[^\n]*$/m)) {
    const name = /^ {2}name:\s*"?([^"\s]+)"?/m.exec(doc)?.[1];
    if (name && /rule:.*(\bisIP|\bisCIDR|[^A-Za-z.]ip|[^A-Za-z.]cidr)\(/.test(doc))
      skipped.push({
        crd: name,
        reason: `its validation rules use CEL's IP library, which Kubernetes serves from 1.31 (this cluster: ${kubernetesVersion})`,
      });
  }
  return skipped;
}

/** The lock as an output file. */
export function renderAddonLock(spec: EnvironmentSpec): OutputFile {
  return { path: ADDON_LOCK_PATH, content: `${JSON.stringify(addonLock(spec), null, 2)}\n` };
}
