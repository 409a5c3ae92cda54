import * as fs from 'node:fs';
import * as path from 'node:path';

// `npm ci` verifies each download against the lock's integrity: an entry without one would
// install a native binary unchecked on the platform it is for (tools/complete-lockfile.js).
describe('package-lock.json', () => {
  const lock = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string; integrity?: string; link?: boolean; inBundle?: boolean }>;
  };
  const installed = Object.entries(lock.packages).filter(
    // Bundled packages arrive inside their parent's tarball, which the parent's integrity covers.
    ([key, entry]) => key !== '' && !entry.link && !entry.inBundle,
  );

  it('lists packages', () => {
    expect(installed.length).toBeGreaterThan(100);
  });

  it('gives every package the sha512 integrity the registry published', () => {
    const unverified = installed
      .filter(([, entry]) => !/^sha512-/.test(entry.integrity ?? ''))
      .map(([key]) => key);
    expect(unverified).toEqual([]);
  });
});
