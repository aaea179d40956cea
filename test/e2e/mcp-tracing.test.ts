// A tool call through the MCP gateway is a span `execute_tool <tool>` with the GenAI attributes,
// continuing the caller's traceparent, exported over OTLP like the model requests' spans.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';

delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;

const stdioServer = new URL('../mcp-servers/stdio.ts', import.meta.url).pathname;

interface Attribute {
  key: string;
  value: { stringValue?: string };
}

test('a tool call is an execute_tool span in the caller’s trace', async () => {
  const spans: Array<{ traceId: string; name: string; attributes: Record<string, string | undefined> }> = [];
  const collector = createServer(async (req, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    const body = JSON.parse(text) as {
      resourceSpans?: Array<{
        scopeSpans?: Array<{ spans?: Array<{ traceId: string; name: string; attributes?: Attribute[] }> }>;
      }>;
    };
    for (const rs of body.resourceSpans ?? [])
      for (const ss of rs.scopeSpans ?? [])
        for (const s of ss.spans ?? [])
          spans.push({
            traceId: s.traceId,
            name: s.name,
            attributes: Object.fromEntries((s.attributes ?? []).map((a) => [a.key, a.value.stringValue])),
          });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  collector.listen(0, '127.0.0.1');
  await once(collector, 'listening');
  const gateway = await startTestGateway({
    telemetry: { otlp_endpoint: `http://127.0.0.1:${(collector.address() as AddressInfo).port}` },
    mcp_servers: { local: { transport: 'stdio', command: process.execPath, args: [stdioServer, 'local'] } },
  });
  try {
    const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const client = new Client({ name: 'agent', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${gateway.url}/mcp`), {
        requestInit: {
          headers: {
            authorization: `Bearer ${testMasterKey}`,
            traceparent: `00-${trace}-00f067aa0ba902b7-01`,
          },
        },
      }),
    );
    await client.callTool({ name: 'local__search', arguments: { q: 'x' } });
    await client.close();
    await gateway.stop(1_000);
    const span = spans.find((s) => s.name === 'execute_tool search');
    assert.ok(span, JSON.stringify(spans.map((s) => s.name)));
    assert.equal(span.traceId, trace);
    assert.equal(span.attributes['gen_ai.operation.name'], 'execute_tool');
    assert.equal(span.attributes['gen_ai.tool.name'], 'search');
    assert.equal(span.attributes['gatehouse.mcp.server'], 'local');
  } finally {
    await gateway.stop(0);
    collector.closeAllConnections();
    collector.close();
  }
});
