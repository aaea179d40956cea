// An issuer's endpoints, from its discovery document, and its signing keys. The JWKS is cached;
// a token signed by a key it does not hold makes it refetch (at most once per cooldown), so an
// issuer's key rotation is followed without a restart.
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import { GatehouseError } from '../../core/errors/index.ts';

export interface IssuerMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
}

export interface Discovered {
  metadata: IssuerMetadata;
  keys: JWTVerifyGetKey;
}

/** Issuer URLs compare without a trailing slash. */
export const sameIssuer = (a: string, b: string) => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

export async function discover(name: string, issuer: string, cooldownS: number): Promise<Discovered> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const unreachable = (why: string, cause?: unknown) =>
    new GatehouseError('GH_UPSTREAM_UNREACHABLE', `The OIDC issuer "${name}" (${url}) ${why}.`, {
      retryAfter: 5,
      ...(cause ? { cause } : {}),
    });
  let doc: Partial<IssuerMetadata>;
  try {
    const res = await fetch(url, {
      signal: AbortSignal.timeout(5_000),
      headers: { accept: 'application/json' },
    });
    if (!res.ok) throw unreachable(`answered ${res.status} for its discovery document`);
    doc = (await res.json()) as Partial<IssuerMetadata>;
  } catch (err) {
    if (err instanceof GatehouseError) throw err;
    throw unreachable('did not answer its discovery document', err);
  }
  for (const field of ['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const)
    if (typeof doc[field] !== 'string') throw unreachable(`has no ${field} in its discovery document`);
  // The document must be the issuer's own (OpenID Connect Discovery §4.3).
  if (!sameIssuer(doc.issuer!, issuer)) throw unreachable(`names another issuer (${doc.issuer})`);
  const metadata = doc as IssuerMetadata;
  const keys = createRemoteJWKSet(new URL(metadata.jwks_uri), {
    cooldownDuration: cooldownS * 1000,
    cacheMaxAge: 600_000,
    timeoutDuration: 5_000,
  });
  return { metadata, keys };
}
