import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { writeScaledProject } from './generate';

/**
 * `npm run bench`: synth wall time and peak RSS at several sizes (N environments × M
 * services), the slope of cost against size, and the ratio against running the cdktf and
 * cdk8s CLIs on the same app. Prints a table and writes bench/results/latest.json.
 */

const ROOT = path.resolve(__dirname, '..');

interface Measurement {
  readonly wallMs: number;
  readonly maxRssMb: number;
}

interface SizeResult {
  readonly environments: number;
  readonly servicesPerEnvironment: number;
  readonly services: number;
  readonly files: number;
  readonly runs: Measurement[];
  readonly medianWallMs: number;
  readonly medianMaxRssMb: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Runs `blueprint synth` in a fresh process (node start included) and measures it. */
function measureSynth(projectRoot: string, outDir: string): Measurement {
  fs.rmSync(outDir, { recursive: true, force: true });
  const started = process.hrtime.bigint();
  const result = spawnSync(
    process.execPath,
    [path.join(ROOT, 'bench', 'measure.js'), 'synth', '--out', outDir],
    {
      cwd: projectRoot,
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    },
  );
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`blueprint synth failed (${result.status}):\n${result.stderr}`);
  const report = JSON.parse(String(result.output[3])) as { maxRssKb: number };
  return { wallMs, maxRssMb: report.maxRssKb / 1024 };
}

/** Times a command (wall clock, node start included). */
function timeCommand(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, {
    cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    env,
  });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Least-squares line through (x, y): the cost per service and how straight the line is. */
export function fitLine(points: readonly { x: number; y: number }[]): {
  slope: number;
  intercept: number;
  r2: number;
} {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const slope = sxx === 0 ? 0 : sxy / sxx;
  const intercept = my - slope * mx;
  const ssTot = points.reduce((s, p) => s + (p.y - my) ** 2, 0);
  const ssRes = points.reduce((s, p) => s + (p.y - (intercept + slope * p.x)) ** 2, 0);
  return { slope, intercept, r2: ssTot === 0 ? 1 : 1 - ssRes / ssTot };
}

function countFiles(dir: string): number {
  let count = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (entry.isFile()) count++;
  return count;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '1x10,10x50,50x100' },
      runs: { type: 'string', default: '3' },
      'cli-runs': { type: 'string', default: '1' },
      'no-cli-compare': { type: 'boolean', default: false },
      out: { type: 'string', default: path.join(ROOT, 'bench', 'results', 'latest.json') },
    },
  });
  const runs = Number(values.runs);
  const sizes = (values.sizes ?? '').split(',').map((size) => {
    const [n, m] = size.split('x').map(Number);
    if (!n || !m) throw new Error(`--sizes: "${size}" is not NxM (environments x services)`);
    return { environments: n, services: m };
  });
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'blueprint-bench-'));
  const results: SizeResult[] = [];
  try {
    for (const size of sizes) {
      const projectRoot = path.join(scratch, `${size.environments}x${size.services}`);
      writeScaledProject(projectRoot, path.join(ROOT, 'environments'), size.environments, size.services);
      const outDir = path.join(projectRoot, 'dist');
      const measured = Array.from({ length: runs }, () => measureSynth(projectRoot, outDir));
      results.push({
        environments: size.environments,
        servicesPerEnvironment: size.services,
        services: size.environments * size.services,
        files: countFiles(outDir),
        runs: measured,
        medianWallMs: median(measured.map((m) => m.wallMs)),
        medianMaxRssMb: median(measured.map((m) => m.maxRssMb)),
      });
      process.stderr.write(`bench: ${size.environments}x${size.services} done\n`);
    }

    // The shipped environments, through blueprint and through the cdktf + cdk8s CLIs.
    const shippedOut = path.join(scratch, 'shipped');
    const shipped = median(Array.from({ length: runs }, () => measureSynth(ROOT, shippedOut).wallMs));
    let cli: { cdktfMs: number; cdk8sMs: number; ratio: number } | undefined;
    if (!values['no-cli-compare']) {
      const env = { ...process.env, CHECKPOINT_DISABLE: '1', CI: 'true', FORCE_COLOR: '0' };
      const cliRuns = Number(values['cli-runs']);
      const cdktfMs = median(
        Array.from({ length: cliRuns }, () =>
          timeCommand(
            path.join(ROOT, 'node_modules/.bin/cdktf'),
            ['synth', '--output', path.join(scratch, 'cdktf.out')],
            ROOT,
            env,
          ),
        ),
      );
      const cdk8sMs = median(
        Array.from({ length: cliRuns }, () =>
          timeCommand(
            path.join(ROOT, 'node_modules/.bin/cdk8s'),
            ['synth', '--output', path.join(scratch, 'cdk8s.out')],
            ROOT,
            env,
          ),
        ),
      );
      cli = { cdktfMs, cdk8sMs, ratio: (cdktfMs + cdk8sMs) / shipped };
    }

    const line = fitLine(results.map((r) => ({ x: r.services, y: r.medianWallMs })));
    const perEnv = fitLine(results.map((r) => ({ x: r.environments, y: r.medianMaxRssMb })));
    const report = {
      machine: {
        cores: os.availableParallelism(),
        memoryGb: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
      },
      runsPerSize: runs,
      sizes: results,
      shippedEnvironments: { medianWallMs: shipped, cli },
      scaling: {
        msPerService: line.slope,
        fixedMs: line.intercept,
        r2: line.r2,
        rssMbPerEnvironment: perEnv.slope,
      },
    };

    const rows = [
      ['size (envs x services)', 'services', 'files', 'median wall ms', 'median peak RSS MB'],
      ...results.map((r) => [
        `${r.environments}x${r.servicesPerEnvironment}`,
        String(r.services),
        String(r.files),
        r.medianWallMs.toFixed(0),
        r.medianMaxRssMb.toFixed(0),
      ]),
    ];
    const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
    for (const row of rows) console.log(row.map((cell, i) => cell.padStart(widths[i] ?? 0)).join('  '));
    console.log('');
    console.log(`shipped environments: blueprint synth ${shipped.toFixed(0)} ms (node start included)`);
    if (cli) {
      console.log(
        `cdktf synth ${cli.cdktfMs.toFixed(0)} ms + cdk8s synth ${cli.cdk8sMs.toFixed(0)} ms = ${(cli.cdktfMs + cli.cdk8sMs).toFixed(0)} ms: blueprint is ${cli.ratio.toFixed(1)}x faster`,
      );
    }
    console.log(
      `slope: ${line.slope.toFixed(2)} ms per service (+${line.intercept.toFixed(0)} ms fixed), r²=${line.r2.toFixed(3)}`,
    );
    fs.mkdirSync(path.dirname(values.out ?? ''), { recursive: true });
    fs.writeFileSync(values.out ?? '', `${JSON.stringify(report, null, 2)}\n`);
    console.log(`wrote ${path.relative(process.cwd(), values.out ?? '')}`);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

if (require.main === module) main();
