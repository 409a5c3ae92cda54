import * as fs from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { readTree, TempProject } from '../support/cli';

/**
 * No Secret material in any output of any shipped environment: every synthesized file is
 * scanned, whatever produced it (manifests, Terraform, host files, ConfigMap scripts).
 */

/** Keys whose string value would be a credential. Names of things (`…-name`, `…Ref`) are references. */
const CREDENTIAL_KEY = /(pass(word|wd)?|pwd|secret|token|api[_-]?key|private[_-]?key|credentials?)$/i;
const REFERENCE_KEY = /(name|namespace|ref|key|keyref|secretkeyref|secretname)$/i;
/** Literal credentials in text: SQL, keepalived, connection URLs, private keys. */
const TEXT_PATTERNS: readonly [RegExp, string][] = [
  [/IDENTIFIED BY '(?!\$\()/, 'a literal SQL password'],
  [/SOURCE_PASSWORD='(?!\$\()/, 'a literal replication password'],
  // A Jinja reference (the playbook writes the password given at run time) is no literal.
  [/^\s*auth_pass\s+(?!\{\{)[^<\s]/m, 'a literal VRRP password'],
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@'"]+:[^\s/@'"$]+@/i, 'a URL with a password'],
  [/-----BEGIN ([A-Z ]+ )?PRIVATE KEY-----/, 'a private key'],
];

interface Finding {
  readonly file: string;
  readonly where: string;
  readonly what: string;
}

function scanValue(value: unknown, file: string, where: string, findings: Finding[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      scanValue(item, file, `${where}[${index}]`, findings);
    });
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const object = value as Record<string, unknown>;
  const kind = object.kind;
  if (kind === 'Secret' && ['data', 'stringData'].some((field) => object[field] !== undefined)) {
    findings.push({ file, where, what: 'a Secret with data' });
  }
  // Environment variables: a credential-named variable must come from a Secret, not a literal.
  if (
    typeof object.name === 'string' &&
    typeof object.value === 'string' &&
    CREDENTIAL_KEY.test(object.name)
  ) {
    findings.push({ file, where, what: `env ${object.name} with a literal value` });
  }
  for (const [key, child] of Object.entries(object)) {
    const path = `${where}.${key}`;
    if (typeof child === 'string' && child !== '' && CREDENTIAL_KEY.test(key) && !REFERENCE_KEY.test(key)) {
      findings.push({ file, where: path, what: `a literal value under ${key}` });
    }
    if (typeof child === 'string') {
      for (const [pattern, what] of TEXT_PATTERNS)
        if (pattern.test(child)) findings.push({ file, where: path, what });
    }
    scanValue(child, file, path, findings);
  }
}

/** Every finding in one environment's output tree. */
function scan(files: Map<string, string>): Finding[] {
  const findings: Finding[] = [];
  for (const [file, content] of files) {
    for (const [pattern, what] of TEXT_PATTERNS)
      if (pattern.test(content)) findings.push({ file, where: '', what });
    if (file.endsWith('.json')) {
      const json = JSON.parse(content) as { resource?: Record<string, unknown> };
      for (const type of Object.keys(json.resource ?? {})) {
        if (/^kubernetes_secret/.test(type)) findings.push({ file, where: type, what: 'a Terraform Secret' });
      }
      scanValue(json, file, '', findings);
    } else if (/\.ya?ml$/.test(file)) {
      parseAllDocuments(content).forEach((doc, index) => {
        scanValue(doc.toJS(), file, `doc ${index}`, findings);
      });
    }
  }
  return findings;
}

describe('no secret material in the output', () => {
  let project: TempProject;
  let tree: Map<string, string>;
  beforeAll(async () => {
    project = new TempProject();
    const result = await project.run(['synth', '--out', 'out']);
    expect(result.code).toBe(0);
    tree = readTree(project.path('out'));
  });
  afterAll(() => project.dispose());

  it('synthesizes every shipped environment, databases included', () => {
    const environments = new Set(
      [...tree.keys()].filter((file) => file.includes('/')).map((file) => file.split('/')[0]),
    );
    const shipped = fs
      .readdirSync(project.path('environments'))
      .filter((file) => file.endsWith('.yaml'))
      .map((file) => file.slice(0, -'.yaml'.length));
    expect(shipped.length).toBeGreaterThanOrEqual(2);
    expect(environments).toEqual(new Set(shipped));
    expect(tree.get('prod/kubernetes/data.yaml')).toContain('kind: VitessCluster');
    expect(tree.get('test/kubernetes/data.yaml')).toContain('kind: StatefulSet');
  });

  it('finds no Secret with data, no literal credential and no private key in any file', () => {
    expect(scan(tree)).toEqual([]);
  });

  it('reads the database passwords from Secret references only', () => {
    // mysql-single: environment variables from Secret keys.
    const single = tree.get('test/kubernetes/data.yaml') ?? '';
    expect(single).toContain('secretKeyRef');
    expect(single).not.toMatch(/MYSQL_ROOT_PASSWORD\s*\n\s*value:/);
    // vitess: the init script (accounts), vtgate's users and the S3 credentials are Secret keys.
    const vitess = parseAllDocuments(tree.get('prod/kubernetes/data.yaml') ?? '')
      .map((doc) => doc.toJS())
      .filter((object) => object?.kind === 'VitessCluster');
    expect(vitess).toHaveLength(2);
    for (const cluster of vitess) {
      const shards = cluster.spec.keyspaces[0].partitionings[0].custom.shards;
      for (const shard of shards)
        expect(Object.keys(shard.databaseInitScriptSecret).sort()).toEqual(['key', 'name']);
      expect(Object.keys(cluster.spec.cells[0].gateway.authentication.static.secret).sort()).toEqual([
        'key',
        'name',
      ]);
      expect(Object.keys(cluster.spec.backup.locations[0].s3.authSecret).sort()).toEqual(['key', 'name']);
    }
  });

  it('would catch each kind of leak (the scanner is not blind)', () => {
    const leaks = new Map([
      ['a.yaml', 'apiVersion: v1\nkind: Secret\nmetadata: { name: x }\nstringData: { password: hunter2 }\n'],
      ['b.yaml', 'env:\n  - name: MYSQL_ROOT_PASSWORD\n    value: hunter2\n'],
      ['c.yaml', 'data:\n  init.sql: "CREATE USER x IDENTIFIED BY \'hunter2\';"\n'],
      ['d.json', JSON.stringify({ resource: { kubernetes_secret_v1: { x: { data: { a: 'b' } } } } })],
      ['e.conf', 'vrrp_instance VI_1 {\n  auth_pass hunter2\n}\n'],
      ['f.yaml', 'url: mysql://app:hunter2@db:3306/app\n'],
      ['g.yaml', 'parameters:\n  adminSecret: hunter2\n'],
    ]);
    const found = new Set(scan(leaks).map((finding) => finding.file));
    expect([...found].sort()).toEqual([...leaks.keys()].sort());
  });
});
