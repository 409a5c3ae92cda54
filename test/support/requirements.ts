/**
 * A describe block that needs programs or privileges this machine may lack (root, network
 * namespaces, Debian packages). With all of them it runs; without, outside CI it is skipped
 * with a warning that names what is missing, and in CI (`CI=true`, set by .ci/run, which
 * installs them) it fails: a test never skips silently in CI.
 */
export function describeNeeding(
  name: string,
  missing: readonly (string | undefined)[],
  body: () => void,
): void {
  const reasons = missing.filter((reason): reason is string => reason !== undefined);
  if (reasons.length === 0) {
    describe(name, body);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('has what it needs (.ci/run installs it)', () => {
        throw new Error(`cannot run: ${reasons.join('; ')}`);
      });
    });
  } else {
    console.warn(`SKIPPED ${name}: ${reasons.join('; ')}`);
    describe.skip(`${name} (needs ${reasons.join('; ')})`, body);
  }
}

/** One test that needs what {@link describeNeeding} describes: run, skipped with a warning, or failing in CI. */
export function itNeeding(
  name: string,
  missing: readonly (string | undefined)[],
  fn: jest.ProvidesCallback,
  timeout?: number,
): void {
  const reasons = missing.filter((reason): reason is string => reason !== undefined);
  if (reasons.length === 0) it(name, fn, timeout);
  else if (process.env.CI === 'true')
    it(name, () => {
      throw new Error(`cannot run: ${reasons.join('; ')} (.ci/run installs it)`);
    });
  else {
    console.warn(`SKIPPED ${name}: ${reasons.join('; ')}`);
    it.skip(`${name} (needs ${reasons.join('; ')})`, fn);
  }
}
