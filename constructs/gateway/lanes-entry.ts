import { ApiObject, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import { ValidationError } from '../core/validation-error';

/** Props of {@link LaneEntryService}. */
export interface LaneEntryServiceProps {
  /**
   * The service's own Service (the name callers use, selecting the stable pods as rendered):
   * it is turned into an ExternalName Service pointing at the lanes proxies.
   */
  readonly service: ApiObject;
  /** Name of the Service that takes over the stable pods, e.g. `<service>-stable`. */
  readonly stableName: string;
  /** DNS name of the lanes proxies' Service, e.g. `lanes.gateway.svc.cluster.local`. */
  readonly proxyHost: string;
}

/**
 * Where a laned service's callers land: its own Service name becomes an `ExternalName` Service
 * (a DNS CNAME) to the lanes proxies, so an unchanged caller that dials
 * `<service>.<ns>.svc.cluster.local:<port>` reaches the lanes Gateway with that Host; and a copy
 * of the original ClusterIP Service, `stableName`, selects the stable pods for the routes'
 * stable backend. The ports stay on the ExternalName Service for reference (kube-proxy ignores
 * them; the lanes listeners use the same port numbers).
 */
export class LaneEntryService extends Construct {
  /** The ClusterIP Service of the stable pods. */
  public readonly stable: ApiObject;

  constructor(scope: Construct, id: string, props: LaneEntryServiceProps) {
    super(scope, id);
    const rendered = props.service.toJson() as {
      metadata: { name: string; namespace?: string; labels?: Record<string, string> };
      spec: { type?: string; selector?: Record<string, string>; ports?: unknown[] };
    };
    if (rendered.spec.type !== 'ClusterIP' || !rendered.spec.selector)
      throw new ValidationError(
        `LaneEntryService: Service ${rendered.metadata.name} is not a ClusterIP Service with a selector`,
      );
    if (props.stableName === rendered.metadata.name)
      throw new ValidationError(`LaneEntryService: 'stableName' must differ from ${rendered.metadata.name}`);
    this.stable = new ApiObject(this, 'stable', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        ...rendered.metadata,
        name: props.stableName,
        labels: { ...rendered.metadata.labels },
      },
      spec: {
        type: 'ClusterIP',
        selector: { ...rendered.spec.selector },
        ports: structuredClone(rendered.spec.ports ?? []),
      },
    });
    props.service.addJsonPatch(
      JsonPatch.replace('/spec/type', 'ExternalName'),
      JsonPatch.remove('/spec/selector'),
      JsonPatch.add('/spec/externalName', props.proxyHost),
    );
  }
}
