import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { REPO_ROOT } from '../../support/cli';

/**
 * Validates built-in Kubernetes objects against the Kubernetes OpenAPI schemas compiled in
 * kubernetes-models. That package is ESM-only and jest runs CommonJS here, so the check runs
 * in one child `node` process per call. Returns, per object, its problems as `path message`.
 */
export function validateKubernetesObjects(
  objects: readonly { apiVersion: string; kind: string }[],
): string[][] {
  const schemas = path.join(REPO_ROOT, 'node_modules', 'kubernetes-models', '_schemas');
  const script = `
    import { readFileSync } from 'node:fs';
    const objects = JSON.parse(readFileSync(0, 'utf8'));
    const out = [];
    for (const object of objects) {
      const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['core', object.apiVersion];
      const prefix = group.split('.')[0];
      const name = 'IoK8sApi' + prefix[0].toUpperCase() + prefix.slice(1) + version[0].toUpperCase() + version.slice(1) + object.kind;
      let validate;
      try { ({ validate } = await import(${JSON.stringify(schemas)} + '/' + name + '.js')); }
      catch { out.push(['no Kubernetes schema ' + name]); continue; }
      out.push(validate(object) ? [] : validate.errors.map((e) => (e.instancePath || '/') + ' ' + e.keyword + ' ' + JSON.stringify(e.params)));
    }
    process.stdout.write(JSON.stringify(out));
  `;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    input: JSON.stringify(objects),
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.status !== 0) throw new Error(`schema validation failed to run: ${result.stderr}`);
  return JSON.parse(result.stdout) as string[][];
}
