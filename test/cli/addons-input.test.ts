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

  const digest = `sha256:${'ab'.repeat(32)}`;
  it('refuses a digest for an image no add-on uses, and a digest that is not one', async () => {
    await refused(
      (text) =>
        text.replace(
          'addons:\n',
          `addons:\n  imageDigests:\n    quay.io/metallb/controller:v0.15.0: ${digest}\n    quay.io/metallb/speaker:v0.16.1: latest\n`,
        ),
      /addons\.imageDigests\.quay\.io\/metallb\/speaker:v0\.16\.1: "latest" is not a digest \(sha256: and 64 hex digits\)/,
    );
    const stderr = await refused(
      (text) =>
        text.replace(
          'addons:\n',
          `addons:\n  imageDigests:\n    quay.io/metallb/controller:v0.15.0: ${digest}\n`,
        ),
      /environments\/test\.yaml: addons\.imageDigests\.quay\.io\/metallb\/controller:v0\.15\.0: "sha256:(ab){32}" pins an image no installed add-on uses; they use: /,
    );
    expect(stderr).toContain('quay.io/metallb/controller:v0.16.1');
  });
});

describe('pinned add-on image digests', () => {
  let project: TempProject;
  beforeAll(() => {
    project = new TempProject();
  });
  afterAll(() => project.dispose());

  it('pin every place an add-on names the image, behind the mirror too', async () => {
    const digest = `sha256:${'cd'.repeat(32)}`;
    project.write(
      'environments/test.yaml',
      project
        .read('environments/test.yaml')
        .replace(
          'addons:\n',
          `addons:\n  imageRegistry: registry.example.com/mirror\n  imageDigests:\n    docker.io/envoyproxy/gateway:v1.2.8: ${digest}\n`,
        ),
    );
    const result = await project.run(['synth', '--env', 'test', '--out', 'out']);
    expect([result.code, result.stderr]).toEqual([0, '']);
    const addons = fs.readFileSync(project.path('out/test/kubernetes/addons.yaml'), 'utf8');
    const pinned = `registry.example.com/mirror/docker.io/envoyproxy/gateway:v1.2.8@${digest}`;
    // The controller, the certgen Job and the shutdown manager inside Envoy Gateway's own configuration.
    expect(addons.split(pinned).length - 1).toBe(3);
    expect(addons).not.toMatch(/envoyproxy\/gateway:v1\.2\.8(?!@)/);
  });
});
