// A test MCP server over Streamable HTTP (stateful sessions, as the SDK's examples run it), in the
// test's process so the test can change a tool's definition under the gateway's feet.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { buildServer, type ToolLog } from './tools.ts';

export interface TestMcpServer {
  url: string;
  log: ToolLog;
  /** Changes the search tool's description in every session (servers send tools/list_changed). */
  setSearchDescription(text: string): void;
  close(): Promise<void>;
}

export async function startHttpMcpServer(name: string): Promise<TestMcpServer> {
  const log: ToolLog = { calls: [], cancelled: 0 };
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const searches: RegisteredTool[] = [];
  let description = 'Search the code.';
  const http = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    let body: unknown;
    if (req.method === 'POST') {
      let text = '';
      for await (const chunk of req) text += chunk;
      body = JSON.parse(text);
    }
    const id = req.headers['mcp-session-id'];
    let transport = typeof id === 'string' ? transports.get(id) : undefined;
    if (!transport && isInitializeRequest(body)) {
      const built = buildServer(name, log, description);
      searches.push(built.search);
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (sid) => {
          transports.set(sid, created);
        },
      });
      transport = created;
      await built.server.connect(created);
    }
    if (!transport) {
      res.writeHead(400).end('no session');
      return;
    }
    await transport.handleRequest(req, res, body);
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    log,
    setSearchDescription(text) {
      description = text;
      for (const s of searches) s.update({ description: text });
    },
    async close() {
      for (const t of transports.values()) await t.close().catch(() => {});
      http.closeAllConnections();
      http.close();
    },
  };
}

/** The same tools over the legacy HTTP+SSE transport: GET /sse opens the stream, POST /messages sends. */
export async function startSseMcpServer(name: string): Promise<TestMcpServer> {
  const { SSEServerTransport } = await import('@modelcontextprotocol/sdk/server/sse.js');
  const log: ToolLog = { calls: [], cancelled: 0 };
  const transports = new Map<string, InstanceType<typeof SSEServerTransport>>();
  const searches: RegisteredTool[] = [];
  const http = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && url.pathname === '/sse') {
      const transport = new SSEServerTransport('/messages', res);
      transports.set(transport.sessionId, transport);
      const built = buildServer(name, log);
      searches.push(built.search);
      await built.server.connect(transport);
      return;
    }
    const transport = transports.get(url.searchParams.get('sessionId') ?? '');
    if (req.method === 'POST' && transport) return transport.handlePostMessage(req, res);
    res.writeHead(404).end();
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/sse`,
    log,
    setSearchDescription(text) {
      for (const s of searches) s.update({ description: text });
    },
    async close() {
      for (const t of transports.values()) await t.close().catch(() => {});
      http.closeAllConnections();
      http.close();
    },
  };
}
