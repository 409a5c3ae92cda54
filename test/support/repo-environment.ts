import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { type LoadedEnvironment, loadEnvironment } from '../../environments/load';
import { synthesizeEnvironment } from '../../stacks/environment';
import { REPO_ROOT } from './cli';

/** `environments/<name>.yaml` of the repository, loaded with its template. */
export function loadRepoEnvironment(name: string): LoadedEnvironment {
  const dir = path.join(REPO_ROOT, 'environments');
  const read = (file: string) => ({
    file: `environments/${file}`,
    text: fs.readFileSync(path.join(dir, file), 'utf8'),
  });
  const templates = fs.readdirSync(path.join(dir, 'templates')).map((file) => file.replace(/\.yaml$/, ''));
  return loadEnvironment(
    name,
    read(`${name}.yaml`),
    (template) => (templates.includes(template) ? read(`templates/${template}.yaml`) : undefined),
    templates,
  );
}

/** The parsed documents of one synthesized Kubernetes file of an environment, e.g. `kubernetes/gateway.yaml`. */
// biome-ignore lint/suspicious/noExplicitAny: manifests are untyped JSON
export function synthesizedDocuments(env: LoadedEnvironment, file: string): any[] {
  const output = synthesizeEnvironment(env);
  const found = output.files.find((candidate) => candidate.path === file);
  if (!found) return [];
  return parseAllDocuments(found.content)
    .map((doc) => doc.toJS())
    .filter((doc) => doc !== null);
}
