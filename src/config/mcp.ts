// `mcp_servers:` in gatehouse.yaml: the MCP servers the gateway fronts at /mcp, keyed by name. A
// remote server is reached over Streamable HTTP (or the legacy HTTP+SSE transport); a local one
// is a child process spoken to over stdio.
import { z } from 'zod';
import { httpUrl } from '../providers/config.ts';

/**
 * A server's name prefixes its tools at /mcp (`github__search`), so it may not itself hold the
 * separator `__`, and it is a path segment at /mcp/<name>.
 */
export const mcpServerName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9.-]*(_[A-Za-z0-9.-]+)*$/, 'use letters, digits, . - and single _ only');

const ms = z.number().int().positive().max(3_600_000);

const mcpTimeouts = z
  .strictObject({
    connect_ms: ms.optional().describe('Connecting and the initialize handshake (default 10000).'),
    call_ms: ms
      .optional()
      .describe('One request to the server: a tool call, a listing, a read (default 60000).'),
  })
  .describe('Bounds on waiting for the server; past them the client gets an MCP error, not a hang.');

const approval = z
  .strictObject({
    required: z
      .array(z.string().min(1))
      .describe("Tool names (as this server calls them) or globs whose calls need a person's approval."),
    timeout_s: z
      .number()
      .int()
      .min(1)
      .max(86_400)
      .default(300)
      .describe('How long a call waits for the decision before it is refused.'),
  })
  .describe('Tools that wait for approval before they run (docs/agents.md).');

const common = {
  timeouts: mcpTimeouts.optional(),
  approval: approval.optional(),
};

const headers = z
  .record(z.string(), z.string())
  .describe(
    'Headers sent with every request: ${ENV} or secret:NAME values keep credentials out of the file.',
  );

export const mcpServerSchema = z.discriminatedUnion('transport', [
  z.strictObject({
    transport: z.literal('http').describe('Streamable HTTP (the current MCP transport).'),
    url: httpUrl,
    headers: headers.optional(),
    ...common,
  }),
  z.strictObject({
    transport: z.literal('sse').describe('The legacy HTTP+SSE transport (MCP 2024-11-05).'),
    url: httpUrl,
    headers: headers.optional(),
    ...common,
  }),
  z.strictObject({
    transport: z.literal('stdio').describe('A local server run as a child process.'),
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    env: z
      .record(z.string(), z.string())
      .optional()
      .describe('Environment of the child (added to a minimal safe environment, not the whole of ours).'),
    cwd: z.string().optional(),
    ...common,
  }),
]);

export const mcpServersSchema = z
  .record(mcpServerName, mcpServerSchema)
  .default({})
  .describe('MCP servers served at /mcp (tools as <server>__<tool>) and /mcp/<server> (docs/mcp.md).');

export type McpServerConfig = z.output<typeof mcpServerSchema>;
