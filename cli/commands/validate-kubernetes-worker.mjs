// Validates Kubernetes objects against the kubernetes-models JSON schemas. kubernetes-models is
// ESM-only, so `blueprint validate` runs this file as a child process (it works the same under
// the CLI and under jest). Input on stdin: a JSON array of objects. Output on stdout: a JSON
// array, one entry per object: { known: false } when the package has no model for its
// apiVersion/kind, else { known: true, problems: ["/path message", ...] }.
import { readFileSync } from 'node:fs';

/** `apps/v1` → `kubernetes-models/apps/v1/Deployment`; the core group is `v1`. */
function modulePath(apiVersion, kind) {
  if (!/^[A-Za-z0-9.-]+(\/[A-Za-z0-9]+)?$/.test(apiVersion) || !/^[A-Z][A-Za-z0-9]*$/.test(kind))
    return undefined;
  return `kubernetes-models/${apiVersion}/${kind}`;
}

async function check(object) {
  const path = modulePath(String(object.apiVersion ?? ''), String(object.kind ?? ''));
  if (!path) return { known: false };
  let Model;
  try {
    Model = (await import(path))[object.kind];
  } catch {
    return { known: false };
  }
  if (typeof Model !== 'function') return { known: false };
  try {
    new Model(object).validate();
    return { known: true, problems: [] };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const problems = message
      .split(/\n|, (?=data[/ ])/)
      .map((line) => line.trim())
      .filter((line) => line !== '')
      .map((line) => line.replace(/^data(\/|\b)/, '/'));
    return { known: true, problems };
  }
}

const objects = JSON.parse(readFileSync(0, 'utf8'));
const results = [];
for (const object of objects) results.push(await check(object));
process.stdout.write(JSON.stringify(results));
