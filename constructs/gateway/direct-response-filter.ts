import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ValidationError } from '../core/validation-error';

/** Props of {@link DirectResponseFilter}. */
export interface DirectResponseFilterProps {
  /** Name of the HTTPRouteFilter. */
  readonly name: string;
  /** Namespace: that of the routes that use it (an ExtensionRef never crosses namespaces). */
  readonly namespace: string;
  /** Status code of the answer, 200-599. */
  readonly statusCode: number;
  /** Body of the answer. */
  readonly body: string;
  /** Content type of the body. @default text/plain */
  readonly contentType?: string;
  /** Labels of the filter. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * An Envoy Gateway (v1.2) HTTPRouteFilter that answers with a fixed response (`directResponse`)
 * instead of routing to a backend; a route rule uses it as an `ExtensionRef` filter.
 */
export class DirectResponseFilter extends Construct {
  /** What a route rule's ExtensionRef filter names. */
  public readonly ref: { readonly group: string; readonly kind: string; readonly name: string };

  constructor(scope: Construct, id: string, props: DirectResponseFilterProps) {
    super(scope, id);
    if (!Number.isInteger(props.statusCode) || props.statusCode < 200 || props.statusCode > 599)
      throw new ValidationError(
        `DirectResponseFilter ${props.namespace}/${props.name}: 'statusCode' (${props.statusCode}) must be 200-599`,
      );
    new ApiObject(this, 'filter', {
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'HTTPRouteFilter',
      metadata: { name: props.name, namespace: props.namespace, labels: { ...props.labels } },
      spec: {
        directResponse: {
          contentType: props.contentType ?? 'text/plain',
          statusCode: props.statusCode,
          body: { type: 'Inline', inline: props.body },
        },
      },
    });
    this.ref = { group: 'gateway.envoyproxy.io', kind: 'HTTPRouteFilter', name: props.name };
  }
}
