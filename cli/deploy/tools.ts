/**
 * The system binaries deploy drives, the oldest version of each that works, how to read their
 * version, and how to install them. Pure: running them is the runner's job.
 */
export type ToolName = 'terraform' | 'kubectl';

/** What deploy needs from one tool. */
export interface ToolRequirement {
  readonly tool: ToolName;
  /** Oldest working version, `x.y.z`. */
  readonly minimum: string;
  /** Why that version. */
  readonly because: string;
  /** The command that prints the version as JSON. */
  readonly versionArgv: readonly string[];
  /** One sentence on how to install it. */
  readonly install: string;
}

export const TOOLS: Readonly<Record<ToolName, ToolRequirement>> = {
  terraform: {
    tool: 'terraform',
    minimum: '1.5.0',
    because: 'the generated configuration and `-chdir` need Terraform 1.5 or later',
    versionArgv: ['terraform', 'version', '-json'],
    install:
      'install Terraform >= 1.5 (https://developer.hashicorp.com/terraform/install; on Debian/Ubuntu `apt-get install terraform` from the apt.releases.hashicorp.com repository) and put it on PATH',
  },
  kubectl: {
    tool: 'kubectl',
    minimum: '1.27.0',
    because: 'pruning with --applyset needs kubectl 1.27 or later',
    versionArgv: ['kubectl', 'version', '--client', '-o', 'json'],
    install:
      'install kubectl >= 1.27 (https://kubernetes.io/docs/tasks/tools/; on Debian/Ubuntu `apt-get install kubectl` from the pkgs.k8s.io repository) and put it on PATH',
  },
};

/** Reads the version out of `terraform version -json` or `kubectl version --client -o json`. */
export function parseToolVersion(tool: ToolName, stdout: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const raw =
    tool === 'terraform'
      ? (parsed as { terraform_version?: unknown }).terraform_version
      : (parsed as { clientVersion?: { gitVersion?: unknown } }).clientVersion?.gitVersion;
  if (typeof raw !== 'string') return undefined;
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(raw);
  return match ? `${match[1]}.${match[2]}.${match[3]}` : undefined;
}

/** Compares two `x.y.z` versions numerically: negative, zero or positive. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/**
 * Judges a tool's version check: undefined when the tool is fine, otherwise the one-line
 * problem with the fix.
 */
export function judgeTool(
  tool: ToolName,
  outcome: { readonly missing: boolean; readonly stdout: string },
): string | undefined {
  const requirement = TOOLS[tool];
  if (outcome.missing) return `${tool} is not installed (not found on PATH); ${requirement.install}`;
  const version = parseToolVersion(tool, outcome.stdout);
  if (version === undefined) {
    return `could not read the version of ${tool} from \`${requirement.versionArgv.join(' ')}\`; ${requirement.install}`;
  }
  if (compareVersions(version, requirement.minimum) < 0) {
    return `${tool} ${version} is too old: ${requirement.because}; ${requirement.install}`;
  }
  return undefined;
}
