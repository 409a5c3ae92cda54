import { z } from 'zod';
import { ipv4Cidr } from './common';

/**
 * Where a gray mark may come from at the public listeners. Without a trusted source every lane
 * header (the mark and the gray rules' headers) is removed before routing; a trusted source sets
 * them again from something a client cannot forge: a JWT claim the gateway verifies, carried in a
 * header or in a cookie (a signed cookie). Rendered as an Envoy Gateway SecurityPolicy on the Gateway.
 */

const httpsUri = z
  .string()
  .regex(/^https:\/\/[^\s/]+(\/[^\s]*)?$/, { error: 'is not an https:// URL' })
  .max(253 + 1024);

const claimName = z.string().regex(/^[A-Za-z0-9_.:-]+$/, {
  error: 'is not a JWT claim name (letters, digits, _ . : -; nested claims with .)',
});

const laneHeaderName = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/, { error: 'is not an HTTP header name' });

/** A JWT issuer the gateway verifies, and the claim whose value is the mark. */
const jwtFields = {
  issuer: httpsUri.describe('The `iss` the token must carry, e.g. https://login.example.com.'),
  jwksUri: httpsUri.describe("URL of the issuer's public keys (JWKS); no key is ever inlined."),
  jwksNetworks: z
    .array(ipv4Cidr)
    .min(1, {
      error:
        'must list the network(s) of the JWKS host: the gateway proxies may reach only declared addresses',
    })
    .describe(
      "Networks of the JWKS host; the gateway proxies' NetworkPolicy opens egress to them on the URL's port.",
    ),
  audiences: z
    .array(z.string().min(1))
    .default([])
    .describe('Accepted `aud` values. @default [] - any audience'),
  claim: claimName.describe('Claim whose value becomes the mark header (the lane), e.g. gray_lane.'),
  headerClaims: z
    .array(
      z.strictObject({
        header: laneHeaderName.describe('A gray rule header (`services[].gray.headers[].name`).'),
        claim: claimName.describe('Claim whose value becomes that header.'),
      }),
    )
    .default([])
    .describe(
      'Gray rule headers set from claims (they are removed from client requests otherwise). @default []',
    ),
};

/** A JWT in a request header, verified by the gateway. */
export const jwtClaimSource = z.strictObject({
  ...jwtFields,
  header: laneHeaderName
    .default('x-gray-token')
    .describe(
      'Request header that carries the token (not Authorization, so the apps keep their own). @default x-gray-token',
    ),
});

/** A signed cookie: a JWT in a cookie, verified by the gateway like a header token. */
export const signedCookieSource = z.strictObject({
  ...jwtFields,
  cookie: z
    .string()
    .regex(/^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/, { error: 'is not a cookie name' })
    .describe('Name of the cookie holding the token (a JWT signed by the issuer).'),
});

/** One trusted source of gray marks: exactly one of `network`, `jwtClaim`, `signedCookie`. */
export const trustedSource = z
  .strictObject({
    network: z
      .strictObject({ cidrs: z.array(ipv4Cidr).min(1).describe('Internal client networks.') })
      .optional()
      .describe(
        'Internal client networks whose marks are kept. Refused: Envoy Gateway v1.2.8 cannot keep a header for some client addresses and remove it for others (see docs/gateway-and-grayscale.md); use jwtClaim or signedCookie.',
      ),
    jwtClaim: jwtClaimSource
      .optional()
      .describe('A JWT in a request header, verified against the JWKS; its claim sets the mark.'),
    signedCookie: signedCookieSource
      .optional()
      .describe('A JWT in a cookie, verified against the JWKS; its claim sets the mark.'),
  })
  .superRefine((value, ctx) => {
    const set = (['network', 'jwtClaim', 'signedCookie'] as const).filter((key) => value[key] !== undefined);
    if (set.length !== 1)
      ctx.addIssue({
        code: 'custom',
        input: set,
        message: `must set exactly one of network, jwtClaim, signedCookie (got ${set.length === 0 ? 'none' : set.join(', ')})`,
      });
    if (value.network)
      ctx.addIssue({
        code: 'custom',
        path: ['network'],
        input: value.network.cidrs,
        message:
          'cannot be enforced with Envoy Gateway v1.2.8: it removes lane headers for every client or none (no per-address header rule, no Lua filter); give test users a jwtClaim or a signedCookie instead',
      });
  });
export type TrustedSourceSpec = z.infer<typeof trustedSource>;

export const trustedSources = z
  .array(trustedSource)
  .max(4, { error: 'must list at most 4 trusted sources (a SecurityPolicy holds at most 4 JWT providers)' })
  .default([])
  .describe(
    'Sources whose gray marks the public listeners trust: a JWT claim or a signed cookie. @default [] - every client-sent lane header is removed',
  );
