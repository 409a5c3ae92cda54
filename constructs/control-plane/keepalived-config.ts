import { ValidationError } from '../core/validation-error';
/** Props of {@link KeepalivedConfig}. */
export interface KeepalivedConfigProps {
  /** Identifies this keepalived in logs and `global_defs.router_id`, usually the host name. */
  readonly routerId: string;
  /** Interface that sends VRRP adverts and carries the VIP, e.g. `eth0`. */
  readonly interface: string;
  /** VRRP virtual router id, 1-255, unique on the network segment. */
  readonly virtualRouterId: number;
  /** The virtual IPv4 address. */
  readonly vip: string;
  /**
   * Prefix length the VIP is added with (that of the masters' subnet), so that the kernel
   * routes the subnet over it like over the primary address.
   * @default 32
   */
  readonly vipPrefixLength?: number;
  /** VRRP priority of this router, 1-254; the highest healthy router holds the VIP. */
  readonly priority: number;
  /**
   * Initial state. `MASTER` starts advertising at once; `BACKUP` waits for the master-down
   * timer. Either way the highest priority wins.
   * @default BACKUP
   */
  readonly initialState?: 'MASTER' | 'BACKUP';
  /** Seconds between VRRP adverts. @default 1 */
  readonly advertIntervalSeconds?: number;
  /**
   * This router's own address, the source of unicast adverts.
   * @default - multicast adverts (no unicast_src_ip)
   */
  readonly unicastSourceAddress?: string;
  /**
   * The other routers' addresses; when given, adverts go to them by unicast instead of to
   * 224.0.0.18.
   * @default - multicast
   */
  readonly unicastPeers?: readonly string[];
  /**
   * Host-local file included inside the `authentication` block; it holds `auth_pass <password>`,
   * so that the password never appears in this file. Undefined: no authentication.
   * @default - no VRRP authentication
   */
  readonly authPasswordFile?: string;
  /** Absolute path of the health check script on the host. */
  readonly checkScriptPath: string;
  /**
   * User the check script runs as (`script_user`); keepalived refuses scripts writable by
   * anybody but root and this user. The default is root because keepalived 2.2.7 (Debian 12)
   * kills itself during `keepalived -t` when script_user names another user
   * (acassen/keepalived#2617), which would make the configuration untestable; the script only
   * runs curl against loopback, and script security keeps non-root users from changing it.
   * @default root
   */
  readonly scriptUser?: string;
  /** Seconds between checks. @default 1 */
  readonly checkIntervalSeconds?: number;
  /** Seconds after which a running check counts as failed. @default 2 */
  readonly checkTimeoutSeconds?: number;
  /** Consecutive failures before the check is down. @default 2 */
  readonly checkFall?: number;
  /** Consecutive successes before the check is up again. @default 2 */
  readonly checkRise?: number;
  /**
   * Priority change while the check is down; negative, larger in magnitude than the spread of
   * the routers' priorities, so that a failing router drops below every healthy one.
   */
  readonly checkWeight: number;
}

/** Name of the VRRP instance in every generated keepalived.conf. */
export const VRRP_INSTANCE = 'VI_CONTROL_PLANE';
/** Name of the vrrp_script that checks the API server. */
export const VRRP_SCRIPT = 'chk_apiserver';

const INTERFACE = /^[A-Za-z0-9_.:@-]{1,15}$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const SAFE_WORD = /^[A-Za-z0-9._@-]+$/;
const SAFE_PATH = /^\/[A-Za-z0-9._/-]+$/;

/**
 * Renders keepalived.conf for one control-plane router: `global_defs` with script security,
 * a `vrrp_script` that checks the API server, and one `vrrp_instance` that holds the VIP while
 * this router has the highest effective priority. A pure renderer: `render()` returns the text.
 */
export class KeepalivedConfig {
  private readonly props: Required<
    Omit<KeepalivedConfigProps, 'unicastSourceAddress' | 'unicastPeers' | 'authPasswordFile'>
  > &
    KeepalivedConfigProps;

  constructor(props: KeepalivedConfigProps) {
    this.props = {
      vipPrefixLength: 32,
      initialState: 'BACKUP',
      advertIntervalSeconds: 1,
      scriptUser: 'root',
      checkIntervalSeconds: 1,
      checkTimeoutSeconds: 2,
      checkFall: 2,
      checkRise: 2,
      ...props,
    };
    const p = this.props;
    expectMatch('routerId', p.routerId, SAFE_WORD);
    expectMatch('interface', p.interface, INTERFACE);
    expectInt('virtualRouterId', p.virtualRouterId, 1, 255);
    expectMatch('vip', p.vip, IPV4);
    expectInt('vipPrefixLength', p.vipPrefixLength, 1, 32);
    expectInt('priority', p.priority, 1, 254);
    expectInt('advertIntervalSeconds', p.advertIntervalSeconds, 1, 255);
    expectMatch('checkScriptPath', p.checkScriptPath, SAFE_PATH);
    expectMatch('scriptUser', p.scriptUser, SAFE_WORD);
    expectInt('checkIntervalSeconds', p.checkIntervalSeconds, 1, 3600);
    expectInt('checkTimeoutSeconds', p.checkTimeoutSeconds, 1, 3600);
    expectInt('checkFall', p.checkFall, 1, 100);
    expectInt('checkRise', p.checkRise, 1, 100);
    expectInt('checkWeight', p.checkWeight, -253, -1);
    if (p.authPasswordFile !== undefined) expectMatch('authPasswordFile', p.authPasswordFile, SAFE_PATH);
    if (p.unicastSourceAddress !== undefined)
      expectMatch('unicastSourceAddress', p.unicastSourceAddress, IPV4);
    for (const peer of p.unicastPeers ?? []) expectMatch('unicastPeers[]', peer, IPV4);
    if ((p.unicastPeers === undefined) !== (p.unicastSourceAddress === undefined)) {
      throw new ValidationError(
        "KeepalivedConfig: 'unicastSourceAddress' and 'unicastPeers' go together (unicast) or are both left out (multicast)",
      );
    }
    if (p.unicastPeers?.includes(p.unicastSourceAddress ?? '')) {
      throw new ValidationError(
        `KeepalivedConfig: 'unicastPeers' (${p.unicastPeers.join(', ')}) must not hold the router's own address (${p.unicastSourceAddress})`,
      );
    }
  }

  /** The keepalived.conf text. */
  render(): string {
    const p = this.props;
    const lines = [
      `# keepalived for ${p.routerId}: holds ${p.vip} while this master is the healthiest VRRP router.`,
      '# Generated by platform-blueprint; edit the environment and run `blueprint synth` instead.',
      'global_defs {',
      `    router_id ${p.routerId}`,
      '    # Scripts must not be writable by anybody but root and script_user.',
      '    enable_script_security',
      `    script_user ${p.scriptUser}`,
      '}',
      '',
      `vrrp_script ${VRRP_SCRIPT} {`,
      `    script "${p.checkScriptPath}"`,
      `    interval ${p.checkIntervalSeconds}`,
      `    timeout ${p.checkTimeoutSeconds}`,
      `    fall ${p.checkFall}`,
      `    rise ${p.checkRise}`,
      `    # Larger than the spread of the masters' priorities: a failing master drops below every healthy one.`,
      `    weight ${p.checkWeight}`,
      '}',
      '',
      `vrrp_instance ${VRRP_INSTANCE} {`,
      `    state ${p.initialState}`,
      `    interface ${p.interface}`,
      `    virtual_router_id ${p.virtualRouterId}`,
      `    priority ${p.priority}`,
      `    advert_int ${p.advertIntervalSeconds}`,
    ];
    if (p.unicastSourceAddress !== undefined && p.unicastPeers !== undefined) {
      lines.push(`    unicast_src_ip ${p.unicastSourceAddress}`, '    unicast_peer {');
      for (const peer of p.unicastPeers) lines.push(`        ${peer}`);
      lines.push('    }');
    }
    if (p.authPasswordFile !== undefined) {
      lines.push(
        '    authentication {',
        '        auth_type PASS',
        `        # Host-local, mode 0600: the single line "auth_pass <1-8 characters>", the same on every master.`,
        `        include ${p.authPasswordFile}`,
        '    }',
      );
    }
    lines.push(
      '    virtual_ipaddress {',
      `        ${p.vip}/${p.vipPrefixLength} dev ${p.interface}`,
      '    }',
      '    track_script {',
      `        ${VRRP_SCRIPT}`,
      '    }',
      '}',
    );
    return `${lines.join('\n')}\n`;
  }
}

function expectMatch(name: string, value: string, pattern: RegExp): void {
  if (!pattern.test(value)) {
    throw new ValidationError(`KeepalivedConfig: '${name}' (${JSON.stringify(value)}) must match ${pattern}`);
  }
}

function expectInt(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(
      `KeepalivedConfig: '${name}' (${value}) must be a whole number from ${min} to ${max}`,
    );
  }
}
