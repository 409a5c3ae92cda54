import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { InputError } from '../../environments/input-error';
import type { EnvironmentOutput } from '../../stacks/environment';
import { diffTrees } from '../diff/engine';
import { synthesizeAtRef } from '../diff/git-base';
import { type EnvironmentTree, hasChanges, type OutputTrees } from '../diff/model';
import { renderJson } from '../diff/render-json';
import { renderMarkdown } from '../diff/render-markdown';
import { renderText } from '../diff/render-text';
import { readOutputTrees } from '../diff/tree-reader';
import { ExitCode } from '../errors';
import type { Io } from '../io';
import { isEnvironmentOutput } from '../output-tree';
import { Project } from '../project';
import { synthesizeProject } from './synth';
import { usage } from './usage';

export const DIFF_USAGE =
  'blueprint diff [--base REF | --against DIR] [--env NAME]... [--format text|markdown|json] [--exit-code] [--show-secrets]';

const FORMATS = ['text', 'markdown', 'json'] as const;
type Format = (typeof FORMATS)[number];

/** In-memory outputs as trees for the diff engine. */
export function outputsToTrees(outputs: readonly EnvironmentOutput[]): OutputTrees {
  const trees = new Map<string, EnvironmentTree>();
  for (const output of outputs) {
    trees.set(
      output.name,
      new Map(output.files.map((file) => [file.path, { content: file.content, mode: file.mode ?? 0o644 }])),
    );
  }
  return trees;
}

function restrict(trees: OutputTrees, names: ReadonlySet<string> | undefined): OutputTrees {
  if (!names) return trees;
  return new Map([...trees].filter(([name]) => names.has(name)));
}

/**
 * `blueprint diff`: compares the working tree's synthesis with the synthesis at a git ref
 * (`--base`), or with an output directory (`--against`, default `dist`), resource by resource.
 * Exit 0 (1 with `--exit-code` when anything changed), 2 for bad input, 3 when git or the
 * base's synthesis fails.
 */
export async function diffCommand(argv: string[], io: Io): Promise<number> {
  const { values } = usage(DIFF_USAGE, () =>
    parseArgs({
      args: argv,
      options: {
        base: { type: 'string' },
        against: { type: 'string' },
        env: { type: 'string', multiple: true, default: [] },
        format: { type: 'string', default: 'text' },
        'exit-code': { type: 'boolean', default: false },
        'show-secrets': { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }),
  );
  const format = values.format as Format;
  if (!FORMATS.includes(format)) {
    throw new InputError({
      path: '--format',
      value: values.format,
      message: `is not a format (${FORMATS.join(', ')})`,
    });
  }
  if (values.base !== undefined && values.against !== undefined) {
    throw new InputError({ message: `give --base REF or --against DIR, not both; usage: ${DIFF_USAGE}` });
  }
  if (values.base === '') throw new InputError({ path: '--base', value: '', message: 'is not a git ref' });
  const project = Project.find(io.cwd);
  const requested = [...new Set(values.env ?? [])].sort();
  const only = requested.length > 0 ? new Set(requested) : undefined;
  const local = project.environmentNames();

  let base: OutputTrees;
  let baseLabel: string;
  if (values.base !== undefined) {
    const synthesis = await synthesizeAtRef(project.root, values.base, requested);
    base = synthesis.trees;
    baseLabel = values.base;
  } else {
    const dir = path.resolve(io.cwd, values.against ?? path.join(project.root, 'dist'));
    const shown = path.relative(io.cwd, dir) || '.';
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
      if (values.against !== undefined)
        throw new InputError({ path: '--against', value: values.against, message: 'is not a directory' });
      throw new InputError({
        message: `nothing to compare with: ${shown}/ does not exist; give --base REF or --against DIR`,
      });
    }
    if (isEnvironmentOutput(dir)) {
      throw new InputError({
        path: '--against',
        value: values.against ?? shown,
        message: `is one environment's output; give the directory above it (${path.relative(io.cwd, path.dirname(dir)) || '.'}), which holds <env>/terraform, <env>/kubernetes, ...`,
      });
    }
    base = readOutputTrees(dir, only);
    baseLabel = shown;
  }

  const unknown = requested.filter((name) => !local.includes(name) && !base.has(name));
  if (unknown.length > 0) {
    throw new InputError(
      unknown.map((name) => ({
        path: '--env',
        value: name,
        message: `is not a known environment (known: ${[...new Set([...local, ...base.keys()])].sort().join(', ') || 'none'})`,
      })),
    );
  }
  const headNames = only ? requested.filter((name) => local.includes(name)) : local;
  const head = headNames.length > 0 ? outputsToTrees(synthesizeProject(project, headNames)) : new Map();
  const report = diffTrees(
    restrict(base, only),
    head,
    { base: baseLabel, head: 'working tree' },
    {
      showSecrets: values['show-secrets'],
    },
  );
  const text =
    format === 'json'
      ? renderJson(report)
      : format === 'markdown'
        ? renderMarkdown(report)
        : renderText(report, io.isTty);
  io.out(text);
  return values['exit-code'] && hasChanges(report) ? ExitCode.FINDINGS : ExitCode.OK;
}
