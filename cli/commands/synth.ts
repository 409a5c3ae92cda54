import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { type EnvironmentOutput, synthesizeEnvironment } from '../../stacks/environment';
import { ExitCode } from '../errors';
import type { Io } from '../io';
import {
  checkOutputDirectory,
  compareOutputs,
  compareRootManifest,
  staleEnvironmentDirs,
  writeOutputs,
} from '../output-tree';
import { Project } from '../project';
import { synthesizeAll } from '../synth-pool';
import { usage } from './usage';

export const SYNTH_USAGE = 'blueprint synth [--env NAME]... [--out DIR] [--check]';

/** Loads and synthesizes the named environments (all when none), in memory. */
export function synthesizeProject(project: Project, names: readonly string[]): EnvironmentOutput[] {
  const selected = project.selectEnvironments(names);
  return project.loadEnvironments(selected).map((env) => synthesizeEnvironment(env));
}

/**
 * `blueprint synth`: synthesize all or the named environments into DIR (default `dist`).
 * With `--check`, write nothing and exit 1 when DIR differs from a fresh synthesis.
 */
export async function synthCommand(argv: string[], io: Io): Promise<number> {
  const { values } = usage(SYNTH_USAGE, () =>
    parseArgs({
      args: argv,
      options: {
        env: { type: 'string', multiple: true, default: [] },
        out: { type: 'string' },
        check: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }),
  );
  const project = Project.find(io.cwd);
  const outDir = values.out ? path.resolve(io.cwd, values.out) : path.join(project.root, 'dist');
  const shownOut = values.out ?? (path.relative(io.cwd, outDir) || '.');
  const envNames = values.env ?? [];
  checkOutputDirectory(outDir, shownOut, project.root);
  const started = performance.now();
  const envs = project.loadEnvironments(project.selectEnvironments(envNames));
  const many = envs.length >= 10;
  const timed = await synthesizeAll(envs, ({ output, ms }, finished) => {
    const progress = many ? `[${finished}/${envs.length}] ` : '';
    io.out(
      `${progress}${output.name}: ${output.objects} objects, ${output.resources} resources, ${output.files.length} files, ${ms} ms`,
    );
  });
  const outputs = timed.map(({ output }) => output);
  // Only a full synthesis knows which environment directories are stale.
  const stale =
    envNames.length === 0 ? staleEnvironmentDirs(outDir, shownOut, project.environmentNames()) : [];
  if (values.check) {
    const differences = [
      ...compareRootManifest(
        outDir,
        shownOut,
        outputs.map((output) => output.name),
        envNames.length > 0,
      ),
      ...compareOutputs(outDir, outputs, shownOut),
      ...stale.map((name) => ({ path: `${name}/`, kind: 'extra' as const })),
    ];
    if (differences.length === 0) {
      io.out(`${shownOut} is up to date (${outputs.length} environments)`);
      return ExitCode.OK;
    }
    for (const difference of differences)
      io.out(`${difference.kind.padEnd(7)} ${path.join(shownOut, difference.path)}`);
    io.out(
      `${shownOut} is stale: ${differences.length} files differ; run \`blueprint synth\` and commit the result`,
    );
    return ExitCode.FINDINGS;
  }
  writeOutputs(outDir, shownOut, outputs, stale);
  const removed = stale.length > 0 ? `, removed ${stale.join(', ')}` : '';
  io.out(
    `wrote ${outputs.length} environments to ${shownOut}${removed} in ${Math.round(performance.now() - started)} ms`,
  );
  return ExitCode.OK;
}
