/**
 * An external tool or the cluster failed (terraform, kubectl, git). The CLI prints the
 * message, which says what is wrong and how to fix it, and exits 3.
 */
export class ToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolError';
  }
}

/** Exit codes of the contract. */
export const ExitCode = {
  OK: 0,
  /** Differences or findings (`synth --check`, `diff --exit-code`, `validate`). */
  FINDINGS: 1,
  /** Invalid input: usage, an environment file, an unknown environment or template, a refused request. */
  INPUT: 2,
  /** An external tool or cluster failed. */
  TOOL: 3,
  /** A bug in the blueprint itself. */
  INTERNAL: 70,
} as const;
