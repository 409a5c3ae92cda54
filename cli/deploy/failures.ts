import type { ExecResult } from './exec';
import type { Step } from './plan';

/**
 * Turns a failed command into one line that says what is wrong and how to fix it. Pure, so
 * that each known failure has a test.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences are what it removes.
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;
/** klog's prefix, e.g. `E1121 13:39:33.587954    9769 memcache.go:265] `. */
const KLOG = /^[EWIF]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s+\d+ [\w.-]+:\d+\] /;

/** The lines of a tool's output without colour, box drawing and blank lines. */
export function cleanLines(text: string): string[] {
  return text
    .replace(ANSI, '')
    .split('\n')
    .map((line) => line.replace(/^[│╷╵]\s?/, '').trim())
    .filter((line) => line !== '');
}

/**
 * The most telling line of a kubectl error: its last `error:` / `Error from server` line, or
 * else its last line that is not klog noise.
 */
export function kubectlReason(stderr: string): string {
  const lines = cleanLines(stderr);
  const plain = lines.filter((line) => !KLOG.test(line));
  const errors = plain.filter((line) => /^(error: |Error from server)/.test(line));
  const line =
    errors[errors.length - 1] ?? plain[plain.length - 1] ?? lines[lines.length - 1] ?? 'no error output';
  return line.replace(/^error: /, '');
}

/** The most telling line of a Terraform error: its first `Error:` line and the sentence after it. */
export function terraformReason(stderr: string, stdout: string): string {
  const lines = cleanLines(`${stderr}\n${stdout}`);
  const index = lines.findIndex((line) => line.startsWith('Error: '));
  if (index === -1) return lines[lines.length - 1] ?? 'no error output';
  const title = (lines[index] ?? '').slice('Error: '.length);
  const detail = lines[index + 1];
  return detail && !detail.startsWith('Error: ') ? `${title}: ${detail}` : title;
}

const UNREACHABLE =
  /connection refused|was refused|dial tcp|i\/o timeout|no such host|Unable to connect to the server|context deadline exceeded|Client\.Timeout|network is unreachable|no route to host|TLS handshake timeout/i;

/** Whether a kubectl error says the API server could not be reached. */
export function isUnreachable(stderr: string): boolean {
  return UNREACHABLE.test(stderr);
}

/** What a kubeconfig and context look like, for the hints. */
export interface ClusterAccess {
  readonly kubeconfig: string;
  readonly context: string;
  readonly environmentFile: string;
}

/** One line for a failed step: what failed, why, and what to do. */
export function explainFailure(step: Step, given: ExecResult, access: ClusterAccess): string {
  let result = given;
  const tool = step.argv?.[0] ?? step.title;
  if (result.missing) return `${tool} is not installed (not found on PATH); install it and run deploy again`;
  if (result.timedOut) {
    return `${step.title} did not finish within ${step.timeoutSeconds} s (\`${tool}\` was stopped); check the cluster and run deploy again`;
  }
  if (tool === 'kubectl') {
    // kubectl warns about the ApplySet parent's conflicts and then forces them itself: not the failure.
    const stderr = result.stderr.replace(
      /^.*WARNING: failed to update ApplySet:[\s\S]*?Retrying with conflicts forced\.\n?/gm,
      '',
    );
    result = { ...result, stderr };
    const reason = kubectlReason(result.stderr);
    if (isUnreachable(result.stderr)) {
      return `cannot reach the cluster of context ${access.context} (${reason}); check that its API server is up and that ${access.kubeconfig} points at it`;
    }
    if (/Unauthorized|You must be logged in|provide credentials/i.test(result.stderr)) {
      return `the cluster of context ${access.context} refused the credentials (${reason}); renew them in ${access.kubeconfig}`;
    }
    if (reason === 'EOF' || /Please enter Username/.test(result.stderr)) {
      return `kubectl asked for a username and password for context ${access.context} (its kubeconfig user has no credentials) or the server closed the connection; give that user a token, client certificate or exec plugin in ${access.kubeconfig}`;
    }
    if (/forbidden/i.test(result.stderr)) {
      return `${step.title} is not allowed for the user of context ${access.context} (${reason}); deploy needs cluster-admin rights`;
    }
    if (/Apply failed with \d+ conflicts?/.test(result.stderr)) {
      const manager = /conflicts? with "([^"]+)"/.exec(result.stderr)?.[1];
      return `${step.title} failed: fields are owned by another field manager${manager ? ` (${manager})` : ''}, e.g. CRDs installed by another tool; let one tool own them (remove them from the other tool, or from the output), then run deploy again`;
    }
    if (/context was not found|context .* does not exist/i.test(result.stderr)) {
      return `kubeconfig ${access.kubeconfig} has no context ${access.context}; add it, or fix cluster.kubeconfig.context in ${access.environmentFile}`;
    }
    return `${step.title} failed (kubectl exit ${result.exitCode}): ${reason}`;
  }
  if (tool === 'terraform') {
    const reason = terraformReason(result.stderr, result.stdout);
    if (
      /registry\.terraform\.io|Failed to query available provider packages|Failed to install provider/i.test(
        reason,
      )
    ) {
      return `${step.title} could not install the Terraform providers (${reason}); allow access to registry.terraform.io or configure a provider mirror in the Terraform CLI configuration`;
    }
    if (/Backend configuration changed|Backend initialization required/i.test(reason)) {
      return `${step.title} failed: ${reason}; the backend in terraform.backend changed, migrate the state by hand with \`terraform init -migrate-state\` in the work directory`;
    }
    return `${step.title} failed (terraform exit ${result.exitCode}): ${reason}`;
  }
  return `${step.title} failed (exit ${result.exitCode}): ${kubectlReason(result.stderr)}`;
}
