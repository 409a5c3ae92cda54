import { InputError } from '../environments/input-error';
import { ExitCode, ToolError } from './errors';
import { type Io, processIo } from './io';

type Command = (argv: string[], io: Io) => Promise<number>;

interface CommandModule {
  readonly run: Command;
  readonly synopsis: string;
}

/**
 * The commands. Each module is loaded only when its command runs (or for `help`), so that
 * `synth` does not pay for loading deploy, diff and validate.
 */
const COMMANDS: Record<string, { load: () => CommandModule; summary: string }> = {
  synth: {
    load: () => {
      const m: typeof import('./commands/synth') = require('./commands/synth');
      return { run: m.synthCommand, synopsis: m.SYNTH_USAGE };
    },
    summary: 'synthesize environments into DIR (default dist)',
  },
  list: {
    load: () => {
      const m: typeof import('./commands/list') = require('./commands/list');
      return { run: m.listCommand, synopsis: m.LIST_USAGE };
    },
    summary: 'environments and templates',
  },
  diff: {
    load: () => {
      const m: typeof import('./commands/diff') = require('./commands/diff');
      return { run: m.diffCommand, synopsis: m.DIFF_USAGE };
    },
    summary: 'per-resource review of what a change does to the output',
  },
  'new-env': {
    load: () => {
      const m: typeof import('./commands/new-env') = require('./commands/new-env');
      return { run: m.newEnvCommand, synopsis: m.NEW_ENV_USAGE };
    },
    summary: 'write environments/NAME.yaml from a template or a copy of an environment',
  },
  validate: {
    load: () => {
      const m: typeof import('./commands/validate') = require('./commands/validate');
      return { run: m.validateCommand, synopsis: m.VALIDATE_USAGE };
    },
    summary:
      'check manifests against the Kubernetes 1.28 schemas and the CRDs, alert PromQL, and the policy rules',
  },
  deploy: {
    load: () => {
      const m: typeof import('./commands/deploy') = require('./commands/deploy');
      return { run: m.deployCommand, synopsis: m.DEPLOY_USAGE };
    },
    summary: 'Terraform, then Kubernetes (CRDs, server-side apply with pruning, rollouts)',
  },
  rehearse: {
    load: () => {
      const m: typeof import('./commands/rehearse') = require('./commands/rehearse');
      return { run: m.rehearseCommand, synopsis: m.REHEARSE_USAGE };
    },
    summary:
      'deploy onto a local rehearsal cluster (real control plane, simulated nodes) and report what became ready and what failed',
  },
};

function help(): string {
  const lines = ['usage: blueprint <command> [options] [--verbose]', '', 'commands:'];
  for (const { load, summary } of Object.values(COMMANDS))
    lines.push(`  ${load().synopsis}`, `      ${summary}`);
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
    return await command.load().run(rest, io);
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
