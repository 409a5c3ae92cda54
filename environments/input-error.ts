/**
 * One problem with the user's input: the file it is in, the field path, the value
 * that was found, and what is allowed. Paths use dots and `[index]`, e.g.
 * `controlPlane.masters[1].address`.
 */
export interface InputProblem {
  /** Repository-relative file the problem is in, e.g. `environments/prod.yaml`. @default - not about a file (a command-line problem) */
  readonly file?: string;
  /** Field path inside the file. @default - the whole file */
  readonly path?: string;
  /** The offending value, shown as JSON. @default - no value shown */
  readonly value?: unknown;
  /** What is wrong and what is allowed, e.g. `is not an IPv4 address`. */
  readonly message: string;
}

/**
 * The single error type for bad input (an environment file, a command-line argument, a
 * refused request). The CLI prints one line per problem and exits 2 without a stack trace.
 * Anything that is not an InputError is a bug.
 */
export class InputError extends Error {
  public readonly problems: readonly InputProblem[];

  constructor(problems: InputProblem | readonly InputProblem[]) {
    const list = Array.isArray(problems) ? problems : [problems as InputProblem];
    super(list.map(formatProblem).join('\n'));
    this.name = 'InputError';
    this.problems = list;
  }
}

/** `file: path: value message`, leaving out the parts a problem does not have. */
export function formatProblem(problem: InputProblem): string {
  const where = [problem.file, problem.path].filter((part) => part !== undefined && part !== '');
  const value = 'value' in problem && problem.value !== undefined ? `${showValue(problem.value)} ` : '';
  return `${where.length > 0 ? `${where.join(': ')}: ` : ''}${value}${problem.message}`;
}

function showValue(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Joins path segments the way messages show them: `a.b[2].c`. */
export function joinPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}
