import { ValidationError } from '../core/validation-error';
/** Props of {@link KeepalivedConfig}. */
export interface KeepalivedConfigProps {
  /** Identifies this keepalived in logs and `global_defs.router_id`, usually the host name. */
  readonly routerId: string;
  /** Interface that sends VRRP adverts and carries the VIP, e.g. `ens18`. */
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
  /**
   * VRRP priority of this router, 1-254. It decides who takes the VIP when nobody holds it (at
   * start and when the holder fails); it never takes the VIP from a live holder (`nopreempt`).
   */
  readonly priority: number;
  /**
   * VRRP version (`vrrp_version` in global_defs): 2 (RFC 3768) or 3 (RFC 5798). Version 3 takes
   * sub-second adverts and has no authentication; with unicast peering the config then also
   * says `check_unicast_src`, so that adverts from any address but the peers' are ignored.
   * @default 2
   */
  readonly vrrpVersion?: 2 | 3;
  /**
   * Seconds between VRRP adverts: whole seconds 1-255 with version 2, centiseconds 0.01-40.95
   * with version 3. @default 1
   */
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
  /**
   * User the check scripts run as (`script_user`); keepalived refuses scripts writable by
   * anybody but root and this user. The default is root because keepalived 2.2.7 (Debian 12)
   * kills itself during `keepalived -t` when script_user names another user
   * (acassen/keepalived#2617), which would make the configuration untestable; the scripts only
   * run curl against loopback, and script security keeps non-root users from changing them.
   * @default root
   */
  readonly scriptUser?: string;
  /** The `vrrp_script`s this router tracks, in order; at least one. */
  readonly checks: readonly VrrpCheck[];
}

/** One keepalived `vrrp_script` that the VRRP instance tracks. */
export interface VrrpCheck {
  /** Name of the `vrrp_script` block, e.g. `chk_haproxy`. */
  readonly name: string;
  /** Absolute path of the script on the host. */
  readonly scriptPath: string;
  /** One word passed to the script, e.g. `haproxy`. @default - no argument */
  readonly argument?: string;
  /** Seconds between runs. @default 1 */
  readonly intervalSeconds?: number;
  /** Seconds after which a running check counts as failed. @default 2 */
  readonly timeoutSeconds?: number;
  /** Consecutive failures before the check is down. @default 2 */
  readonly fall?: number;
  /** Consecutive successes before the check is up again. @default 2 */
  readonly rise?: number;
  /**
   * Priority change while the check is down, −253 to 0. `0`: the router goes to FAULT, gives
   * up the VIP at once (a priority-0 advert) and takes no part in elections until the check is
   * up again. Negative: the router only ranks lower in elections (it keeps a VIP it holds).
   * @default 0
   */
  readonly weight?: number;
}

/** Name of the VRRP instance in every generated keepalived.conf. */
export const VRRP_INSTANCE = 'VI_CONTROL_PLANE';

const INTERFACE = /^[A-Za-z0-9_.:@-]{1,15}$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const SAFE_WORD = /^[A-Za-z0-9._@-]+$/;
const SAFE_PATH = /^\/[A-Za-z0-9._/-]+$/;

/**
 * Renders keepalived.conf for one control-plane router: `global_defs` with script security,
 * the `vrrp_script`s it tracks, and one `vrrp_instance` in `state BACKUP` with `nopreempt`:
 * the routers elect the holder of the VIP by priority only when nobody holds it, and a holder
 * keeps it until it fails (a check with weight 0, its keepalived stops, or its adverts stop).
 * A router that recovers does not take the VIP back, so one failure moves the VIP once.
 * A pure renderer: `render()` returns the text.
 */
export class KeepalivedConfig {
  private readonly props: Required<
    Omit<KeepalivedConfigProps, 'unicastSourceAddress' | 'unicastPeers' | 'authPasswordFile'>
  > &
    KeepalivedConfigProps;

  constructor(props: KeepalivedConfigProps) {
    this.props = {
      vipPrefixLength: 32,
      vrrpVersion: 2,
      advertIntervalSeconds: 1,
      scriptUser: 'root',
      ...props,
    };
    const p = this.props;
    expectMatch('routerId', p.routerId, SAFE_WORD);
    expectMatch('interface', p.interface, INTERFACE);
    expectInt('virtualRouterId', p.virtualRouterId, 1, 255);
    expectMatch('vip', p.vip, IPV4);
    expectInt('vipPrefixLength', p.vipPrefixLength, 1, 32);
    expectInt('priority', p.priority, 1, 254);
    if (p.vrrpVersion !== 2 && p.vrrpVersion !== 3) {
      throw new ValidationError(`KeepalivedConfig: 'vrrpVersion' (${String(p.vrrpVersion)}) must be 2 or 3`);
    }
    if (p.vrrpVersion === 2) {
      expectInt('advertIntervalSeconds', p.advertIntervalSeconds, 1, 255);
    } else {
      const centiseconds = p.advertIntervalSeconds * 100;
      if (
        Math.abs(centiseconds - Math.round(centiseconds)) > 1e-9 ||
        centiseconds < 1 ||
        centiseconds > 4095
      ) {
        throw new ValidationError(
          `KeepalivedConfig: 'advertIntervalSeconds' (${p.advertIntervalSeconds}) must be 0.01 to 40.95 in steps of 0.01 with VRRP version 3`,
        );
      }
      if (p.authPasswordFile !== undefined) {
        throw new ValidationError(
          "KeepalivedConfig: 'authPasswordFile' must be left out with VRRP version 3, which has no authentication (RFC 5798)",
        );
      }
    }
    expectMatch('scriptUser', p.scriptUser, SAFE_WORD);
    if (p.checks.length === 0)
      throw new ValidationError("KeepalivedConfig: 'checks' must hold at least one check");
    const names = new Set<string>();
    for (const check of p.checks) {
      expectMatch('checks[].name', check.name, SAFE_WORD);
      if (names.has(check.name))
        throw new ValidationError(`KeepalivedConfig: check name (${check.name}) repeats`);
      names.add(check.name);
      expectMatch('checks[].scriptPath', check.scriptPath, SAFE_PATH);
      if (check.argument !== undefined) expectMatch('checks[].argument', check.argument, SAFE_WORD);
      expectInt('checks[].intervalSeconds', check.intervalSeconds ?? 1, 1, 3600);
      expectInt('checks[].timeoutSeconds', check.timeoutSeconds ?? 2, 1, 3600);
      expectInt('checks[].fall', check.fall ?? 2, 1, 100);
      expectInt('checks[].rise', check.rise ?? 2, 1, 100);
      expectInt('checks[].weight', check.weight ?? 0, -253, 0);
    }
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
      `# keepalived for ${p.routerId}: holds ${p.vip} from an election until this master fails.`,
      '# Generated by platform-blueprint; edit the environment and run `blueprint synth` instead.',
      'global_defs {',
      `    router_id ${p.routerId}`,
      '    # Scripts must not be writable by anybody but root and script_user.',
      '    enable_script_security',
      `    script_user ${p.scriptUser}`,
      ...(p.vrrpVersion === 3
        ? [
            '    # VRRPv3 (RFC 5798): sub-second adverts, no authentication (see check_unicast_src).',
            '    vrrp_version 3',
          ]
        : []),
      '}',
      '',
    ];
    for (const check of p.checks) {
      const weight = check.weight ?? 0;
      const script =
        check.argument === undefined ? check.scriptPath : `${check.scriptPath} ${check.argument}`;
      lines.push(
        `vrrp_script ${check.name} {`,
        `    script "${script}"`,
        `    interval ${check.intervalSeconds ?? 1}`,
        `    timeout ${check.timeoutSeconds ?? 2}`,
        `    fall ${check.fall ?? 2}`,
        `    rise ${check.rise ?? 2}`,
        weight === 0
          ? '    # weight 0: while this check is down the router is in FAULT and gives up the VIP at once.'
          : '    # Only ranks the router lower in elections; a holder keeps the VIP (nopreempt).',
        `    weight ${weight}`,
        '}',
        '',
      );
    }
    lines.push(
      `vrrp_instance ${VRRP_INSTANCE} {`,
      '    # Every router starts as BACKUP and never preempts: the VIP moves only when its holder',
      '    # fails, and not back when that master recovers.',
      '    state BACKUP',
      '    nopreempt',
      `    interface ${p.interface}`,
      `    virtual_router_id ${p.virtualRouterId}`,
      `    priority ${p.priority}`,
      `    advert_int ${p.advertIntervalSeconds}`,
    );
    if (p.unicastSourceAddress !== undefined && p.unicastPeers !== undefined) {
      lines.push(`    unicast_src_ip ${p.unicastSourceAddress}`);
      if (p.vrrpVersion === 3) {
        lines.push(
          '    # VRRPv3 has no password: adverts from any address but the peers below are ignored.',
          '    check_unicast_src',
        );
      }
      lines.push('    unicast_peer {');
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
    );
    lines.push('    track_script {');
    for (const check of p.checks) lines.push(`        ${check.name}`);
    lines.push('    }', '}');
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
