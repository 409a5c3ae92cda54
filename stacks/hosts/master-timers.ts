import {
  ETCD_BACKUP_FILES,
  ETCD_BACKUP_SCRIPT,
  EtcdBackup,
} from '../../constructs/control-plane/etcd-backup';
import {
  KUBEADM_CERTIFICATE_FILES,
  KUBEADM_CERTIFICATE_SCRIPT,
  KubeadmCertificateMetrics,
} from '../../constructs/control-plane/kubeadm-certificate-metrics';
import type { InstalledScript } from '../../constructs/hosts/textfile-metrics';
import type { LoadedEnvironment } from '../../environments/load';
import type { OutputFile } from '../output-file';

/**
 * Every master's day-2 timers: the etcd backup (controlPlane.etcdBackup, unless disabled) and the
 * kubeadm certificate expiry metrics, each a script, a oneshot service and a timer under
 * `hosts/<master>/` (docs/etcd-backup-restore.md).
 */
export function renderMasterTimers(env: LoadedEnvironment): OutputFile[] {
  const cp = env.spec.controlPlane;
  const backup = cp.etcdBackup;
  const files: OutputFile[] = [];
  for (const master of cp.masters) {
    const hostFiles = [
      ...(backup.enabled
        ? new EtcdBackup({
            host: master.name,
            environment: env.name,
            schedule: backup.schedule,
            randomizedDelaySeconds: backup.randomizedDelaySeconds,
            directory: backup.directory,
            retentionCount: backup.retention.count,
            ...(backup.retention.maxAgeDays === undefined
              ? {}
              : { retentionMaxAgeDays: backup.retention.maxAgeDays }),
            ...(backup.copyTo === undefined ? {} : { copy: backup.copyTo }),
          }).hostFiles()
        : []),
      ...new KubeadmCertificateMetrics({ host: master.name, environment: env.name }).hostFiles(),
    ];
    for (const file of hostFiles) {
      files.push({
        path: `hosts/${master.name}/${file.path}`,
        content: file.content,
        ...(file.mode === undefined ? {} : { mode: file.mode }),
      });
    }
  }
  return files;
}

/** The scripts the masters' timers start, and where the playbook installs them. */
export const MASTER_TIMER_SCRIPTS: readonly InstalledScript[] = [
  ETCD_BACKUP_SCRIPT,
  KUBEADM_CERTIFICATE_SCRIPT,
];

/** The timers the playbook enables and starts on every master. */
export function masterTimers(env: LoadedEnvironment): string[] {
  return [
    ...(env.spec.controlPlane.etcdBackup.enabled ? [ETCD_BACKUP_FILES.timer] : []),
    KUBEADM_CERTIFICATE_FILES.timer,
  ];
}

/**
 * The Debian packages the masters' timers need: openssl (certificate expiry) and, for the etcd
 * backup, etcd-client (etcdctl; Debian 12's 3.4 talks to kubeadm's etcd 3.5 and checks its
 * snapshots) plus rsync and the ssh client for an off-host copy.
 */
export function masterTimerPackages(env: LoadedEnvironment): string[] {
  const backup = env.spec.controlPlane.etcdBackup;
  return [
    'openssl',
    ...(backup.enabled ? ['etcd-client'] : []),
    ...(backup.enabled && backup.copyTo !== undefined ? ['rsync', 'openssh-client'] : []),
  ];
}
