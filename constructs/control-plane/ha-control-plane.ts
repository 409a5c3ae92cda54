import { Yaml } from 'cdk8s';
import { Construct } from 'constructs';
import { ValidationError } from '../core/validation-error';
import { ApiServerCheck, ApiServerCheckScript } from './apiserver-check-script';
import { HaproxyConfig } from './haproxy-config';
import { HaproxyHandoffScript } from './haproxy-handoff-script';
import { HaproxyStaticPod } from './haproxy-static-pod';
import { InterfaceCheckScript } from './interface-check-script';
import { KeepalivedConfig } from './keepalived-config';
import { type KeepalivedPreStartCheck, KeepalivedStaticPod } from './keepalived-static-pod';
import { VrrpAuthCheckScript } from './vrrp-auth-check-script';

/** A control-plane machine. */
export interface ControlPlaneMaster {
  /** Host name and node name. */
  readonly name: string;
  /** IPv4 address on the masters' network. */
  readonly address: string;
  /**
   * The interface that carries `address` and the VIP on this master, e.g. `enp1s0`.
   * @default - HaControlPlaneProps.interface
   */
  readonly interface?: string;
}

/** A file for one machine, relative to its host folder. */
export interface HostFile {
  /** Forward-slash path relative to `hosts/<host>/`, e.g. `keepalived.conf`. */
  readonly path: string;
  /** The file's text, ending with a newline. */
  readonly content: string;
  /** POSIX mode. @default 0o644 */
  readonly mode?: number;
}

/** How keepalived and haproxy run on a master. */
export enum LoadBalancerRuntime {
  /** The distribution's packages under systemd (`/etc/keepalived`, `/etc/haproxy`). */
  SERVICE = 'service',
  /** Static pods in /etc/kubernetes/manifests (the kubeadm HA guide's option 2). */
  STATIC_POD = 'staticPod',
}

/** Props of {@link HaControlPlane}. */
export interface HaControlPlaneProps {
  /** The masters, in priority order: the first one holds the VIP while healthy. */
  readonly masters: readonly ControlPlaneMaster[];
  /** The virtual IP. */
  readonly vip: string;
  /** Prefix length of the masters' subnet; the VIP is added with it. @default 32 */
  readonly vipPrefixLength?: number;
  /** HAProxy's frontend port on every master. */
  readonly port: number;
  /** kube-apiserver's port on every master. */
  readonly apiServerPort: number;
  /**
   * Interface that carries the VIP on every master without an `interface` of its own, e.g. `ens18`.
   * @default - none: every master must set its own
   */
  readonly interface?: string;
  /**
   * The setting that chooses the interface of the master at `index`, named by the interface
   * check when the interface is missing on the host.
   * @default - `masters[<index>].interface`
   */
  readonly interfaceSetting?: (index: number) => string;
  /** VRRP virtual router id, 1-255. */
  readonly virtualRouterId: number;
  /** Send VRRP adverts by unicast to the other masters. @default true */
  readonly unicast?: boolean;
  /**
   * VRRP version: 2, or 3 for sub-second adverts (no authentication; with unicast, adverts from
   * other sources are ignored).
   * @default 2
   */
  readonly vrrpVersion?: 2 | 3;
  /** Seconds between VRRP adverts: whole with version 2, centiseconds with 3. @default 1 */
  readonly advertIntervalSeconds?: number;
  /**
   * Host-local file with `auth_pass <password>` that keepalived includes; also checked before
   * keepalived starts.
   * @default - no VRRP authentication
   */
  readonly authPasswordFile?: string;
  /** Services or static pods. @default LoadBalancerRuntime.SERVICE */
  readonly runtime?: LoadBalancerRuntime;
  /** keepalived's configuration directory on the host. @default /etc/keepalived */
  readonly keepalivedDir?: string;
  /** keepalived image of the static pod. @default osixia/keepalived:2.0.20 */
  readonly keepalivedImage?: string;
  /** haproxy image of the static pod. @default haproxy:2.6.12 */
  readonly haproxyImage?: string;
  /** Seconds between HAProxy's checks of an API server. @default 2 */
  readonly checkIntervalSeconds?: number;
  /** Failed checks before HAProxy marks an API server down. @default 3 */
  readonly checkFall?: number;
  /** Passed checks before HAProxy uses an API server again. @default 2 */
  readonly checkRise?: number;
  /** Port of HAProxy's stats listener on 127.0.0.1, read by keepalived's check. @default 8404 */
  readonly haproxyStatsPort?: number;
}

/** Host file names, relative to `hosts/<master>/`. */
export const HA_FILES = {
  keepalivedConf: 'keepalived.conf',
  checkScript: 'check-apiserver.sh',
  interfaceCheckScript: 'check-interface.sh',
  authCheckScript: 'check-vrrp-auth.sh',
  keepalivedDropIn: 'keepalived.service.d/10-platform-blueprint.conf',
  haproxyDropIn: 'haproxy.service.d/10-platform-blueprint.conf',
  handoffScript: 'handoff-vip.sh',
  haproxyCfg: 'haproxy.cfg',
  keepalivedManifest: 'manifests/keepalived.yaml',
  haproxyManifest: 'manifests/haproxy.yaml',
} as const;

/** The keepalived `vrrp_script`s of every master, both running check-apiserver.sh. */
export const VRRP_CHECKS = {
  /** HAProxy runs and its frontend is open; weight 0: failing, the master gives up the VIP. */
  haproxy: 'chk_haproxy',
  /** HAProxy has an API server up; weighted: failing, the master ranks lower in elections. */
  apiservers: 'chk_apiservers',
} as const;

/** Where the hand-off script lives on a master (`ExecStop=` of haproxy.service). */
export const HANDOFF_SCRIPT_PATH = '/etc/haproxy/handoff-vip.sh';

/** The marker of a stopping HAProxy: keepalived's haproxy check fails while it exists. */
export const HAPROXY_STOPPING_MARKER = '/run/platform-blueprint/haproxy-stopping';

/** Seconds systemd waits before it restarts a crashed HAProxy; below chk_haproxy's 2 × 1 s. */
export const HAPROXY_RESTART_SEC = '500ms';

/**
 * Start limits of the drop-ins: keepalived is retried every 2 s, HAProxy every 0.5 s; 10 failed
 * starts within a minute (a missing interface, a bad password file or configuration) leave the
 * unit failed, with the reason in its journal, instead of retrying forever.
 */
const START_LIMIT = ['StartLimitIntervalSec=60s', 'StartLimitBurst=10'];

/** Priority of the first master: the highest a router that does not own the VIP may have, minus headroom. */
const TOP_PRIORITY = 250;

/**
 * Distance between the masters' priorities: as wide as possible, so that the backups' VRRP skew
 * times (which grow as priority falls) differ by much more than scheduling jitter and only one
 * backup takes over. Bounded so that every master stays at priority >= 1 with its check failing.
 */
export function priorityStepFor(masterCount: number): number {
  return Math.floor((TOP_PRIORITY - 1) / (2 * masterCount - 1));
}

/**
 * A highly available control plane in a data centre (the kubeadm HA guide): every master runs
 * keepalived, which holds one VIP on one master, and HAProxy, which balances all masters' API
 * servers. For each master it renders keepalived.conf, its check scripts, haproxy.cfg and, per
 * `runtime`, systemd drop-ins or the two static pod manifests.
 *
 * The VIP moves once per failure, and only when that helps. keepalived tracks HAProxy, not the
 * local API server (HAProxy routes around a dead API server; moving the VIP would reset every
 * connection through it): a master whose HAProxy stops answering goes to FAULT and gives up the
 * VIP at once. Every master is `BACKUP` with `nopreempt`, so a master that recovers does not
 * take the VIP back. Priorities decide only elections (at start, and when the holder fails):
 * 250, 250 − s, 250 − 2s, … with the step s as wide as the range allows (49 for 3 masters:
 * 250, 201, 152), so that the backups' skew times differ clearly and one backup takes over;
 * a master whose HAProxy reaches no API server loses s × (number of masters) and ranks below
 * every master whose HAProxy does, without ties (3 masters: 103, 54, 5).
 * The construct must live in a cdk8s Chart (the static pods are cdk8s objects).
 */
export class HaControlPlane extends Construct {
  /** The masters, in priority order. */
  public readonly masters: readonly ControlPlaneMaster[];
  private readonly props: HaControlPlaneProps;
  private readonly pods = new Map<string, { keepalived: KeepalivedStaticPod; haproxy: HaproxyStaticPod }>();

  constructor(scope: Construct, id: string, props: HaControlPlaneProps) {
    super(scope, id);
    const count = props.masters.length;
    if (count < 1) throw new ValidationError("HaControlPlane: 'masters' must hold at least one master");
    if (priorityStepFor(count) < 2) {
      throw new ValidationError(
        `HaControlPlane: 'masters' (${count}) must be at most 50 (VRRP priorities run out)`,
      );
    }
    if (props.port === props.apiServerPort) {
      throw new ValidationError(
        `HaControlPlane: 'port' (${props.port}) must differ from 'apiServerPort' (${props.apiServerPort})`,
      );
    }
    const names = new Set(props.masters.map((m) => m.name));
    const addresses = new Set(props.masters.map((m) => m.address));
    if (names.size !== count || addresses.size !== count) {
      throw new ValidationError(
        `HaControlPlane: master names (${props.masters.map((m) => m.name).join(', ')}) and addresses (${props.masters.map((m) => m.address).join(', ')}) must be unique`,
      );
    }
    if (addresses.has(props.vip)) {
      throw new ValidationError(`HaControlPlane: 'vip' (${props.vip}) must not be a master's address`);
    }
    const without = props.masters.filter((m) => (m.interface ?? props.interface) === undefined);
    if (without.length > 0) {
      throw new ValidationError(
        `HaControlPlane: masters ${without.map((m) => m.name).join(', ')} have no interface; set 'interface' or theirs`,
      );
    }
    this.props = props;
    this.masters = props.masters;
    if ((props.runtime ?? LoadBalancerRuntime.SERVICE) === LoadBalancerRuntime.STATIC_POD) {
      const dir = this.keepalivedDir;
      const preStartChecks: KeepalivedPreStartCheck[] = this.preStartScripts().map((file) => ({
        name: file.replace(/\.sh$/, ''),
        script: `${dir}/${file}`,
      }));
      for (const master of props.masters) {
        const scopeOfMaster = new Construct(this, master.name);
        this.pods.set(master.name, {
          keepalived: new KeepalivedStaticPod(scopeOfMaster, 'keepalived', {
            image: props.keepalivedImage ?? 'osixia/keepalived:2.0.20',
            configDir: dir,
            configFile: `${dir}/${HA_FILES.keepalivedConf}`,
            preStartChecks,
          }),
          haproxy: new HaproxyStaticPod(scopeOfMaster, 'haproxy', {
            image: props.haproxyImage ?? 'haproxy:2.6.12',
            frontendPort: props.port,
          }),
        });
      }
    }
  }

  private get keepalivedDir(): string {
    return this.props.keepalivedDir ?? '/etc/keepalived';
  }

  /** The scripts run before keepalived starts, in order: the interface, then the password file. */
  private preStartScripts(): string[] {
    return [
      HA_FILES.interfaceCheckScript,
      ...(this.props.authPasswordFile === undefined ? [] : [HA_FILES.authCheckScript]),
    ];
  }

  /** The interface keepalived uses on the master at `index`. */
  private interfaceOf(index: number): string {
    const master = this.props.masters[index] as ControlPlaneMaster;
    return (master.interface ?? this.props.interface) as string;
  }

  /** The VRRP priority of the master at `index` (0 = first) of `masterCount`. */
  public static priorityOf(index: number, masterCount: number): number {
    return TOP_PRIORITY - priorityStepFor(masterCount) * index;
  }

  /**
   * The weight of the `apiservers` check for `masterCount` masters: one step more than the
   * spread of their priorities, so that a master whose HAProxy reaches no API server ranks
   * below every master whose HAProxy does, without tying.
   */
  public static checkWeightFor(masterCount: number): number {
    return -priorityStepFor(masterCount) * masterCount;
  }

  /** The keepalived.conf renderer of one master. */
  public keepalivedConfig(masterName: string): KeepalivedConfig {
    const p = this.props;
    const index = this.indexOf(masterName);
    const master = p.masters[index] as ControlPlaneMaster;
    const unicast = p.unicast ?? true;
    const script = `${this.keepalivedDir}/${HA_FILES.checkScript}`;
    return new KeepalivedConfig({
      routerId: master.name,
      interface: this.interfaceOf(index),
      virtualRouterId: p.virtualRouterId,
      vip: p.vip,
      vipPrefixLength: p.vipPrefixLength ?? 32,
      priority: HaControlPlane.priorityOf(index, p.masters.length),
      vrrpVersion: p.vrrpVersion ?? 2,
      advertIntervalSeconds: p.advertIntervalSeconds ?? 1,
      ...(unicast
        ? {
            unicastSourceAddress: master.address,
            unicastPeers: p.masters.filter((m) => m !== master).map((m) => m.address),
          }
        : {}),
      ...(p.authPasswordFile === undefined ? {} : { authPasswordFile: p.authPasswordFile }),
      // Both run every second and read HAProxy's stats (curl --max-time 1 within timeout 2);
      // 2 results in a row change their state, so one slow run moves nothing.
      checks: [
        {
          name: VRRP_CHECKS.haproxy,
          scriptPath: script,
          argument: ApiServerCheck.HAPROXY,
          intervalSeconds: 1,
          timeoutSeconds: 2,
          fall: 2,
          rise: 2,
          weight: 0,
        },
        {
          name: VRRP_CHECKS.apiservers,
          scriptPath: script,
          argument: ApiServerCheck.APISERVERS,
          intervalSeconds: 1,
          timeoutSeconds: 2,
          fall: 2,
          rise: 2,
          weight: HaControlPlane.checkWeightFor(p.masters.length),
        },
      ],
    });
  }

  /** The haproxy.cfg renderer of one master. */
  public haproxyConfig(masterName: string): HaproxyConfig {
    const p = this.props;
    const runtime = p.runtime ?? LoadBalancerRuntime.SERVICE;
    return new HaproxyConfig({
      hostName: this.props.masters[this.indexOf(masterName)]?.name ?? masterName,
      frontendPort: p.port,
      apiServerPort: p.apiServerPort,
      servers: p.masters.map((m) => ({ name: m.name, address: m.address })),
      checkIntervalMs: (p.checkIntervalSeconds ?? 2) * 1000,
      checkFall: p.checkFall ?? 3,
      checkRise: p.checkRise ?? 2,
      statsPort: p.haproxyStatsPort ?? 8404,
      // The Debian service starts as root and drops to haproxy; the official image starts unprivileged.
      ...(runtime === LoadBalancerRuntime.SERVICE ? { runAsUser: 'haproxy' } : {}),
    });
  }

  /** Every file of one master, sorted by path. */
  public hostFiles(masterName: string): HostFile[] {
    const p = this.props;
    const index = this.indexOf(masterName);
    const master = p.masters[index] as ControlPlaneMaster;
    const files: HostFile[] = [
      { path: HA_FILES.keepalivedConf, content: this.keepalivedConfig(master.name).render() },
      {
        path: HA_FILES.checkScript,
        content: new ApiServerCheckScript({
          hostName: master.name,
          statsPort: p.haproxyStatsPort ?? 8404,
          proxyName: HaproxyConfig.NAME,
          ...(this.pods.has(master.name) ? {} : { stoppingMarker: HAPROXY_STOPPING_MARKER }),
        }).render(),
        mode: ApiServerCheckScript.MODE,
      },
      {
        path: HA_FILES.interfaceCheckScript,
        content: new InterfaceCheckScript({
          hostName: master.name,
          interface: this.interfaceOf(index),
          address: master.address,
          vip: p.vip,
          setting: (p.interfaceSetting ?? ((i: number) => `masters[${i}].interface`))(index),
        }).render(),
        mode: InterfaceCheckScript.MODE,
      },
      { path: HA_FILES.haproxyCfg, content: this.haproxyConfig(master.name).render() },
    ];
    if (p.authPasswordFile !== undefined) {
      files.push({
        path: HA_FILES.authCheckScript,
        content: new VrrpAuthCheckScript({ passwordFile: p.authPasswordFile }).render(),
        mode: VrrpAuthCheckScript.MODE,
      });
    }
    const pods = this.pods.get(master.name);
    if (pods) {
      files.push(
        { path: HA_FILES.keepalivedManifest, content: Yaml.stringify(pods.keepalived.pod.toJson()) },
        { path: HA_FILES.haproxyManifest, content: Yaml.stringify(pods.haproxy.pod.toJson()) },
      );
    } else {
      files.push(
        { path: HA_FILES.keepalivedDropIn, content: this.keepalivedDropIn() },
        { path: HA_FILES.haproxyDropIn, content: HaControlPlane.haproxyDropIn() },
        {
          path: HA_FILES.handoffScript,
          content: new HaproxyHandoffScript({
            hostName: master.name,
            interface: this.interfaceOf(index),
            vip: p.vip,
            marker: HAPROXY_STOPPING_MARKER,
          }).render(),
          mode: HaproxyHandoffScript.MODE,
        },
      );
    }
    return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /**
   * The systemd drop-in for keepalived.service: the pre-start checks, and restarts after a
   * failure (Debian's keepalived.service has no `Restart=`, so a crashed keepalived stayed down
   * and its master never again took part in VRRP).
   */
  private keepalivedDropIn(): string {
    return [
      '# systemd drop-in for keepalived.service: checks before start, restarts after a failure.',
      '# Generated by platform-blueprint; edit the environment and run `blueprint synth` instead.',
      '[Unit]',
      ...START_LIMIT,
      '',
      '[Service]',
      ...this.preStartScripts().map((file) => `ExecStartPre=${this.keepalivedDir}/${file}`),
      "# Debian's keepalived.service has no Restart=: a crashed keepalived would stay down.",
      'Restart=on-failure',
      'RestartSec=2s',
      '',
    ].join('\n');
  }

  /**
   * The systemd drop-in for haproxy.service: the hand-off of the VIP before a stop, and fast
   * restarts. Debian's unit already has `Restart=always`; the drop-in states it, whatever the
   * packaging. `ExecStop=` runs the hand-off script (the VIP leaves while HAProxy still serves),
   * then systemd stops HAProxy as Debian's unit says (KillMode=mixed: SIGTERM to the master
   * process, which stops its workers). A crash is restarted after 0.5 s, before keepalived's
   * check (2 failures 1 s apart) would move the VIP; the start limit still stops a crash loop.
   */
  private static haproxyDropIn(): string {
    return [
      '# systemd drop-in for haproxy.service: hands the VIP away before a stop, restarts a crash in 0.5 s.',
      '# Generated by platform-blueprint; edit the environment and run `blueprint synth` instead.',
      '[Unit]',
      ...START_LIMIT,
      '',
      '[Service]',
      `# keepalived's haproxy check fails while ${HAPROXY_STOPPING_MARKER} exists.`,
      `ExecStartPre=-/bin/rm -f ${HAPROXY_STOPPING_MARKER}`,
      '# Before systemd stops HAProxy (KillMode=mixed, SIGTERM): the VIP leaves this master first.',
      `ExecStop=${HANDOFF_SCRIPT_PATH}`,
      'Restart=always',
      `RestartSec=${HAPROXY_RESTART_SEC}`,
      '',
    ].join('\n');
  }

  private indexOf(masterName: string): number {
    const index = this.props.masters.findIndex((m) => m.name === masterName);
    if (index === -1) {
      throw new ValidationError(
        `HaControlPlane: ${JSON.stringify(masterName)} is not a master (masters: ${this.props.masters.map((m) => m.name).join(', ')})`,
      );
    }
    return index;
  }
}
