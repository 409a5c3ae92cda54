import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ValidationError } from '../core/validation-error';

/** A JWT issuer whose verified claims set lane headers. */
export interface TrustedTokenIssuer {
  /** Provider name, unique in the policy (a DNS label). */
  readonly name: string;
  /** The `iss` the token must carry. */
  readonly issuer: string;
  /** URL of the issuer's JWKS (never an inline key). */
  readonly jwksUri: string;
  /** Accepted audiences. @default [] - any */
  readonly audiences?: readonly string[];
  /** Where the token is: a request header, or a cookie (a signed cookie). */
  readonly from: { readonly header: string } | { readonly cookie: string };
  /** Headers set from claims: the lane mark, and gray rule headers. Must not be empty. */
  readonly claimToHeaders: readonly { readonly header: string; readonly claim: string }[];
}

/** Props of {@link TrustedMarkPolicy}. */
export interface TrustedMarkPolicyProps {
  /** The Gateway whose routes trust the issuers. */
  readonly gateway: { readonly name: string; readonly namespace: string };
  /** The issuers, at most 4. */
  readonly issuers: readonly TrustedTokenIssuer[];
  /** Labels of the policy. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * An Envoy Gateway (v1.2) SecurityPolicy on a Gateway that turns verified JWT claims into lane
 * headers: the token is optional (requests without one pass unmarked), an invalid one is refused
 * with 401, and a valid one sets the mark header from its claim, after which the route is chosen
 * again (`recomputeRoute`). Paired with a {@link ListenerTrafficPolicy} that removes client-sent
 * lane headers, a lane header then only ever comes from the issuer.
 */
export class TrustedMarkPolicy extends Construct {
  /** The SecurityPolicy object. */
  public readonly policy: ApiObject;

  constructor(scope: Construct, id: string, props: TrustedMarkPolicyProps) {
    super(scope, id);
    const where = `TrustedMarkPolicy ${props.gateway.namespace}/${props.gateway.name}`;
    if (props.issuers.length === 0 || props.issuers.length > 4)
      throw new ValidationError(`${where}: 'issuers' holds ${props.issuers.length}; 1 to 4 are allowed`);
    const names = new Set<string>();
    for (const issuer of props.issuers) {
      if (names.has(issuer.name)) throw new ValidationError(`${where}: issuer name ${issuer.name} repeats`);
      names.add(issuer.name);
      if (!issuer.jwksUri.startsWith('https://'))
        throw new ValidationError(
          `${where}: 'jwksUri' (${JSON.stringify(issuer.jwksUri)}) must be an https:// URL`,
        );
      if (issuer.claimToHeaders.length === 0)
        throw new ValidationError(`${where}: issuer ${issuer.name} sets no header`);
    }
    this.policy = new ApiObject(this, 'policy', {
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'SecurityPolicy',
      metadata: {
        name: `${props.gateway.name}-trusted-marks`,
        namespace: props.gateway.namespace,
        labels: { ...props.labels },
      },
      spec: {
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: props.gateway.name }],
        jwt: {
          optional: true,
          providers: props.issuers.map((issuer) => ({
            name: issuer.name,
            issuer: issuer.issuer,
            ...(issuer.audiences && issuer.audiences.length > 0 ? { audiences: [...issuer.audiences] } : {}),
            remoteJWKS: { uri: issuer.jwksUri },
            claimToHeaders: issuer.claimToHeaders.map((mapping) => ({
              header: mapping.header,
              claim: mapping.claim,
            })),
            recomputeRoute: true,
            extractFrom:
              'cookie' in issuer.from
                ? { cookies: [issuer.from.cookie] }
                : { headers: [{ name: issuer.from.header }] },
          })),
        },
      },
    });
  }
}
