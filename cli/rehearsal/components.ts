// Where the rehearsal cluster's programs are: built from source by `npm run cluster:build`
// (tools/cluster/build.sh) into a cache outside the clone; etcd from Debian.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ToolError } from '../errors';

/** The programs a rehearsal runs. */
export interface Components {
  readonly etcd: string;
  readonly kubeApiserver: string;
  readonly kubeControllerManager: string;
  readonly kubeScheduler: string;
  readonly kubeadm: string;
  readonly kwok: string;
  /** Envoy Gateway's control plane (`envoy-gateway server|certgen`), run as a local process. */
  readonly envoyGateway: string;
  /**
   * Envoy Gateway's CLI, built with it (the same module and build): `egctl experimental
   * translate` is its own Gateway API -> xDS translation, which the translation tests run.
   */
  readonly egctl: string;
  /** MetalLB's controller, which assigns LoadBalancer Services their addresses, run as a local process. */
  readonly metallbController: string;
  /** Terraform's CLI configuration that installs the built provider from a filesystem mirror. */
  readonly terraformRc: string;
  /** The version the built hashicorp/kubernetes provider is published under in that mirror. */
  readonly providerVersion: string;
}

/** The hashicorp/kubernetes versions in the filesystem mirror, newest last. */
function mirroredProviderVersions(root: string): string[] {
  const dir = path.join(root, 'terraform-mirror', 'registry.terraform.io', 'hashicorp', 'kubernetes');
  try {
    return fs
      .readdirSync(dir)
      .filter((version) => fs.existsSync(path.join(dir, version, 'linux_amd64')))
      .sort();
  } catch {
    return [];
  }
}

/** The cache root: `$BLUEPRINT_CACHE`, else `~/.cache/platform-blueprint`. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.BLUEPRINT_CACHE ?? path.join(os.homedir(), '.cache', 'platform-blueprint');
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    const full = path.join(dir, name);
    try {
      fs.accessSync(full, fs.constants.X_OK);
      return full;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Finds every component, or fails with exit 3 naming what is missing and how to build it.
 * etcd is taken from the cache when built there, else from PATH (Debian's etcd-server).
 */
export function findComponents(env: NodeJS.ProcessEnv = process.env): Components {
  const bin = path.join(cacheRoot(env), 'bin');
  const cached = (name: string): string | undefined => {
    const full = path.join(bin, name);
    try {
      fs.accessSync(full, fs.constants.X_OK);
      return full;
    } catch {
      return undefined;
    }
  };
  const found = {
    etcd: cached('etcd') ?? onPath('etcd', env),
    kubeApiserver: cached('kube-apiserver'),
    kubeControllerManager: cached('kube-controller-manager'),
    kubeScheduler: cached('kube-scheduler'),
    kubeadm: cached('kubeadm'),
    kwok: cached('kwok'),
    envoyGateway: cached('envoy-gateway'),
    egctl: cached('egctl'),
    metallbController: cached('metallb-controller'),
    terraformRc: fs.existsSync(path.join(cacheRoot(env), 'terraform.rc'))
      ? path.join(cacheRoot(env), 'terraform.rc')
      : undefined,
    providerVersion: mirroredProviderVersions(cacheRoot(env)).pop(),
  };
  const missing = Object.entries(found)
    .filter(([, value]) => value === undefined)
    .map(([key]) =>
      key
        .replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
        .replace('terraform-rc', 'terraform-provider-kubernetes'),
    );
  if (missing.length > 0) {
    missing.splice(0, missing.length, ...new Set(missing));
    throw new ToolError(
      `the rehearsal cluster's components are not built (missing: ${missing.join(', ')} in ${bin}); build them once with \`npm run cluster:build\` (a cold build takes about 20 minutes on 2 cores, later runs seconds)`,
    );
  }
  return found as Components;
}
