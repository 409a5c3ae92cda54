import { InputError } from '../environments/input-error';
import { DEPLOY_USAGE, deployCommand } from './commands/deploy';
import { DIFF_USAGE, diffCommand } from './commands/diff';
import { listCommand } from './commands/list';
import { NEW_ENV_USAGE, newEnvCommand } from './commands/new-env';
import { SYNTH_USAGE, synthCommand } from './commands/synth';
import { VALIDATE_USAGE, validateCommand } from './commands/validate';
import { ExitCode, ToolError } from './errors';
import { type Io, processIo } from './io';

type Command = (argv: string[], io: Io) => Promise<number>;

const COMMANDS: Record<string, { run: Command; synopsis: string; summary: string }> = {
  synth: {
    run: synthCommand,
    synopsis: SYNTH_USAGE,
    summary: 'synthesize environments into DIR (default dist)',
  },
  list: { run: listCommand, synopsis: 'blueprint list', summary: 'environments and templates' },
  diff: { run: diffCommand, synopsis: DIFF_USAGE, summary: 'per-resource review of what a change does to the output' },
  'new-env': {
    run: newEnvCommand,
    synopsis: NEW_ENV_USAGE,
    summary: 'write environments/NAME.yaml from a template or a copy of an environment',
  },
  validate: {
    run: validateCommand,
    synopsis: VALIDATE_USAGE,
    summary: 'check manifests against the Kubernetes 1.28 schemas and the CRDs, alert PromQL, and the policy rules',
  },
  deploy: {
    run: (argv, io) => deployCommand(argv, io),
    synopsis: DEPLOY_USAGE,
    summary: 'Terraform, then Kubernetes (CRDs, server-side apply with pruning, rollouts)',
  },
};

function help(): string {
  const lines = ['usage: blueprint <command> [options] [--verbose]', '', 'commands:'];
  for (const { synopsis, summary } of Object.values(COMMANDS))
    lines.push(`  ${synopsis}`, `      ${summary}`);
  lines.push(
    '',
    'exit codes: 0 success, 1 differences or findings, 2 invalid input, 3 an external tool or cluster failed',
  );
  return lines.join('\n');
}

/**
 * Runs one command and returns its exit code. Input errors print one line per problem and
 * return 2; tool failures return 3; neither shows a stack trace unless `--verbose`.
 */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const verbose = argv.includes('--verbose');
  const args = argv.filter((arg) => arg !== '--verbose');
  const [name, ...rest] = args;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.out(help());
    return name === undefined ? ExitCode.INPUT : ExitCode.OK;
  }
  const command = COMMANDS[name];
  try {
    if (!command) {
      throw new InputError({
        value: name,
        message: `is not a blueprint command (commands: ${Object.keys(COMMANDS).join(', ')})`,
      });
    }
    return await command.run(rest, io);
  } catch (error) {
    if (verbose && error instanceof Error) io.err(error.stack ?? error.message);
    if (error instanceof InputError) {
      for (const problem of error.message.split('\n')) io.err(`error: ${problem}`);
      return ExitCode.INPUT;
    }
    if (error instanceof ToolError) {
      io.err(`error: ${error.message}`);
      return ExitCode.TOOL;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.err(
      `internal error (a bug in blueprint): ${message}${verbose ? '' : '\nrun again with --verbose for the stack trace'}`,
    );
    return ExitCode.INTERNAL;
  }
}

/** The binary's entry point. */
export function run(argv: readonly string[]): void {
  main(argv, processIo()).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`internal error: ${String(error)}\n`);
      process.exitCode = ExitCode.INTERNAL;
    },
  );
}
