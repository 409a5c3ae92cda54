/**
 * The data model of `blueprint diff`. Everything under cli/diff/ except `tree-reader.ts` and
 * `git-base.ts` is pure: it compares trees that are already in memory.
 */

/** A JSON value as parsed from cdk.tf.json or a manifest. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** One synthesized file, as read from an output tree or produced in memory. */
export interface TreeFile {
  /** The file's text. */
  readonly content: string;
  /** POSIX permission bits. @default - not compared */
  readonly mode?: number;
}

/** One environment's output files, keyed by forward-slash path relative to `<out>/<env>/`. */
export type EnvironmentTree = ReadonlyMap<string, TreeFile>;

/** Every compared environment's files, keyed by environment name. */
export type OutputTrees = ReadonlyMap<string, EnvironmentTree>;

/** Which of the three outputs (or another file) a resource comes from. */
export type ResourceSource = 'terraform' | 'kubernetes' | 'hosts' | 'file';

/** What happened to a resource between the base and the head. */
export type ResourceAction = 'added' | 'removed' | 'changed' | 'renamed';

/** What happened to one field of a resource. */
export type FieldAction = 'added' | 'removed' | 'changed';

/** One changed leaf (or list item) of a structured resource. */
export interface FieldChange {
  /** Display path, e.g. `spec.template.spec.containers[name=api].image`. */
  readonly path: string;
  readonly action: FieldAction;
  /** The base value; absent when added or masked. */
  readonly before?: Json;
  /** The head value; absent when removed or masked. */
  readonly after?: Json;
  /** The value is secret and was masked (shown as `(changed)`). */
  readonly masked?: boolean;
  /** Why applying this change replaces the resource (ForceNew attribute, immutable field). */
  readonly replaces?: string;
  /** A line diff of a changed multi-line string (a config file held in a ConfigMap). @default - none */
  readonly hunks?: readonly Hunk[];
}

/** One line of a line diff. */
export interface DiffLine {
  readonly op: ' ' | '-' | '+';
  readonly text: string;
}

/** A unified-diff hunk of a text file. */
export interface Hunk {
  /** 1-based first line in the base and its line count. */
  readonly oldStart: number;
  readonly oldLines: number;
  /** 1-based first line in the head and its line count. */
  readonly newStart: number;
  readonly newLines: number;
  readonly lines: readonly DiffLine[];
}

/** One resource (Terraform block, Kubernetes object or host file) that differs. */
export interface ResourceDiff {
  readonly source: ResourceSource;
  /**
   * Identity: `resource.kubernetes_node_taint.pool_db` (Terraform), `apps/v1/Deployment/vehicle/api`
   * (Kubernetes; no namespace segment for cluster-scoped objects), or the file path (hosts).
   */
  readonly id: string;
  /** Short display title, e.g. `Deployment vehicle/api`. */
  readonly title: string;
  /** The file the resource lives in (head file, or base file when removed). */
  readonly file: string;
  readonly action: ResourceAction;
  /** The base identity of a renamed resource. */
  readonly previousId?: string;
  /** Deletions and replacements, which lose state or interrupt service. */
  readonly destructive: boolean;
  /** Why the change is destructive, one sentence each. */
  readonly reasons: readonly string[];
  /** Field changes (structured resources). Empty for text files. */
  readonly changes: readonly FieldChange[];
  /** Line hunks (text files). Empty for structured resources. */
  readonly hunks: readonly Hunk[];
}

/** Counts of one environment's resource diffs. */
export interface DiffCounts {
  readonly added: number;
  readonly changed: number;
  readonly removed: number;
  readonly renamed: number;
  readonly destructive: number;
}

/** The diff of one environment. */
export interface EnvironmentDiff {
  readonly name: string;
  /** `added`/`removed` when the environment exists on one side only. */
  readonly status: 'added' | 'removed' | 'changed' | 'unchanged';
  readonly counts: DiffCounts;
  /** Sorted: Terraform, Kubernetes, hosts, other files; then by id. */
  readonly resources: readonly ResourceDiff[];
}

/** The whole comparison. */
export interface DiffReport {
  /** What the base is, for display: `origin/main`, `dist`. */
  readonly base: string;
  /** What the head is, for display: `working tree`. */
  readonly head: string;
  readonly environments: readonly EnvironmentDiff[];
  readonly totals: DiffCounts;
}

/** Options of the comparison. */
export interface DiffOptions {
  /** Show secret values instead of `(changed)`. @default false */
  readonly showSecrets?: boolean;
  /** Lines of context around each changed line of a text file. @default 3 */
  readonly context?: number;
}

/** Whether the report holds any change. */
export function hasChanges(report: DiffReport): boolean {
  return report.environments.some((env) => env.status !== 'unchanged');
}
