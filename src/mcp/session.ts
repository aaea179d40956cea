// One client session of the gateway's MCP endpoint: an MCP server (the SDK's) whose handlers answer
// from the configured servers, for the caller who opened it and the endpoint it opened it on.
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from '../governance/index.ts';
import { type CallDeps, callTool, rpcCodes } from './calls.ts';
import { splitName } from './policy.ts';
import type { Upstream } from './upstream.ts';

/** What the HTTP layer hands each request's handlers (as the SDK's authInfo.extra). */
export interface RequestAuth {
  principal: Principal;
  requestId: string;
  runId?: string | undefined;
  headers: IncomingHttpHeaders;
}

export interface Session {
  id: string;
  /** Who opened it: later requests of the session must come with the same key. */
  owner: string;
  scope: string | undefined;
  server: Server;
  transport: StreamableHTTPServerTransport;
  /**
   * POSTs being answered (a tool call's among them), so that shutdown closes an idle session at
   * once and a busy one once its answers are written.
   */
  active: number;
  closing: boolean;
  /** When a request of the session last arrived (epoch ms): idle sessions are closed. */
  lastSeen: number;
}

export const ownerOf = (principal: Principal) => principal.keyId ?? principal.kind;

const version = '0.1.0';

function authOf(extra: { authInfo?: { extra?: Record<string, unknown> } }): RequestAuth {
  const auth = extra.authInfo?.extra?.gatehouse as RequestAuth | undefined;
  if (!auth) throw new McpError(ErrorCode.InternalError, 'The request was not authenticated.');
  return auth;
}

/** An upstream failure while listing or reading, as the MCP error the caller receives. */
function listingFailure(err: unknown): McpError {
  if (err instanceof McpError) return err;
  return new McpError(rpcCodes.unavailable, err instanceof Error ? err.message : String(err));
}

export function createSessionServer(deps: CallDeps, scope: string | undefined): Server {
  const { catalog } = deps;
  const server = new Server(
    { name: scope === undefined ? 'gatehouse' : `gatehouse/${scope}`, version },
    {
      capabilities: {
        tools: { listChanged: true },
        prompts: { listChanged: true },
        resources: { listChanged: true },
      },
    },
  );

  server.setRequestHandler(ListToolsRequestSchema, async (_request, extra) => {
    const { principal } = authOf(extra);
    try {
      return { tools: (await catalog.tools(principal, scope)).map((t) => t.tool) };
    } catch (err) {
      throw listingFailure(err);
    }
  });

  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const auth = authOf(extra);
    const token = request.params._meta?.progressToken;
    return callTool(
      deps,
      {
        principal: auth.principal,
        scope,
        sessionId: extra.sessionId,
        runId: auth.runId ?? extra.sessionId,
        requestId: auth.requestId,
        headers: auth.headers,
        signal: extra.signal,
        progress:
          token === undefined
            ? undefined
            : (progress) =>
                void extra
                  .sendNotification({
                    method: 'notifications/progress',
                    params: { ...progress, progressToken: token },
                  })
                  .catch(() => {}),
      },
      request.params.name,
      request.params.arguments ?? {},
    );
  });

  server.setRequestHandler(ListPromptsRequestSchema, async (_request, extra) => {
    try {
      return { prompts: await catalog.prompts(authOf(extra).principal, scope) };
    } catch (err) {
      throw listingFailure(err);
    }
  });

  server.setRequestHandler(GetPromptRequestSchema, async (request, extra) => {
    const { principal } = authOf(extra);
    const { upstream, name } = await resolve(deps, scope, request.params.name, 'prompt');
    const visible = await catalog.prompts(principal, upstream.name);
    if (!visible.some((p) => p.name === name))
      throw new McpError(ErrorCode.InvalidParams, `Unknown prompt: ${request.params.name}`);
    try {
      const client = await upstream.client();
      return await client.getPrompt({ ...request.params, name }, upstream.options({ signal: extra.signal }));
    } catch (err) {
      throw listingFailure(upstream.failure(err));
    }
  });

  server.setRequestHandler(ListResourcesRequestSchema, async (_request, extra) => {
    try {
      return { resources: (await catalog.resources(authOf(extra).principal, scope)).resources };
    } catch (err) {
      throw listingFailure(err);
    }
  });

  server.setRequestHandler(ListResourceTemplatesRequestSchema, async (_request, extra) => {
    try {
      return { resourceTemplates: (await catalog.resources(authOf(extra).principal, scope)).templates };
    } catch (err) {
      throw listingFailure(err);
    }
  });

  server.setRequestHandler(ReadResourceRequestSchema, async (request, extra) => {
    const { principal } = authOf(extra);
    let upstream: Upstream | undefined;
    try {
      upstream = await catalog.resourceServer(principal, scope, request.params.uri);
    } catch (err) {
      throw listingFailure(err);
    }
    if (!upstream) throw new McpError(ErrorCode.InvalidParams, `Unknown resource: ${request.params.uri}`);
    try {
      const client = await upstream.client();
      return await client.readResource(request.params, upstream.options({ signal: extra.signal }));
    } catch (err) {
      throw listingFailure(upstream.failure(err));
    }
  });

  return server;
}

async function resolve(
  deps: CallDeps,
  scope: string | undefined,
  name: string,
  what: string,
): Promise<{ upstream: Upstream; name: string }> {
  const split = scope !== undefined ? ([scope, name] as const) : splitName(name);
  const upstream = split ? deps.catalog.upstreams.get(split[0]) : undefined;
  if (!split || !upstream) throw new McpError(ErrorCode.InvalidParams, `Unknown ${what}: ${name}`);
  return { upstream, name: split[1] };
}
