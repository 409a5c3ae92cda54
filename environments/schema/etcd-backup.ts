import { z } from 'zod';
import { calendarEvent } from './calendar';

const absolutePath = z
  .string({ error: 'must be a string holding an absolute path' })
  .regex(/^\/[A-Za-z0-9._/-]*[A-Za-z0-9._-]$/, {
    error: 'is not an absolute path (starts with "/", letters, digits, ".", "_", "-" and "/")',
  })
  .refine((value) => !value.split('/').includes('..'), { error: 'must not contain ".."' });

/** `user@host:/path/`: where rsync puts the snapshots over ssh. */
const rsyncDestination = z
  .string({ error: 'must be a string holding an rsync destination (user@host:/path/)' })
  .regex(/^[a-z_][a-z0-9_.-]{0,31}@[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?:\/([A-Za-z0-9._-]+\/)*$/, {
    error:
      'is not an rsync-over-ssh destination: user@host:/absolute/directory/ ending in "/" (letters, digits, ".", "_" and "-" in the path)',
  })
  .refine((value) => !value.split(':')[1]?.split('/').includes('..'), { error: 'must not contain ".."' });

/** A copy of every snapshot off the master, so that losing the machine does not lose its backups. */
export const etcdBackupCopy = z.strictObject({
  type: z
    .literal('rsync', { error: 'must be rsync (a copy with rsync over ssh)' })
    .describe('rsync over ssh (the master needs rsync and openssh-client; the playbook installs them).'),
  destination: rsyncDestination.describe(
    'Directory on the backup host, as `user@host:/path/`, e.g. `etcd-backup@backup.example.com:/srv/etcd/prod/`. ' +
      'Each master copies its own snapshots there (their names carry the master), and deletes nothing there.',
  ),
  port: z
    .number({ error: 'must be a port number' })
    .int({ error: 'must be a whole number' })
    .min(1, { error: 'must be between 1 and 65535' })
    .max(65535, { error: 'must be between 1 and 65535' })
    .default(22)
    .describe("The backup host's ssh port. @default 22"),
  identityFile: absolutePath.describe(
    'Host-local ssh private key (mode 0600) on every master, e.g. /etc/platform-blueprint/etcd-backup/id_ed25519. ' +
      'The operator puts it there; the key never enters the repository or the output.',
  ),
  knownHostsFile: absolutePath.describe(
    "Host-local known_hosts file holding the backup host's key; ssh refuses a host that is not in it " +
      '(StrictHostKeyChecking=yes), e.g. /etc/platform-blueprint/etcd-backup/known_hosts.',
  ),
});
export type EtcdBackupCopySpec = z.infer<typeof etcdBackupCopy>;

/**
 * Snapshots of etcd on every master (`etcdctl snapshot save` on a systemd timer), checked with
 * `snapshot status`, pruned to a retention, optionally copied off the host, and reported to
 * node-exporter's textfile collector (docs/etcd-backup-restore.md).
 */
export const etcdBackup = z.strictObject({
  enabled: z
    .boolean({ error: 'must be true or false' })
    .default(true)
    .describe('Write the backup script, service and timer to every master. @default true'),
  schedule: calendarEvent
    .default('hourly')
    .describe(
      "When the backup runs, as systemd's OnCalendar= (systemd.time(7)) in the master's local time " +
        '(or with a trailing UTC), e.g. hourly, "*-*-* 00/6:00:00" (every 6 hours), "*-*-* 02:30:00". ' +
        'Checked as systemd checks it (`systemd-analyze calendar`). A run missed while the master ' +
        'was off runs at boot (Persistent=true). @default hourly',
    ),
  randomizedDelaySeconds: z
    .number({ error: 'must be a number of seconds' })
    .int({ error: 'must be a whole number of seconds' })
    .min(0, { error: 'must be between 0 and 3600 seconds' })
    .max(3600, { error: 'must be between 0 and 3600 seconds' })
    .default(300)
    .describe(
      'Each run starts up to this many seconds after the scheduled time (RandomizedDelaySec=), so ' +
        'that the masters do not snapshot at the same moment. @default 300',
    ),
  directory: absolutePath
    .refine((value) => value !== '/var/lib/etcd' && !value.startsWith('/var/lib/etcd/'), {
      error: "must not be /var/lib/etcd or below it: it is etcd's data directory, which a restore replaces",
    })
    .default('/var/lib/etcd-backup')
    .describe(
      'Where the snapshots are kept on each master (mode 0700: a snapshot holds every Secret). ' +
        'Must not be below /var/lib/etcd (the restore replaces that directory). @default /var/lib/etcd-backup',
    ),
  retention: z
    .strictObject({
      count: z
        .number({ error: 'must be a number of snapshots' })
        .int({ error: 'must be a whole number of snapshots' })
        .min(1, { error: 'must be at least 1 (the newest snapshot is always kept)' })
        .max(10000, { error: 'must be at most 10000' })
        .default(48)
        .describe(
          'Snapshots kept on each master, newest first; older ones are deleted after each run. @default 48',
        ),
      maxAgeDays: z
        .number({ error: 'must be a number of days' })
        .int({ error: 'must be a whole number of days' })
        .min(1, { error: 'must be at least 1 day' })
        .max(3650, { error: 'must be at most 3650 days' })
        .optional()
        .describe(
          'Also delete snapshots older than this many days, except the newest one. @default - no age limit: only count',
        ),
    })
    .prefault({})
    .describe('How many snapshots each master keeps. @default { count: 48 }'),
  copyTo: etcdBackupCopy
    .optional()
    .describe(
      'A copy of each snapshot off the master (rsync over ssh, credentials by host-local file). ' +
        'A failed copy fails the run (blueprint_etcd_backup_last_run_success 0) but keeps the local ' +
        'snapshot. @default - snapshots stay on the masters',
    ),
});
export type EtcdBackupSpec = z.infer<typeof etcdBackup>;
