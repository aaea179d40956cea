// Who is calling, and may they use this model. A request carries the master key or a virtual key;
// virtual keys resolve to a principal (key, team, user) whose model rules all must allow the model.
import type { IncomingHttpHeaders } from 'node:http';
import type { Kysely } from 'kysely';
import { GatehouseError } from '../core/errors/index.ts';
import type { RequestRecord } from '../core/records/index.ts';
import type { Schema } from '../store/schema.ts';
import type { BudgetRule } from './budgets.ts';
import { hashKey, sameDigest } from './crypto.ts';
import { keyForSecret } from './keys.ts';
import type { LimitRule } from './limits.ts';
import { cacheRuleView } from './rules.ts';
import { type RunRule, runRuleOf } from './run-rules.ts';
import type { Identity } from './sso/identity.ts';
import { bounded } from './timeout.ts';
import { type ToolRule, toolRulesFor } from './tool-rules.ts';

export interface ModelRule {
  scope: 'key' | 'team' | 'user';
  name: string;
  patterns: string[];
}

export interface Principal {
  /** `identity`: a person, by an OIDC token or a console session (docs/sso.md). */
  kind: 'master' | 'key' | 'identity';
  /** Who the person is and their role on the admin API (kind `identity` only). */
  identity?: Identity;
  keyId?: string;
  keyName?: string;
  teamId?: string;
  userId?: string;
  /** Every rule must allow a model (the effective permission is their intersection). */
  modelRules: ModelRule[];
  /** The key's body logging, else its team's; undefined follows the configuration. */
  logBodies?: 'off' | 'metadata' | 'full';
  /** The data-residency region the team is pinned to. */
  region?: string;
  limits: LimitRule[];
  budgets: BudgetRule[];
  /** Guardrails the key, its team and its user name (added to the org-wide and the model's). */
  guardrails?: string[];
  /** The response-cache rule: the key's fields over its team's (docs/cache.md). */
  cache?: CacheRule;
  /** Bounds on each agent run, from the key, team and user rules: every one applies. */
  runRules?: RunRule[];
  /** Tool rules of the key, team and user (MCP gateway): every one must allow a tool. */
  toolRules?: ToolRule[];
}

export interface CacheRule {
  mode?: 'exact' | 'semantic' | 'off' | undefined;
  /** Seconds. */
  ttl?: number | undefined;
  scope?: 'team' | 'key' | 'user' | 'global' | undefined;
}

export const masterPrincipal: Principal = { kind: 'master', modelRules: [], limits: [], budgets: [] };

/** Notes on a request's record whose call it is: its key, team, user and data-residency region. */
export function attribute(record: RequestRecord, principal: Principal): void {
  if (principal.keyId) record.keyId = principal.keyId;
  if (principal.teamId) record.teamId = principal.teamId;
  if (principal.userId) record.userId = principal.userId;
  if (principal.region) record.region = principal.region;
}

/** The credential a request carries: `Authorization: Bearer …` or `x-api-key: …`. */
export function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match) return match[1]!.trim();
  }
  const apiKey = headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey !== '' ? apiKey.trim() : undefined;
}

/** Checks tokens from configured OIDC issuers (sso/tokens.ts); absent when none is configured. */
export interface TokenVerifier {
  /** A cheap look at the token's shape: a JWT, not a virtual key. */
  accepts(token: string): boolean;
  /** `admin`: the identity and role; `data`: also the team and user whose rules apply to model calls. */
  principal(token: string, use: 'admin' | 'data'): Promise<Principal>;
  invalidate(): void;
}

/** Three base64url parts, the first a JSON object: `eyJ…`. Virtual keys start with `gh-`. */
export const looksLikeJwt = (token: string) => /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/.test(token);

interface Cached {
  principal?: Principal;
  refusal?: string;
  /** Epoch ms after which the entry must be looked up again (expiry, rotation end, TTL). */
  until: number;
  /** Epoch ms until which the entry may still be served while the store does not answer. */
  staleUntil: number;
}

export interface AuthenticatorOptions {
  /** How long a key's state is reused without asking the store (revocations elsewhere take this long). */
  ttlMs?: number;
  /** How long past that a key's last known state is served while the store does not answer (0: never). */
  staleMs?: number;
  /** Longest wait for the store on a lookup. */
  timeoutMs?: number;
  /** After a failed lookup, how long requests use stale entries before one asks the store again. */
  probeMs?: number;
}

export class Authenticator {
  readonly #db: Kysely<Schema>;
  readonly #master: string;
  readonly #ttlMs: number;
  readonly #staleMs: number;
  readonly #timeoutMs: number;
  readonly #probeMs: number;
  readonly #cache = new Map<string, Cached>();
  #tokens: TokenVerifier | undefined;
  /** Lookups in flight, so that a burst on one key asks the store once. */
  readonly #lookups = new Map<string, Promise<Cached>>();
  #storeDownUntil = 0;

  /**
   * A key's state is reused for `ttlMs` without asking the database, so a revocation made through
   * another replica takes effect here within it. When the store fails or does not answer within
   * `timeoutMs`, the last known state is served for up to `staleMs` more: the data plane keeps
   * working through a database restart, for keys seen before it.
   */
  constructor(db: Kysely<Schema>, masterKey: string, options: AuthenticatorOptions = {}) {
    this.#db = db;
    this.#master = hashKey(masterKey);
    this.#ttlMs = options.ttlMs ?? 2_000;
    this.#staleMs = options.staleMs ?? 300_000;
    this.#timeoutMs = options.timeoutMs ?? 2_000;
    this.#probeMs = options.probeMs ?? 1_000;
  }

  async authenticate(headers: IncomingHttpHeaders, use: 'admin' | 'data' = 'data'): Promise<Principal> {
    const key = presentedKey(headers);
    if (key === undefined) {
      throw new GatehouseError(
        'GH_UNAUTHENTICATED',
        'Missing API key: send it as "Authorization: Bearer <key>" or "x-api-key: <key>".',
      );
    }
    // Only when an issuer is configured, and only for a JWT's shape: virtual keys pay nothing.
    if (this.#tokens?.accepts(key)) return this.#tokens.principal(key, use);
    const presented = hashKey(key);
    if (sameDigest(presented, this.#master)) return masterPrincipal;
    const now = Date.now();
    let entry = this.#cache.get(presented);
    if (!entry || entry.until <= now) entry = await this.#refresh(presented, key, entry, now);
    if (entry.principal) return entry.principal;
    throw new GatehouseError('GH_UNAUTHENTICATED', entry.refusal ?? 'Invalid API key.');
  }

  /** Accepts OIDC tokens as well as keys. */
  useTokens(verifier: TokenVerifier | undefined): void {
    this.#tokens = verifier;
  }

  /** True for the master key (signing in to the console with it). */
  isMaster(key: string): boolean {
    return sameDigest(hashKey(key), this.#master);
  }

  /** Forgets cached key states (after an admin change on this replica). */
  invalidate(): void {
    this.#cache.clear();
    this.#tokens?.invalidate();
  }

  /** The entry from the store, or the stale one while the store does not answer. */
  async #refresh(presented: string, key: string, stale: Cached | undefined, now: number): Promise<Cached> {
    const usable = stale && stale.staleUntil > now ? stale : undefined;
    // While the store is known to be away, a stale entry is served at once rather than after a
    // timeout; one lookup per probe interval runs behind it to notice the store's return.
    if (usable && this.#storeDownUntil > 0) {
      if (now >= this.#storeDownUntil) this.#lookupOnce(presented, key, now).catch(() => {});
      return usable;
    }
    try {
      return await this.#lookupOnce(presented, key, now);
    } catch (err) {
      if (usable) return usable;
      throw new GatehouseError(
        'GH_STORE_UNAVAILABLE',
        'The key could not be checked: the store is not answering; retry shortly.',
        { retryAfter: Math.max(1, Math.ceil(this.#probeMs / 1000)), cause: err },
      );
    }
  }

  /** One lookup per key at a time, bounded by the store timeout; its answer replaces the cache entry. */
  #lookupOnce(presented: string, key: string, now: number): Promise<Cached> {
    let lookup = this.#lookups.get(presented);
    if (!lookup) {
      // While the store is away, this lookup is the probe: the next one waits for the next interval.
      if (this.#storeDownUntil > 0) this.#storeDownUntil = now + this.#probeMs;
      lookup = bounded(this.#lookup(key, now), this.#timeoutMs, 'the store')
        .then((entry) => {
          this.#storeDownUntil = 0;
          if (this.#cache.size >= 10_000) this.#cache.clear();
          this.#cache.set(presented, entry);
          return entry;
        })
        .catch((err: unknown) => {
          this.#storeDownUntil = Date.now() + this.#probeMs;
          throw err;
        })
        .finally(() => this.#lookups.delete(presented));
      this.#lookups.set(presented, lookup);
    }
    return lookup;
  }

  async #lookup(secret: string, now: number): Promise<Cached> {
    const until = now + this.#ttlMs;
    const staleUntil = until + this.#staleMs;
    const row = await keyForSecret(this.#db, secret);
    if (!row) return { refusal: 'Invalid API key.', until, staleUntil };
    if (row.revoked_at !== null) return { refusal: 'This API key has been revoked.', until, staleUntil };
    if (row.expires_at !== null && row.expires_at <= now)
      return { refusal: 'This API key has expired.', until, staleUntil };
    const current = row.hash === hashKey(secret);
    if (!current && (row.previous_expires_at === null || row.previous_expires_at <= now)) {
      return { refusal: 'This API key was rotated; use the new key.', until, staleUntil };
    }
    const rules: ModelRule[] = [];
    if (row.models) rules.push({ scope: 'key', name: row.name, patterns: JSON.parse(row.models) });
    const team = await this.#db
      .selectFrom('teams')
      .select(['name', 'models', 'log_bodies', 'region'])
      .where('id', '=', row.team_id)
      .executeTakeFirst();
    if (team?.models) rules.push({ scope: 'team', name: team.name, patterns: JSON.parse(team.models) });
    const owners: Owner[] = [
      { scope: 'key', id: row.id, name: row.name },
      { scope: 'team', id: row.team_id, name: team?.name ?? row.team_id },
    ];
    if (row.user_id) {
      const user = await this.#db
        .selectFrom('users')
        .select(['name', 'models'])
        .where('id', '=', row.user_id)
        .executeTakeFirst();
      if (user?.models) rules.push({ scope: 'user', name: user.name, patterns: JSON.parse(user.models) });
      owners.push({ scope: 'user', id: row.user_id, name: user?.name ?? row.user_id });
    }
    const [{ limits, budgets, guardrails, cache, runRules }, toolRules] = await Promise.all([
      rulesFor(this.#db, owners),
      toolRulesFor(this.#db, owners),
    ]);
    const principal: Principal = {
      kind: 'key',
      keyId: row.id,
      keyName: row.name,
      teamId: row.team_id,
      modelRules: rules,
      limits,
      budgets,
    };
    if (cache) principal.cache = cache;
    if (runRules.length > 0) principal.runRules = runRules;
    if (toolRules.length > 0) principal.toolRules = toolRules;
    if (row.user_id) principal.userId = row.user_id;
    const logBodies = row.log_bodies ?? team?.log_bodies;
    if (logBodies === 'off' || logBodies === 'metadata' || logBodies === 'full')
      principal.logBodies = logBodies;
    if (team?.region) principal.region = team.region;
    if (guardrails.length > 0) principal.guardrails = guardrails;
    const ends = [until, row.expires_at, current ? null : row.previous_expires_at].filter(
      (t): t is number => t !== null,
    );
    // A stale entry never outlives the key's expiry or the old secret's overlap.
    const last = Math.min(...ends);
    return { principal, until: last, staleUntil: last < until ? last : staleUntil };
  }
}

type Owner = { scope: 'key' | 'team' | 'user'; id: string; name: string };

/**
 * The principal of a person calling models with an OIDC token: their team's and their own model
 * rules, limits and budgets apply as they would to a key of that team and user.
 */
export async function identityPrincipal(
  db: Kysely<Schema>,
  identity: Identity,
  teamId: string | undefined,
  userId: string | undefined,
): Promise<Principal> {
  const principal: Principal = { kind: 'identity', identity, modelRules: [], limits: [], budgets: [] };
  const owners: Owner[] = [];
  if (teamId) {
    const team = await db
      .selectFrom('teams')
      .select(['name', 'models', 'log_bodies', 'region'])
      .where('id', '=', teamId)
      .executeTakeFirst();
    if (team) {
      principal.teamId = teamId;
      owners.push({ scope: 'team', id: teamId, name: team.name });
      if (team.models)
        principal.modelRules.push({ scope: 'team', name: team.name, patterns: JSON.parse(team.models) });
      if (team.log_bodies === 'off' || team.log_bodies === 'metadata' || team.log_bodies === 'full')
        principal.logBodies = team.log_bodies;
      if (team.region) principal.region = team.region;
    }
  }
  if (userId) {
    const user = await db
      .selectFrom('users')
      .select(['name', 'models'])
      .where('id', '=', userId)
      .executeTakeFirst();
    if (user) {
      principal.userId = userId;
      owners.push({ scope: 'user', id: userId, name: user.name });
      if (user.models)
        principal.modelRules.push({ scope: 'user', name: user.name, patterns: JSON.parse(user.models) });
    }
  }
  if (owners.length > 0) Object.assign(principal, await rulesFor(db, owners));
  return principal;
}

async function rulesFor(
  db: Kysely<Schema>,
  owners: Owner[],
): Promise<{
  limits: LimitRule[];
  budgets: BudgetRule[];
  guardrails: string[];
  cache?: CacheRule;
  runRules: RunRule[];
}> {
  // biome-ignore lint/suspicious/noExplicitAny: kysely's expression builder type differs per table
  const match = (eb: any) =>
    eb.or(owners.map((o) => eb.and([eb('scope', '=', o.scope), eb('scope_id', '=', o.id)])));
  const [limitRows, budgetRows, guardrailRows, cacheRows, runRows] = await Promise.all([
    db.selectFrom('limits').selectAll().where(match).execute(),
    db.selectFrom('budgets').selectAll().where(match).execute(),
    db.selectFrom('guardrail_rules').select(['scope', 'names']).where(match).execute(),
    db.selectFrom('cache_rules').selectAll().where(match).execute(),
    db.selectFrom('run_rules').selectAll().where(match).execute(),
  ]);
  // Team, then user, then key: the order their guardrails run in, each name once.
  const order = { team: 0, user: 1, key: 2 } as const;
  const guardrails = [
    ...new Set(
      guardrailRows
        .sort((a, b) => order[a.scope] - order[b.scope])
        .flatMap((r) => JSON.parse(r.names) as string[]),
    ),
  ];
  // The key's fields over its user's over its team's.
  let cache: CacheRule | undefined;
  for (const scope of ['team', 'user', 'key'] as const) {
    const row = cacheRows.find((r) => r.scope === scope);
    if (row) cache = { ...cache, ...cacheRuleView(row) };
  }
  const nameOf = (scope: string, id: string) =>
    owners.find((o) => o.scope === scope && o.id === id)?.name ?? id;
  return {
    ...(cache ? { cache } : {}),
    limits: limitRows.map((r) => ({
      scope: r.scope,
      id: r.scope_id,
      name: nameOf(r.scope, r.scope_id),
      rpm: r.rpm ?? undefined,
      tpm: r.tpm ?? undefined,
      concurrency: r.concurrency ?? undefined,
    })),
    budgets: budgetRows.map((r) => ({
      scope: r.scope,
      id: r.scope_id,
      name: nameOf(r.scope, r.scope_id),
      limitMicros: r.limit_micros,
      period: r.period,
      softThreshold: r.soft_threshold ?? undefined,
    })),
    guardrails,
    runRules: runRows.map((r) => runRuleOf(r, nameOf(r.scope, r.scope_id))),
  };
}

const globCache = new Map<string, RegExp>();

function glob(pattern: string): RegExp {
  let re = globCache.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
    globCache.set(pattern, re);
  }
  return re;
}

/** Throws 403 naming the model and the rule when any of the principal's rules does not allow it. */
export function authorizeModel(principal: Principal, model: string): void {
  for (const rule of principal.modelRules) {
    if (!rule.patterns.some((pattern) => glob(pattern).test(model))) {
      throw new GatehouseError(
        'GH_FORBIDDEN',
        `The ${rule.scope} "${rule.name}" may not use the model "${model}" (allowed: ${rule.patterns.join(', ') || 'none'}).`,
        { param: 'model' },
      );
    }
  }
}
