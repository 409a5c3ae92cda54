import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ValidationError } from '../core/validation-error';

/** Props of {@link ListenerTrafficPolicy}. */
export interface ListenerTrafficPolicyProps {
  /** The Gateway whose listeners the policy applies to. */
  readonly gateway: { readonly name: string; readonly namespace: string };
  /**
   * Request headers removed as a request arrives, before routing (`headers.earlyRequestHeaders`):
   * headers a client must not choose, such as the lane mark. @default [] - none removed
   */
  readonly removeRequestHeaders?: readonly string[];
  /** Idle time after which a client connection closes. @default - Envoy's 1h */
  readonly idleTimeout?: string;
  /** Longest a client may take to send a whole request. @default - no limit */
  readonly requestReceivedTimeout?: string;
  /** Labels of the policy. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

const DURATION = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;
const HEADER = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;

/**
 * An Envoy Gateway (v1.2) ClientTrafficPolicy on every listener of a Gateway, named like it: it
 * removes headers before the route is chosen (so no route rule ever sees a client-sent lane mark)
 * and sets the client connection timeouts.
 */
export class ListenerTrafficPolicy extends Construct {
  /** The ClientTrafficPolicy object. */
  public readonly policy: ApiObject;

  constructor(scope: Construct, id: string, props: ListenerTrafficPolicyProps) {
    super(scope, id);
    const where = `ListenerTrafficPolicy ${props.gateway.namespace}/${props.gateway.name}`;
    const remove = [...new Set((props.removeRequestHeaders ?? []).map((name) => name.toLowerCase()))].sort();
    for (const name of remove) {
      if (!HEADER.test(name))
        throw new ValidationError(
          `${where}: 'removeRequestHeaders' (${JSON.stringify(name)}) is not a header name`,
        );
    }
    if (remove.length > 16)
      throw new ValidationError(
        `${where}: ${remove.length} headers to remove; an HTTPHeaderFilter holds at most 16`,
      );
    for (const [field, value] of Object.entries({
      idleTimeout: props.idleTimeout,
      requestReceivedTimeout: props.requestReceivedTimeout,
    })) {
      if (value !== undefined && !DURATION.test(value))
        throw new ValidationError(`${where}: '${field}' (${JSON.stringify(value)}) is not a duration`);
    }
    const http = {
      ...(props.idleTimeout ? { idleTimeout: props.idleTimeout } : {}),
      ...(props.requestReceivedTimeout ? { requestReceivedTimeout: props.requestReceivedTimeout } : {}),
    };
    this.policy = new ApiObject(this, 'policy', {
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'ClientTrafficPolicy',
      metadata: { name: props.gateway.name, namespace: props.gateway.namespace, labels: { ...props.labels } },
      spec: {
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: props.gateway.name }],
        ...(remove.length > 0 ? { headers: { earlyRequestHeaders: { remove } } } : {}),
        ...(Object.keys(http).length > 0 ? { timeout: { http } } : {}),
      },
    });
  }
}
