import { inInstallOrder } from '../../../constructs/addons/upstream-objects';

describe('inInstallOrder', () => {
  it('puts what pods need before the workloads, as Helm installs, and other kinds last in their order', () => {
    const kinds = [
      'ClusterRoleBinding',
      'ValidatingWebhookConfiguration',
      'Deployment',
      'IPAddressPool',
      'ServiceAccount',
      'Service',
      'ClusterRole',
      'ConfigMap',
    ].map((kind) => ({ kind }));
    expect(inInstallOrder(kinds).map((object) => object.kind)).toEqual([
      'ServiceAccount',
      'ConfigMap',
      'ClusterRole',
      'ClusterRoleBinding',
      'Service',
      'Deployment',
      'ValidatingWebhookConfiguration',
      'IPAddressPool',
    ]);
  });
});
