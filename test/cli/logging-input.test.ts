import * as fs from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { TempProject } from '../support/cli';

/**
 * Bad `addons.logging` input ends in exit 2, one message per problem naming the file, the field
 * path and the value, with nothing written; good input synthesizes the collector.
 */
describe('addons.logging input', () => {
  let project: TempProject;
  let original: string;
  beforeAll(() => {
    project = new TempProject();
    original = project.read('environments/test.yaml');
  });
  afterAll(() => project.dispose());
  afterEach(() => project.write('environments/test.yaml', original));

  /** test.yaml with `logging` (YAML lines indented for `addons.logging`). */
  const withLogging = (block: string) =>
    original.replace('addons:\n', `addons:\n  logging:\n${block.replace(/^/gm, '    ')}\n`);

  async function refused(block: string, ...messages: (string | RegExp)[]): Promise<string> {
    project.write('environments/test.yaml', withLogging(block));
    const result = await project.run(['synth', '--env', 'test', '--out', 'out']);
    expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(result.code).toBe(2);
    for (const message of messages) expect(result.stderr).toMatch(message);
    expect(fs.existsSync(project.path('out'))).toBe(false);
    return result.stderr;
  }

  it('refuses a log sink without an address, naming the field', async () => {
    await refused(
      'enabled: true\nsink:\n  type: loki\n  tls: { enabled: false }',
      /^error: environments\/test\.yaml: addons\.logging\.sink\.address: is required \(a string\) \(line \d+\)$/m,
    );
  });

  it('refuses a Kafka sink without brokers', async () => {
    await refused(
      'enabled: true\nsink: { type: kafka, brokers: [] }',
      /environments\/test\.yaml: addons\.logging\.sink\.brokers: \[\] must list at least one broker address/,
    );
  });

  it('refuses an address that is not host:port, with the value', async () => {
    await refused(
      'enabled: true\nsink: { type: elasticsearch, address: "https://10.30.3.50" }',
      'environments/test.yaml: addons.logging.sink.address: "https://10.30.3.50" is not host:port',
    );
  });

  it('refuses an enabled collector without a sink', async () => {
    await refused(
      'enabled: true',
      /environments\/test\.yaml: addons\.logging\.sink: is required when addons\.logging\.enabled is true/,
    );
  });

  it('refuses an unknown sink type, listing the known ones', async () => {
    await refused(
      'enabled: true\nsink: { type: splunk, address: 10.30.3.50:8088 }',
      /addons\.logging\.sink(\.type)?: .*loki, elasticsearch, opensearch, kafka/,
    );
  });

  it('refuses a sink named by DNS without its networks (a NetworkPolicy cannot name hosts)', async () => {
    await refused(
      'enabled: true\nsink: { type: loki, address: "loki.example.com:3100" }',
      'environments/test.yaml: addons.logging.sink.address: "loki.example.com:3100" names the host "loki.example.com", which a NetworkPolicy cannot allow',
    );
  });

  it('refuses credentials given as values instead of Secret references', async () => {
    await refused(
      'enabled: true\nsink:\n  type: opensearch\n  address: 10.30.3.50:9200\n  auth: { username: admin, password: hunter2 }',
      /addons\.logging\.sink\.auth\.username: .*mapping/,
      /addons\.logging\.sink\.auth\.password: .*mapping/,
    );
  });

  it('refuses a buffer size without a unit', async () => {
    await refused(
      'enabled: true\nsink: { type: loki, address: 10.30.3.50:3100 }\nbuffer: { size: 5 }',
      'environments/test.yaml: addons.logging.buffer.size: 5 must be a size such as 5Gi or 500Mi',
    );
  });

  it('refuses a team namespace for the collector', async () => {
    await refused(
      'enabled: true\nnamespace: app\nsink: { type: loki, address: 10.30.3.50:3100 }',
      'environments/test.yaml: addons.logging.namespace: "app" is a team namespace (namespaces); the collector needs a namespace of its own',
    );
  });

  it('synthesizes the collector for a DNS-named Kafka with its networks, SASL from Secrets', async () => {
    project.write(
      'environments/test.yaml',
      withLogging(
        [
          'enabled: true',
          'sink:',
          '  type: kafka',
          '  brokers: [kafka-1.example.com:9093, kafka-2.example.com:9093]',
          '  networks: [10.30.3.0/24]',
          '  auth:',
          '    mechanism: SCRAM-SHA-512',
          '    username: { name: kafka-logs, key: username }',
          '    password: { name: kafka-logs, key: password }',
        ].join('\n'),
      ),
    );
    const result = await project.run(['synth', '--env', 'test', '--out', 'out']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const text = project.read('out/test/kubernetes/addons.yaml');
    const objects = parseAllDocuments(text).map((doc) => doc.toJS());
    const allow = objects.find((o) => o?.kind === 'NetworkPolicy' && o.metadata.name === 'allow-fluent-bit');
    expect(allow.spec.egress[0]).toEqual({
      to: [{ ipBlock: { cidr: '10.30.3.0/24' } }],
      ports: [{ port: 9093, protocol: 'TCP' }],
    });
    expect(text).not.toMatch(/hunter2|password: [^{$]/);
    fs.rmSync(project.path('out'), { recursive: true, force: true });
  });
});
