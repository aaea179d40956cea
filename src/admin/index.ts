// The admin REST API under /admin/: teams, users, keys, their rules and spend, provider secrets, the
// request log, usage and the audit log. Callers authenticate with the master key, an OIDC token or
// a console session, and their role decides what they may call (access.ts); every change is
// audited. The CLI and the web console are clients of this API; docs/admin-api.md is its contract.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { GatehouseError } from '../core/errors/index.ts';
import { masterPrincipal, overTls, presentedKey, readCookie, sessionCookie } from '../governance/index.ts';
import type { RequestContext } from '../pipeline/index.ts';
import type { AdminDeps } from './deps.ts';
import { openapiDocument } from './openapi.ts';
import { type AdminHttp, type AdminRoute, defineRoute, findRoute } from './route.ts';
import { alertRoutes } from './routes/alerts.ts';
import { approvalRoutes } from './routes/approvals.ts';
import { auditRoutes } from './routes/audit.ts';
import { cacheRoutes } from './routes/cache.ts';
import { cacheCalibrationRoutes } from './routes/cache-calibration.ts';
import { driftRoutes } from './routes/drift.ts';
import { experimentRoutes } from './routes/experiments.ts';
import { configRoutes } from './routes/config.ts';
import { guardrailRoutes } from './routes/guardrails.ts';
import { keyRoutes } from './routes/keys.ts';
import { mcpRoutes } from './routes/mcp.ts';
import { ownerRoutes } from './routes/owners.ts';
import { qualityRoutes } from './routes/quality.ts';
import { reportRoutes } from './routes/reports.ts';
import { runRoutes } from './routes/runs.ts';
import { secretRoutes } from './routes/secrets.ts';
import { sessionRoutes } from './routes/session.ts';
import { targetRoutes } from './routes/targets.ts';
import { teamRoutes } from './routes/teams.ts';
import { userRoutes } from './routes/users.ts';

export type { AdminDeps };

const documentRoute = defineRoute({
  method: 'GET',
  path: '/admin/openapi.json',
  summary: 'This API described as OpenAPI 3.1, built from the same definitions as the router',
  access: 'signed_in',
  response: z.looseObject({
    openapi: z.string(),
    info: z.looseObject({ title: z.string(), version: z.string() }),
    paths: z.record(z.string(), z.record(z.string(), z.unknown())),
  }),
  handle: async () => openapi,
});

const routes: AdminRoute[] = [
  documentRoute,
  ...teamRoutes,
  ...userRoutes,
  ...keyRoutes,
  ...ownerRoutes,
  ...secretRoutes,
  ...reportRoutes,
  ...auditRoutes,
  ...alertRoutes,
  ...experimentRoutes,
  ...configRoutes,
  ...guardrailRoutes,
  ...qualityRoutes,
  ...cacheRoutes,
  ...cacheCalibrationRoutes,
  ...driftRoutes,
  ...targetRoutes,
  ...runRoutes,
  ...approvalRoutes,
  ...mcpRoutes,
  ...sessionRoutes,
];

// Built once: the routes do not change while the process runs.
const openapi = openapiDocument(routes);

/** What the admin API writes its answers with (the server's responder). */
export interface AdminOut {
  json(status: number, body: unknown): void;
  empty(status: number): void;
  setHeader(name: string, value: string | string[]): void;
}

/**
 * The caller of an admin call: a key or token in the headers (the master key, an OIDC token, or a
 * virtual key, which is refused later), else the console's session cookie.
 */
async function authenticateAdmin(deps: AdminDeps, ctx: RequestContext, req: IncomingMessage) {
  if (presentedKey(req.headers) === undefined) {
    const id = readCookie(req.headers, sessionCookie);
    const session = id ? await deps.sessions.get(id) : undefined;
    if (id && session) {
      const identity = session.identity;
      ctx.principal =
        identity.kind === 'master'
          ? masterPrincipal
          : { kind: 'identity', identity, modelRules: [], limits: [], budgets: [] };
      return { id, csrfToken: session.csrfToken };
    }
    if (id)
      throw new GatehouseError(
        'GH_UNAUTHENTICATED',
        'Not signed in: the session has expired or was signed out.',
      );
  }
  ctx.principal = await deps.auth.authenticate(req.headers, 'admin');
  return undefined;
}

/** A cookie-authenticated change must carry the session's CSRF token: a cross-site form cannot. */
function checkCsrf(req: IncomingMessage, session: { csrfToken: string }): void {
  if (req.method === 'GET' || req.method === 'HEAD') return;
  const sent = req.headers['x-csrf-token'];
  const expected = Buffer.from(session.csrfToken);
  const given = Buffer.from(typeof sent === 'string' ? sent : '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new GatehouseError(
      'GH_CSRF_FAILED',
      'A change made with the session cookie needs the header x-csrf-token (the csrf_token of /admin/session).',
    );
}

export async function handleAdmin(
  deps: AdminDeps,
  ctx: RequestContext,
  req: IncomingMessage,
  out: AdminOut,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://gatehouse');
  const path = url.pathname.replace(/\/+$/, '');
  const found = findRoute(routes, req.method ?? 'GET', path);
  const isPublic = 'route' in found && found.route.access === 'public';
  const session = isPublic ? undefined : await authenticateAdmin(deps, ctx, req);
  if (session) checkCsrf(req, session);
  if (!isPublic && ctx.principal?.kind === 'key') {
    throw new GatehouseError('GH_FORBIDDEN', 'The admin API needs the master key or a signed-in identity.');
  }
  if ('allowed' in found) {
    if (found.allowed.length === 0)
      throw new GatehouseError(
        'GH_ROUTE_NOT_FOUND',
        `No admin route for ${req.method} ${path.slice(0, 200)}.`,
      );
    out.setHeader('allow', found.allowed.join(', '));
    throw new GatehouseError(
      'GH_METHOD_NOT_ALLOWED',
      `${req.method} is not allowed on ${path.slice(0, 200)}; use ${found.allowed.join(', ')}.`,
    );
  }
  const cookies: string[] = [];
  let location: string | undefined;
  const http: AdminHttp = {
    req,
    secure: overTls(req.socket as { encrypted?: boolean }, req.headers),
    setCookie: (value) => cookies.push(value),
    redirect: (to) => {
      location = to;
    },
  };
  const answer = await found.route.run(deps, ctx, http, found.match, url, session);
  if (cookies.length > 0) out.setHeader('set-cookie', cookies);
  // Answers about a session are private to its holder.
  if (path.startsWith('/admin/session')) out.setHeader('cache-control', 'no-store');
  if (location !== undefined) {
    out.setHeader('location', location);
    out.empty(302);
  } else if (found.route.status === 204) out.empty(204);
  else out.json(found.route.status, answer);
}
