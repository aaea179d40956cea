// The MCP gateway: Streamable HTTP at /mcp (every server the caller may use, names prefixed) and
// /mcp/<server> (one server, names unchanged), authenticated with the virtual keys. Each client
// session is an SDK server of its own; the configured servers are reached through one client each
// per replica (upstream.ts), shared by the sessions, which see their own requests' progress and
// cancellation passed through and every list_changed the servers send.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Kysely } from 'kysely';
import type { McpServerConfig } from '../config/index.ts';
import { GatehouseError } from '../core/errors/index.ts';
import type { Lifecycle } from '../core/lifecycle/index.ts';
import {
  type Authenticator,
  type Governor,
  type Principal,
  type SecretStore,
  secretReferences,
  withSecrets,
} from '../governance/index.ts';
import type { Schema } from '../store/schema.ts';
import type { CallDeps } from './calls.ts';
import { Catalog } from './catalog.ts';
import type { ToolCallHook } from './hooks.ts';
import { PinStore } from './pins.ts';
import { toolRateLimits } from './rate-limit.ts';
import { createSessionServer, ownerOf, type RequestAuth, type Session } from './session.ts';
import { Upstream } from './upstream.ts';

export interface McpGatewayOptions {
  servers: Record<string, McpServerConfig>;
  db: Kysely<Schema>;
  auth: Authenticator;
  governor: Pick<Governor, 'countCalls'>;
  lifecycle: Lifecycle;
  secrets: SecretStore;
  /** Body logging for callers whose key or team sets none (logging.bodies). */
  bodies: 'off' | 'metadata' | 'full';
  /** Hooks after the gateway's own (per-tool rate limits): run bounds, approvals, guardrails. */
  hooks?: ToolCallHook[];
  maxBodyBytes: number;
  log(line: string): void;
  /** How often pins approved on other replicas are reloaded. */
  pinReloadMs?: number;
  /** Aborted when shutdown's grace period runs out. */
  shutdown?: AbortSignal;
  /**
   * The gateway listens on the loopback only: requests naming another Host or Origin are refused
   * (403), against DNS rebinding from a web page in the user's browser.
   */
  loopbackOnly?: boolean;
}

export interface McpServerState {
  name: string;
  transport: 'http' | 'sse' | 'stdio';
  url: string | null;
  command: string | null;
  status: 'connected' | 'unreachable' | 'not_connected';
  error: string | null;
  listed_tools: number | null;
}

/** A session with no request for this long is closed (its client must initialize again). */
const idleSessionMs = 30 * 60_000;
const requestIdPattern = /^[\w.:-]{1,128}$/;
const metadataPath = '/.well-known/oauth-protected-resource';

/** Whether a path is the MCP gateway's (the endpoints and their protected-resource metadata). */
export const isMcpPath = (path: string) =>
  path === '/mcp' || path.startsWith('/mcp/') || path === metadataPath || path.startsWith(`${metadataPath}/`);

export class McpGateway {
  readonly #options: McpGatewayOptions;
  readonly #sessions = new Map<string, Session>();
  readonly #upstreams: Map<string, Upstream>;
  readonly #pins: PinStore;
  readonly #deps: CallDeps;
  #draining = false;
  readonly #sweeper: NodeJS.Timeout;

  private constructor(options: McpGatewayOptions, upstreams: Map<string, Upstream>, pins: PinStore) {
    this.#options = options;
    this.#upstreams = upstreams;
    this.#pins = pins;
    const catalog = new Catalog(upstreams, pins, options.log);
    this.#deps = {
      catalog,
      hooks: [toolRateLimits(options.governor), ...(options.hooks ?? [])],
      lifecycle: options.lifecycle,
      bodies: options.bodies,
      shutdown: options.shutdown,
    };
    for (const upstream of upstreams.values()) {
      upstream.onChange = (what) => this.#notify(upstream.name, what);
    }
    // Clients that leave without ending their session (DELETE) would otherwise be kept forever.
    this.#sweeper = setInterval(() => this.#closeIdle(idleSessionMs), 60_000);
    this.#sweeper.unref();
    pins.onChange = () => {
      for (const name of upstreams.keys()) this.#notify(name, 'tools');
    };
  }

  /** Builds the gateway: `secret:NAME` values in headers and env are read from the secret store. */
  static async create(options: McpGatewayOptions): Promise<McpGateway> {
    const refs = secretReferences(options.servers);
    const values = await options.secrets.reveal(refs);
    for (const name of refs)
      if (!values.has(name))
        options.log(
          `The MCP configuration uses the secret "${name}", which is not stored; add it with gatehouse secrets.`,
        );
    const upstreams = new Map<string, Upstream>();
    for (const [name, config] of Object.entries(options.servers))
      upstreams.set(name, new Upstream(name, withSecrets(config, values), options.log));
    const pins = new PinStore(options.db);
    await pins.load();
    pins.startPolling(options.pinReloadMs ?? 5_000);
    return new McpGateway(options, upstreams, pins);
  }

  get pins(): PinStore {
    return this.#pins;
  }

  /** The hooks every tool call runs through, in order; more may be added before serving. */
  addHook(hook: ToolCallHook): void {
    (this.#deps.hooks as ToolCallHook[]).push(hook);
  }

  /** Tells every session that can see `server` that its list changed. */
  #notify(server: string, what: 'tools' | 'prompts' | 'resources'): void {
    for (const session of this.#sessions.values()) {
      if (session.scope !== undefined && session.scope !== server) continue;
      const send =
        what === 'tools'
          ? session.server.sendToolListChanged()
          : what === 'prompts'
            ? session.server.sendPromptListChanged()
            : session.server.sendResourceListChanged();
      void send.catch(() => {});
    }
  }

  /**
   * The configured servers as this replica knows them: where they are (a URL without its
   * credentials or query, or a stdio command without its arguments, which may carry secrets), the
   * connection's state and how many tools their last listing had.
   */
  servers(): McpServerState[] {
    return [...this.#upstreams.values()].map((u) => {
      const config = u.config;
      const state = u.state;
      let url: string | null = null;
      if (config.transport !== 'stdio') {
        const parsed = new URL(config.url);
        url = `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
        // A connection error may quote the configured URL, query and all.
        if (state.error) state.error = state.error.replaceAll(config.url, url);
      }
      return {
        name: u.name,
        transport: config.transport,
        url,
        command: config.transport === 'stdio' ? config.command : null,
        ...state,
        listed_tools: u.cached?.tools.length ?? null,
      };
    });
  }

  /** Tells sessions that tools changed after an approval on this replica. */
  toolsChanged(server: string): void {
    this.#notify(server, 'tools');
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.#options.loopbackOnly && !fromLoopback(req))
      return rpcError(res, 403, -32000, 'Forbidden: the Host or Origin header does not name this machine.');
    const url = new URL(req.url ?? '/', 'http://gatehouse');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const base = `${forwardedProto(req)}://${req.headers.host ?? 'localhost'}`;
    if (path === metadataPath || path.startsWith(`${metadataPath}/`)) {
      const resource = path === metadataPath ? '/mcp' : path.slice(metadataPath.length);
      if (!isMcpEndpoint(resource, this.#upstreams))
        return rpcError(res, 404, -32601, `No MCP endpoint at ${resource}.`);
      return json(res, 200, {
        resource: `${base}${resource}`,
        authorization_servers: [],
        bearer_methods_supported: ['header'],
        resource_name: 'Gatehouse MCP gateway',
        resource_documentation: 'https://github.com/gatehouse/gatehouse/blob/main/docs/mcp.md',
      });
    }
    const scope = path === '/mcp' ? undefined : decoded(path.slice('/mcp/'.length));
    if (scope !== undefined && !this.#upstreams.has(scope))
      return rpcError(res, 404, -32601, `No MCP server "${scope.slice(0, 100)}" is configured.`);

    let principal: Principal;
    try {
      principal = await this.#options.auth.authenticate(req.headers);
    } catch (err) {
      const error = err instanceof GatehouseError ? err : undefined;
      if (error?.code === 'GH_UNAUTHENTICATED') {
        res.setHeader(
          'www-authenticate',
          `Bearer ${req.headers.authorization || req.headers['x-api-key'] ? 'error="invalid_token", ' : ''}resource_metadata="${base}${metadataPath}${path}"`,
        );
        return rpcError(res, 401, -32001, error.message);
      }
      return rpcError(res, error?.status ?? 503, -32002, error?.message ?? 'The key could not be checked.');
    }

    if (this.#draining) return shuttingDown(res);

    const incoming = req.headers['x-request-id'];
    const requestId =
      typeof incoming === 'string' && requestIdPattern.test(incoming) ? incoming : randomUUID();
    res.setHeader('x-request-id', requestId);
    const run = req.headers['x-gatehouse-run-id'];
    const auth: RequestAuth = {
      principal,
      requestId,
      runId: typeof run === 'string' && run !== '' ? run.slice(0, 200) : undefined,
      headers: req.headers,
    };

    let body: unknown;
    if (req.method === 'POST') {
      try {
        body = await readBody(req, this.#options.maxBodyBytes);
      } catch (err) {
        const tooLarge = (err as Error).message === 'too large';
        return rpcError(
          res,
          tooLarge ? 413 : 400,
          -32700,
          tooLarge ? 'The request body is too large.' : 'Parse error: the body is not JSON.',
        );
      }
    }

    const sessionId = req.headers['mcp-session-id'];
    let session: Session | undefined;
    if (typeof sessionId === 'string') {
      session = this.#sessions.get(sessionId);
      // Another key's session, or another endpoint's, does not exist for this caller.
      if (!session || session.owner !== ownerOf(principal) || session.scope !== scope)
        return rpcError(res, 404, -32001, 'Session not found.');
    } else if (req.method === 'POST' && isInitializeRequest(body)) {
      session = await this.#open(principal, scope);
    } else {
      return rpcError(res, 400, -32000, 'Bad Request: no valid session id (send initialize first).');
    }
    // Shutdown may have begun while the body was read: the session may be closed already.
    if (this.#draining && session.active === 0) return shuttingDown(res);
    session.lastSeen = Date.now();
    const withAuth = req as IncomingMessage & { auth?: unknown };
    withAuth.auth = {
      token: 'virtual-key',
      clientId: ownerOf(principal),
      scopes: [],
      extra: { gatehouse: auth },
    };
    if (req.method !== 'POST') return session.transport.handleRequest(withAuth as never, res, body);
    session.active++;
    try {
      await session.transport.handleRequest(withAuth as never, res, body);
    } finally {
      session.active--;
      if (session.closing && session.active === 0) void session.transport.close().catch(() => {});
    }
  }

  async #open(principal: Principal, scope: string | undefined): Promise<Session> {
    let session: Session | undefined;
    const server = createSessionServer(this.#deps, scope);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        if (session) {
          session.id = id;
          this.#sessions.set(id, session);
        }
      },
      onsessionclosed: (id) => {
        this.#sessions.delete(id);
      },
    });
    session = {
      id: '',
      owner: ownerOf(principal),
      scope,
      server,
      transport,
      active: 0,
      closing: false,
      lastSeen: Date.now(),
    };
    transport.onclose = () => {
      if (session) this.#sessions.delete(session.id);
    };
    await server.connect(transport);
    return session;
  }

  #closeIdle(idleMs: number): void {
    const before = Date.now() - idleMs;
    for (const session of this.#sessions.values())
      if (session.active === 0 && session.lastSeen < before) void session.transport.close().catch(() => {});
  }

  /**
   * Shutdown's first step: no new requests; idle sessions are closed now (ending their streams),
   * busy ones as their last call ends, so that the server's drain is not held by idle streams.
   */
  drain(): void {
    this.#draining = true;
    for (const session of this.#sessions.values()) {
      session.closing = true;
      if (session.active === 0) void session.transport.close().catch(() => {});
    }
  }

  async close(): Promise<void> {
    this.#draining = true;
    clearInterval(this.#sweeper);
    this.#pins.stop();
    await Promise.all([...this.#sessions.values()].map((s) => s.transport.close().catch(() => {})));
    this.#sessions.clear();
    await Promise.all([...this.#upstreams.values()].map((u) => u.close()));
  }
}

function isMcpEndpoint(path: string, upstreams: ReadonlyMap<string, Upstream>): boolean {
  return path === '/mcp' || (path.startsWith('/mcp/') && upstreams.has(decoded(path.slice(5))));
}

const loopbackHost = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/i;

function fromLoopback(req: IncomingMessage): boolean {
  const host = req.headers.host;
  if (host !== undefined && !loopbackHost.test(host)) return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return loopbackHost.test(new URL(origin).host);
  } catch {
    return false;
  }
}

/** A path segment decoded; a malformed escape stays as it was (and names no server). */
function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function forwardedProto(req: IncomingMessage): string {
  const proto = req.headers['x-forwarded-proto'];
  return typeof proto === 'string' && (proto === 'https' || proto === 'http') ? proto : 'http';
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function shuttingDown(res: ServerResponse): void {
  res.setHeader('connection', 'close');
  res.setHeader('retry-after', '1');
  rpcError(res, 503, -32002, 'The gateway is shutting down; retry on another instance.');
}

function rpcError(res: ServerResponse, status: number, code: number, message: string): void {
  json(res, status, { jsonrpc: '2.0', error: { code, message }, id: null });
}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new Error('too large');
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}
