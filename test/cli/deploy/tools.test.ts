import { compareVersions, judgeTool, parseToolVersion } from '../../../cli/deploy/tools';

describe('tool versions', () => {
  it('reads terraform and kubectl versions from their JSON output', () => {
    expect(parseToolVersion('terraform', '{"terraform_version":"1.11.4","platform":"linux_amd64"}')).toBe(
      '1.11.4',
    );
    expect(
      parseToolVersion(
        'kubectl',
        '{"clientVersion":{"major":"1","minor":"32+","gitVersion":"v1.32.4-dispatcher"}}',
      ),
    ).toBe('1.32.4');
    expect(parseToolVersion('kubectl', 'not json')).toBeUndefined();
    expect(parseToolVersion('terraform', '{"clientVersion":{}}')).toBeUndefined();
  });

  it('compares versions numerically, not as text', () => {
    expect(compareVersions('1.10.0', '1.5.0')).toBeGreaterThan(0);
    expect(compareVersions('1.4.9', '1.5.0')).toBeLessThan(0);
    expect(compareVersions('1.5.0', '1.5.0')).toBe(0);
  });

  it('says how to install a missing tool', () => {
    const problem = judgeTool('terraform', { missing: true, stdout: '' });
    expect(problem).toMatch(/^terraform is not installed \(not found on PATH\); install Terraform >= 1\.5/);
    expect(problem).toContain('https://developer.hashicorp.com/terraform/install');
  });

  it('refuses terraform older than 1.5 and kubectl older than 1.27, naming the version found', () => {
    expect(judgeTool('terraform', { missing: false, stdout: '{"terraform_version":"1.4.6"}' })).toMatch(
      /^terraform 1\.4\.6 is too old/,
    );
    expect(
      judgeTool('kubectl', { missing: false, stdout: '{"clientVersion":{"gitVersion":"v1.26.9"}}' }),
    ).toMatch(/^kubectl 1\.26\.9 is too old: pruning with --applyset needs kubectl 1\.27/);
    expect(
      judgeTool('terraform', { missing: false, stdout: '{"terraform_version":"1.5.0"}' }),
    ).toBeUndefined();
    expect(
      judgeTool('kubectl', { missing: false, stdout: '{"clientVersion":{"gitVersion":"v1.32.4"}}' }),
    ).toBeUndefined();
  });
});
