import type { EnvironmentOutput } from '../../stacks/environment';
import type { TreeDifference } from '../output-tree';
import { commandLine, plural, type Step } from './plan';

/** Pure renderers of what deploy tells the user before it runs anything. */

const PHASES: Readonly<Record<Step['phase'], string>> = {
  preflight: 'preflight checks',
  terraform: 'Terraform',
  kubernetes: 'Kubernetes',
};

/** The numbered steps with their exact command lines, grouped by phase (`--dry-run`). */
export function describeSteps(steps: readonly Step[]): string[] {
  const lines: string[] = [];
  let phase: Step['phase'] | undefined;
  steps.forEach((step, index) => {
    if (step.phase !== phase) {
      phase = step.phase;
      lines.push('', `${PHASES[phase]}:`);
    }
    const condition = step.onlyIfChanges ? ' (only when the plan has changes)' : '';
    lines.push(`  ${String(index + 1).padStart(2)}. ${step.title}${condition}`);
    if (step.kind === 'run') lines.push(`      $ ${commandLine(step)}`);
    else if (step.kind === 'confirm') lines.push(`      ? ${step.question} (--yes skips this question)`);
    else if (step.check?.type === 'kubeconfig') lines.push(`      reads ${step.check.path}`);
    else if (step.check?.type === 'env') lines.push(`      reads $${step.check.variable}`);
  });
  lines.push('');
  return lines;
}

/** Stale files listed one by one; the rest are counted. */
const MAX_LISTED = 10;

/**
 * Whether the committed output matches the fresh synthesis, in the words of
 * `synth --check`: one line per differing file, then the verdict.
 */
export function describeOutput(
  output: EnvironmentOutput,
  differences: readonly TreeDifference[],
  shownOut: string,
  environmentFile: string,
): string[] {
  const where = `${shownOut}/${output.name}`;
  if (differences.length === 0) return [`${where} is up to date with ${environmentFile}`];
  if (
    differences.length === output.files.length &&
    differences.every((difference) => difference.kind === 'missing')
  ) {
    return [
      `warning: ${where} holds no committed output; deploy applies a fresh synthesis of ${environmentFile}. Run \`blueprint synth\` and commit the result so that what is reviewed is what is deployed`,
    ];
  }
  const shown = differences.slice(0, MAX_LISTED);
  const more = differences.length - shown.length;
  return [
    ...shown.map((difference) => `${difference.kind.padEnd(7)} ${shownOut}/${difference.path}`),
    ...(more > 0
      ? [`... and ${more} more (\`blueprint synth --check --out ${shownOut}\` lists them all)`]
      : []),
    `warning: ${where} is stale: ${plural(differences.length, 'file')} differ from a fresh synthesis of ${environmentFile}; deploy applies the fresh synthesis. Run \`blueprint synth\` and commit the result so that what is reviewed is what is deployed`,
  ];
}

/** Where the host files are; deploy never pushes them. */
export function hostsNote(output: EnvironmentOutput, shownOut: string): string {
  const hosts = [
    ...new Set(
      output.files
        .filter((file) => file.path.startsWith('hosts/'))
        .map((file) => file.path.split('/')[1] ?? '')
        .filter((name) => name !== ''),
    ),
  ].sort();
  if (hosts.length === 0) return `host files: none in the output of ${output.name}`;
  return `host files are not pushed by deploy: copy ${shownOut}/${output.name}/hosts/<host>/ to each of ${hosts.length} machines (${hosts.join(', ')}) and restart the services there`;
}
