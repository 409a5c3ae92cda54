import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { ClusterIdentity } from '../../constructs/platform/cluster-identity';
import type { LoadedEnvironment } from '../../environments/load';
import { controlPlaneEndpoint } from '../../environments/schema/control-plane';
import { MANAGED_BY_LABELS } from '../labels';

/** Cluster-wide objects of the platform itself. */
export class PlatformChart extends Chart {
  constructor(scope: Construct, id: string, env: LoadedEnvironment) {
    super(scope, id, { disableResourceNameHashes: true, labels: { ...MANAGED_BY_LABELS } });
    const { spec } = env;
    new ClusterIdentity(this, 'identity', {
      environment: env.name,
      kubernetesVersion: spec.kubernetesVersion,
      controlPlaneEndpoint: controlPlaneEndpoint(spec),
    });
  }
}
