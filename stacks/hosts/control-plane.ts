import { App, Chart } from 'cdk8s';
import { AUDIT_POLICY_HOST_FILE, AuditPolicy } from '../../constructs/control-plane/audit-policy';
import {
  HaControlPlane,
  type HostFile,
  LoadBalancerRuntime,
} from '../../constructs/control-plane/ha-control-plane';
import { ClusterConfiguration } from '../../constructs/kubeadm/cluster-configuration';
import { InitConfiguration } from '../../constructs/kubeadm/init-configuration';
import { JoinConfiguration } from '../../constructs/kubeadm/join-configuration';
import { renderKubeadmDocuments } from '../../constructs/kubeadm/kubeadm-documents';
import { CONTROL_PLANE_TAINT, NodeRegistration } from '../../constructs/kubeadm/node-registration';
import type { LoadedEnvironment } from '../../environments/load';
import type { EnvironmentSpec } from '../../environments/schema';
import { controlPlaneEndpoint } from '../../environments/schema/control-plane';
import { parseIpv4Cidr } from '../../environments/schema/control-plane-rules';
import type { OutputFile } from '../output-file';
import { renderMasterTimers } from './master-timers';

/** kubeadm files of a master, relative to `hosts/<master>/`. */
export const KUBEADM_INIT_FILE = 'kubeadm-init.yaml';
export const KUBEADM_JOIN_FILE = 'kubeadm-join.yaml';

/** The environment's audit policy (controlPlane.audit), as every master's API server runs it. */
export function auditPolicyOf(spec: EnvironmentSpec): AuditPolicy {
  const { audit } = spec.controlPlane;
  return new AuditPolicy({
    rules: audit.rules,
    defaultLevel: audit.defaultLevel,
    omitStages: audit.omitStages,
    log: audit.log,
  });
}

/**
 * The masters' host files: keepalived and HAProxy (unless the load balancer is external) and
 * the kubeadm configuration — `kubeadm-init.yaml` (InitConfiguration + ClusterConfiguration)
 * on the first master, a control-plane `kubeadm-join.yaml` on the others — and every master's
 * audit policy (`audit-policy.yaml`), which the ClusterConfiguration hands to kube-apiserver.
 */
export function renderControlPlaneHosts(env: LoadedEnvironment): OutputFile[] {
  const { spec } = env;
  const cp = spec.controlPlane;
  const files: OutputFile[] = [];
  const add = (host: string, file: HostFile) =>
    files.push({
      path: `hosts/${host}/${file.path}`,
      content: file.content,
      ...(file.mode === undefined ? {} : { mode: file.mode }),
    });

  if (cp.loadBalancer.type === 'keepalived') {
    const lb = cp.loadBalancer;
    if (cp.vip === undefined || cp.port === undefined || !cp.virtualRouterId) {
      throw new Error('renderControlPlaneHosts: keepalived mode without vip/port/virtualRouterId');
    }
    const chart = new Chart(new App({ outdir: 'cdk8s.out' }), 'hosts', { disableResourceNameHashes: true });
    const ha = new HaControlPlane(chart, 'control-plane', {
      masters: cp.masters,
      vip: cp.vip,
      vipPrefixLength: cp.subnet === undefined ? 32 : parseIpv4Cidr(cp.subnet).prefixLength,
      port: cp.port,
      apiServerPort: cp.apiServerPort,
      ...(cp.interface === undefined ? {} : { interface: cp.interface }),
      interfaceSetting: (index) => `controlPlane.masters[${index}].interface`,
      virtualRouterId: cp.virtualRouterId,
      unicast: lb.peering === 'unicast',
      vrrpVersion: lb.vrrpVersion,
      advertIntervalSeconds: lb.advertIntervalSeconds,
      checkIntervalSeconds: lb.healthCheck.intervalSeconds,
      checkFall: lb.healthCheck.fall,
      checkRise: lb.healthCheck.rise,
      haproxyStatsPort: lb.haproxyStatsPort,
      ...(lb.authentication.type === 'pass' ? { authPasswordFile: lb.authentication.passwordFile } : {}),
      runtime: lb.runAs === 'staticPod' ? LoadBalancerRuntime.STATIC_POD : LoadBalancerRuntime.SERVICE,
      keepalivedImage: lb.keepalivedImage,
      haproxyImage: lb.haproxyImage,
    });
    for (const master of cp.masters) for (const file of ha.hostFiles(master.name)) add(master.name, file);
  }

  const audit = auditPolicyOf(spec);
  const auditFile = audit.render(env.name);
  for (const master of cp.masters) add(master.name, { path: AUDIT_POLICY_HOST_FILE, content: auditFile });

  const endpoint = controlPlaneEndpoint(spec);
  const endpointHost = endpoint.slice(0, endpoint.lastIndexOf(':'));
  const cluster = new ClusterConfiguration({
    kubernetesVersion: spec.kubernetesVersion,
    clusterName: env.name,
    controlPlaneEndpoint: endpoint,
    certSANs: [endpointHost, ...cp.masters.flatMap((m) => [m.name, m.address]), ...cp.certSANs],
    podSubnet: spec.cluster.podSubnet,
    serviceSubnet: spec.cluster.serviceSubnet,
    dnsDomain: spec.cluster.dnsDomain,
    apiServerExtraArgs: audit.apiServerArgs(),
    apiServerExtraVolumes: audit.apiServerVolumes(),
  });
  cp.masters.forEach((master, index) => {
    const nodeRegistration = new NodeRegistration({
      name: master.name,
      address: master.address,
      taints: [CONTROL_PLANE_TAINT],
    });
    const localApi = { advertiseAddress: master.address, bindPort: cp.apiServerPort };
    if (index === 0) {
      const init = new InitConfiguration({
        kubernetesVersion: spec.kubernetesVersion,
        nodeRegistration,
        ...localApi,
      });
      add(master.name, {
        path: KUBEADM_INIT_FILE,
        content: renderKubeadmDocuments(
          `kubeadm init --config ${KUBEADM_INIT_FILE} on ${master.name}, the first master of ${env.name}.\n` +
            'Generated by platform-blueprint; edit the environment and run `blueprint synth` instead.',
          [init, cluster],
        ),
      });
    } else {
      const join = new JoinConfiguration({
        kubernetesVersion: spec.kubernetesVersion,
        nodeRegistration,
        controlPlane: localApi,
      });
      add(master.name, {
        path: KUBEADM_JOIN_FILE,
        content: renderKubeadmDocuments(
          `kubeadm join --config ${KUBEADM_JOIN_FILE} on ${master.name}, a further master of ${env.name}.\n` +
            'Generated by platform-blueprint; edit the environment and run `blueprint synth` instead.',
          [join],
        ),
      });
    }
  });
  files.push(...renderMasterTimers(env));
  return files;
}
