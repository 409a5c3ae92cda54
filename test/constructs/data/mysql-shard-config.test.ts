import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MysqlShardConfig } from '../../../constructs/data/mysql-shard-config';

/**
 * Runs the rendered scripts with bash, in a temporary directory standing in for the pod's
 * mounts, with `docker_process_sql` (the image entrypoint's function) replaced by `cat`.
 */
describe('MysqlShardConfig scripts', () => {
  const files = new MysqlShardConfig(3307, 1536).files();
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'mysql-shard-'));
    for (const dir of ['config', 'conf', 'initdb']) fs.mkdirSync(path.join(root, dir));
    for (const [name, content] of Object.entries(files))
      fs.writeFileSync(path.join(root, 'config', name), content);
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  function initPod(podName: string) {
    const script = files['init-pod.sh']
      ?.replaceAll(MysqlShardConfig.CONFIG_DIR, path.join(root, 'config'))
      .replaceAll(MysqlShardConfig.CONF_D, path.join(root, 'conf'))
      .replaceAll(MysqlShardConfig.INITDB_D, path.join(root, 'initdb'));
    return spawnSync('bash', ['-c', script ?? ''], {
      env: { PATH: process.env.PATH, POD_NAME: podName, HEADLESS_SERVICE: 'users-x-80-headless' },
      encoding: 'utf8',
      timeout: 10_000,
    });
  }

  function sourced(script: string, env: Record<string, string>) {
    return spawnSync('bash', ['-c', `docker_process_sql() { cat; }\nset -eu\n${script}`], {
      env: { PATH: process.env.PATH, ...env },
      encoding: 'utf8',
      timeout: 10_000,
    });
  }

  it('gives ordinal 0 the primary script and a server id of 100', () => {
    const result = initPod('users-x-80-0');
    expect(result.status).toBe(0);
    expect(fs.readdirSync(path.join(root, 'initdb'))).toEqual(['10-primary.sh']);
    expect(fs.readFileSync(path.join(root, 'conf', '20-pod.cnf'), 'utf8')).toBe(
      '[mysqld]\nserver_id = 100\nreport_host = users-x-80-0.users-x-80-headless\n',
    );
    expect(fs.readFileSync(path.join(root, 'conf', '10-shard.cnf'), 'utf8')).toContain('port = 3307');
  });

  it('gives other ordinals the replica script and distinct server ids', () => {
    expect(initPod('users-x-80-12').status).toBe(0);
    expect(fs.readdirSync(path.join(root, 'initdb'))).toEqual(['10-replica.sh']);
    expect(fs.readFileSync(path.join(root, 'conf', '20-pod.cnf'), 'utf8')).toContain('server_id = 112');
  });

  it('fails when the pod name has no ordinal', () => {
    const result = initPod('users-x-80-');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('cannot read the ordinal');
  });

  it('quotes passwords for SQL, whatever they contain', () => {
    const password = `it's a \\ "pass" $(echo no) \`x\``;
    const primary = sourced(files['primary.sh'] ?? '', {
      EXPORTER_PASSWORD: password,
      REPLICATION_PASSWORD: 'r',
    });
    expect(primary.status).toBe(0);
    expect(primary.stdout).toContain(
      `IDENTIFIED BY 'it''s a \\\\ "pass" $(echo no) \`x\`' WITH MAX_USER_CONNECTIONS 3;`,
    );
    expect(primary.stdout).toContain(`CREATE USER IF NOT EXISTS 'replication'@'%' IDENTIFIED BY 'r';`);
    const replica = sourced(files['replica.sh'] ?? '', {
      REPLICATION_PASSWORD: password,
      PRIMARY_HOST: 'users-x-80-0.users-x-80-headless',
    });
    expect(replica.status).toBe(0);
    expect(replica.stdout).toContain(
      `SOURCE_HOST='users-x-80-0.users-x-80-headless', SOURCE_PORT=3307, SOURCE_USER='replication', SOURCE_PASSWORD='it''s a \\\\ "pass" $(echo no) \`x\`'`,
    );
    expect(replica.stdout).toContain('START REPLICA;');
  });

  it('creates no replication account without a replication password', () => {
    const primary = sourced(files['primary.sh'] ?? '', { EXPORTER_PASSWORD: 'e' });
    expect(primary.status).toBe(0);
    expect(primary.stdout).not.toContain('replication');
  });
});
