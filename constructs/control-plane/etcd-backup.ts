import { ValidationError } from '../core/validation-error';
import { type InstalledScript, sandbox, TEXTFILE_COLLECTOR_DIR } from '../hosts/textfile-metrics';
import type { HostFile } from './ha-control-plane';

/** An off-host copy of every snapshot: rsync over ssh with host-local credentials. */
export interface EtcdBackupCopy {
  /** `user@host:/directory/`. */
  readonly destination: string;
  /** ssh port of the backup host. */
  readonly port: number;
  /** Host-local private key (mode 0600). */
  readonly identityFile: string;
  /** Host-local known_hosts holding the backup host's key. */
  readonly knownHostsFile: string;
}

/** Props of {@link EtcdBackup}. */
export interface EtcdBackupProps {
  /** The master the files are for; its name is part of every snapshot's file name. */
  readonly host: string;
  /** Environment name, for the headers. */
  readonly environment: string;
  /** systemd OnCalendar= expression, already validated by the schema. */
  readonly schedule: string;
  /** RandomizedDelaySec= of the timer, in seconds. */
  readonly randomizedDelaySeconds: number;
  /** Directory of the snapshots on the master. */
  readonly directory: string;
  /** Snapshots kept, newest first; at least 1. */
  readonly retentionCount: number;
  /** Delete snapshots older than this many days (never the newest). @default - no age limit */
  readonly retentionMaxAgeDays?: number;
  /** Copy each snapshot off the host. @default - no copy */
  readonly copy?: EtcdBackupCopy;
}

/** Host file names, relative to `hosts/<master>/`, and where the script is installed. */
export const ETCD_BACKUP_FILES = {
  script: 'etcd-backup.sh',
  service: 'etcd-backup.service',
  timer: 'etcd-backup.timer',
} as const;
export const ETCD_BACKUP_SCRIPT: InstalledScript = {
  file: ETCD_BACKUP_FILES.script,
  destination: '/usr/local/sbin/blueprint-etcd-backup',
};

/** kubeadm's local etcd member and the client certificate its health check uses. */
export const KUBEADM_ETCD = {
  endpoint: 'https://127.0.0.1:2379',
  caCert: '/etc/kubernetes/pki/etcd/ca.crt',
  cert: '/etc/kubernetes/pki/etcd/healthcheck-client.crt',
  key: '/etc/kubernetes/pki/etcd/healthcheck-client.key',
  manifest: '/etc/kubernetes/manifests/etcd.yaml',
} as const;

/** The textfile collector file the script writes, and its metrics (helper alerts read them). */
export const ETCD_BACKUP_METRICS = {
  file: 'etcd-backup.prom',
  lastSuccessTimestamp: 'blueprint_etcd_backup_last_success_timestamp_seconds',
  lastSizeBytes: 'blueprint_etcd_backup_last_size_bytes',
  lastRunSuccess: 'blueprint_etcd_backup_last_run_success',
} as const;

const SAFE_WORD = /^[A-Za-z0-9@:/._-]+$/;

/**
 * etcd backups on one master: `etcd-backup.sh` (installed as blueprint-etcd-backup) takes an
 * `etcdctl snapshot save` of the local member with kubeadm's healthcheck client certificate,
 * checks it with `snapshot status` (etcdutl's when installed: etcd 3.5 deprecates and 3.6 removes
 * etcdctl's), renames it into the snapshot directory as
 * `etcd-snapshot-<master>-<UTC time>.db`, deletes the snapshots beyond the retention, copies the
 * new one off the host when configured, and writes `etcd-backup.prom` for node-exporter's textfile
 * collector — also when it fails. `etcd-backup.service` runs it once, sandboxed;
 * `etcd-backup.timer` starts it on the schedule. Pure renderer.
 */
export class EtcdBackup {
  private readonly props: EtcdBackupProps;

  constructor(props: EtcdBackupProps) {
    if (!Number.isInteger(props.retentionCount) || props.retentionCount < 1) {
      throw new ValidationError(
        `EtcdBackup: 'retentionCount' (${props.retentionCount}) must be a whole number >= 1`,
      );
    }
    if (
      props.retentionMaxAgeDays !== undefined &&
      (!Number.isInteger(props.retentionMaxAgeDays) || props.retentionMaxAgeDays < 1)
    ) {
      throw new ValidationError(
        `EtcdBackup: 'retentionMaxAgeDays' (${props.retentionMaxAgeDays}) must be a whole number >= 1`,
      );
    }
    const words: [string, string][] = [
      ['host', props.host],
      ['directory', props.directory],
      ...(props.copy
        ? ([
            ['copy.destination', props.copy.destination],
            ['copy.identityFile', props.copy.identityFile],
            ['copy.knownHostsFile', props.copy.knownHostsFile],
          ] as [string, string][])
        : []),
    ];
    for (const [name, value] of words) {
      // Written into a shell script and a unit file unquoted-safe: no spaces, quotes or "$".
      if (!SAFE_WORD.test(value)) {
        throw new ValidationError(
          `EtcdBackup: '${name}' (${JSON.stringify(value)}) may hold only letters, digits and @ : / . _ -`,
        );
      }
    }
    if (/[%\n]/.test(props.schedule)) {
      throw new ValidationError(
        `EtcdBackup: 'schedule' (${JSON.stringify(props.schedule)}) must not hold "%" or a newline`,
      );
    }
    this.props = props;
  }

  /** The three host files of the master. */
  hostFiles(): HostFile[] {
    return [
      { path: ETCD_BACKUP_FILES.script, content: this.script(), mode: 0o755 },
      { path: ETCD_BACKUP_FILES.service, content: this.service() },
      { path: ETCD_BACKUP_FILES.timer, content: this.timer() },
    ];
  }

  private header(what: string): string[] {
    return [
      `# ${what} on ${this.props.host} of ${this.props.environment} (docs/etcd-backup-restore.md).`,
      '# Generated by platform-blueprint; edit the environment and run `blueprint synth` instead.',
    ];
  }

  private script(): string {
    const p = this.props;
    const copy = p.copy;
    const m = ETCD_BACKUP_METRICS;
    return `${[
      '#!/bin/bash',
      ...this.header(
        'etcd backup: snapshot the local member, check it, prune, copy off the host, report to node-exporter,',
      ),
      `# run by ${ETCD_BACKUP_FILES.service} (${ETCD_BACKUP_FILES.timer}: ${p.schedule}). Exit 0: a checked snapshot was kept${copy ? ' and copied' : ''}.`,
      'set -euo pipefail',
      'export LC_ALL=C ETCDCTL_API=3',
      'umask 077',
      '',
      "# kubeadm's local etcd member and its health-check client certificate.",
      `endpoint=${KUBEADM_ETCD.endpoint}`,
      `cacert=${KUBEADM_ETCD.caCert}`,
      `cert=${KUBEADM_ETCD.cert}`,
      `key=${KUBEADM_ETCD.key}`,
      `dir=${p.directory}`,
      `textfile_dir=${TEXTFILE_COLLECTOR_DIR}`,
      `prefix=etcd-snapshot-${p.host}-`,
      `keep_count=${p.retentionCount}`,
      `# Snapshots older than this many days go too (never the newest); 0: no age limit.`,
      `keep_days=${p.retentionMaxAgeDays ?? 0}`,
      ...(copy
        ? [
            `copy_to=${copy.destination}`,
            `copy_ssh="ssh -F none -p ${copy.port} -i ${copy.identityFile} -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=${copy.knownHostsFile} -o ConnectTimeout=30"`,
          ]
        : ["copy_to=''"]),
      '',
      'log() { printf \'etcd-backup: %s\\n\' "$*" >&2; }',
      '',
      '# The kept snapshots, oldest first (their names sort by time).',
      'snapshots() {',
      '  local f',
      '  for f in "$dir/$prefix"[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z.db; do',
      '    if [ -f "$f" ]; then printf \'%s\\n\' "$f"; fi',
      '  done',
      '}',
      '',
      '# Unix time in the name of a snapshot: etcd-snapshot-<master>-20261202T070000Z.db.',
      'epoch_of() {',
      '  local s=${1##*/}',
      '  s=${s#"$prefix"}',
      '  date -u -d "${s:0:4}-${s:4:2}-${s:6:2} ${s:9:2}:${s:11:2}:${s:13:2}" +%s',
      '}',
      '',
      '# The metrics of the newest kept snapshot (every kept one passed `snapshot status`) and of this run,',
      '# written to a temporary file and renamed: node-exporter never reads half a file.',
      'write_metrics() {',
      '  local ok=$1 newest ts=0 size=0 tmp',
      '  newest=$(snapshots | tail -n 1)',
      '  if [ -n "$newest" ]; then',
      '    ts=$(epoch_of "$newest")',
      '    size=$(stat -c %s "$newest")',
      '  fi',
      `  tmp=$(mktemp "$textfile_dir/.${m.file}.XXXXXX")`,
      '  cat >"$tmp" <<EOF',
      `# HELP ${m.lastSuccessTimestamp} Unix time of the newest etcd snapshot on this master that passed etcdctl snapshot status (0: none).`,
      `# TYPE ${m.lastSuccessTimestamp} gauge`,
      `${m.lastSuccessTimestamp} $ts`,
      `# HELP ${m.lastSizeBytes} Size in bytes of that snapshot.`,
      `# TYPE ${m.lastSizeBytes} gauge`,
      `${m.lastSizeBytes} $size`,
      `# HELP ${m.lastRunSuccess} 1 when the last backup run saved, checked, pruned${copy ? ' and copied' : ''} a snapshot, else 0.`,
      `# TYPE ${m.lastRunSuccess} gauge`,
      `${m.lastRunSuccess} $ok`,
      'EOF',
      '  chmod 0644 "$tmp"',
      `  mv -f "$tmp" "$textfile_dir/${m.file}"`,
      '}',
      '',
      'finish() {',
      '  local code=$?',
      '  rm -f "$dir/.partial-$prefix"*',
      '  if [ "$code" -eq 0 ]; then',
      '    write_metrics 1',
      '  else',
      '    log "failed (exit $code)"',
      `    write_metrics 0 || log "could not write $textfile_dir/${m.file}"`,
      '  fi',
      '  exit "$code"',
      '}',
      'trap finish EXIT',
      '',
      '# etcdutl checks snapshots from etcd 3.5 on (etcdctl snapshot status is deprecated there, gone in 3.6).',
      'if command -v etcdutl >/dev/null 2>&1; then status_tool=etcdutl; else status_tool=etcdctl; fi',
      '',
      'mkdir -p "$dir" "$textfile_dir"',
      'chmod 0700 "$dir"',
      'rm -f "$dir/.partial-$prefix"*',
      'name="$prefix$(date -u +%Y%m%dT%H%M%SZ).db"',
      'partial="$dir/.partial-$name"',
      "# A large database takes longer than etcdctl's default 5 s command timeout.",
      'etcdctl --endpoints="$endpoint" --cacert="$cacert" --cert="$cert" --key="$key" \\',
      '  --dial-timeout=10s --command-timeout=15m snapshot save "$partial" >&2',
      'status=$("$status_tool" snapshot status "$partial" --write-out=json)',
      'if ! [[ $status =~ \\"revision\\":([0-9]+) ]]; then',
      '  log "$status_tool snapshot status did not accept $partial: $status"',
      '  exit 1',
      'fi',
      'revision=${BASH_REMATCH[1]}',
      'mv -f "$partial" "$dir/$name"',
      'log "kept $dir/$name ($(stat -c %s "$dir/$name") bytes, revision $revision)"',
      '',
      '# Retention: the newest $keep_count, and with keep_days only those younger (the newest always stays).',
      'mapfile -t kept < <(snapshots)',
      'now=$(date -u +%s)',
      'for i in "${!kept[@]}"; do',
      '  rank=$((${#kept[@]} - i))',
      '  f=${kept[$i]}',
      '  if [ "$rank" -gt "$keep_count" ]; then',
      '    rm -f -- "$f"',
      '    log "deleted $f (keeping $keep_count)"',
      '  elif [ "$keep_days" -gt 0 ] && [ "$rank" -gt 1 ] && [ $((now - $(epoch_of "$f"))) -gt $((keep_days * 86400)) ]; then',
      '    rm -f -- "$f"',
      '    log "deleted $f (older than $keep_days days)"',
      '  fi',
      'done',
      ...(copy
        ? [
            '',
            '# Off the host: the new snapshot, private on the backup host too. Nothing there is deleted.',
            'rsync --times --chmod=F600 -e "$copy_ssh" -- "$dir/$name" "$copy_to"',
            'log "copied $name to $copy_to"',
          ]
        : []),
    ].join('\n')}\n`;
  }

  private service(): string {
    const p = this.props;
    return `${[
      ...this.header(`systemd service: one etcd snapshot (${ETCD_BACKUP_SCRIPT.destination})`),
      '[Unit]',
      `Description=etcd snapshot into ${p.directory} (platform-blueprint)`,
      'Documentation=https://etcd.io/docs/v3.5/op-guide/recovery/',
      'After=network-online.target',
      'Wants=network-online.target',
      "# Only where kubeadm runs etcd; not while a restore has moved etcd's manifest aside.",
      `ConditionPathExists=${KUBEADM_ETCD.manifest}`,
      '',
      '[Service]',
      'Type=oneshot',
      '# Made with full privileges before the sandbox, which needs its writable paths to exist.',
      `ExecStartPre=+/usr/bin/install -d -m 0700 ${p.directory}`,
      `ExecStartPre=+/usr/bin/install -d -m 0755 ${TEXTFILE_COLLECTOR_DIR.split('/').slice(0, -1).join('/')} ${TEXTFILE_COLLECTOR_DIR}`,
      `ExecStart=${ETCD_BACKUP_SCRIPT.destination}`,
      'TimeoutStartSec=30min',
      'Nice=10',
      'IOSchedulingClass=idle',
      ...sandbox([p.directory, TEXTFILE_COLLECTOR_DIR]),
    ].join('\n')}\n`;
  }

  private timer(): string {
    const p = this.props;
    return `${[
      ...this.header(`systemd timer: starts ${ETCD_BACKUP_FILES.service} on the schedule`),
      '[Unit]',
      `Description=etcd snapshot, ${p.schedule} (platform-blueprint)`,
      '',
      '[Timer]',
      `OnCalendar=${p.schedule}`,
      `RandomizedDelaySec=${p.randomizedDelaySeconds}`,
      '# A run missed while the master was off runs when it is back.',
      'Persistent=true',
      'AccuracySec=1min',
      '',
      '[Install]',
      'WantedBy=timers.target',
    ].join('\n')}\n`;
  }
}
