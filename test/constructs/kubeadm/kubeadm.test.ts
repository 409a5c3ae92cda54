import { parseAllDocuments } from 'yaml';
import { ClusterConfiguration } from '../../../constructs/kubeadm/cluster-configuration';
import { InitConfiguration } from '../../../constructs/kubeadm/init-configuration';
import { JoinConfiguration } from '../../../constructs/kubeadm/join-configuration';
import { extraArgs, kubeadmApiVersion } from '../../../constructs/kubeadm/kubeadm-api';
import { renderKubeadmDocuments } from '../../../constructs/kubeadm/kubeadm-documents';
import {
  CONTROL_PLANE_TAINT,
  isKubeletSettableLabel,
  NodeRegistration,
} from '../../../constructs/kubeadm/node-registration';

describe('kubeadm API version', () => {
  it.each([
    ['1.26.0', 'kubeadm.k8s.io/v1beta3'],
    ['1.30.14', 'kubeadm.k8s.io/v1beta3'],
    ['1.31.0', 'kubeadm.k8s.io/v1beta4'],
    ['1.33.2', 'kubeadm.k8s.io/v1beta4'],
  ])('%s -> %s', (version, api) => expect(kubeadmApiVersion(version)).toBe(api));

  it('rejects a version that is not x.y.z', () => {
    expect(() => kubeadmApiVersion('1.31')).toThrow(
      `kubeadmApiVersion: 'kubernetesVersion' ("1.31") must be x.y.z`,
    );
  });

  it('renders extra arguments as a map in v1beta3 and as name/value pairs in v1beta4, sorted', () => {
    const args = { 'node-labels': 'a=b', 'node-ip': '192.0.2.1' };
    expect(extraArgs('kubeadm.k8s.io/v1beta3', args)).toEqual({
      'node-ip': '192.0.2.1',
      'node-labels': 'a=b',
    });
    expect(extraArgs('kubeadm.k8s.io/v1beta4', args)).toEqual([
      { name: 'node-ip', value: '192.0.2.1' },
      { name: 'node-labels', value: 'a=b' },
    ]);
  });
});

describe('NodeRegistration', () => {
  it('keeps an explicit empty taint list (kubeadm would otherwise apply its default)', () => {
    const reg = new NodeRegistration({ name: 'n-1', address: '192.0.2.21', taints: [] });
    expect(reg.toJson('kubeadm.k8s.io/v1beta3').taints).toEqual([]);
  });

  it('refuses labels a kubelet may not set on itself', () => {
    expect(
      () =>
        new NodeRegistration({
          name: 'n-1',
          address: '192.0.2.21',
          taints: [],
          labels: { 'node-role.kubernetes.io/worker': '' },
        }),
    ).toThrow(
      "NodeRegistration: label 'node-role.kubernetes.io/worker' of node n-1 cannot be set by the kubelet on itself",
    );
  });

  it.each([
    ['tier', true],
    ['platform-blueprint.io/pool', true],
    ['topology.kubernetes.io/zone', true],
    ['node.kubernetes.io/instance-type', true],
    ['kubelet.kubernetes.io/foo', true],
    ['example.node.kubernetes.io/foo', true],
    ['node-role.kubernetes.io/control-plane', false],
    ['kubernetes.io/role', false],
    ['foo.k8s.io/bar', false],
  ])('isKubeletSettableLabel(%s) = %s', (key, expected) =>
    expect(isKubeletSettableLabel(key)).toBe(expected),
  );
});

describe('Init, Cluster and Join configurations', () => {
  const registration = new NodeRegistration({
    name: 'm-1',
    address: '192.0.2.11',
    taints: [CONTROL_PLANE_TAINT],
  });

  it('render to one YAML file with a comment header, documents in order', () => {
    const text = renderKubeadmDocuments('line one\nline two', [
      new InitConfiguration({
        kubernetesVersion: '1.31.1',
        nodeRegistration: registration,
        advertiseAddress: '192.0.2.11',
        bindPort: 6443,
      }),
      new ClusterConfiguration({
        kubernetesVersion: '1.31.1',
        controlPlaneEndpoint: '192.0.2.10:8443',
        certSANs: ['192.0.2.10', '192.0.2.10'],
      }),
    ]);
    expect(
      text.startsWith(
        '# line one\n# line two\napiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\n',
      ),
    ).toBe(true);
    const docs = parseAllDocuments(text).map((d) => d.toJS());
    expect(docs.map((d) => d.kind)).toEqual(['InitConfiguration', 'ClusterConfiguration']);
    expect(docs[0].nodeRegistration).toEqual({
      name: 'm-1',
      taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
      kubeletExtraArgs: [{ name: 'node-ip', value: '192.0.2.11' }],
    });
    expect(docs[1]).toMatchObject({ kubernetesVersion: 'v1.31.1', apiServer: { certSANs: ['192.0.2.10'] } });
  });

  it('a worker JoinConfiguration has no controlPlane block and discovers the cluster from a host-local file', () => {
    const join = new JoinConfiguration({
      kubernetesVersion: '1.28.15',
      nodeRegistration: registration,
    }).toJson();
    expect(join).toEqual({
      apiVersion: 'kubeadm.k8s.io/v1beta3',
      kind: 'JoinConfiguration',
      discovery: { file: { kubeConfigPath: '/etc/kubernetes/discovery.conf' } },
      nodeRegistration: expect.any(Object),
    });
  });

  it('rejects a controlPlaneEndpoint that is not host:port', () => {
    expect(
      () =>
        new ClusterConfiguration({
          kubernetesVersion: '1.28.15',
          controlPlaneEndpoint: '192.0.2.10',
          certSANs: [],
        }),
    ).toThrow(`ClusterConfiguration: 'controlPlaneEndpoint' ("192.0.2.10") must be host:port`);
  });
});
