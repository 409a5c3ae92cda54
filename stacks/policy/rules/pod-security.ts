import { POD_SECURITY_PREFIX } from '../../../constructs/guardrails/pod-security-labels';
import type { FoundObject } from '../manifests';
import { type Container, containerLabel, containersOf, type PodSpec, podRunners } from '../pod-specs';
import type { PolicyRule, Violation } from '../rule';

/** Capabilities the baseline profile lets a container add. */
const BASELINE_CAPABILITIES = [
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
];
/** Sysctls the baseline profile allows in Kubernetes 1.28. */
const SAFE_SYSCTLS = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
];
/** Volume types the restricted profile allows. */
const RESTRICTED_VOLUMES = [
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
];
const SELINUX_TYPES = ['', 'container_t', 'container_init_t', 'container_kvm_t'];

interface FullSecurityContext {
  readonly privileged?: boolean;
  readonly allowPrivilegeEscalation?: boolean;
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly procMount?: string;
  readonly capabilities?: { readonly add?: readonly string[]; readonly drop?: readonly string[] };
  readonly seccompProfile?: { readonly type?: string };
  readonly seLinuxOptions?: { readonly type?: string; readonly user?: string; readonly role?: string };
  readonly sysctls?: readonly { readonly name: string }[];
}

interface FullPodSpec extends PodSpec {
  readonly hostNetwork?: boolean;
  readonly hostPID?: boolean;
  readonly hostIPC?: boolean;
}

type FullContainer = Container & {
  readonly securityContext?: FullSecurityContext;
  readonly ports?: readonly { readonly hostPort?: number }[];
};

/** Why a pod breaks the baseline profile (Pod Security Standards, Kubernetes 1.28). */
function baselineProblems(pod: FullPodSpec, annotations: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  const podContext = pod.securityContext as FullSecurityContext | undefined;
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC'] as const)
    if (pod[field]) problems.push(`sets ${field}: true`);
  for (const volume of pod.volumes ?? [])
    if (volume.hostPath) problems.push(`volume ${JSON.stringify(volume.name)} is a hostPath`);
  const checkContext = (context: FullSecurityContext | undefined, who: string) => {
    if (context?.seccompProfile?.type === 'Unconfined')
      problems.push(`${who} sets seccompProfile Unconfined`);
    const selinux = context?.seLinuxOptions;
    if (selinux && (!SELINUX_TYPES.includes(selinux.type ?? '') || selinux.user || selinux.role))
      problems.push(`${who} sets seLinuxOptions beyond the allowed types`);
  };
  checkContext(podContext, 'the pod');
  for (const sysctl of podContext?.sysctls ?? [])
    if (!SAFE_SYSCTLS.includes(sysctl.name)) problems.push(`the pod sets the unsafe sysctl ${sysctl.name}`);
  for (const { container, init } of containersOf(pod)) {
    const c = container as FullContainer;
    const who = containerLabel(container, init);
    const context = c.securityContext;
    if (context?.privileged) problems.push(`${who} is privileged`);
    const added = (context?.capabilities?.add ?? []).filter((cap) => !BASELINE_CAPABILITIES.includes(cap));
    if (added.length > 0) problems.push(`${who} adds capabilities ${added.join(', ')}`);
    if (context?.procMount && context.procMount !== 'Default')
      problems.push(`${who} sets procMount ${context.procMount}`);
    for (const port of c.ports ?? [])
      if (port.hostPort) problems.push(`${who} uses hostPort ${port.hostPort}`);
    if (annotations[`container.apparmor.security.beta.kubernetes.io/${container.name}`] === 'unconfined')
      problems.push(`${who} runs AppArmor unconfined`);
    checkContext(context, who);
  }
  return problems;
}

/** Why a pod breaks the restricted profile, beyond baseline. */
function restrictedProblems(pod: FullPodSpec): string[] {
  const problems: string[] = [];
  const podContext = pod.securityContext as FullSecurityContext | undefined;
  for (const volume of pod.volumes ?? []) {
    const type = Object.keys(volume).find((key) => key !== 'name');
    if (type && !RESTRICTED_VOLUMES.includes(type) && type !== 'hostPath')
      problems.push(`volume ${JSON.stringify(volume.name)} is of type ${type}`);
  }
  if (podContext?.runAsUser === 0) problems.push('the pod sets runAsUser: 0');
  for (const { container, init } of containersOf(pod)) {
    const context = (container as FullContainer).securityContext;
    const who = containerLabel(container, init);
    if (context?.allowPrivilegeEscalation !== false)
      problems.push(`${who} does not set allowPrivilegeEscalation: false`);
    if ((context?.runAsNonRoot ?? podContext?.runAsNonRoot) !== true)
      problems.push(`${who} does not run with runAsNonRoot: true`);
    if (context?.runAsUser === 0) problems.push(`${who} sets runAsUser: 0`);
    const seccomp = context?.seccompProfile?.type ?? podContext?.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
      problems.push(`${who} has no seccompProfile RuntimeDefault or Localhost`);
    if (!(context?.capabilities?.drop ?? []).includes('ALL'))
      problems.push(`${who} does not drop ALL capabilities`);
    const added = (context?.capabilities?.add ?? []).filter((cap) => cap !== 'NET_BIND_SERVICE');
    if (added.length > 0)
      problems.push(`${who} adds capabilities ${added.join(', ')} (restricted allows only NET_BIND_SERVICE)`);
  }
  return problems;
}

function templateAnnotations(object: FoundObject): Readonly<Record<string, string>> {
  if (object.manifest.kind === 'Pod') return object.manifest.metadata.annotations ?? {};
  const spec = object.manifest.spec as
    | {
        template?: { metadata?: { annotations?: Record<string, string> } };
        jobTemplate?: { spec?: { template?: { metadata?: { annotations?: Record<string, string> } } } };
      }
    | undefined;
  return (
    spec?.template?.metadata?.annotations ?? spec?.jobTemplate?.spec?.template?.metadata?.annotations ?? {}
  );
}

/**
 * Every pod passes the Pod Security Standard its namespace enforces (the namespace's
 * `pod-security.kubernetes.io/enforce` label): what the API server would reject at deploy is
 * refused at synth instead. Pods in namespaces the blueprint does not create are not checked.
 */
export const podSecurityRule: PolicyRule = {
  id: 'pod-security',
  summary:
    "every pod passes the Pod Security Standard (baseline or restricted, Kubernetes 1.28) that its namespace's PSA enforce label names",
  check({ objects }) {
    const levels = new Map<string, string>();
    for (const object of objects) {
      if (object.manifest.kind !== 'Namespace') continue;
      const level = object.manifest.metadata.labels?.[`${POD_SECURITY_PREFIX}enforce`];
      if (level) levels.set(object.manifest.metadata.name ?? '', level);
    }
    const violations: Violation[] = [];
    for (const { object, pod } of podRunners(objects)) {
      if (object.origin !== 'kubernetes') continue;
      const level = levels.get(object.manifest.metadata.namespace ?? '');
      if (level !== 'baseline' && level !== 'restricted') continue;
      const problems = [
        ...baselineProblems(pod as FullPodSpec, templateAnnotations(object)),
        ...(level === 'restricted' ? restrictedProblems(pod as FullPodSpec) : []),
      ];
      for (const problem of problems)
        violations.push({
          rule: 'pod-security',
          object,
          message: `${problem} (namespace enforces ${level})`,
        });
    }
    return violations;
  },
};
