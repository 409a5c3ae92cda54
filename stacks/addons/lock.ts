import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EnvironmentSpec } from '../../environments/schema';
import type { OutputFile } from '../output-file';
import { installedAddons } from './catalog';
import { vendored } from './vendored';

/** Where the add-on lock is written, per environment. */
export const ADDON_LOCK_PATH = 'kubernetes/addons.lock.json';

/** The blueprint's root (addons/ and crds/ live there). */
const ROOT = path.resolve(__dirname, '..', '..');

/** One CRD file deploy applies, pinned by content. */
export interface LockedCrdFile {
  /** Path relative to the blueprint, e.g. `addons/metallb/crds.yaml`. */
  readonly file: string;
  readonly sha256: string;
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
    .update(fs.readFileSync(path.join(ROOT, file)))
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
  return {
    format: 1,
    addons: installedAddons(spec).map((addon) => {
      const source = addon.vendored ? vendored(addon.vendored).source : undefined;
      return {
        name: addon.name,
        release: addon.release,
        ...(source ? { source: { module: source.module, version: source.version } } : {}),
        crds: addon.crdFiles.map((file) => ({ file, sha256: sha256Of(file) })),
      };
    }),
  };
}

/** The lock as an output file. */
export function renderAddonLock(spec: EnvironmentSpec): OutputFile {
  return { path: ADDON_LOCK_PATH, content: `${JSON.stringify(addonLock(spec), null, 2)}\n` };
}
