import { ValidationError } from '../core/validation-error';
import { type AlertRule, duration, durationSeconds, positive, share } from './alert-rule';

/**
 * Thresholds of the node, API server, etcd, certificate and backup alerts
 * (`observability.alerts` of the environment, where each default is written).
 */
export interface ClusterAlertThresholds {
  /** Share of a file system that must stay free (NodeFilesystemAlmostFull). */
  readonly nodeFilesystemFreeRatio: number;
  /** How far ahead the last 6 hours' trend is projected (NodeFilesystemFillingUp). */
  readonly nodeFilesystemFillsWithin: string;
  /** Share of memory that must stay available (NodeMemoryLow). */
  readonly nodeMemoryAvailableRatio: number;
  /** Seconds a clock may be off its time source (NodeClockSkew). */
  readonly nodeClockOffsetSeconds: number;
  /** How long one kube-apiserver must fail its scrape (ApiServerDown). */
  readonly apiServerDownFor: string;
  /** p99 request latency in seconds (ApiServerHighLatency). */
  readonly apiServerLatencySeconds: number;
  /** Share of 5xx responses (ApiServerHighErrorRatio). */
  readonly apiServerErrorRatio: number;
  /** How long a member must be down (EtcdMemberDown, EtcdInsufficientMembers). */
  readonly etcdMemberDownFor: string;
  /** Leader changes per hour (EtcdFrequentLeaderChanges). */
  readonly etcdLeaderChangesPerHour: number;
  /** Share of the backend quota (EtcdDatabaseNearQuota). */
  readonly etcdDatabaseQuotaRatio: number;
  /** p99 WAL fsync seconds (EtcdHighFsyncLatency). */
  readonly etcdFsyncLatencySeconds: number;
  /** p99 backend commit seconds (EtcdHighCommitLatency). */
  readonly etcdCommitLatencySeconds: number;
  /** How long before expiry a kubeadm certificate alerts (KubeadmCertificateExpiresSoon). */
  readonly certificateExpiresWithin: string;
  /** Largest age of the last good etcd snapshot (EtcdBackupTooOld). */
  readonly etcdBackupMaxAge: string;
}

/**
 * node-exporter's file systems that hold data: not the memory-backed and image-layer ones
 * (tmpfs, overlay, squashfs), which are full or empty by design.
 */
const DATA_FILESYSTEMS = 'fstype!~"tmpfs|ramfs|squashfs|overlay|nsfs|fuse.lxcfs",fstype!=""';

/**
 * Node alerts from node-exporter (its series carry `node`): a file system nearly full or
 * filling up, memory short, the clock off or not synchronised. NodeNotReady and
 * ControlPlaneNodeNotReady (kube-state-metrics) are PlatformAlerts' own.
 */
export function nodeAlerts(t: ClusterAlertThresholds): AlertRule[] {
  const free = share('nodeFilesystemFreeRatio', t.nodeFilesystemFreeRatio);
  const within = duration('nodeFilesystemFillsWithin', t.nodeFilesystemFillsWithin);
  const memory = share('nodeMemoryAvailableRatio', t.nodeMemoryAvailableRatio);
  const offset = positive('nodeClockOffsetSeconds', t.nodeClockOffsetSeconds, 60);
  const fs = (metric: string) => `${metric}{${DATA_FILESYSTEMS}}`;
  const writable = `${fs('node_filesystem_readonly')} == 0`;
  return [
    {
      alert: 'NodeFilesystemAlmostFull',
      expr: `${fs('node_filesystem_avail_bytes')} / ${fs('node_filesystem_size_bytes')} < ${free} and ${writable}`,
      for: '15m',
      severity: 'warning',
      summary: `A node file system has less than ${free * 100}% space left.`,
      description:
        'File system {{ $labels.mountpoint }} ({{ $labels.device }}) on {{ $labels.node }} has {{ $value | humanizePercentage }} of its space left. Free space (images: crictl rmi --prune; logs) or grow it.',
    },
    {
      alert: 'NodeFilesystemFillingUp',
      expr:
        `${fs('node_filesystem_avail_bytes')} / ${fs('node_filesystem_size_bytes')} < 0.4` +
        ` and predict_linear(${fs('node_filesystem_avail_bytes')}[6h], ${durationSeconds('nodeFilesystemFillsWithin', within)}) < 0` +
        ` and ${writable}`,
      for: '1h',
      severity: 'warning',
      summary: `A node file system will be full within ${within} at its current rate.`,
      description: `File system {{ $labels.mountpoint }} ({{ $labels.device }}) on {{ $labels.node }} has {{ $value | humanizePercentage }} of its space left and, at the rate of the last 6 hours, fills within ${within}. Find what writes to it.`,
    },
    {
      alert: 'NodeMemoryLow',
      expr: `node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes < ${memory}`,
      for: '15m',
      severity: 'warning',
      summary: `A node has less than ${memory * 100}% of its memory available.`,
      description:
        'Node {{ $labels.node }} has {{ $value | humanizePercentage }} of its memory available; the kubelet will start evicting pods. Check the pods on it (kubectl top pods) and their limits.',
    },
    {
      alert: 'NodeClockSkew',
      expr:
        `(node_timex_offset_seconds > ${offset} and deriv(node_timex_offset_seconds[5m]) >= 0)` +
        ` or (node_timex_offset_seconds < -${offset} and deriv(node_timex_offset_seconds[5m]) <= 0)`,
      for: '10m',
      severity: 'warning',
      summary: `A node's clock is more than ${offset}s off its time source.`,
      description:
        "Node {{ $labels.node }}'s clock is {{ $value | humanizeDuration }} off and not converging; etcd leases, certificates and logs need clocks in step. Check chrony or systemd-timesyncd on it.",
    },
    {
      alert: 'NodeClockNotSynchronising',
      expr: 'min_over_time(node_timex_sync_status[5m]) == 0 and node_timex_maxerror_seconds >= 16',
      for: '10m',
      severity: 'warning',
      summary: "A node's clock is not synchronised.",
      description:
        "Node {{ $labels.node }}'s kernel reports its clock unsynchronised (no NTP peer); it drifts from here on. Check chrony or systemd-timesyncd and that the NTP servers are reachable.",
    },
  ];
}

/** Alerts on every master's kube-apiserver, scraped on the master (job `job`). */
export function apiServerAlerts(job: string, t: ClusterAlertThresholds): AlertRule[] {
  const latency = positive('apiServerLatencySeconds', t.apiServerLatencySeconds, 600);
  const errors = share('apiServerErrorRatio', t.apiServerErrorRatio);
  // WATCH and CONNECT, and the streaming subresources, are long-running by design.
  const requests = `job="${job}",verb!~"WATCH|CONNECT",subresource!~"log|exec|attach|portforward|proxy"`;
  return [
    {
      alert: 'ApiServerDown',
      expr: `up{job="${job}"} == 0`,
      for: duration('apiServerDownFor', t.apiServerDownFor),
      severity: 'warning',
      summary: "A master's API server cannot be scraped.",
      description:
        'kube-apiserver on {{ $labels.node }} ({{ $labels.instance }}) does not answer; HAProxy sends requests to the other masters. Check its static pod (crictl ps -a --name kube-apiserver) and its log.',
    },
    {
      alert: 'ApiServerHighLatency',
      expr: `histogram_quantile(0.99, sum by (instance, node, verb, le) (rate(apiserver_request_duration_seconds_bucket{${requests}}[5m]))) > ${latency}`,
      for: '10m',
      severity: 'warning',
      summary: `API requests take longer than ${latency}s (99th percentile).`,
      description:
        '99% of {{ $labels.verb }} requests to kube-apiserver on {{ $labels.node }} take up to {{ $value | humanizeDuration }}. Check etcd latency (EtcdHighFsyncLatency, EtcdHighCommitLatency) and the API server load (apiserver_flowcontrol_*).',
    },
    {
      alert: 'ApiServerHighErrorRatio',
      expr:
        `sum by (instance, node) (rate(apiserver_request_total{job="${job}",code=~"5.."}[5m]))` +
        ` / sum by (instance, node) (rate(apiserver_request_total{job="${job}"}[5m])) > ${errors}`,
      for: '10m',
      severity: 'warning',
      summary: `The API server answers more than ${errors * 100}% of requests with 5xx.`,
      description:
        'kube-apiserver on {{ $labels.node }} answered {{ $value | humanizePercentage }} of its requests with 5xx over 5 minutes. Its log names the failing requests; etcd is the usual cause.',
    },
  ];
}

/** Alerts on the etcd members of the masters (job `job`), `members` of them in the cluster. */
export function etcdAlerts(job: string, members: number, t: ClusterAlertThresholds): AlertRule[] {
  if (!Number.isInteger(members) || members < 1)
    throw new ValidationError(
      `PlatformAlerts: 'etcd members' (${members}) must be a whole number of at least 1`,
    );
  const downFor = duration('etcdMemberDownFor', t.etcdMemberDownFor);
  const changes = t.etcdLeaderChangesPerHour;
  if (!Number.isInteger(changes) || changes < 1)
    throw new ValidationError(
      `PlatformAlerts: 'etcdLeaderChangesPerHour' (${changes}) must be a whole number of at least 1`,
    );
  const quota = share('etcdDatabaseQuotaRatio', t.etcdDatabaseQuotaRatio);
  const fsync = positive('etcdFsyncLatencySeconds', t.etcdFsyncLatencySeconds, 600);
  const commit = positive('etcdCommitLatencySeconds', t.etcdCommitLatencySeconds, 600);
  const quorum = Math.floor(members / 2) + 1;
  const sel = `job="${job}"`;
  return [
    {
      alert: 'EtcdMemberDown',
      expr: `up{${sel}} == 0`,
      for: downFor,
      severity: 'warning',
      summary: 'An etcd member cannot be scraped.',
      description: `etcd on {{ $labels.node }} ({{ $labels.instance }}) does not answer; ${members} member(s), quorum ${quorum}. Check its static pod (crictl ps -a --name etcd) and its log.`,
    },
    {
      alert: 'EtcdInsufficientMembers',
      expr: `(count(up{${sel}} == 1) or vector(0)) < ${quorum}`,
      for: downFor,
      severity: 'critical',
      summary: 'etcd has lost quorum.',
      description: `Only {{ $value }} of ${members} etcd members answer, fewer than the quorum of ${quorum}: the API server cannot write. Bring members back, or restore from a snapshot (docs/etcd-backup-restore.md).`,
    },
    {
      alert: 'EtcdNoLeader',
      expr: `etcd_server_has_leader{${sel}} == 0`,
      for: '1m',
      severity: 'critical',
      summary: 'An etcd member has no leader.',
      description:
        'etcd on {{ $labels.node }} sees no leader; the cluster cannot commit writes through it. Check the network between the masters and the other members.',
    },
    {
      alert: 'EtcdFrequentLeaderChanges',
      expr: `increase(etcd_server_leader_changes_seen_total{${sel}}[1h]) > ${changes}`,
      for: '5m',
      severity: 'warning',
      summary: `etcd changed leader more than ${changes} times in an hour.`,
      description:
        "etcd on {{ $labels.node }} saw {{ $value | humanize }} leader changes in the last hour: disks or the network between the masters are too slow for its heartbeat. Check EtcdHighFsyncLatency and the masters' network.",
    },
    {
      alert: 'EtcdDatabaseNearQuota',
      expr: `etcd_mvcc_db_total_size_in_bytes{${sel}} / etcd_server_quota_backend_bytes{${sel}} > ${quota}`,
      for: '10m',
      severity: 'warning',
      summary: `etcd's database fills more than ${quota * 100}% of its quota.`,
      description:
        'etcd on {{ $labels.node }} uses {{ $value | humanizePercentage }} of its backend quota; at the quota it raises a NOSPACE alarm and refuses writes. Compact and defragment it (etcdctl defrag), or raise quota-backend-bytes.',
    },
    {
      alert: 'EtcdHighFsyncLatency',
      expr: `histogram_quantile(0.99, sum by (instance, node, le) (rate(etcd_disk_wal_fsync_duration_seconds_bucket{${sel}}[5m]))) > ${fsync}`,
      for: '10m',
      severity: 'warning',
      summary: `etcd's WAL fsync takes longer than ${fsync}s (99th percentile).`,
      description:
        "99% of etcd's WAL fsyncs on {{ $labels.node }} take up to {{ $value | humanizeDuration }}; its disk is too slow or shared. etcd wants a dedicated SSD.",
    },
    {
      alert: 'EtcdHighCommitLatency',
      expr: `histogram_quantile(0.99, sum by (instance, node, le) (rate(etcd_disk_backend_commit_duration_seconds_bucket{${sel}}[5m]))) > ${commit}`,
      for: '10m',
      severity: 'warning',
      summary: `etcd's backend commits take longer than ${commit}s (99th percentile).`,
      description:
        "99% of etcd's backend commits on {{ $labels.node }} take up to {{ $value | humanizeDuration }}; its disk is too slow or shared. etcd wants a dedicated SSD.",
    },
  ];
}

/** The textfile-collector metrics the masters' timers write (tools of controlPlane.etcdBackup). */
export const BACKUP_METRICS = {
  lastSuccess: 'blueprint_etcd_backup_last_success_timestamp_seconds',
  lastSize: 'blueprint_etcd_backup_last_size_bytes',
  lastRunSuccess: 'blueprint_etcd_backup_last_run_success',
  certificateExpiry: 'blueprint_kubeadm_certificate_expiry_timestamp_seconds',
} as const;

/**
 * Alerts on what the masters' timers report through node-exporter's textfile collector: a
 * kubeadm certificate near its expiry, the last good etcd snapshot too old (or none reported
 * for that long), the last backup run failed.
 */
export function maintenanceAlerts(t: ClusterAlertThresholds): AlertRule[] {
  const expiry = duration('certificateExpiresWithin', t.certificateExpiresWithin);
  const maxAge = duration('etcdBackupMaxAge', t.etcdBackupMaxAge);
  const maxAgeSeconds = durationSeconds('etcdBackupMaxAge', maxAge);
  return [
    {
      alert: 'KubeadmCertificateExpiresSoon',
      expr: `${BACKUP_METRICS.certificateExpiry} - time() < ${durationSeconds('certificateExpiresWithin', expiry)}`,
      for: '1h',
      severity: 'warning',
      summary: `A kubeadm certificate expires within ${expiry}.`,
      description:
        'Certificate {{ $labels.certificate }} on {{ $labels.node }} expires in {{ $value | humanizeDuration }} (negative: expired); components that use it stop authenticating then. Renew it on that master (kubeadm certs renew) and restart the static pods.',
    },
    {
      alert: 'EtcdBackupTooOld',
      expr: `time() - ${BACKUP_METRICS.lastSuccess} > ${maxAgeSeconds} or absent_over_time(${BACKUP_METRICS.lastSuccess}[${maxAge}])`,
      for: '10m',
      severity: 'warning',
      summary: `No etcd snapshot newer than ${maxAge} passed its check.`,
      description: `{{ if $labels.node }}The last etcd snapshot of {{ $labels.node }} that passed etcdctl snapshot status is {{ $value | humanizeDuration }} old{{ else }}No master has reported an etcd snapshot that passed etcdctl snapshot status for ${maxAge}{{ end }}. Check the backup timer on the masters and its journal (docs/etcd-backup-restore.md).`,
    },
    {
      alert: 'EtcdBackupFailed',
      expr: `${BACKUP_METRICS.lastRunSuccess} == 0`,
      for: '5m',
      severity: 'warning',
      summary: 'The last etcd backup run failed.',
      description:
        'The last etcd backup run on {{ $labels.node }} failed (snapshot, its check or the upload). Its journal says why (journalctl -u the backup service); docs/etcd-backup-restore.md.',
    },
  ];
}
