import { ValidationError } from '../core/validation-error';
/** One kube-apiserver behind HAProxy. */
export interface HaproxyBackendServer {
  /** Server name in HAProxy's logs and stats, usually the master's host name. */
  readonly name: string;
  /** The master's address. */
  readonly address: string;
}

/** Props of {@link HaproxyConfig}. */
export interface HaproxyConfigProps {
  /** The master this file is for, named in its header. */
  readonly hostName: string;
  /** TCP port of the frontend (clients reach it as vip:port). */
  readonly frontendPort: number;
  /** kube-apiserver's secure port on every master. */
  readonly apiServerPort: number;
  /** Every master's apiserver, in a stable order. */
  readonly servers: readonly HaproxyBackendServer[];
  /**
   * Drop privileges to this user and group after binding (HAProxy started as root, as the
   * Debian service does). Leave out when HAProxy starts unprivileged (the official image).
   * @default - no user/group switch
   */
  readonly runAsUser?: string;
  /**
   * CA file that verifies the apiservers' certificates in health checks, e.g.
   * /etc/kubernetes/pki/ca.crt.
   * @default - health checks use TLS without verification (`verify none`)
   */
  readonly checkCaFile?: string;
  /**
   * Milliseconds between health checks of a server (`inter`); after a first failure, and until
   * the server is marked down or passes again, checks come at half this interval (`fastinter`).
   * @default 2000
   */
  readonly checkIntervalMs?: number;
  /**
   * Milliseconds a health check may wait for the answer (`timeout check`): long enough for a
   * /readyz slowed down by etcd (kube-apiserver's own etcd checks time out after 2 s).
   * @default 5000
   */
  readonly checkTimeoutMs?: number;
  /** Failed checks before a server is marked down. @default 3 */
  readonly checkFall?: number;
  /** Passed checks before a server is taken back. @default 2 */
  readonly checkRise?: number;
  /**
   * Port of the stats listener, bound to 127.0.0.1 only: `/stats` (HTML, `;csv` for CSV) and
   * `/metrics` (Prometheus). keepalived's check script reads it.
   * @default 8404
   */
  readonly statsPort?: number;
  /**
   * Seconds an old HAProxy process may keep serving the connections it holds after a reload
   * (`hard-stop-after`). Without it, the hour-long idle timeouts of watches keep old processes,
   * with the old configuration, alive for up to an hour.
   * @default 30
   */
  readonly hardStopAfterSeconds?: number;
  /**
   * Milliseconds a connection attempt to an apiserver may take before it is retried on another
   * server. On a LAN a connection is up in well under a millisecond; 500 ms covers a busy host
   * while a request routed to a master that just lost its link waits only that long before the
   * retry, so that with the client's own SYN retry (1 s) it still answers within 2 s.
   * @default 500
   */
  readonly connectTimeoutMs?: number;
  /** Connection attempts per request; the retries go to another server. @default 3 */
  readonly retries?: number;
  /**
   * Seconds an idle client or server side may stay open; long enough for watches and
   * `kubectl logs -f`.
   * @default 3600
   */
  readonly idleTimeoutSeconds?: number;
}

/**
 * Renders haproxy.cfg for a master: a TCP frontend on `frontendPort` that balances every
 * master's kube-apiserver by least connections, and a local stats listener. Health checks send
 * `GET /readyz` over TLS (as the kubeadm HA guide, with /readyz instead of /healthz): a stopping
 * apiserver fails it at once and keeps serving for its `--shutdown-delay-duration` (kubeadm
 * configuration), so it is marked down before it closes its port; its sessions are left to
 * finish (closing them at mark-down would cut requests in flight, and cut every watch at once
 * when a slow etcd fails every check together). A refused connection is retried on another
 * server (`retries`, `option redispatch 1`) for an apiserver that dies without notice. Every
 * timeout is set (`haproxy -c` warns otherwise). A pure renderer: `render()` returns the text.
 */
export class HaproxyConfig {
  /** Name of the frontend and the backend. */
  public static readonly NAME = 'kube-apiserver';
  /** Name of the local stats frontend. */
  public static readonly STATS = 'stats';
  private readonly props: HaproxyConfigProps;

  constructor(props: HaproxyConfigProps) {
    for (const key of ['frontendPort', 'apiServerPort'] as const) {
      const value = props[key];
      if (!Number.isInteger(value) || value < 1 || value > 65535) {
        throw new ValidationError(`HaproxyConfig: '${key}' (${value}) must be a port from 1 to 65535`);
      }
    }
    if (props.servers.length === 0)
      throw new ValidationError("HaproxyConfig: 'servers' must hold at least one server");
    const names = new Set<string>();
    for (const server of props.servers) {
      if (!/^[A-Za-z0-9._-]+$/.test(server.name)) {
        throw new ValidationError(
          `HaproxyConfig: server name (${JSON.stringify(server.name)}) must be a host name`,
        );
      }
      if (names.has(server.name))
        throw new ValidationError(`HaproxyConfig: server name (${server.name}) repeats`);
      names.add(server.name);
      if (!/^[A-Za-z0-9.:-]+$/.test(server.address)) {
        throw new ValidationError(
          `HaproxyConfig: server address (${JSON.stringify(server.address)}) must be a host or IP`,
        );
      }
    }
    const positive: (keyof HaproxyConfigProps)[] = [
      'checkIntervalMs',
      'checkTimeoutMs',
      'checkFall',
      'checkRise',
      'connectTimeoutMs',
      'retries',
      'idleTimeoutSeconds',
      'hardStopAfterSeconds',
    ];
    for (const key of positive) {
      const value = props[key];
      if (value !== undefined && (!Number.isInteger(value) || (value as number) < 1)) {
        throw new ValidationError(`HaproxyConfig: '${key}' (${String(value)}) must be a whole number >= 1`);
      }
    }
    const stats = props.statsPort ?? 8404;
    if (!Number.isInteger(stats) || stats < 1 || stats > 65535 || stats === props.frontendPort) {
      throw new ValidationError(
        `HaproxyConfig: 'statsPort' (${stats}) must be a port from 1 to 65535 other than 'frontendPort' (${props.frontendPort})`,
      );
    }
    this.props = props;
  }

  /** The haproxy.cfg text. */
  render(): string {
    const p = this.props;
    const inter = p.checkIntervalMs ?? 2000;
    const fastinter = Math.max(1, Math.round(inter / 2));
    const fall = p.checkFall ?? 3;
    const rise = p.checkRise ?? 2;
    const idle = p.idleTimeoutSeconds ?? 3600;
    const verify = p.checkCaFile === undefined ? 'verify none' : `verify required ca-file ${p.checkCaFile}`;
    const lines = [
      `# HAProxy on ${p.hostName}: one TCP frontend for every master's kube-apiserver.`,
      '# Generated by platform-blueprint; edit the environment and run `blueprint synth` instead.',
      'global',
      '    log stdout format raw local0 info',
      // No global maxconn: HAProxy derives it from the file descriptor limit it is given; a
      // fixed value above that limit makes it refuse to start ("Cannot raise FD limit").
      '    # After a reload the old process closes what it still serves (watches) after this long;',
      '    # clients reconnect to the new one. Without it old processes live as long as the idle timeout.',
      `    hard-stop-after ${p.hardStopAfterSeconds ?? 30}s`,
    ];
    if (p.runAsUser !== undefined) lines.push(`    user ${p.runAsUser}`, `    group ${p.runAsUser}`);
    lines.push(
      '',
      'defaults',
      '    mode tcp',
      '    log global',
      '    option tcplog',
      '    option dontlognull',
      '    # A refused or timed-out connection is retried, on another server each time.',
      `    retries ${p.retries ?? 3}`,
      '    option redispatch 1',
      `    timeout connect ${p.connectTimeoutMs ?? 500}ms`,
      '    # Watches and `kubectl logs -f` keep connections open for a long time.',
      `    timeout client ${idle}s`,
      `    timeout server ${idle}s`,
      '    # A /readyz slowed down by etcd still counts as an answer.',
      `    timeout check ${p.checkTimeoutMs ?? 5000}ms`,
      '    timeout queue 5s',
      '',
      `frontend ${HaproxyConfig.NAME}`,
      `    bind :${p.frontendPort}`,
      `    default_backend ${HaproxyConfig.NAME}`,
      '',
      `backend ${HaproxyConfig.NAME}`,
      '    # Connections are long-lived (HTTP/2 watches): new ones go to the server with the fewest,',
      '    # so that a server that comes back gets its share instead of 1/n of new connections only.',
      '    balance leastconn',
      '    option httpchk',
      '    # /readyz fails as soon as an API server begins to stop (it keeps serving for its',
      '    # --shutdown-delay-duration), so HAProxy takes it out before it closes its port.',
      '    # Anonymous: kube-apiserver --anonymous-auth=true and system:public-info-viewer (kubeadm defaults).',
      '    http-check send meth GET uri /readyz',
      '    http-check expect status 200',
      `    # Down after ${fall} failures in a row (the 2nd and later ${fastinter}ms apart), up after ${rise} passes.`,
      '    # A server marked down keeps its sessions: a stopping API server finishes them itself.',
      `    default-server check check-ssl ${verify} inter ${inter}ms fastinter ${fastinter}ms downinter ${inter}ms fall ${fall} rise ${rise}`,
    );
    for (const server of p.servers)
      lines.push(`    server ${server.name} ${server.address}:${p.apiServerPort}`);
    lines.push(
      '',
      "# Local only: keepalived's check script reads /stats;csv, a local agent can scrape /metrics.",
      `frontend ${HaproxyConfig.STATS}`,
      '    mode http',
      `    bind 127.0.0.1:${p.statsPort ?? 8404}`,
      '    # keepalived polls twice a second: log only errors.',
      '    option dontlog-normal',
      '    http-request use-service prometheus-exporter if { path /metrics }',
      '    stats enable',
      '    stats uri /stats',
      '    stats refresh 10s',
    );
    return `${lines.join('\n')}\n`;
  }
}
