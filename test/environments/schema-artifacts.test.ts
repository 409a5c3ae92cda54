import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { mergeValues } from '../../environments/load';
import {
  environmentJsonSchema,
  schemaArtifacts,
  templateJsonSchema,
} from '../../environments/schema-artifacts';
import { REPO_ROOT } from '../support/cli';

const read = (relative: string) => fs.readFileSync(path.join(REPO_ROOT, relative), 'utf8');
const yamlFiles = (dir: string) =>
  fs
    .readdirSync(path.join(REPO_ROOT, dir))
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => `${dir}/${name}`);

describe('generated schema files', () => {
  const templates = yamlFiles('environments/templates')
    .map((file) => path.basename(file, '.yaml'))
    .sort();

  it.each([...schemaArtifacts(templates).keys()])(
    '%s is current (run `npm run schema` when this fails)',
    (relative) => {
      const generated = schemaArtifacts(templates).get(relative);
      expect(fs.existsSync(path.join(REPO_ROOT, relative))).toBe(true);
      // Not toEqual on the whole text: a short message says what to do.
      if (read(relative) !== generated)
        throw new Error(`${relative} is stale: run \`npm run schema\` and commit it`);
    },
  );

  it('are valid JSON Schema (draft 7, what the YAML language server reads)', () => {
    const ajv = new Ajv({ strict: false });
    for (const text of [environmentJsonSchema(), templateJsonSchema()]) {
      const schema = JSON.parse(text);
      expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
      expect(ajv.validateSchema(schema)).toBe(true);
    }
  });

  it('offers the templates for `template:`', () => {
    expect(JSON.parse(environmentJsonSchema(['cloud', 'idc-ha'])).properties.template.enum).toEqual([
      'cloud',
      'idc-ha',
    ]);
  });

  it('carries the descriptions and defaults of the zod schema', () => {
    const schema = JSON.parse(environmentJsonSchema());
    const kubeconfig = schema.properties.cluster.properties.kubeconfig;
    expect(kubeconfig.required).toEqual(['context']);
    expect(kubeconfig.properties.path.default).toBe('~/.kube/config');
    expect(kubeconfig.properties.context.description).toMatch(/unique across environments/);
    expect(schema.additionalProperties).toBe(false);
  });

  it('every field has a description (the reference and the editor tooltips come from them)', () => {
    const missing: string[] = [];
    const walk = (node: Record<string, unknown>, at: string) => {
      const properties = node.properties as Record<string, Record<string, unknown>> | undefined;
      for (const [key, child] of Object.entries(properties ?? {})) {
        if (typeof child.description !== 'string' || child.description === '') missing.push(`${at}${key}`);
        walk(child, `${at}${key}.`);
      }
      for (const branch of [...((node.oneOf as []) ?? []), ...((node.anyOf as []) ?? [])]) walk(branch, at);
      if (node.items && typeof node.items === 'object')
        walk(node.items as Record<string, unknown>, `${at.slice(0, -1)}[].`);
    };
    walk(JSON.parse(environmentJsonSchema()), '');
    expect(missing).toEqual([]);
  });

  describe('agrees with the loader on the shipped files', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validateEnvironment = ajv.compile(JSON.parse(environmentJsonSchema(['cloud', 'idc-ha'])));
    const validateTemplate = ajv.compile(JSON.parse(templateJsonSchema()));

    it.each(yamlFiles('environments'))('%s (merged with its template) matches schema.json', (file) => {
      const own = parse(read(file));
      const { template: _t, ...templateValues } = parse(read(`environments/templates/${own.template}.yaml`));
      const ok = validateEnvironment(mergeValues(templateValues, own));
      expect(validateEnvironment.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    });

    it.each(yamlFiles('environments/templates'))('%s matches templates/schema.json', (file) => {
      expect(validateTemplate(parse(read(file)))).toBe(true);
    });

    it('schema.json refuses an unknown key, as the loader does', () => {
      const own = parse(read('environments/test.yaml'));
      const { template: _t, ...templateValues } = parse(read('environments/templates/idc-ha.yaml'));
      const merged = mergeValues(templateValues, own) as Record<string, Record<string, unknown>>;
      merged.cluster = { ...merged.cluster, sight: 'dc1' };
      expect(validateEnvironment(merged)).toBe(false);
      expect(validateEnvironment.errors?.[0]).toMatchObject({
        instancePath: '/cluster',
        keyword: 'additionalProperties',
      });
    });
  });

  it.each([...yamlFiles('environments'), ...yamlFiles('environments/templates')])(
    '%s starts with the schema modeline, so that editors validate it',
    (file) => {
      expect(read(file).split('\n')[0]).toBe('# yaml-language-server: $schema=./schema.json');
    },
  );

  it('the reference lists every field with its description and default', () => {
    const reference = read('docs/environment-reference.md');
    expect(reference).toContain(
      "| `cluster.kubeconfig.context` | string | **required** | Kubeconfig context of this environment's cluster; unique across environments. |",
    );
    expect(reference).toContain('| `cluster.kubeconfig.path` | string | default: ~/.kube/config |');
    expect(reference).toMatch(/\| `controlPlane\.masters\[\]\.address` \| string \| \*\*required\*\* \|/);
    expect(reference).toMatch(
      /\| `nodePools\[\]\.taints\[\]\.effect` \| `NoSchedule` \\\| `PreferNoSchedule` \\\| `NoExecute` \|/,
    );
  });
});
