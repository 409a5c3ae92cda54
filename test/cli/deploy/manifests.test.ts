import { parseManifests, rolloutTargets, usedCrds } from '../../../cli/deploy/manifests';
import { loadCrdCatalog } from '../../../cli/deploy/workdir';

const workloads = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
  namespace: commerce
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: orders
  namespace: commerce
---
apiVersion: autoscaling.alibabacloud.com/v1beta1
kind: CronHorizontalPodAutoscaler
metadata:
  name: orders-daytime
  namespace: commerce
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: points-db
  namespace: data
---
apiVersion: v1
kind: Namespace
metadata:
  name: scratch
`;

describe('the CRDs and rollouts of the output', () => {
  const catalog = loadCrdCatalog();
  const objects = parseManifests([{ path: 'workloads.yaml', content: workloads }]);

  it('reads every CRD the repository ships', () => {
    const names = catalog.map((crd) => crd.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'httproutes.gateway.networking.k8s.io',
        'gateways.gateway.networking.k8s.io',
        'cronhorizontalpodautoscalers.autoscaling.alibabacloud.com',
        'servicemonitors.monitoring.coreos.com',
        'prometheusrules.monitoring.coreos.com',
      ]),
    );
  });

  it('picks only the CRDs whose kinds the manifests use', () => {
    expect(usedCrds(objects, catalog).map((crd) => crd.name)).toEqual([
      'cronhorizontalpodautoscalers.autoscaling.alibabacloud.com',
      'httproutes.gateway.networking.k8s.io',
    ]);
    expect(
      usedCrds(
        parseManifests([
          { path: 'p.yaml', content: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n' },
        ]),
        catalog,
      ),
    ).toEqual([]);
  });

  it('waits for Deployments and StatefulSets, with their namespaces', () => {
    expect(rolloutTargets(objects)).toEqual([
      { kind: 'deployment', name: 'orders', namespace: 'commerce' },
      { kind: 'statefulset', name: 'points-db', namespace: 'data' },
    ]);
  });

  it('refuses an object without a name instead of guessing', () => {
    expect(() =>
      parseManifests([{ path: 'bad.yaml', content: 'apiVersion: v1\nkind: ConfigMap\n' }]),
    ).toThrow('bad.yaml: an object without apiVersion, kind or metadata.name');
  });
});
