import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Aspects, type IAspect, TerraformOutput, TerraformStack } from 'cdktf';
import type { IConstruct } from 'constructs';
import { synthesizeStackInMemory } from '../../../stacks/terraform/cdktf-internals';
import { PlatformStack } from '../../../stacks/terraform/platform-stack';
import { REPO_ROOT } from '../../support/cli';
import { loadRepoEnvironment } from '../../support/repo-environment';

/**
 * The fence around cdktf's internals (stacks/terraform/cdktf-internals.ts, defer-archiver.ts):
 * what they produce must stay what cdktf's public API produces. A cdktf upgrade that changes
 * the internal steps fails here.
 */
describe('cdktf internals adapter', () => {
  it.each(['prod', 'prod-b', 'test'])(
    "synthesizes %s's stack in memory exactly as cdktf's own app.synth() writes it",
    (name) => {
      const env = loadRepoEnvironment(name);
      const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-cdktf-'));
      try {
        const app = new App({ outdir, stackTraces: false });
        new PlatformStack(app, env.name, env);
        app.synth();
        const theirs = JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', name, 'cdk.tf.json'), 'utf8'));

        const memoryApp = new App({ outdir: 'cdktf.out', stackTraces: false, skipValidation: false });
        const ours = synthesizeStackInMemory(new PlatformStack(memoryApp, env.name, env));
        expect(JSON.parse(JSON.stringify(ours))).toEqual(theirs);
        expect(Object.keys((ours as { resource?: object }).resource ?? {}).length).toBeGreaterThan(0);
      } finally {
        fs.rmSync(outdir, { recursive: true, force: true });
      }
    },
  );

  it('runs aspects and adds the default backend as app.synth() does (what an extension may rely on)', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-cdktf-'));
    /** An aspect that adds an output to every stack it visits: visible only if aspects ran. */
    class Mark implements IAspect {
      visit(node: IConstruct): void {
        if (node instanceof TerraformStack && !node.node.tryFindChild('marked'))
          new TerraformOutput(node, 'marked', { value: 'yes' });
      }
    }
    const build = (app: App) => {
      const stack = new TerraformStack(app, 'plain');
      Aspects.of(stack).add(new Mark());
      return stack;
    };
    try {
      const app = new App({ outdir, stackTraces: false });
      build(app);
      app.synth();
      const theirs = JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', 'plain', 'cdk.tf.json'), 'utf8'));
      const ours = JSON.parse(
        JSON.stringify(synthesizeStackInMemory(build(new App({ outdir, stackTraces: false })))),
      );
      expect(ours.output?.marked?.value).toBe('yes');
      expect(ours.terraform?.backend?.local).toBeDefined();
      expect(ours).toEqual(theirs);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('defers archiver until something uses it, and a TerraformAsset archive still works', () => {
    // Node's own module cache (jest has its own registry), so in a plain node process.
    const script = `
      require(${JSON.stringify(path.join(REPO_ROOT, 'stacks/terraform/cdktf-internals.ts'))});
      const path = require('node:path');
      const fs = require('node:fs');
      const cdktfDir = path.dirname(require.resolve('cdktf/package.json'));
      const archiverPath = require.resolve('archiver', { paths: [cdktfDir] });
      const cdktf = require('cdktf');
      const before = require.cache[archiverPath];
      const deferred = before !== undefined && before.exports.length === 0 && !('create' in before.exports);
      const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'pb-asset-'));
      fs.mkdirSync(path.join(dir, 'content'));
      fs.writeFileSync(path.join(dir, 'content', 'hello.txt'), 'hello');
      const app = new cdktf.App({ outdir: path.join(dir, 'out') });
      const stack = new cdktf.TerraformStack(app, 'asset');
      new cdktf.TerraformAsset(stack, 'a', { path: path.join(dir, 'content'), type: cdktf.AssetType.ARCHIVE });
      app.synth();
      const zips = [];
      const walk = (d) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const f = path.join(d, e.name); if (e.isDirectory()) walk(f); else if (f.endsWith('.zip')) zips.push(fs.statSync(f).size); } };
      // cdktf zips in the background of synth; wait for the file to be complete.
      setTimeout(() => {
        walk(path.join(dir, 'out'));
        fs.rmSync(dir, { recursive: true, force: true });
        console.log(JSON.stringify({ deferred, zips }));
      }, 1500);
    `;
    const out = execFileSync(
      process.execPath,
      ['-r', path.join(REPO_ROOT, 'bin/register-ts.js'), '-e', script],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    const result = JSON.parse(out.trim().split('\n').pop() as string) as {
      deferred: boolean;
      zips: number[];
    };
    expect(result.deferred).toBe(true);
    expect(result.zips.length).toBe(1);
    expect(result.zips[0]).toBeGreaterThan(0);
  });
});
