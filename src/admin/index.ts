// The admin REST API under /admin/: teams, users, keys, their rules and spend, provider secrets, the
// request log, usage and the audit log. Callers authenticate with the master key; every change is
// audited. The CLI and the web console are clients of this API; docs/admin-api.md is its contract.
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { GatehouseError } from '../core/errors/index.ts';
import type { RequestContext } from '../pipeline/index.ts';
import type { AdminDeps } from './deps.ts';
import { openapiDocument } from './openapi.ts';
import { type AdminRoute, defineRoute, findRoute } from './route.ts';
import { auditRoutes } from './routes/audit.ts';
import { configRoutes } from './routes/config.ts';
import { guardrailRoutes } from './routes/guardrails.ts';
import { cacheRoutes } from './routes/cache.ts';
import { cacheCalibrationRoutes } from './routes/cache-calibration.ts';
import { driftRoutes } from './routes/drift.ts';
import { keyRoutes } from './routes/keys.ts';
import { ownerRoutes } from './routes/owners.ts';
import { reportRoutes } from './routes/reports.ts';
import { secretRoutes } from './routes/secrets.ts';
import { teamRoutes } from './routes/teams.ts';
import { userRoutes } from './routes/users.ts';

export type { AdminDeps };

const documentRoute = defineRoute({
  method: 'GET',
  path: '/admin/openapi.json',
  summary: 'This API described as OpenAPI 3.1, built from the same definitions as the router',
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
  ...configRoutes,
  ...guardrailRoutes,
  ...cacheRoutes,
  ...cacheCalibrationRoutes,
  ...driftRoutes,
];

// Built once: the routes do not change while the process runs.
const openapi = openapiDocument(routes);

export async function handleAdmin(
  deps: AdminDeps,
  ctx: RequestContext,
  req: IncomingMessage,
  out: { json(status: number, body: unknown): void; setHeader(name: string, value: string): void },
): Promise<void> {
  if (ctx.principal?.kind !== 'master') {
    throw new GatehouseError('GH_FORBIDDEN', 'The admin API needs the master key.');
  }
  const url = new URL(req.url ?? '/', 'http://gatehouse');
  const path = url.pathname.replace(/\/+$/, '');
  const found = findRoute(routes, req.method ?? 'GET', path);
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
  out.json(found.route.status, await found.route.run(deps, ctx, req, found.match, url));
}
