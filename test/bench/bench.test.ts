import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fitLine } from '../../bench/run';
import { REPO_ROOT } from '../support/cli';

describe('npm run bench (smoke, tiny size; speed itself is not tested here)', () => {
  it('fits a line and reports how straight it is', () => {
    const line = fitLine([
      { x: 10, y: 120 },
      { x: 100, y: 300 },
      { x: 1000, y: 2100 },
    ]);
    expect(line.slope).toBeCloseTo(2, 5);
    expect(line.intercept).toBeCloseTo(100, 5);
    expect(line.r2).toBeCloseTo(1, 5);
  });

  it('runs end to end and writes its JSON report', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-')), 'report.json');
    try {
      const stdout = execFileSync(
        process.execPath,
        [
          '-r',
          './bin/register-ts.js',
          'bench/run.ts',
          '--sizes',
          '1x2,2x2',
          '--runs',
          '1',
          '--no-cli-compare',
          '--out',
          out,
        ],
        { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 },
      );
      expect(stdout).toMatch(/median wall ms/);
      expect(stdout).toMatch(/ms per service/);
      const report = JSON.parse(fs.readFileSync(out, 'utf8'));
      expect(report.sizes.map((s: { environments: number }) => s.environments)).toEqual([1, 2]);
      for (const size of report.sizes) {
        expect(size.medianWallMs).toBeGreaterThan(0);
        expect(size.medianMaxRssMb).toBeGreaterThan(10);
        expect(size.files).toBeGreaterThan(size.environments);
      }
    } finally {
      fs.rmSync(path.dirname(out), { recursive: true, force: true });
    }
  });
});
