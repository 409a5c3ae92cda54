import { Yaml } from 'cdk8s';
import { Construct } from 'constructs';
import { ValidationError } from '../core/validation-error';
import { ApiServerCheckScript } from './apiserver-check-script';
import { HaproxyConfig } from './haproxy-config';
import { HaproxyStaticPod } from './haproxy-static-pod';
import { KeepalivedConfig } from './keepalived-config';
import { KeepalivedStaticPod } from './keepalived-static-pod';
import { VrrpAuthCheckScript } from './vrrp-auth-check-script';

/** A control-plane machine. */
export interface ControlPlaneMaster {
  /** Host name and node name. */
  readonly name: string;
  /** IPv4 address on the masters' network. */
  readonly address: string;
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
  /** Interface that carries the VIP. */
  readonly interface: string;
  /** VRRP virtual router id, 1-255. */
  readonly virtualRouterId: number;
  /** Send VRRP adverts by unicast to the other masters. @default true */
  readonly unicast?: boolean;
  /** Seconds between VRRP adverts. @default 1 */
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
  /** Seconds between API server checks, by keepalived's check script and by HAProxy. @default 1 */
  readonly checkIntervalSeconds?: number;
  /** Failed checks before a master gives up the VIP and HAProxy marks a server down. @default 2 */
  readonly checkFall?: number;
  /** Passed checks before a master may take the VIP back and HAProxy uses a server again. @default 2 */
  readonly checkRise?: number;
}

/** Host file names, relative to `hosts/<master>/`. */
export const HA_FILES = {
  keepalivedConf: 'keepalived.conf',
  checkScript: 'check-apiserver.sh',
  authCheckScript: 'check-vrrp-auth.sh',
  keepalivedDropIn: 'keepalived.service.d/10-platform-blueprint.conf',
  haproxyCfg: 'haproxy.cfg',
  keepalivedManifest: 'manifests/keepalived.yaml',
  haproxyManifest: 'manifests/haproxy.yaml',
} as const;

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
 * keepalived, which moves one VIP to the healthiest master, and HAProxy, which balances all
 * masters' API servers. For each master it renders keepalived.conf, the health check script,
 * haproxy.cfg and, per `runtime`, a systemd drop-in or the two static pod manifests.
 *
 * Priorities never tie: the masters get 250, 250 − s, 250 − 2s, … with the step s as wide as
 * the range allows (49 for 3 masters: 250, 201, 152), and the check script's weight is −s × (number of
 * masters), more than the whole spread, so a master whose check fails drops below every healthy
 * one, and failing masters keep distinct priorities among themselves (3 masters: 103, 54, 5).
 * Preemption stays on, so that the VIP always sits on the healthiest master; `checkRise`
 * keeps a recovering apiserver from pulling the VIP back before it is steadily healthy.
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
    this.props = props;
    this.masters = props.masters;
    if ((props.runtime ?? LoadBalancerRuntime.SERVICE) === LoadBalancerRuntime.STATIC_POD) {
      const dir = this.keepalivedDir;
      for (const master of props.masters) {
        const scopeOfMaster = new Construct(this, master.name);
        this.pods.set(master.name, {
          keepalived: new KeepalivedStaticPod(scopeOfMaster, 'keepalived', {
            image: props.keepalivedImage ?? 'osixia/keepalived:2.0.20',
            configDir: dir,
            configFile: `${dir}/${HA_FILES.keepalivedConf}`,
            ...(props.authPasswordFile === undefined
              ? {}
              : { preStartScript: `${dir}/${HA_FILES.authCheckScript}` }),
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

  /** The VRRP priority of the master at `index` (0 = first) of `masterCount`. */
  public static priorityOf(index: number, masterCount: number): number {
    return TOP_PRIORITY - priorityStepFor(masterCount) * index;
  }

  /**
   * The check script's weight for `masterCount` masters: one step more than the spread of
   * their priorities, so that a failing master drops below every healthy one without tying.
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
    return new KeepalivedConfig({
      routerId: master.name,
      interface: p.interface,
      virtualRouterId: p.virtualRouterId,
      vip: p.vip,
      vipPrefixLength: p.vipPrefixLength ?? 32,
      priority: HaControlPlane.priorityOf(index, p.masters.length),
      initialState: index === 0 ? 'MASTER' : 'BACKUP',
      advertIntervalSeconds: p.advertIntervalSeconds ?? 1,
      ...(unicast
        ? {
            unicastSourceAddress: master.address,
            unicastPeers: p.masters.filter((m) => m !== master).map((m) => m.address),
          }
        : {}),
      ...(p.authPasswordFile === undefined ? {} : { authPasswordFile: p.authPasswordFile }),
      checkScriptPath: `${this.keepalivedDir}/${HA_FILES.checkScript}`,
      checkIntervalSeconds: p.checkIntervalSeconds ?? 1,
      checkTimeoutSeconds: 3,
      checkFall: p.checkFall ?? 2,
      checkRise: p.checkRise ?? 2,
      checkWeight: HaControlPlane.checkWeightFor(p.masters.length),
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
      checkIntervalMs: (p.checkIntervalSeconds ?? 1) * 1000,
      checkFall: p.checkFall ?? 2,
      checkRise: p.checkRise ?? 2,
      // The Debian service starts as root and drops to haproxy; the official image starts unprivileged.
      ...(runtime === LoadBalancerRuntime.SERVICE ? { runAsUser: 'haproxy' } : {}),
    });
  }

  /** Every file of one master, sorted by path. */
  public hostFiles(masterName: string): HostFile[] {
    const p = this.props;
    const master = p.masters[this.indexOf(masterName)] as ControlPlaneMaster;
    const files: HostFile[] = [
      { path: HA_FILES.keepalivedConf, content: this.keepalivedConfig(master.name).render() },
      {
        path: HA_FILES.checkScript,
        content: new ApiServerCheckScript({
          hostName: master.name,
          apiServerPort: p.apiServerPort,
          haproxyPort: p.port,
        }).render(),
        mode: ApiServerCheckScript.MODE,
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
    } else if (p.authPasswordFile !== undefined) {
      files.push({
        path: HA_FILES.keepalivedDropIn,
        content: [
          '# systemd drop-in for keepalived.service: check the host-local VRRP password file before start.',
          '# Generated by platform-blueprint; edit the environment and run `blueprint synth` instead.',
          '[Service]',
          `ExecStartPre=${this.keepalivedDir}/${HA_FILES.authCheckScript}`,
          '',
        ].join('\n'),
      });
    }
    return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
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
