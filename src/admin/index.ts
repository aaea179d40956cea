// The admin REST API under /admin/: teams, users, keys and the audit log. Callers authenticate with
// the master key; every change is audited. The CLI and the web console are clients of this API.
import type { IncomingMessage } from 'node:http';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import { validateBody } from '../api/validate.ts';
import { GatehouseError } from '../core/errors/index.ts';
import { listAudit, verifyAudit } from '../governance/audit.ts';
import type { Authenticator } from '../governance/authenticate.ts';
import type { SecretStore } from '../governance/secrets.ts';
import {
  createKey,
  createTeam,
  createUser,
  findTeam,
  findUser,
  keyView,
  listKeys,
  revokeKey,
  rotateKey,
  teamView,
  updateKey,
  updateOwner,
  userTeams,
  userView,
} from '../governance/identity.ts';
import type { RequestContext } from '../pipeline/index.ts';
import type { Schema } from '../store/schema.ts';
import { queryLogs } from './logs.ts';
import { queryUsage } from './usage.ts';
import type { EventStores } from '../telemetry/event-stores.ts';
import type { Governor } from '../governance/admission.ts';
import { openapiDocument } from './openapi.ts';
import {
  keyInput,
  keyUpdate,
  rotateInput,
  rulesInput,
  secretInput,
  teamInput,
  teamUpdate,
  userInput,
  userUpdate,
} from './schemas.ts';
import { readRules, replaceRules, type Scope, spendReport } from '../governance/rules.ts';

export interface AdminDeps {
  db: Kysely<Schema>;
  auth: Authenticator;
  timeZone: string;
  secrets: SecretStore;
  /** The live providers: rebuilt when a secret they use changes. */
  providers: { refresh(): Promise<void> };
  /**
   * Reads a request's JSON body within limits: the server's reader, handed in so that the admin API,
   * which the server routes to, does not import the server.
   */
  readJson(req: IncomingMessage, limits: { maxBytes: number; maxDepth: number }): Promise<unknown>;
  /** Budgets: settled spend is flushed before a spend report reads it. */
  governor: Governor;
  /** Request-event stores: the default one and one per data-residency region. */
  events: EventStores;
  /** Data-residency regions in the configuration; a team may be pinned only to one of these. */
  regions: readonly string[];
}

function checkRegion(deps: AdminDeps, region: string | null | undefined): void {
  if (region && !deps.regions.includes(region))
    throw new GatehouseError(
      'GH_INVALID_REQUEST',
      `region: "${region}" is not a configured region (${deps.regions.join(', ') || 'none are configured'})`,
      { param: 'region' },
    );
}

const scopes: Record<string, Scope> = { keys: 'key', teams: 'team', users: 'user' };

/** Resolves `/admin/{keys|teams|users}/{id}` to the owner's id (teams and users may be named). */
async function ownerId(deps: AdminDeps, collection: string, ref: string): Promise<string> {
  if (collection === 'teams') return (await findTeam(deps.db, ref, 'id')).id;
  if (collection === 'users') return (await findUser(deps.db, ref, 'id')).id;
  const row = await deps.db.selectFrom('keys').select('id').where('id', '=', ref).executeTakeFirst();
  if (!row) throw new GatehouseError('GH_INVALID_REQUEST', `no key "${ref}"`, { param: 'id', status: 404 });
  return row.id;
}

const adminLimits = { maxBytes: 1024 * 1024, maxDepth: 32 };
type Handler = (
  deps: AdminDeps,
  ctx: RequestContext,
  req: IncomingMessage,
  params: string[],
  query: URLSearchParams,
) => Promise<unknown>;

const body = async <S extends z.ZodType>(deps: AdminDeps, req: IncomingMessage, schema: S) =>
  validateBody(schema, await deps.readJson(req, adminLimits));
const actor = (ctx: RequestContext) =>
  ctx.principal?.kind === 'master' ? 'master' : (ctx.principal?.keyId ?? 'unknown');

const routes: Array<{ method: string; pattern: RegExp; status?: number; handle: Handler }> = [
  { method: 'GET', pattern: /^\/admin\/openapi\.json$/, handle: async () => openapiDocument },
  {
    method: 'POST',
    pattern: /^\/admin\/teams$/,
    status: 201,
    handle: async (deps, ctx, req) => {
      const input = await body(deps, req, teamInput);
      checkRegion(deps, input.region);
      return createTeam(deps.db, actor(ctx), input);
    },
  },
  {
    method: 'GET',
    pattern: /^\/admin\/teams$/,
    handle: async (deps) => ({
      data: (await deps.db.selectFrom('teams').selectAll().orderBy('created_at').execute()).map(teamView),
    }),
  },
  {
    method: 'GET',
    pattern: /^\/admin\/teams\/([^/]+)$/,
    handle: async (deps, _c, _r, [id]) => teamView(await findTeam(deps.db, id!, 'id')),
  },
  {
    method: 'POST',
    pattern: /^\/admin\/users$/,
    status: 201,
    handle: async (deps, ctx, req) => createUser(deps.db, actor(ctx), await body(deps, req, userInput)),
  },
  {
    method: 'GET',
    pattern: /^\/admin\/users$/,
    handle: async (deps) => {
      const rows = await deps.db.selectFrom('users').selectAll().orderBy('created_at').execute();
      return {
        data: await Promise.all(rows.map(async (row) => userView(row, await userTeams(deps.db, row.id)))),
      };
    },
  },
  {
    method: 'GET',
    pattern: /^\/admin\/users\/([^/]+)$/,
    handle: async (deps, _c, _r, [id]) => {
      const row = await findUser(deps.db, id!, 'id');
      return userView(row, await userTeams(deps.db, row.id));
    },
  },
  {
    method: 'POST',
    pattern: /^\/admin\/keys$/,
    status: 201,
    handle: async (deps, ctx, req) => {
      const input = await body(deps, req, keyInput);
      const expiresAt = input.expires_at === undefined ? undefined : Date.parse(input.expires_at);
      return createKey(deps.db, actor(ctx), { ...input, expiresAt });
    },
  },
  {
    method: 'GET',
    pattern: /^\/admin\/keys$/,
    handle: async (deps, _c, _r, _p, query) => ({
      data: await listKeys(deps.db, { team: query.get('team') ?? undefined }),
    }),
  },
  {
    method: 'GET',
    pattern: /^\/admin\/keys\/([^/]+)$/,
    handle: async (deps, _c, _r, [id]) => {
      const row = await deps.db.selectFrom('keys').selectAll().where('id', '=', id!).executeTakeFirst();
      if (!row)
        throw new GatehouseError('GH_INVALID_REQUEST', `no key "${id}"`, { param: 'id', status: 404 });
      return keyView(row);
    },
  },
  {
    method: 'PATCH',
    pattern: /^\/admin\/keys\/([^/]+)$/,
    handle: async (deps, ctx, req, [id]) => {
      const { expires_at, ...rest } = await body(deps, req, keyUpdate);
      const expiresAt =
        expires_at === undefined ? undefined : expires_at === null ? null : Date.parse(expires_at);
      const key = await updateKey(deps.db, actor(ctx), id!, { ...rest, expiresAt });
      deps.auth.invalidate();
      return key;
    },
  },
  {
    method: 'PATCH',
    pattern: /^\/admin\/teams\/([^/]+)$/,
    handle: async (deps, ctx, req, [ref]) => {
      const changes = await body(deps, req, teamUpdate);
      checkRegion(deps, changes.region);
      const team = await updateOwner(deps.db, actor(ctx), 'team', ref!, changes);
      deps.auth.invalidate();
      return team;
    },
  },
  {
    method: 'PATCH',
    pattern: /^\/admin\/users\/([^/]+)$/,
    handle: async (deps, ctx, req, [ref]) => {
      const user = await updateOwner(deps.db, actor(ctx), 'user', ref!, await body(deps, req, userUpdate));
      deps.auth.invalidate();
      return user;
    },
  },
  {
    method: 'POST',
    pattern: /^\/admin\/keys\/([^/]+)\/revoke$/,
    handle: async (deps, ctx, _r, [id]) => {
      const key = await revokeKey(deps.db, actor(ctx), id!);
      deps.auth.invalidate();
      return key;
    },
  },
  {
    method: 'POST',
    pattern: /^\/admin\/keys\/([^/]+)\/rotate$/,
    handle: async (deps, ctx, req, [id]) => {
      const hasBody = req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0';
      const input = hasBody ? await body(deps, req, rotateInput) : rotateInput.parse({});
      const key = await rotateKey(deps.db, actor(ctx), id!, input.overlap_seconds);
      deps.auth.invalidate();
      return key;
    },
  },
  {
    method: 'GET',
    pattern: /^\/admin\/logs$/,
    handle: async (deps, _c, _r, _p, query) => queryLogs(deps.events.database(query.get('region')).db, query),
  },
  {
    method: 'GET',
    pattern: /^\/admin\/usage$/,
    handle: async (deps, _c, _r, _p, query) =>
      queryUsage(deps.events.database(query.get('region')).db, query, deps.db),
  },
  {
    method: 'GET',
    pattern: /^\/admin\/secrets$/,
    handle: async (deps) => ({ data: await deps.secrets.list() }),
  },
  {
    method: 'PUT',
    pattern: /^\/admin\/secrets\/([^/]+)$/,
    handle: async (deps, ctx, req, [name]) => {
      const { value } = await body(deps, req, secretInput);
      const info = await deps.secrets.put(actor(ctx), name!, value);
      await deps.providers.refresh();
      return info;
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/admin\/secrets\/([^/]+)$/,
    handle: async (deps, ctx, _r, [name]) => {
      await deps.secrets.delete(actor(ctx), name!);
      await deps.providers.refresh();
      return { deleted: name };
    },
  },
  {
    method: 'GET',
    pattern: /^\/admin\/audit$/,
    handle: async (deps, _c, _r, _p, query) => ({
      data: await listAudit(deps.db, {
        afterSeq: Number(query.get('after') ?? 0) || 0,
        limit: Number(query.get('limit') ?? 100) || 100,
      }),
    }),
  },
  {
    method: 'GET',
    pattern: /^\/admin\/(keys|teams|users)\/([^/]+)\/rules$/,
    handle: async (deps, _c, _r, [collection, ref]) =>
      readRules(deps.db, scopes[collection!]!, await ownerId(deps, collection!, ref!)),
  },
  {
    method: 'PUT',
    pattern: /^\/admin\/(keys|teams|users)\/([^/]+)\/rules$/,
    handle: async (deps, ctx, req, [collection, ref]) => {
      const change = await body(deps, req, rulesInput);
      const id = await ownerId(deps, collection!, ref!);
      const rules = await replaceRules(deps.db, actor(ctx), scopes[collection!]!, id, change);
      deps.auth.invalidate();
      return rules;
    },
  },
  {
    method: 'GET',
    pattern: /^\/admin\/(keys|teams|users)\/([^/]+)\/spend$/,
    handle: async (deps, _c, _r, [collection, ref]) => {
      await deps.governor.flushSpend();
      return spendReport(
        deps.db,
        scopes[collection!]!,
        await ownerId(deps, collection!, ref!),
        deps.timeZone,
      );
    },
  },
  {
    method: 'GET',
    pattern: /^\/admin\/audit\/verify$/,
    handle: async (deps) => verifyResult(await verifyAudit(deps.db)),
  },
];

function verifyResult(result: Awaited<ReturnType<typeof verifyAudit>>) {
  return result.problem
    ? { ok: false, entries: result.entries, ...result.problem }
    : { ok: true, entries: result.entries };
}

export async function handleAdmin(
  deps: AdminDeps,
  ctx: RequestContext,
  req: IncomingMessage,
  out: { json(status: number, body: unknown): void },
): Promise<void> {
  if (ctx.principal?.kind !== 'master') {
    throw new GatehouseError('GH_FORBIDDEN', 'The admin API needs the master key.');
  }
  const url = new URL(req.url ?? '/', 'http://gatehouse');
  const path = url.pathname.replace(/\/+$/, '');
  let pathMatched = false;
  for (const route of routes) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    pathMatched = true;
    if (route.method !== req.method) continue;
    const params = match.slice(1).map((p) => decodeURIComponent(p));
    const result = await route.handle(deps, ctx, req, params, url.searchParams);
    out.json(route.status ?? 200, result);
    return;
  }
  if (pathMatched)
    throw new GatehouseError('GH_METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${path}.`);
  throw new GatehouseError('GH_ROUTE_NOT_FOUND', `No admin route for ${req.method} ${path.slice(0, 200)}.`);
}
