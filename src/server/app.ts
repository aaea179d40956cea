// The HTTP application: request ids, routing, body limits, authentication, and the one place where
// errors become HTTP responses (in the calling surface's own error shape).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AdminDeps, handleAdmin } from '../admin/index.ts';
import * as anthropic from '../api/anthropic/index.ts';
import * as openai from '../api/openai/index.ts';
import { serveConsole } from '../console/serve.ts';
import { asGatehouseError, GatehouseError } from '../core/errors/index.ts';
import type { Lifecycle } from '../core/lifecycle/index.ts';
import type { RequestRecord, SurfaceName } from '../core/records/index.ts';
import { type Authenticator, attribute } from '../governance/index.ts';
import { isMcpPath, type McpGateway } from '../mcp/index.ts';
import type { RequestContext } from '../pipeline/index.ts';
import { parseFeedback, recordFeedback } from '../quality/feedback.ts';
import type { ScoresStored } from '../quality/scores.ts';
import type { Database } from '../store/index.ts';
import type { ResponseStore } from '../store/responses.ts';
import { type GatewayMetrics, parseTags } from '../telemetry/index.ts';
import { answerChat, answerCountTokens, answerEmbeddings } from './answers.ts';
import { type BodyLimits, readJsonBody } from './body.ts';
import type { ConfigRuntime } from './config-runtime.ts';
import { type KeyShares, shareKey } from './key-shares.ts';
import { Responder } from './responder.ts';
import { handleStoredResponse, runResponses } from './responses.ts';
import { anthropicSurface, completionsSurface, openaiSurface } from './surfaces.ts';

export interface AppDeps {
  /**
   * The configuration version serving new requests (server/live-config.ts): read once when a
   * request starts, so that a reload never changes a request's pipeline half way.
   */
  live: { readonly current: ConfigRuntime; readiness(): Record<string, unknown> };
  auth: Authenticator;
  database: Database;
  /** Stored answers of the Responses surface. */
  responses: ResponseStore;
  limits: BodyLimits;
  admin: AdminDeps;
  /** Serves GET /metrics; it counts requests by subscribing to the lifecycle. */
  metrics: GatewayMetrics;
  /** Where the request's and its attempts' events are published (telemetry subscribes). */
  lifecycle: Lifecycle;
  /** Model requests served at once; the next is shed with 503 (server.max_in_flight). */
  maxInFlight: number;
  /** Each key's share of maxInFlight, counted once the key is known (server.max_in_flight_per_key). */
  keyShares?: KeyShares;
  /** Aborted when shutdown's grace period runs out: requests still in flight end with its reason. */
  shutdown?: AbortSignal;
  /** True while the event loop runs later than server.max_event_loop_lag_ms: new model requests are shed. */
  isOverloaded(): boolean;
  /** True once shutdown has begun: new requests are refused with 503. */
  isDraining(): boolean;
  /** The MCP gateway at /mcp, when mcp_servers are configured. */
  mcp?: McpGateway;
  /** Told of feedback once stored: the response cache's quality gate (docs/cache.md). */
  scoresStored?: ScoresStored;
}

type Handler = (
  deps: AppDeps,
  rt: ConfigRuntime,
  ctx: RequestContext,
  req: IncomingMessage,
  out: Responder,
) => Promise<void>;

interface Route {
  /** The route's name in the request log and metrics, where the path holds an id. */
  label?: string;
  surface: SurfaceName;
  method: 'GET' | 'POST' | 'ANY';
  authenticated: boolean;
  handle: Handler;
}

const routes: Record<string, Route> = {
  '/v1/chat/completions': {
    surface: 'openai',
    method: 'POST',
    authenticated: true,
    handle: async (deps, rt, ctx, req, out) =>
      answerChat(rt.pipeline, ctx, openaiSurface, await readJsonBody(req, deps.limits), out),
  },
  '/v1/responses': {
    surface: 'openai',
    method: 'POST',
    authenticated: true,
    handle: async (deps, rt, ctx, req, out) =>
      runResponses(responsesDeps(deps, rt), ctx, await readJsonBody(req, deps.limits), out),
  },
  '/v1/completions': {
    surface: 'openai',
    method: 'POST',
    authenticated: true,
    handle: async (deps, rt, ctx, req, out) =>
      answerChat(rt.pipeline, ctx, completionsSurface, await readJsonBody(req, deps.limits), out),
  },
  '/v1/embeddings': {
    surface: 'openai',
    method: 'POST',
    authenticated: true,
    handle: async (deps, rt, ctx, req, out) =>
      answerEmbeddings(rt.pipeline, ctx, openaiSurface, await readJsonBody(req, deps.limits), out),
  },
  '/v1/feedback': {
    surface: 'openai',
    method: 'POST',
    authenticated: true,
    handle: async (deps, _rt, ctx, req, out) => {
      const items = parseFeedback(await readJsonBody(req, deps.limits));
      const principal = ctx.principal;
      const events = deps.admin.events;
      const ids = await recordFeedback(
        { db: events.database(principal?.region ?? null).db, flush: () => events.flush() },
        deps.database.db,
        {
          ...(principal?.teamId ? { teamId: principal.teamId } : {}),
          ...(principal?.keyId ? { keyId: principal.keyId } : {}),
        },
        items,
        deps.scoresStored,
      );
      out.json(200, { object: 'list', data: ids.map((id) => ({ id, object: 'feedback' })) });
    },
  },
  '/v1/models': {
    surface: 'openai',
    method: 'GET',
    authenticated: true,
    handle: async (_deps, rt, ctx, _req, out) =>
      out.json(
        200,
        openai.encodeModelList(
          rt.pipeline.modelsFor(ctx.principal).map((id) => ({ id, ownedBy: 'gatehouse' })),
          servingSince,
        ),
      ),
  },
  '/v1/messages': {
    surface: 'anthropic',
    method: 'POST',
    authenticated: true,
    handle: async (deps, rt, ctx, req, out) =>
      answerChat(rt.pipeline, ctx, anthropicSurface, await readJsonBody(req, deps.limits), out),
  },
  '/v1/messages/count_tokens': {
    surface: 'anthropic',
    method: 'POST',
    authenticated: true,
    handle: async (deps, rt, ctx, req, out) =>
      answerCountTokens(rt.pipeline, ctx, await readJsonBody(req, deps.limits), out),
  },
  '/healthz': {
    surface: 'gateway',
    method: 'GET',
    authenticated: false,
    handle: async (_deps, _rt, _ctx, _req, out) => out.json(200, { status: 'ok' }),
  },
  '/metrics': {
    surface: 'gateway',
    method: 'GET',
    authenticated: false,
    handle: async (deps, _rt, _ctx, _req, out) =>
      out.text(200, await deps.metrics.registry.metrics(), deps.metrics.registry.contentType),
  },
  '/readyz': {
    surface: 'gateway',
    method: 'GET',
    authenticated: false,
    handle: async (deps, _rt, _ctx, _req, out) => {
      if (deps.isDraining()) return out.json(503, { status: 'draining' });
      // Each check is bounded, so this never hangs. A store or Redis outage is "degraded", not 503:
      // every replica shares them, and taking them all out of rotation would turn the declared
      // failure modes (stale key cache, fail-open or fail-closed counters) into a full outage.
      const checks = await deps.admin.governor.readiness(() => deps.database.ping(), 1_000);
      const degraded = checks.store.status !== 'ok' || checks.redis.status === 'unavailable';
      out.json(200, {
        status: degraded ? 'degraded' : 'ready',
        checks: { config: 'ok', ...checks },
        config: deps.live.readiness(),
      });
    },
  },
};

const storedResponseRoute: Route = {
  label: '/v1/responses/{id}',
  surface: 'openai',
  method: 'ANY',
  authenticated: true,
  handle: (deps, rt, ctx, req, out) => handleStoredResponse(responsesDeps(deps, rt), ctx, req, out),
};

/** The Responses routes' view of the gateway, with the version the request started on. */
const responsesDeps = (deps: AppDeps, rt: ConfigRuntime) => ({
  pipeline: rt.pipeline,
  targets: rt.targets,
  responses: deps.responses,
});

/** When this gateway's model list was loaded: the `created` of every /v1/models entry. */
const servingSince = Math.floor(Date.now() / 1000);

const adminRoute: Route = {
  surface: 'gateway',
  method: 'ANY',
  // The admin API authenticates itself: it takes session cookies too, and signing in takes nothing.
  authenticated: false,
  handle: async (deps, _rt, ctx, req, out) => handleAdmin(deps.admin, ctx, req, out),
};

/** The web console (src/console): static files, public; it signs in through the admin API. */
const consoleRoute: Route = {
  label: '/ui',
  surface: 'gateway',
  method: 'ANY',
  authenticated: false,
  handle: async (_deps, _rt, _ctx, req, out) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      out.setHeader('allow', 'GET, HEAD');
      throw new GatehouseError(
        'GH_METHOD_NOT_ALLOWED',
        `${req.method} is not allowed on the console; use GET.`,
      );
    }
    const path = (req.url ?? '/').split('?', 1)[0]!;
    const inm = req.headers['if-none-match'];
    const answer = serveConsole(path, typeof inm === 'string' ? inm : undefined);
    out.send(answer.status, answer.headers, req.method === 'HEAD' ? '' : answer.body);
  },
};

const requestIdPattern = /^[\w.:-]{1,128}$/;

/**
 * A UUIDv7: milliseconds first, then random bits. Ids that grow with time land at the end of the
 * request log's indexes instead of anywhere in them, which makes each write several times cheaper.
 */
export function timeOrderedId(): string {
  const now = Date.now();
  if (now !== idMs) {
    idMs = now;
    const ms = now.toString(16).padStart(12, '0');
    idPrefix = `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7`;
  }
  return idPrefix + randomUUID().slice(15);
}
// The time part is written once a millisecond; under load many ids share it.
let idMs = -1;
let idPrefix = '';

export function createRequestHandler(deps: AppDeps) {
  let inFlight = 0;
  const live = deps.live;
  // Requests in flight, cut together when shutdown's grace runs out: one listener for the
  // gateway rather than one added and removed per request.
  const callers = new Set<AbortController>();
  deps.shutdown?.addEventListener(
    'abort',
    () => {
      for (const caller of callers) caller.abort(deps.shutdown?.reason);
    },
    { once: true },
  );
  return async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const incoming = req.headers['x-request-id'];
    const ownId = typeof incoming !== 'string' || !requestIdPattern.test(incoming);
    const requestId = ownId ? timeOrderedId() : (incoming as string);
    // The one read of the live configuration: this request runs on this version to its end.
    let rt = live.current;
    const path = (req.url ?? '/').split('?', 1)[0]!;
    // MCP traffic is recorded per tool call (kind `tool`), not per HTTP message of a session.
    if (deps.mcp && isMcpPath(path)) return handleMcp(deps.mcp, req, res);
    const route = path.startsWith('/admin/')
      ? adminRoute
      : path === '/ui' || path.startsWith('/ui/')
        ? consoleRoute
        : (routes[path] ?? (path.startsWith('/v1/responses/') ? storedResponseRoute : undefined));
    const surface: SurfaceName = route?.surface ?? (path.startsWith('/v1/messages') ? 'anthropic' : 'openai');
    const startedAt = performance.now();
    const record: RequestRecord = {
      requestId,
      eventId: ownId ? requestId : timeOrderedId(),
      surface,
      route: route ? (route.label ?? path) : 'unmatched',
      receivedAt: Date.now(),
      attempts: [],
      status: 200,
      configVersion: rt.version,
    };
    const tags = parseTags(req.headers['x-gatehouse-tags']);
    if (Object.keys(tags).length > 0) record.tags = tags;
    const caller = new AbortController();
    callers.add(caller);
    res.once('close', () => {
      if (!res.writableFinished)
        caller.abort(new GatehouseError('GH_CLIENT_CLOSED', 'The caller closed the connection.'));
    });
    const lifecycle = deps.lifecycle;
    const ctx: RequestContext = {
      requestId,
      headers: req.headers,
      signal: caller.signal,
      startedAt,
      record,
      lifecycle,
    };
    lifecycle.requestStarted(record, req.headers);
    const out = new Responder(res, { 'x-request-id': requestId }, () => {
      record.firstByteMs = performance.now() - startedAt;
    });
    let counted = false;
    let shared: string | undefined;
    try {
      if (!route)
        throw new GatehouseError('GH_ROUTE_NOT_FOUND', `No route for ${req.method} ${path.slice(0, 200)}.`);
      if (route.method !== 'ANY' && req.method !== route.method) {
        out.setHeader('allow', route.method);
        throw new GatehouseError(
          'GH_METHOD_NOT_ALLOWED',
          `${req.method} is not allowed on ${path}; use ${route.method}.`,
        );
      }
      if (deps.isDraining() && route.surface !== 'gateway') {
        out.setHeader('connection', 'close');
        throw new GatehouseError(
          'GH_SHUTTING_DOWN',
          'The gateway is shutting down; retry on another instance.',
          { retryAfter: 1 },
        );
      }
      if (route.surface !== 'gateway') {
        if (inFlight >= deps.maxInFlight) {
          throw new GatehouseError(
            'GH_OVERLOADED',
            `The gateway is serving its limit of ${deps.maxInFlight} requests; retry shortly.`,
            { retryAfter: 1 },
          );
        }
        if (deps.isOverloaded()) {
          throw new GatehouseError('GH_OVERLOADED', 'The gateway is at capacity; retry shortly.', {
            retryAfter: 1,
          });
        }
        inFlight++;
        counted = true;
      }
      if (route.authenticated) {
        const principal = await deps.auth.authenticate(req.headers);
        ctx.principal = principal;
        attribute(record, principal);
        if (counted && deps.keyShares) {
          const key = shareKey(principal);
          deps.keyShares.enter(key);
          shared = key;
        }
      }
      // While a new version is on trial (reload.canary), a hashed slice of requests runs on it.
      if (rt.trial !== undefined) {
        rt = rt.trial.pick(requestId, ctx.principal?.keyId);
        record.configVersion = rt.version;
      }
      await route.handle(deps, rt, ctx, req, out);
      if (!out.started) throw new GatehouseError('GH_INTERNAL', 'The request ended without an answer.');
      if (record.status === 200) record.status = res.statusCode;
    } catch (err) {
      // A request cut off (the caller left, or shutdown) is recorded as why it was cut.
      sendError(caller.signal.aborted ? caller.signal.reason : err, surface, record, out, res);
    } finally {
      callers.delete(caller);
      if (shared !== undefined) deps.keyShares?.leave(shared);
      if (counted) inFlight--;
      record.durationMs = performance.now() - startedAt;
      lifecycle.requestEnded(record);
    }
  };
}

async function handleMcp(mcp: McpGateway, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    await mcp.handle(req, res);
  } catch (err) {
    console.error('[gatehouse] MCP request failed:', err);
    if (!res.headersSent)
      res
        .writeHead(500, { 'content-type': 'application/json' })
        .end(
          JSON.stringify({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal error' }, id: null }),
        );
    else res.end();
  }
}

function sendError(
  err: unknown,
  surface: SurfaceName,
  record: RequestRecord,
  out: Responder,
  res: ServerResponse,
): void {
  const error = asGatehouseError(err);
  record.status = error.code === 'GH_CLIENT_CLOSED' ? 499 : error.status;
  record.errorCode = error.code;
  if (error.code === 'GH_CLIENT_CLOSED') record.clientAborted = true;
  if (error.code === 'GH_INTERNAL') console.error(`[gatehouse] ${record.requestId} internal error:`, err);
  if (out.started || res.destroyed) {
    out.end();
    return;
  }
  const body =
    surface === 'anthropic'
      ? anthropic.errorBody(error, record.requestId)
      : openai.errorBody(error, record.requestId);
  const headers: Record<string, string> = {};
  if (error.retryAfter !== undefined)
    headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfter)));
  out.json(error.status, body, headers);
}
