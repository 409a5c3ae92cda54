import * as fs from 'node:fs';
import { TempProject } from '../support/cli';

/**
 * Bad add-on input ends in exit 2, one message per problem, naming the file, the field path and
 * the value, with nothing written.
 */
describe('bad add-on input', () => {
  let project: TempProject;
  let original: string;
  beforeAll(() => {
    project = new TempProject();
    original = project.read('environments/test.yaml');
  });
  afterAll(() => project.dispose());
  afterEach(() => project.write('environments/test.yaml', original));

  async function refused(edit: (text: string) => string, ...messages: (string | RegExp)[]): Promise<string> {
    project.write('environments/test.yaml', edit(original));
    const result = await project.run(['synth', '--env', 'test', '--out', 'out']);
    expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(result.code).toBe(2);
    for (const message of messages) expect(result.stderr).toMatch(message);
    expect(fs.existsSync(project.path('out'))).toBe(false);
    return result.stderr;
  }

  const pool = (range: string) => (text: string) =>
    text.replace('addresses: [10.30.1.240-10.30.1.250]', `addresses: [${range}]`);

  it('refuses an address pool outside the announcing pool subnet', async () => {
    await refused(
      pool('10.30.2.240-10.30.2.250'),
      'environments/test.yaml: addons.metallb.addresses[0]: "10.30.2.240-10.30.2.250" is outside the subnet 10.30.1.0/24 of pool general',
    );
  });

  it('refuses an address pool that holds a node address, naming the node', async () => {
    await refused(
      pool('10.30.1.0/28'),
      /addons\.metallb\.addresses\[0\]: "10\.30\.1\.0\/28" contains 10\.30\.1\.11, the address of nodePools\[0\]\.nodes\[0\]\.address/,
    );
  });

  it("refuses an address pool that overlaps another environment's pool", async () => {
    project.write(
      'environments/test-b.yaml',
      original
        .replace('context: test-admin@test', 'context: test-b-admin@test-b')
        .replace(/10\.30\.0\./g, '10.31.0.')
        .replace('virtualRouterId: 61', 'virtualRouterId: 62')
        .replace(/test-(master|node)-/g, 'b-$1-'),
    );
    try {
      const result = await project.run(['synth', '--out', 'out']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        // Reported in the later environment (by name), naming the other file.
        'environments/test-b.yaml: addons.metallb.addresses[0]: "10.30.1.240-10.30.1.250" overlaps 10.30.1.240-10.30.1.250 of environments/test.yaml (addons.metallb.addresses)',
      );
      expect(fs.existsSync(project.path('out'))).toBe(false);
    } finally {
      fs.rmSync(project.path('environments/test-b.yaml'));
    }
  });

  it('refuses an unknown add-on, listing the known ones', async () => {
    const stderr = await refused(
      (text) => `${text}  traefik: { enabled: true }\n`,
      /environments\/test\.yaml: addons\.traefik/,
    );
    expect(stderr).toMatch(/calico/);
  });

  it('refuses a version that is not pinned', async () => {
    await refused(
      (text) => text.replace('  metallb:\n', '  metallb:\n    version: latest\n'),
      /addons\.metallb\.version: "latest" is not a pinned version of this add-on; this blueprint ships v0\.16\.1/,
    );
  });

  it('refuses a gateway exposed as LoadBalancer with nothing to hand out addresses', async () => {
    await refused(
      (text) => text.replace('    enabled: true\n    addresses', '    enabled: false\n    addresses'),
      /addons\.envoyGateway\.exposure: "LoadBalancer" needs something that hands out LoadBalancer addresses/,
    );
  });
});
