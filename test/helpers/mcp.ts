// The MCP SDK's client as the tests' agent: connected to a gateway's /mcp with a virtual key, the
// text of a tool's answer, and the MCP error a refused call raises.
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';

export async function connectMcp(
  url: string,
  key: string,
  headers: Record<string, string> = {},
): Promise<Client> {
  const client = new Client({ name: 'test-agent', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { authorization: `Bearer ${key}`, ...headers } },
    }),
  );
  return client;
}

/** The text items of a tool's answer, joined. */
export const toolText = (result: object): string =>
  (((result as { content?: unknown }).content as Array<{ type?: string; text?: string }>) ?? [])
    .map((c) => c.text ?? '')
    .join('');

/** The MCP error a refused call raises; fails the test when the call was not refused. */
export async function mcpRefusal(promise: Promise<unknown>): Promise<McpError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof McpError, `expected an MCP error, got ${String(err)}`);
    return err;
  }
  assert.fail('the call was not refused');
}
