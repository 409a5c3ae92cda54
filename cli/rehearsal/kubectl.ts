/**
 * kubectl against the rehearsal cluster: the one way `blueprint rehearse`, the add-on
 * controllers and the gateway status check run it, with one error format.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exec } from '../deploy/exec';
import { ToolError } from '../errors';

/** Runs kubectl against the rehearsal cluster; its stdout, or a ToolError with its error lines. */
export async function kubectl(
  kubeconfig: string,
  args: readonly string[],
  what: string,
  timeoutSeconds: number,
): Promise<string> {
  const result = await exec(['kubectl', `--kubeconfig=${kubeconfig}`, ...args], {
    cwd: process.cwd(),
    env: process.env,
    timeoutSeconds,
  });
  if (result.missing) throw new ToolError(`${what}: kubectl is not installed`);
  if (result.timedOut || result.exitCode !== 0)
    throw new ToolError(
      `${what} failed (${result.timedOut ? `timed out after ${timeoutSeconds} s` : `exit ${result.exitCode}`}): ${kubectlError(result.stderr || result.stdout)}`,
    );
  return result.stdout;
}

/** kubectl with `--output=json`, parsed. */
export async function kubectlJson<T>(
  kubeconfig: string,
  args: readonly string[],
  what: string,
  timeoutSeconds: number,
): Promise<T> {
  return JSON.parse(await kubectl(kubeconfig, [...args, '--output=json'], what, timeoutSeconds)) as T;
}

/**
 * Server-side applies `objects` as `fieldManager`; they are kept in `<dir>/<name>.json`, so
 * what the rehearsal created can be read afterwards.
 */
export async function applyObjects(
  kubeconfig: string,
  objects: readonly Record<string, unknown>[],
  where: { readonly dir: string; readonly name: string; readonly fieldManager: string },
  what: string,
  timeoutSeconds: number,
): Promise<void> {
  if (objects.length === 0) return;
  const file = path.join(where.dir, `${where.name}.json`);
  fs.writeFileSync(file, `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`);
  await kubectl(
    kubeconfig,
    ['apply', '--server-side', `--field-manager=${where.fieldManager}`, `--filename=${file}`],
    what,
    timeoutSeconds,
  );
}

/** kubectl's error lines (the first three), else the last three lines of its output. */
function kubectlError(text: string): string {
  const errors = text.split('\n').filter((line) => /^(error|Error from server|Apply failed)/.test(line));
  return errors.length > 0 ? errors.slice(0, 3).join(' / ').slice(0, 1200) : lastLines(text, 3);
}

/** The last `count` lines of a program's output, on one line. */
export function lastLines(text: string, count: number): string {
  return text.trim().split('\n').slice(-count).join(' / ');
}
