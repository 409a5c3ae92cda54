import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { TempProject } from '../../support/cli';
import { describeNeeding } from '../../support/requirements';

/**
 * The pg backend block with the real Terraform and a real PostgreSQL on 127.0.0.1: the
 * connection string comes only from PG_CONN_STR, and the state lives in the schema the block
 * names. Skipped where terraform or PostgreSQL's server binaries are not installed.
 */

function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const full = path.join(dir, name);
    if (fs.existsSync(full)) return full;
  }
  return undefined;
}

const binaries = { terraform: which('terraform'), initdb: which('initdb'), pgCtl: which('pg_ctl') };
const runnable = Object.values(binaries).every((binary) => binary !== undefined);
// PostgreSQL refuses to run as root; root runs it as nobody.
const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const NOBODY = 65534;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describeNeeding(
  'the pg backend with terraform and PostgreSQL',
  [runnable ? undefined : 'terraform, initdb and pg_ctl (Debian postgresql)'],
  () => {
    let dir: string;
    let port: number;
    let project: TempProject;
    const postgres = (argv: string[]) =>
      execFileSync(
        asRoot ? 'runuser' : (argv[0] as string),
        asRoot ? ['-u', 'nobody', '--', ...argv] : argv.slice(1),
        {
          stdio: 'pipe',
          timeout: 60_000,
        },
      );

    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blueprint-pg-'));
      if (asRoot) fs.chownSync(dir, NOBODY, NOBODY);
      port = await freePort();
      postgres([binaries.initdb as string, '-D', path.join(dir, 'data'), '-U', 'blueprint', '--auth=trust']);
      postgres([
        binaries.pgCtl as string,
        '-D',
        path.join(dir, 'data'),
        '-o',
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`,
        '-l',
        path.join(dir, 'log'),
        '-w',
        '-t',
        '30',
        'start',
      ]);
      project = new TempProject();
    }, 90_000);

    afterAll(() => {
      try {
        postgres([
          binaries.pgCtl as string,
          '-D',
          path.join(dir, 'data'),
          '-m',
          'immediate',
          '-w',
          '-t',
          '30',
          'stop',
        ]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
        project?.dispose();
      }
    }, 60_000);

    it('keeps the state in schema blueprint_<env>, reached through PG_CONN_STR only', async () => {
      project.write(
        'environments/test.yaml',
        `${project.read('environments/test.yaml')}\nterraform:\n  backend: { type: pg }\n`,
      );
      const synth = await project.run(['synth', '--env', 'test', '--out', 'out']);
      expect(synth.code).toBe(0);
      const workDir = project.path('work');
      fs.mkdirSync(workDir);
      fs.copyFileSync(project.path('out/test/terraform/cdk.tf.json'), path.join(workDir, 'cdk.tf.json'));
      expect(fs.readFileSync(path.join(workDir, 'cdk.tf.json'), 'utf8')).not.toContain('conn_str');
      // Providers come from a mirror on a closed port, so only the backend part of init can succeed.
      const cliConfig = project.path('terraformrc');
      fs.writeFileSync(
        cliConfig,
        `provider_installation {\n  network_mirror {\n    url = "https://127.0.0.1:${await freePort()}/"\n  }\n}\n`,
      );
      const env = {
        ...process.env,
        PG_CONN_STR: `postgres://blueprint@127.0.0.1:${port}/postgres?sslmode=disable`,
        TF_CLI_CONFIG_FILE: cliConfig,
        TF_IN_AUTOMATION: '1',
      };
      const terraform = (args: string[]) => {
        try {
          return {
            code: 0,
            out: execFileSync('terraform', ['-chdir=work', ...args, '-no-color'], {
              cwd: project.root,
              env,
              encoding: 'utf8',
              stdio: 'pipe',
              timeout: 60_000,
            }),
          };
        } catch (error) {
          const failure = error as { status: number; stdout: string; stderr: string };
          return { code: failure.status, out: `${failure.stdout}${failure.stderr}` };
        }
      };
      const init = terraform(['init', '-input=false']);
      expect(init.out).toContain('Successfully configured the backend "pg"!');
      // A workspace created through the backend is listed by a new terraform process: it is in PostgreSQL.
      expect(terraform(['workspace', 'new', 'staging']).code).toBe(0);
      const listed = terraform(['workspace', 'list']);
      expect(listed.out).toMatch(/^\s+default$/m);
      expect(listed.out).toMatch(/^\* staging$/m);
      // Without PG_CONN_STR the driver falls back to libpq defaults (localhost:5432), not to this server.
      const withoutConnection = execFileSync(
        'sh',
        ['-c', 'terraform -chdir=work workspace list -no-color 2>&1; echo "exit=$?"'],
        { cwd: project.root, env: { ...env, PG_CONN_STR: '' }, encoding: 'utf8', timeout: 60_000 },
      );
      expect(withoutConnection).not.toContain('staging');
    }, 120_000);
  },
);
