import { stringify } from 'yaml';
import { ValidationError } from '../core/validation-error';

/** One file a machine gets: where it comes from under `hosts/<host>/` and where it goes. */
export interface AnsibleHostFile {
  /** Path relative to `hosts/<host>/`, e.g. `keepalived.conf`. */
  readonly source: string;
  /** Absolute destination on the machine, e.g. `/etc/keepalived/keepalived.conf`. */
  readonly destination: string;
  /** POSIX mode. @default 0o644 */
  readonly mode?: number;
  /** systemd unit reloaded (or started) when the file changed. @default - none: nothing restarts */
  readonly reload?: string;
  /** systemd unit restarted when the file changed, for daemons that cannot reload (containerd). @default - none */
  readonly restart?: string;
  /** Command that checks the new file before it replaces the old one; `%s` is the new file. @default - no check */
  readonly validate?: string;
}

/** One machine of the inventory. */
export interface AnsibleHost {
  /** Inventory host name, the `hosts/<name>/` directory, e.g. `master-1`. */
  readonly name: string;
  /** Address Ansible connects to (`ansible_host`). */
  readonly address: string;
  /** Groups the host belongs to, e.g. `masters` or `pool_general`; letters, digits and `_`. */
  readonly groups: readonly string[];
  /** The files it gets, in the order they are copied (a file a check reads comes before the file checked). */
  readonly files: readonly AnsibleHostFile[];
  /** Debian packages it gets (`apt`), e.g. `kubeadm=1.28.15-*`. @default - none */
  readonly packages?: readonly string[];
  /** systemd units enabled and started once its files are in place. @default - none */
  readonly services?: readonly string[];
  /**
   * The host-local VRRP password file keepalived includes. The playbook writes it from the extra
   * variable `blueprint_vrrp_password` or finds it on the machine, and fails before it changes
   * anything when neither is there.
   * @default - no password file (no VRRP authentication, or not a master)
   */
  readonly vrrpAuthFile?: string;
}

/** Props of {@link AnsibleInventory}. */
export interface AnsibleInventoryProps {
  /** Environment name, for the header. */
  readonly environment: string;
  /** Every machine, in the order they are listed. */
  readonly hosts: readonly AnsibleHost[];
  /** Groups made of other groups, e.g. `{ workers: ['pool_general', 'pool_database'] }`. @default - none */
  readonly parentGroups?: Readonly<Record<string, readonly string[]>>;
}

const GROUP = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * An Ansible inventory (YAML) of the environment's machines: each host with its address, its
 * groups, `blueprint_files` (the files the playbook copies to it), `blueprint_packages`,
 * `blueprint_services` and, on masters, `blueprint_vrrp_auth_file`. Pure renderer:
 * `render()` returns the file's text.
 */
export class AnsibleInventory {
  private readonly props: AnsibleInventoryProps;

  constructor(props: AnsibleInventoryProps) {
    const seen = new Set<string>();
    for (const host of props.hosts) {
      if (seen.has(host.name))
        throw new ValidationError(`AnsibleInventory: host ${JSON.stringify(host.name)} is listed twice`);
      seen.add(host.name);
      for (const group of host.groups) {
        if (!GROUP.test(group)) {
          throw new ValidationError(
            `AnsibleInventory: group ${JSON.stringify(group)} of host ${host.name} must be letters, digits and "_", not starting with a digit`,
          );
        }
      }
      for (const file of host.files) {
        if (!file.destination.startsWith('/') || file.destination.split('/').includes('..')) {
          throw new ValidationError(
            `AnsibleInventory: 'destination' (${JSON.stringify(file.destination)}) of ${host.name}/${file.source} must be an absolute path without ".."`,
          );
        }
      }
      if (host.vrrpAuthFile !== undefined && !host.vrrpAuthFile.startsWith('/')) {
        throw new ValidationError(
          `AnsibleInventory: 'vrrpAuthFile' (${JSON.stringify(host.vrrpAuthFile)}) of ${host.name} must be an absolute path`,
        );
      }
      for (const word of [...(host.packages ?? []), ...(host.services ?? [])]) {
        if (!/^[a-z0-9][a-z0-9.+=*@_-]*$/.test(word)) {
          throw new ValidationError(
            `AnsibleInventory: package or unit ${JSON.stringify(word)} of ${host.name} must be a Debian package (name or name=version) or a systemd unit name`,
          );
        }
      }
    }
    for (const [parent, members] of Object.entries(props.parentGroups ?? {})) {
      for (const group of [parent, ...members]) {
        if (!GROUP.test(group)) {
          throw new ValidationError(
            `AnsibleInventory: group ${JSON.stringify(group)} must be letters, digits and "_", not starting with a digit`,
          );
        }
      }
    }
    this.props = props;
  }

  /** The inventory's YAML text. */
  render(): string {
    const groups = new Map<string, Record<string, unknown>>();
    for (const host of this.props.hosts) {
      const vars = {
        ansible_host: host.address,
        blueprint_files: host.files.map((file) => ({
          src: file.source,
          dest: file.destination,
          mode: `0${(file.mode ?? 0o644).toString(8)}`,
          ...(file.reload === undefined ? {} : { reload: file.reload }),
          ...(file.restart === undefined ? {} : { restart: file.restart }),
          ...(file.validate === undefined ? {} : { validate: file.validate }),
        })),
        blueprint_packages: [...(host.packages ?? [])],
        blueprint_services: [...(host.services ?? [])],
        ...(host.vrrpAuthFile === undefined ? {} : { blueprint_vrrp_auth_file: host.vrrpAuthFile }),
      };
      for (const group of host.groups) {
        const members = groups.get(group) ?? {};
        members[host.name] = vars;
        groups.set(group, members);
      }
    }
    const children: Record<string, unknown> = {};
    for (const [group, hosts] of groups) children[group] = { hosts };
    for (const [parent, members] of Object.entries(this.props.parentGroups ?? {})) {
      children[parent] = { children: Object.fromEntries(members.map((member) => [member, {}])) };
    }
    return [
      `# Ansible inventory of environment ${this.props.environment}: every machine with host files, its address and the files it gets.`,
      '# Generated by platform-blueprint; edit the environment and run `blueprint synth` instead.',
      stringify({ all: { children } }, { lineWidth: 0, aliasDuplicateObjects: false }),
    ].join('\n');
  }
}
