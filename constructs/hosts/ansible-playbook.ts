import { stringify } from 'yaml';
import { AUDIT_POLICY_HOST_FILE } from '../control-plane/audit-policy';
import { ValidationError } from '../core/validation-error';

/** Props of {@link AnsiblePlaybook}. */
export interface AnsiblePlaybookProps {
  /** Environment name, for the plays' names and the header. */
  readonly environment: string;
  /** Kubernetes version x.y.z: kubeadm, kubelet and kubectl are installed at it, from its pkgs.k8s.io repository. */
  readonly kubernetesVersion: string;
  /**
   * Where the host files are, relative to the playbook's directory.
   * @default ../hosts (the playbook lives in `<out>/<env>/ansible/`)
   */
  readonly hostsDir?: string;
  /**
   * How many masters change at a time. One keeps the control plane's VIP on a healthy master
   * while a master's keepalived and HAProxy reload. Workers change all at once (up to Ansible's
   * `forks`).
   * @default 1
   */
  readonly serial?: number;
  /** Kernel modules loaded now (the modules-load.d host file loads them at boot). @default - none */
  readonly kernelModules?: readonly string[];
}

/** The tags that select parts of the playbook; every task has at least one. */
export const PLAYBOOK_TAGS = {
  /** apt: the Kubernetes repository and the packages; needs the network. */
  packages: 'packages',
  /** The running kernel: modprobe, sysctl --system, swapoff. A mount namespace does not isolate them. */
  kernel: 'kernel',
  /** systemd: daemon-reload, restart/reload of changed units, enable and start. */
  services: 'services',
  /** The files: the VRRP password, the host files (validated), swap in /etc/fstab. */
  files: 'files',
  /** blueprint-preflight, last. */
  preflight: 'preflight',
} as const;

const VERSION = /^(\d+)\.(\d+)\.(\d+)$/;

/**
 * An Ansible playbook that provisions the environment's machines from a fresh Debian 12 to the
 * point where `kubeadm init`/`join` can run: it refuses to start on a master without the VRRP
 * password, installs the packages (containerd, kubeadm/kubelet/kubectl from pkgs.k8s.io at the
 * environment's version, held; keepalived, HAProxy and curl on masters that run them as
 * services), writes the password file, copies every host file from `hosts/<host>/` to the place
 * the inventory's `blueprint_files` name (checking keepalived.conf with `keepalived -t` and
 * haproxy.cfg with `haproxy -c` before they replace the old file), turns swap off, loads the
 * kernel modules and sysctls, restarts or reloads the units whose files changed (and a running
 * kube-apiserver whose audit policy changed), starts the services, and runs `blueprint-preflight` last. Masters change one at a time, then the workers.
 * Every task is tagged ({@link PLAYBOOK_TAGS}). Written, never run by the blueprint. Pure renderer.
 */
export class AnsiblePlaybook {
  private readonly props: AnsiblePlaybookProps;
  private readonly minor: string;

  constructor(props: AnsiblePlaybookProps) {
    const serial = props.serial ?? 1;
    if (!Number.isInteger(serial) || serial < 1) {
      throw new ValidationError(`AnsiblePlaybook: 'serial' (${serial}) must be a whole number >= 1`);
    }
    if (props.hostsDir !== undefined && (props.hostsDir.startsWith('/') || props.hostsDir === '')) {
      throw new ValidationError(
        `AnsiblePlaybook: 'hostsDir' (${JSON.stringify(props.hostsDir)}) must be a relative path`,
      );
    }
    const version = VERSION.exec(props.kubernetesVersion);
    if (!version) {
      throw new ValidationError(
        `AnsiblePlaybook: 'kubernetesVersion' (${JSON.stringify(props.kubernetesVersion)}) must be x.y.z, e.g. 1.28.15`,
      );
    }
    this.minor = `${version[1]}.${version[2]}`;
    this.props = props;
  }

  /** The playbook's YAML text. */
  render(): string {
    const common = {
      become: true,
      any_errors_fatal: true,
      gather_facts: false,
      vars: {
        blueprint_kubernetes_version: this.props.kubernetesVersion,
        blueprint_kubernetes_repository: `https://pkgs.k8s.io/core:/stable:/v${this.minor}/deb/`,
        blueprint_kubernetes_keyring: '/etc/apt/keyrings/kubernetes-apt-keyring.asc',
        blueprint_held_packages: ['kubeadm', 'kubectl', 'kubelet'],
        // For tests only: blueprint-preflight reads /etc, /proc and /sys below this root.
        blueprint_preflight_root: '',
      },
    };
    const plays = [
      {
        name: `Provision the masters of ${this.props.environment}, one at a time`,
        hosts: 'masters',
        serial: this.props.serial ?? 1,
        ...common,
        tasks: this.tasks(),
      },
      {
        name: `Provision the other machines of ${this.props.environment}`,
        hosts: 'all:!masters',
        ...common,
        tasks: this.tasks(),
      },
    ];
    return [
      `# Provisions the machines of environment ${this.props.environment} (Debian 12) for kubeadm: packages, host files, swap, kernel, services, preflight.`,
      '# Run it from this directory: ansible-playbook -i inventory.yaml playbook.yaml -e @vrrp.yaml --check --diff, then without --check.',
      '# vrrp.yaml (kept out of the repository, e.g. ansible-vault encrypted) holds blueprint_vrrp_password; without it the',
      '# password file must already be on every master. Tags: packages, files, kernel, services, preflight.',
      '# Generated by platform-blueprint; edit the environment and run `blueprint synth` instead.',
      stringify(plays, { lineWidth: 0, aliasDuplicateObjects: false }),
    ].join('\n');
  }

  private tasks(): Record<string, unknown>[] {
    const hostsDir = this.props.hostsDir ?? '../hosts';
    const t = PLAYBOOK_TAGS;
    const changed = (attribute: string) =>
      `{{ blueprint_copied.results | selectattr('changed') | map(attribute='item') | selectattr('${attribute}', 'defined') | map(attribute='${attribute}') | unique | list }}`;
    const changedNamed = (name: string) =>
      `{{ blueprint_copied.results | selectattr('changed') | map(attribute='item') | selectattr('src', 'equalto', '${name}') | map(attribute='dest') | list }}`;
    const fileNamed = (name: string) =>
      `{{ blueprint_files | selectattr('src', 'equalto', '${name}') | map(attribute='dest') | list }}`;
    return [
      {
        name: 'Look for the host-local VRRP password file',
        'ansible.builtin.stat': { path: '{{ blueprint_vrrp_auth_file }}' },
        register: 'blueprint_vrrp_auth',
        when: 'blueprint_vrrp_auth_file is defined',
        tags: ['always'],
      },
      {
        name: 'Refuse to go on without the VRRP password (before anything changes)',
        'ansible.builtin.assert': {
          that: ['blueprint_vrrp_auth.stat.exists or blueprint_vrrp_password is defined'],
          fail_msg:
            '{{ blueprint_vrrp_auth_file }} is missing on {{ inventory_hostname }} and blueprint_vrrp_password is not given: pass it with -e @vrrp.yaml (a file outside the repository holding blueprint_vrrp_password: <1-8 characters>, the same for every master), or create the file by hand (docs/host-provisioning.md)',
          quiet: true,
        },
        when: 'blueprint_vrrp_auth_file is defined',
        tags: ['always'],
      },
      {
        name: 'Refuse a VRRP password keepalived would truncate or misread',
        'ansible.builtin.assert': {
          that: [
            'blueprint_vrrp_password | string | length >= 1',
            'blueprint_vrrp_password | string | length <= 8',
            "blueprint_vrrp_password | string is not search('\\s')",
          ],
          fail_msg:
            'blueprint_vrrp_password must be 1 to 8 characters without spaces (VRRP PASS authentication)',
          quiet: true,
        },
        when: 'blueprint_vrrp_auth_file is defined and blueprint_vrrp_password is defined',
        tags: ['always'],
      },
      {
        name: 'Install what the Kubernetes repository needs',
        'ansible.builtin.apt': { name: ['ca-certificates'], update_cache: true, cache_valid_time: 3600 },
        tags: [t.packages],
      },
      {
        name: 'Create the apt keyring directory',
        'ansible.builtin.file': {
          path: '/etc/apt/keyrings',
          state: 'directory',
          owner: 'root',
          group: 'root',
          mode: '0755',
        },
        tags: [t.packages],
      },
      {
        name: "Fetch the Kubernetes repository's signing key",
        'ansible.builtin.get_url': {
          url: '{{ blueprint_kubernetes_repository }}Release.key',
          dest: '{{ blueprint_kubernetes_keyring }}',
          owner: 'root',
          group: 'root',
          mode: '0644',
        },
        tags: [t.packages],
      },
      {
        name: `Add the Kubernetes ${this.minor} repository (pkgs.k8s.io)`,
        'ansible.builtin.copy': {
          dest: '/etc/apt/sources.list.d/kubernetes.list',
          content:
            'deb [signed-by={{ blueprint_kubernetes_keyring }}] {{ blueprint_kubernetes_repository }} /\n',
          owner: 'root',
          group: 'root',
          mode: '0644',
        },
        tags: [t.packages],
      },
      {
        name: 'Install the packages (a held kubeadm, kubelet or kubectl of another version stops here: upgrade with kubeadm upgrade)',
        'ansible.builtin.apt': { name: '{{ blueprint_packages }}', update_cache: true },
        when: 'blueprint_packages | length > 0',
        tags: [t.packages],
      },
      {
        name: 'Hold kubeadm, kubelet and kubectl at their version',
        'ansible.builtin.dpkg_selections': { name: '{{ item }}', selection: 'hold' },
        loop: '{{ blueprint_held_packages }}',
        tags: [t.packages],
      },
      {
        name: 'Create the directories of the files',
        'ansible.builtin.file': {
          path: '{{ item }}',
          state: 'directory',
          owner: 'root',
          group: 'root',
          mode: '0755',
        },
        loop: "{{ blueprint_files | map(attribute='dest') | map('dirname') | unique | list }}",
        tags: [t.files],
      },
      {
        name: 'Write the VRRP password file (before keepalived.conf, which includes it)',
        'ansible.builtin.copy': {
          dest: '{{ blueprint_vrrp_auth_file }}',
          content: 'auth_pass {{ blueprint_vrrp_password }}\n',
          owner: 'root',
          group: 'root',
          mode: '0600',
        },
        no_log: true,
        diff: false,
        when: 'blueprint_vrrp_auth_file is defined and blueprint_vrrp_password is defined',
        tags: [t.files],
      },
      {
        name: 'Copy the host files in order, each checked before it replaces the old one where a check exists',
        'ansible.builtin.copy': {
          src: `{{ playbook_dir }}/${hostsDir}/{{ inventory_hostname }}/{{ item.src }}`,
          dest: '{{ item.dest }}',
          owner: 'root',
          group: 'root',
          mode: '{{ item.mode }}',
          validate: '{{ item.validate | default(omit) }}',
        },
        loop: '{{ blueprint_files }}',
        loop_control: { label: '{{ item.dest }}' },
        register: 'blueprint_copied',
        tags: [t.files],
      },
      {
        name: 'Check the VRRP password file as keepalived will before it starts',
        'ansible.builtin.command': { argv: ['{{ item }}'] },
        loop: fileNamed('check-vrrp-auth.sh'),
        changed_when: false,
        tags: [t.files],
      },
      {
        name: 'Keep swap off at boot: comment out the swap lines of /etc/fstab',
        'ansible.builtin.replace': {
          path: '/etc/fstab',
          regexp: '^([ \\t]*[^#\\s]\\S*[ \\t]+\\S+[ \\t]+swap[ \\t].*)$',
          replace: '# \\1  # swap off for the kubelet (platform-blueprint)',
        },
        tags: [t.files],
      },
      {
        name: 'Keep swap off at boot: mask swap.target',
        'ansible.builtin.file': {
          src: '/dev/null',
          dest: '/etc/systemd/system/swap.target',
          state: 'link',
          force: true,
        },
        tags: [t.files],
      },
      {
        name: 'Turn swap off now',
        'ansible.builtin.shell': 'if [ "$(wc -l < /proc/swaps)" -gt 1 ]; then swapoff -a && echo off; fi',
        register: 'blueprint_swapoff',
        changed_when: "'off' in blueprint_swapoff.stdout",
        tags: [t.kernel],
      },
      {
        name: 'Load the kernel modules now (/etc/modules-load.d/ loads them at boot)',
        'ansible.builtin.shell':
          'if ! grep -q "^{{ item }} " /proc/modules && [ ! -d /sys/module/{{ item }} ]; then modprobe {{ item }} && echo loaded; fi',
        loop: [...(this.props.kernelModules ?? [])],
        register: 'blueprint_modprobe',
        changed_when: "'loaded' in blueprint_modprobe.stdout",
        tags: [t.kernel],
      },
      {
        name: 'Apply the sysctls now (/etc/sysctl.d/ sets them at boot)',
        'ansible.builtin.command': { argv: ['sysctl', '--system'] },
        changed_when: false,
        tags: [t.kernel],
      },
      {
        name: 'Reload systemd (units and drop-ins)',
        'ansible.builtin.systemd_service': { daemon_reload: true },
        tags: [t.services],
      },
      {
        name: 'Restart the services whose files changed and that cannot reload',
        'ansible.builtin.systemd_service': { name: '{{ item }}', state: 'restarted' },
        loop: changed('restart'),
        tags: [t.services],
      },
      {
        name: 'Reload (or start) the services whose files changed',
        'ansible.builtin.systemd_service': { name: '{{ item }}', state: 'reloaded' },
        loop: changed('reload'),
        tags: [t.services],
      },
      {
        // kube-apiserver reads its audit policy only when it starts. Stopping its container makes
        // the kubelet start it again (its static pod mounts the policy's directory, so it sees the
        // new file); on a machine before kubeadm init nothing runs and nothing happens.
        name: 'Restart kube-apiserver when its audit policy changed',
        'ansible.builtin.shell':
          'if command -v crictl >/dev/null; then ids=$(crictl ps --quiet --name \'^kube-apiserver$\'); if [ -n "$ids" ]; then crictl stop $ids >/dev/null && echo restarted; fi; fi',
        loop: changedNamed(AUDIT_POLICY_HOST_FILE),
        register: 'blueprint_apiserver_restart',
        changed_when: "'restarted' in blueprint_apiserver_restart.stdout",
        tags: [t.services],
      },
      {
        name: 'Wait until the kubelet runs kube-apiserver again (one master at a time)',
        'ansible.builtin.shell':
          'timeout 120 sh -c \'until [ -n "$(crictl ps --quiet --state running --name ^kube-apiserver$)" ]; do sleep 2; done\'',
        when: 'blueprint_apiserver_restart is changed',
        changed_when: false,
        tags: [t.services],
      },
      {
        name: 'Enable and start the services',
        'ansible.builtin.systemd_service': { name: '{{ item }}', state: 'started', enabled: true },
        loop: '{{ blueprint_services }}',
        tags: [t.services],
      },
      {
        name: 'Enable the kubelet (it waits for kubeadm init or join)',
        'ansible.builtin.systemd_service': { name: 'kubelet', enabled: true },
        tags: [t.services],
      },
      {
        name: 'Check the machine is ready for kubeadm',
        'ansible.builtin.command': { argv: ['{{ item }}'] },
        environment: { PREFLIGHT_ROOT: '{{ blueprint_preflight_root }}' },
        loop: fileNamed('blueprint-preflight.sh'),
        register: 'blueprint_preflight',
        changed_when: false,
        tags: [t.preflight],
      },
      {
        name: "The preflight's verdict",
        'ansible.builtin.debug': {
          msg: "{{ blueprint_preflight.results | map(attribute='stdout') | list }}",
        },
        tags: [t.preflight],
      },
    ];
  }
}
