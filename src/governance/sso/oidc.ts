// The configured OIDC issuers: signing in to the console (authorization code with PKCE S256, state
// and nonce) and accepting their tokens as bearer credentials on the admin API and the data plane.
import type { Kysely } from 'kysely';
import { decodeJwt, jwtVerify } from 'jose';
import type { AuthConfig, OidcIssuerConfig } from '../../config/schema.ts';
import { GatehouseError } from '../../core/errors/index.ts';
import type { Schema } from '../../store/schema.ts';
import { identityPrincipal, looksLikeJwt, type Principal, type TokenVerifier } from '../authenticate.ts';
import { hashKey } from '../crypto.ts';
import { type Claims, identityFrom, userFor } from './claims.ts';
import { type Discovered, discover, sameIssuer } from './discovery.ts';
import { codeChallenge, FlowSigner, newFlow } from './flow.ts';
import type { Identity } from './identity.ts';

const unauthenticated = (message: string, cause?: unknown) =>
  new GatehouseError('GH_UNAUTHENTICATED', message, cause ? { cause } : {});

interface CachedToken {
  principal: Principal;
  until: number;
}

export class OidcIssuers {
  readonly #db: Kysely<Schema>;
  readonly #issuers: Record<string, OidcIssuerConfig>;
  readonly #signer: FlowSigner;
  /** Discovery runs on first use and is kept; a failed one is tried again on the next use. */
  readonly #discovered = new Map<string, Promise<Discovered>>();
  /** Verified tokens' principals, briefly: a burst of calls with one token maps its claims once. */
  readonly #tokens = new Map<string, CachedToken>();

  constructor(db: Kysely<Schema>, config: AuthConfig, masterKey: string) {
    this.#db = db;
    this.#issuers = config.oidc;
    this.#signer = new FlowSigner(masterKey);
  }

  providers(): { name: string; label: string }[] {
    return Object.entries(this.#issuers)
      .filter(([, c]) => c.client_secret !== undefined)
      .map(([name, c]) => ({ name, label: c.label ?? name }));
  }

  #config(name: string): OidcIssuerConfig {
    const config = Object.hasOwn(this.#issuers, name) ? this.#issuers[name] : undefined;
    if (!config)
      throw new GatehouseError(
        'GH_INVALID_REQUEST',
        `provider: no OIDC issuer named "${name.slice(0, 100)}"`,
        {
          param: 'provider',
        },
      );
    return config;
  }

  #discover(name: string): Promise<Discovered> {
    let found = this.#discovered.get(name);
    if (!found) {
      const config = this.#config(name);
      found = discover(name, config.issuer, config.jwks_cooldown_s);
      found.catch(() => this.#discovered.delete(name));
      this.#discovered.set(name, found);
    }
    return found;
  }

  async start(provider: string, redirectUri: string, returnTo: string) {
    const config = this.#config(provider);
    if (config.client_secret === undefined)
      throw new GatehouseError(
        'GH_INVALID_REQUEST',
        `provider: "${provider}" has no client_secret: it only accepts tokens`,
        {
          param: 'provider',
        },
      );
    const { metadata } = await this.#discover(provider);
    const flow = newFlow(provider, returnTo);
    const location = new URL(metadata.authorization_endpoint);
    for (const [name, value] of Object.entries({
      response_type: 'code',
      client_id: config.client_id,
      redirect_uri: redirectUri,
      scope: config.scopes.join(' '),
      state: flow.state,
      nonce: flow.nonce,
      code_challenge: codeChallenge(flow.verifier),
      code_challenge_method: 'S256',
    }))
      location.searchParams.set(name, value);
    return { location: location.href, flow: this.#signer.seal(flow) };
  }

  async finish(
    cookie: string | undefined,
    query: { code?: string | undefined; state?: string | undefined; error?: string | undefined },
    redirectUri: string,
  ): Promise<{ identity: Identity; returnTo: string }> {
    const flow = this.#signer.open(cookie);
    if (query.state !== flow.state)
      throw unauthenticated('The sign-in could not be finished: its state does not match; start it again.');
    if (query.error) throw unauthenticated(`The issuer refused the sign-in: ${query.error.slice(0, 200)}.`);
    if (!query.code) throw unauthenticated('The issuer sent no authorization code.');
    const config = this.#config(flow.provider);
    const { metadata, keys } = await this.#discover(flow.provider);
    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      code: query.code,
      redirect_uri: redirectUri,
      code_verifier: flow.verifier,
      client_id: config.client_id,
    });
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if (config.token_endpoint_auth === 'client_secret_post')
      form.set('client_secret', config.client_secret ?? '');
    else {
      const pair = `${encodeURIComponent(config.client_id)}:${encodeURIComponent(config.client_secret ?? '')}`;
      headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
    }
    let tokens: { id_token?: unknown; error?: unknown };
    try {
      const res = await fetch(metadata.token_endpoint, {
        method: 'POST',
        headers,
        body: form,
        signal: AbortSignal.timeout(10_000),
      });
      tokens = (await res.json().catch(() => ({}))) as typeof tokens;
      if (!res.ok) {
        const why = typeof tokens.error === 'string' ? `: ${tokens.error.slice(0, 100)}` : '';
        throw unauthenticated(`The issuer "${flow.provider}" did not redeem the code (${res.status}${why}).`);
      }
    } catch (err) {
      if (err instanceof GatehouseError) throw err;
      throw new GatehouseError(
        'GH_UPSTREAM_UNREACHABLE',
        `The issuer "${flow.provider}" did not answer the code exchange.`,
        {
          cause: err,
        },
      );
    }
    if (typeof tokens.id_token !== 'string')
      throw unauthenticated(`The issuer "${flow.provider}" sent no ID token.`);
    let claims: Claims;
    try {
      ({ payload: claims } = await jwtVerify(tokens.id_token, keys, {
        issuer: metadata.issuer,
        audience: config.client_id,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (err) {
      throw unauthenticated(
        `The ID token of "${flow.provider}" is not valid: ${(err as Error).message}.`,
        err,
      );
    }
    if (claims.nonce !== flow.nonce)
      throw unauthenticated("The ID token does not carry this sign-in's nonce.");
    return { identity: await identityFrom(this.#db, flow.provider, config, claims), returnTo: flow.returnTo };
  }

  /** Bearer tokens (ID or access tokens that are JWTs) of the configured issuers. */
  verifier(): TokenVerifier {
    return {
      accepts: looksLikeJwt,
      principal: (token, use) => this.#principal(token, use),
      invalidate: () => this.#tokens.clear(),
    };
  }

  async #principal(token: string, use: 'admin' | 'data'): Promise<Principal> {
    const now = Date.now();
    const cacheKey = `${use}:${hashKey(token)}`;
    const cached = this.#tokens.get(cacheKey);
    if (cached && cached.until > now) return cached.principal;
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      throw unauthenticated('The bearer token is not a readable JWT.');
    }
    const found = Object.entries(this.#issuers).find(
      ([, c]) => typeof iss === 'string' && sameIssuer(c.issuer, iss),
    );
    if (!found) throw unauthenticated('The bearer token is from no configured issuer (auth.oidc).');
    const [name, config] = found;
    const { metadata, keys } = await this.#discover(name);
    let claims: Claims;
    try {
      ({ payload: claims } = await jwtVerify(token, keys, {
        issuer: metadata.issuer,
        audience: config.audience ?? config.client_id,
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      throw unauthenticated(`The bearer token of "${name}" is not valid: ${(err as Error).message}.`, err);
    }
    const identity = await identityFrom(this.#db, name, config, claims);
    let principal: Principal;
    if (use === 'admin') principal = { kind: 'identity', identity, modelRules: [], limits: [], budgets: [] };
    else {
      if (!config.data_plane)
        throw unauthenticated(
          `Tokens of "${name}" are not accepted for model calls (auth.oidc.${name}.data_plane).`,
        );
      // The first mapped team: its rules, limits and budgets apply, as for a key of that team.
      const teamId = identity.team_ids[0];
      if (!teamId)
        throw new GatehouseError(
          'GH_FORBIDDEN',
          `${identity.name} is in no team Gatehouse knows, so their calls have no rules to follow; map a team (auth.oidc.${name}.team_map) or set auto_provision.`,
        );
      const userId = await userFor(this.#db, identity, config.auto_provision);
      principal = await identityPrincipal(this.#db, identity, teamId, userId);
    }
    const exp = typeof claims.exp === 'number' ? claims.exp * 1000 : now;
    if (this.#tokens.size >= 10_000) this.#tokens.clear();
    this.#tokens.set(cacheKey, { principal, until: Math.min(exp, now + 2_000) });
    return principal;
  }
}
