import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { findComponents } from '../../cli/rehearsal/components';

/**
 * Whether the rehearsal cluster's components are built (`npm run cluster:build`). Tests that
 * need them run whenever they are; in CI (`CI=true`, set by .ci/run, which builds them first)
 * a missing component is a failure, never a skip.
 */
export function clusterComponentsBuilt(): boolean {
  try {
    findComponents();
    return true;
  } catch {
    return false;
  }
}

/**
 * `describe` when the components are built; otherwise, outside CI, a skipped block whose name
 * says how to run it, and in CI a failing test.
 */
export function describeWithCluster(name: string, body: () => void): void {
  if (clusterComponentsBuilt()) {
    describe(name, body);
    return;
  }
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('has the rehearsal cluster components (CI builds them with npm run cluster:build)', () => {
        findComponents();
      });
    });
    return;
  }
  describe.skip(`${name} (needs \`npm run cluster:build\`)`, body);
}

/** The processes whose command line mentions `needle` (from /proc), for "nothing left running". */
export function processesMentioning(needle: string): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) found.push(Number(entry));
    } catch {
      // gone
    }
  }
  return found;
}

/** kubectl against a rehearsal's kubeconfig; returns stdout. */
export function kubectl(kubeconfig: string, args: readonly string[]): string {
  return execFileSync('kubectl', [`--kubeconfig=${kubeconfig}`, ...args], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
}
