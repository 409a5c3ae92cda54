/** A bash function that quotes a value for a single-quoted SQL string (doubles `\\` and `'`). */
const SQL_QUOTE = [
  '# Quotes a value for a single-quoted SQL string.',
  `sql_quote() { local value=\${1//\\\\/\\\\\\\\}; printf '%s' "\${value//\\'/\\'\\'}"; }`,
];

/**
 * The files a MySQL shard's pods share, rendered as text for a ConfigMap: the server
 * configuration, the init container's script that gives each pod its identity, and the
 * first-start SQL of the primary and of the replicas (run by the official image's
 * entrypoint from /docker-entrypoint-initdb.d, with passwords read from environment
 * variables that come from Secrets; no secret value is in any of these files).
 *
 * Replication: ordinal 0 of each shard's StatefulSet is the primary; the other ordinals
 * are read-only replicas that follow it with GTID auto-positioning.
 */
export class MysqlShardConfig {
  /** Directory the ConfigMap is mounted at in the init container. */
  public static readonly CONFIG_DIR = '/config';
  /** Directory (an emptyDir) mysqld reads extra configuration from (`!includedir` of the image). */
  public static readonly CONF_D = '/etc/mysql/conf.d';
  /** Directory (an emptyDir) the entrypoint runs first-start scripts from. */
  public static readonly INITDB_D = '/docker-entrypoint-initdb.d';
  /** The account replicas use to follow the primary. */
  public static readonly REPLICATION_USER = 'replication';
  /** The account the mysqld-exporter sidecar uses (from 127.0.0.1 only). */
  public static readonly EXPORTER_USER = 'exporter';

  /**
   * @param port the port mysqld listens on
   * @param bufferPoolMebibytes innodb_buffer_pool_size, in MiB
   */
  constructor(
    private readonly port: number,
    private readonly bufferPoolMebibytes: number,
  ) {}

  /** ConfigMap data: file name to content. */
  public files(): Record<string, string> {
    return {
      'mysqld.cnf': this.serverConfig(),
      'init-pod.sh': this.initPodScript(),
      'primary.sh': this.primaryScript(),
      'replica.sh': this.replicaScript(),
    };
  }

  private serverConfig(): string {
    return [
      '# Shared by every pod of the shard; init-pod.sh adds server-id and report_host per pod.',
      '[mysqld]',
      // A sub-directory: a fresh ext4 volume holds lost+found, and --initialize needs an empty datadir.
      'datadir = /var/lib/mysql/data',
      `port = ${this.port}`,
      'skip_name_resolve = ON',
      'gtid_mode = ON',
      'enforce_gtid_consistency = ON',
      'log_bin = binlog',
      'log_replica_updates = ON',
      'binlog_expire_logs_seconds = 604800',
      'sync_binlog = 1',
      'innodb_flush_log_at_trx_commit = 1',
      `innodb_buffer_pool_size = ${this.bufferPoolMebibytes}M`,
      // Replication connects over TCP, so only with TLS (the image's auto-generated certificates).
      'require_secure_transport = ON',
      '',
    ].join('\n');
  }

  private initPodScript(): string {
    const { CONFIG_DIR, CONF_D, INITDB_D } = MysqlShardConfig;
    return [
      '#!/bin/bash',
      '# Gives this pod its MySQL identity from its StatefulSet ordinal: a server-id, and the',
      '# first-start script of a primary (ordinal 0) or of a replica (every other ordinal).',
      'set -euo pipefail',
      `ordinal="\${POD_NAME##*-}"`,
      'case "$ordinal" in',
      `  ''|*[!0-9]*) echo "init-pod: cannot read the ordinal of pod \${POD_NAME}" >&2; exit 1 ;;`,
      'esac',
      `cp ${CONFIG_DIR}/mysqld.cnf ${CONF_D}/10-shard.cnf`,
      `printf '[mysqld]\\nserver_id = %d\\nreport_host = %s\\n' "$((100 + ordinal))" "\${POD_NAME}.\${HEADLESS_SERVICE}" > ${CONF_D}/20-pod.cnf`,
      'if [ "$ordinal" -eq 0 ]; then',
      `  cp ${CONFIG_DIR}/primary.sh ${INITDB_D}/10-primary.sh`,
      'else',
      `  cp ${CONFIG_DIR}/replica.sh ${INITDB_D}/10-replica.sh`,
      'fi',
      '',
    ].join('\n');
  }

  private primaryScript(): string {
    const { REPLICATION_USER, EXPORTER_USER } = MysqlShardConfig;
    return [
      '# Sourced by the image entrypoint on the first start of the primary (ordinal 0).',
      '# Replicas receive these accounts through replication.',
      ...SQL_QUOTE,
      `docker_process_sql <<EOSQL`,
      `CREATE USER IF NOT EXISTS '${EXPORTER_USER}'@'127.0.0.1' IDENTIFIED BY '$(sql_quote "\${EXPORTER_PASSWORD}")' WITH MAX_USER_CONNECTIONS 3;`,
      `GRANT PROCESS, REPLICATION CLIENT, SELECT ON *.* TO '${EXPORTER_USER}'@'127.0.0.1';`,
      'EOSQL',
      `if [ -n "\${REPLICATION_PASSWORD:-}" ]; then`,
      '  docker_process_sql <<EOSQL',
      `CREATE USER IF NOT EXISTS '${REPLICATION_USER}'@'%' IDENTIFIED BY '$(sql_quote "\${REPLICATION_PASSWORD}")';`,
      `GRANT REPLICATION SLAVE ON *.* TO '${REPLICATION_USER}'@'%';`,
      'EOSQL',
      'fi',
      '',
    ].join('\n');
  }

  private replicaScript(): string {
    const { REPLICATION_USER } = MysqlShardConfig;
    return [
      '# Sourced by the image entrypoint on the first start of a replica: follow the shard primary',
      '# with GTID auto-positioning, and refuse writes (persisted across restarts).',
      ...SQL_QUOTE,
      'docker_process_sql <<EOSQL',
      `CHANGE REPLICATION SOURCE TO SOURCE_HOST='\${PRIMARY_HOST}', SOURCE_PORT=${this.port}, SOURCE_USER='${REPLICATION_USER}', SOURCE_PASSWORD='$(sql_quote "\${REPLICATION_PASSWORD}")', SOURCE_AUTO_POSITION=1, SOURCE_SSL=1, SOURCE_CONNECT_RETRY=10, SOURCE_RETRY_COUNT=86400;`,
      'START REPLICA;',
      'SET PERSIST super_read_only = ON;',
      'EOSQL',
      '',
    ].join('\n');
  }
}
