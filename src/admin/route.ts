// One definition per admin route: method, path, the zod schemas of its query, body and answer, and
// its handler. The router and /admin/openapi.json are both built from these definitions, so what is
// documented is what is validated and served.
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { validateBody } from '../api/validate.ts';
import { GatehouseError } from '../core/errors/index.ts';
import { type Identity, masterIdentity } from '../governance/index.ts';
import type { RequestContext } from '../pipeline/index.ts';
import { type Access, adminOnly, authorizeTeams, checkRole } from './access.ts';
import { paramsObject } from './contract.ts';
import type { AdminDeps } from './deps.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** `{team}` in `/admin/teams/{team}/rules` → 'team'. */
type ParamNames<P extends string> = P extends `${string}{${infer Name}}${infer Rest}`
  ? Name | ParamNames<Rest>
  : never;

type QueryShape = z.ZodObject;
const noQuery = z.strictObject({});

/** The HTTP exchange, for the few routes that deal in cookies and redirects (signing in). */
export interface AdminHttp {
  req: IncomingMessage;
  /** The caller reached the gateway over TLS (directly or per x-forwarded-proto). */
  secure: boolean;
  setCookie(value: string): void;
  /** Answers 302 to this location instead of a JSON body. */
  redirect(location: string): void;
}

export interface HandlerInput<Path extends string, Q extends QueryShape, B extends z.ZodType | undefined> {
  deps: AdminDeps;
  /** Who made the change, as the audit log names them. */
  actor: string;
  /** Who is calling: undefined only on a public route called without credentials. */
  caller: Identity | undefined;
  /** The session the call came with (its cookie), if any. */
  session?: { id: string; csrfToken: string };
  http: AdminHttp;
  params: Record<ParamNames<Path>, string>;
  query: z.output<Q>;
  body: B extends z.ZodType ? z.output<B> : undefined;
}

interface Definition<
  Path extends string,
  Q extends QueryShape,
  B extends z.ZodType | undefined,
  R extends z.ZodType,
> {
  method: Method;
  path: Path;
  summary: string;
  /** 200 unless said. */
  status?: number;
  query?: Q;
  body?: B;
  /** The body may be left out entirely (it is then parsed as `{}`). */
  bodyOptional?: boolean;
  /** A change to who may call what: cached principals are dropped once it is made. */
  changesAccess?: boolean;
  /** Who may call (access.ts); admins only when not said. */
  access?: Access;
  response: R;
  handle(input: HandlerInput<Path, Q, B>): Promise<z.input<R>>;
}

export interface AdminRoute {
  method: Method;
  path: string;
  summary: string;
  status: number;
  query: QueryShape;
  body: z.ZodType | undefined;
  bodyOptional: boolean;
  access: Access;
  response: z.ZodType;
  pattern: RegExp;
  paramNames: string[];
  run(
    deps: AdminDeps,
    ctx: RequestContext,
    http: AdminHttp,
    match: RegExpExecArray,
    url: URL,
    session?: { id: string; csrfToken: string },
  ): Promise<unknown>;
}

const adminLimits = { maxBytes: 1024 * 1024, maxDepth: 32 };

const actorOf = (ctx: RequestContext) => {
  const principal = ctx.principal;
  if (principal?.kind === 'master') return 'master';
  if (principal?.identity) return `${principal.identity.kind}:${principal.identity.name}`;
  return principal?.keyId ?? 'unknown';
};

/** The identity behind a principal on the admin API: virtual keys have none. */
export const callerOf = (ctx: RequestContext): Identity | undefined =>
  ctx.principal?.kind === 'master' ? masterIdentity : ctx.principal?.identity;

/** The query parameters as an object, refusing any the route does not take. */
function queryObject(params: URLSearchParams, shape: QueryShape): Record<string, string | string[]> {
  const allowed = Object.keys(shape.shape);
  const unknown = [...new Set(params.keys())].filter((name) => !allowed.includes(name));
  if (unknown.length > 0) {
    const names = unknown.map((n) => `"${n.slice(0, 100)}"`).join(', ');
    const takes = allowed.length > 0 ? `it takes ${allowed.join(', ')}` : 'it takes none';
    throw new GatehouseError(
      'GH_INVALID_REQUEST',
      `${unknown.length > 1 ? 'unknown query parameters' : 'unknown query parameter'} ${names} (${takes})`,
      { param: unknown[0]!.slice(0, 100) },
    );
  }
  return paramsObject(params);
}

export function defineRoute<
  Path extends string,
  R extends z.ZodType,
  Q extends QueryShape = typeof noQuery,
  B extends z.ZodType | undefined = undefined,
>(def: Definition<Path, Q, B, R>): AdminRoute {
  const paramNames: string[] = [];
  const source = def.path.replace(/[.]/g, '\\.').replace(/\{(\w+)\}/g, (_m, name: string) => {
    paramNames.push(name);
    return '([^/]+)';
  });
  const query = def.query ?? noQuery;
  return {
    method: def.method,
    path: def.path,
    summary: def.summary,
    status: def.status ?? 200,
    query,
    body: def.body,
    bodyOptional: def.bodyOptional ?? false,
    access: def.access ?? adminOnly,
    response: def.response,
    pattern: new RegExp(`^${source}$`),
    paramNames,
    async run(deps, ctx, http, match, url, session) {
      const req = http.req;
      const caller = callerOf(ctx);
      const access = def.access ?? adminOnly;
      checkRole(access, caller);
      const params = Object.fromEntries(
        paramNames.map((name, i) => [name, decodeURIComponent(match[i + 1]!)]),
      ) as Record<ParamNames<Path>, string>;
      const parsedQuery = validateBody(query, queryObject(url.searchParams, query)) as z.output<Q>;
      let body: unknown;
      if (def.body) {
        const length = req.headers['content-length'];
        const empty =
          def.bodyOptional && (length === '0' || (length === undefined && !req.headers['transfer-encoding']));
        body = validateBody(def.body, empty ? {} : await deps.readJson(req, adminLimits));
      }
      const filter = await authorizeTeams(access, caller, def.method, deps, {
        params,
        query: parsedQuery as Record<string, unknown>,
        body,
      });
      const answer = await def.handle({
        deps,
        actor: actorOf(ctx),
        caller,
        ...(session ? { session } : {}),
        http,
        params,
        query: parsedQuery,
        body: body as HandlerInput<Path, Q, B>['body'],
      });
      const result = filter ? filter(answer) : answer;
      if (def.changesAccess) deps.auth.invalidate();
      // The answer is checked against its documented schema, which also drops any field a view did
      // not declare: an answer can never carry more than the contract says.
      const checked = def.response.safeParse(result);
      if (!checked.success)
        throw new GatehouseError('GH_INTERNAL', 'The answer did not match its schema.', {
          cause: checked.error,
        });
      return checked.data;
    },
  };
}

/** The route for a method and path, or the methods the path does take (none: no such route). */
export function findRoute(
  routes: readonly AdminRoute[],
  method: string,
  path: string,
): { route: AdminRoute; match: RegExpExecArray } | { allowed: string[] } {
  const allowed: string[] = [];
  for (const route of routes) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    if (route.method === method) return { route, match };
    allowed.push(route.method);
  }
  return { allowed };
}
