import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadAll } from 'js-yaml';
import type { PlainObject } from '../../constructs/addons/upstream-objects';
import { PACKAGE_ROOT } from '../package-root';

/** The folder of vendored upstream releases (tools/addons/vendor.js writes it), at the package root. */
export const ADDONS_DIR = path.join(PACKAGE_ROOT, 'addons');

/** The vendored add-ons. */
export const VENDORED = [
  'calico',
  'envoy-gateway',
  'kube-state-metrics',
  'metallb',
  'metrics-server',
  'prometheus-operator',
] as const;
export type VendoredAddon = (typeof VENDORED)[number];

/** addons/<name>/source.json. */
export interface VendoredSource {
  readonly addon: string;
  readonly release: string;
  readonly module: string;
  readonly version: string;
  readonly crds: readonly string[];
}

/** One vendored release: its upstream objects (CRDs apart) and where its CRDs are. */
export interface VendoredRelease {
  readonly source: VendoredSource;
  readonly objects: readonly PlainObject[];
  /** `addons/<name>/crds.yaml`, relative to the blueprint, or undefined when it ships none. */
  readonly crdsFile?: string;
}

const cache = new Map<VendoredAddon, VendoredRelease>();

/** Reads (once per process) the vendored release of an add-on. The objects are shared: copy before changing. */
export function vendored(name: VendoredAddon): VendoredRelease {
  const known = cache.get(name);
  if (known) return known;
  const dir = path.join(ADDONS_DIR, name);
  const source = JSON.parse(fs.readFileSync(path.join(dir, 'source.json'), 'utf8')) as VendoredSource;
  const objects = (loadAll(fs.readFileSync(path.join(dir, 'manifests.yaml'), 'utf8')) as unknown[]).filter(
    (doc): doc is PlainObject => typeof doc === 'object' && doc !== null,
  );
  const release: VendoredRelease = {
    source,
    objects,
    ...(fs.existsSync(path.join(dir, 'crds.yaml')) ? { crdsFile: `addons/${name}/crds.yaml` } : {}),
  };
  cache.set(name, release);
  return release;
}
