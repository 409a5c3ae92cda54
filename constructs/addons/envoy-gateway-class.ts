import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { type PodPlacement, placementFields } from '../scheduling/pod-placement';
import type { ContainerResources } from './upstream-objects';

/** The controller name Envoy Gateway reconciles GatewayClasses for. */
export const ENVOY_GATEWAY_CONTROLLER = 'gateway.envoyproxy.io/gatewayclass-controller';

/** Props of {@link EnvoyGatewayClass}. */
export interface EnvoyGatewayClassProps {
  /** Name of the GatewayClass. */
  readonly className: string;
  /** Name and namespace of the EnvoyProxy (the Gateway's parametersRef, in its namespace). */
  readonly proxy: { readonly name: string; readonly namespace: string };
  /** How clients reach the proxies. */
  readonly exposure: 'LoadBalancer' | 'NodePort' | 'HostNetwork';
  /** Replicas of the proxy Deployment. */
  readonly replicas: number;
  /** Resources of the envoy container. */
  readonly resources: ContainerResources;
  /** Where the proxies run. @default - any untainted node */
  readonly placement?: PodPlacement;
  /** priorityClassName of the proxies. */
  readonly priorityClassName: string;
  /** The envoy image, pinned (behind the registry mirror when there is one). @default - Envoy Gateway's default image */
  readonly image?: string;
}

/**
 * Envoy Gateway's `GatewayClass` and the `EnvoyProxy` a Gateway names in its parametersRef:
 * replicas, placement on the gateway pool, resources, a PodDisruptionBudget, and the Service
 * (LoadBalancer or NodePort; HostNetwork binds the listener ports on the nodes).
 */
export class EnvoyGatewayClass extends Construct {
  constructor(scope: Construct, id: string, props: EnvoyGatewayClassProps) {
    super(scope, id);
    new ApiObject(this, 'class', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GatewayClass',
      metadata: { name: props.className },
      spec: { controllerName: ENVOY_GATEWAY_CONTROLLER },
    });
    const hostNetwork = props.exposure === 'HostNetwork';
    new ApiObject(this, 'proxy', {
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'EnvoyProxy',
      metadata: { name: props.proxy.name, namespace: props.proxy.namespace },
      spec: {
        provider: {
          type: 'Kubernetes',
          kubernetes: {
            envoyDeployment: {
              replicas: props.replicas,
              pod: {
                ...placementFields(props.placement),
              },
              container: {
                resources: {
                  requests: { ...props.resources.requests },
                  limits: { ...props.resources.limits },
                },
                // Pod Security restricted; binding the listener ports on the host needs NET_BIND_SERVICE.
                securityContext: {
                  allowPrivilegeEscalation: false,
                  runAsNonRoot: true,
                  capabilities: { drop: ['ALL'], ...(hostNetwork ? { add: ['NET_BIND_SERVICE'] } : {}) },
                  seccompProfile: { type: 'RuntimeDefault' },
                },
                ...(props.image ? { image: props.image } : {}),
              },
              ...(hostNetwork
                ? {
                    patch: {
                      type: 'StrategicMerge',
                      value: {
                        spec: {
                          template: { spec: { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' } },
                        },
                      },
                    },
                  }
                : {}),
            },
            envoyPDB: { minAvailable: 1 },
            envoyService: {
              type: hostNetwork ? 'ClusterIP' : props.exposure,
              ...(hostNetwork ? {} : { externalTrafficPolicy: 'Local' }),
            },
            ...(hostNetwork ? { useListenerPortAsContainerPort: true } : {}),
          },
        },
        shutdown: { drainTimeout: '60s', minDrainDuration: '10s' },
      },
    });
  }
}
