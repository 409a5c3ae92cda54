/**
 * What the host timers that report to Prometheus share: node-exporter's textfile collector
 * directory (node-exporter reads every `*.prom` file in it; the scripts write a temporary file
 * there and rename it, so that a scrape never sees half a file) and the sandbox of their
 * oneshot services.
 */

// node-exporter's textfile collector directory on every host (`--collector.textfile.directory`):
// one constant, where node-exporter's DaemonSet is built.
export { TEXTFILE_COLLECTOR_DIR } from '../addons/node-exporter';

/**
 * `[Service]` sandboxing for a root oneshot that reads host files and writes only `writable`:
 * no capabilities (root still reads its own 0600 files: kubeadm's keys are root's), a read-only
 * system, no home directories, private /tmp and devices, no kernel or namespace changes, and only
 * the network families a TLS or ssh client needs. Every directive is one systemd 252 (Debian 12)
 * knows; `systemd-analyze verify` checks them (test/hosts/systemd-units.test.ts).
 */
export function sandbox(writable: readonly string[]): string[] {
  return [
    'UMask=0077',
    'NoNewPrivileges=yes',
    'CapabilityBoundingSet=',
    'ProtectSystem=strict',
    `ReadWritePaths=${writable.join(' ')}`,
    'ProtectHome=yes',
    'PrivateTmp=yes',
    'PrivateDevices=yes',
    'ProtectKernelTunables=yes',
    'ProtectKernelModules=yes',
    'ProtectKernelLogs=yes',
    'ProtectControlGroups=yes',
    'ProtectClock=yes',
    'ProtectHostname=yes',
    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6',
    'RestrictNamespaces=yes',
    'RestrictRealtime=yes',
    'RestrictSUIDSGID=yes',
    'LockPersonality=yes',
    'MemoryDenyWriteExecute=yes',
    'SystemCallArchitectures=native',
    'SystemCallFilter=@system-service',
  ];
}

/** Where a script host file is installed (an absolute path of a program the units start). */
export interface InstalledScript {
  /** Host file name under `hosts/<host>/`, e.g. `etcd-backup.sh`. */
  readonly file: string;
  /** Absolute path on the machine, e.g. `/usr/local/sbin/blueprint-etcd-backup`. */
  readonly destination: string;
}
