// /admin/mcp/servers: the configured MCP servers, their connection and their tools' pins.
// /admin/mcp/tools: the pinned definitions of the MCP servers' tools, the changed ones withheld
// until approved (with what changed), and their approval.
import { z } from 'zod';
import { iso } from '../../governance/index.ts';
import { diff, PinStore } from '../../mcp/index.ts';
import type { McpToolPinsTable } from '../../store/schema.ts';
import type { AdminDeps } from '../deps.ts';
import { defineRoute } from '../route.ts';

const time = z.iso.datetime({ offset: true });
const change = z.object({
  path: z.string().describe('Where the definition differs, e.g. description or inputSchema.properties.q'),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
});
const toolPinSchema = z.object({
  server: z.string(),
  tool: z.string(),
  status: z.enum(['pinned', 'pending']).describe('pending: a changed definition is withheld until approved'),
  hash: z.string().describe('sha256 of the pinned name, description and schemas'),
  definition: z.record(z.string(), z.unknown()),
  first_seen_at: time,
  approved_at: time.nullable(),
  approved_by: z.string().nullable(),
  pending: z
    .object({
      hash: z.string(),
      definition: z.record(z.string(), z.unknown()),
      changed_at: time,
      changes: z.array(change),
    })
    .nullable(),
});

function pinView(row: McpToolPinsTable): z.input<typeof toolPinSchema> {
  const definition = JSON.parse(row.definition) as Record<string, unknown>;
  const pending = row.pending_definition
    ? (JSON.parse(row.pending_definition) as Record<string, unknown>)
    : undefined;
  return {
    server: row.server,
    tool: row.tool,
    status: pending ? 'pending' : 'pinned',
    hash: row.hash,
    definition,
    first_seen_at: iso(row.first_seen_at),
    approved_at: iso(row.approved_at),
    approved_by: row.approved_by,
    pending: pending
      ? {
          hash: row.pending_hash!,
          definition: pending,
          changed_at: iso(row.changed_at ?? row.first_seen_at),
          changes: diff(definition, pending),
        }
      : null,
  };
}

const pins = (deps: AdminDeps) => deps.mcp?.pins ?? new PinStore(deps.db);

const serverSchema = z.object({
  name: z.string(),
  transport: z.enum(['http', 'sse', 'stdio']),
  url: z.string().nullable().describe('http and sse: the address, without credentials or query'),
  command: z.string().nullable().describe('stdio: the command, without its arguments'),
  status: z
    .enum(['connected', 'unreachable', 'not_connected'])
    .describe(
      "This replica's connection: not_connected until a client first uses the server; unreachable after a failed attempt",
    ),
  error: z.string().nullable().describe('Why the last connection attempt failed'),
  listed_tools: z.number().int().nullable().describe('Tools in the last listing; null before one'),
  tools: z.number().int().describe('Tools with a pinned definition'),
  pending: z.number().int().describe('Tools whose changed definition waits for approval'),
  calls_24h: z.number().int().describe('Tool calls in the last 24 hours (the default store)'),
  errors_24h: z.number().int().describe('Of which answered with an error status'),
  last_call_at: time.nullable(),
});
const dayMs = 86_400_000;

/** Calls per server in the last day: the time index, then the tool rows only. */
async function recentCalls(deps: AdminDeps) {
  const rows = await deps.events
    .database(null)
    .db.selectFrom('request_events')
    .where('received_at', '>=', Date.now() - dayMs)
    .where('kind', '=', 'tool')
    .select((eb) => [
      'mcp_server',
      eb.fn.countAll<number>().as('calls'),
      eb.fn.sum<number>(eb.case().when('status', '>=', 400).then(1).else(0).end()).as('errors'),
      eb.fn.max('received_at').as('last'),
    ])
    .groupBy('mcp_server')
    .execute();
  return new Map(rows.map((r) => [r.mcp_server, r]));
}

export const mcpRoutes = [
  defineRoute({
    method: 'GET',
    path: '/admin/mcp/servers',
    summary:
      "The configured MCP servers: where they are, this replica's connection, their tools and pending changes",
    response: z.object({ data: z.array(serverSchema), next_cursor: z.null() }),
    handle: async ({ deps }) => {
      const servers = deps.mcp?.servers() ?? [];
      if (servers.length === 0) return { data: [], next_cursor: null };
      const [rows, calls] = await Promise.all([pins(deps).list({}), recentCalls(deps)]);
      return {
        data: servers.map((s) => {
          const mine = rows.filter((r) => r.server === s.name);
          const recent = calls.get(s.name);
          return {
            ...s,
            tools: mine.length,
            pending: mine.filter((r) => r.pending_hash !== null).length,
            calls_24h: Number(recent?.calls ?? 0),
            errors_24h: Number(recent?.errors ?? 0),
            last_call_at:
              recent?.last === undefined || recent.last === null ? null : iso(Number(recent.last)),
          };
        }),
        next_cursor: null,
      };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/admin/mcp/tools',
    summary: 'Pinned tool definitions of the MCP servers; changed ones are pending, with their diff',
    query: z.strictObject({
      server: z.string().max(200).optional().describe('Only this server’s tools'),
      pending: z
        .enum(['true', 'false'])
        .optional()
        .describe('true: only tools withheld for a changed definition'),
    }),
    response: z.object({ data: z.array(toolPinSchema), next_cursor: z.null() }),
    handle: async ({ deps, query }) => {
      const rows = await pins(deps).list({ server: query.server, pending: query.pending === 'true' });
      return { data: rows.map(pinView), next_cursor: null };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/admin/mcp/tools/{server}/{tool}/approve',
    summary: 'Approve the changed definition of a tool: it is pinned and served again (audited)',
    body: z.strictObject({
      hash: z
        .string()
        .max(100)
        .optional()
        .describe('The pending hash reviewed; refused (409) if the definition changed again since'),
    }),
    bodyOptional: true,
    response: toolPinSchema,
    handle: async ({ deps, actor, params, body }) => {
      const row = await pins(deps).approve(params.server, params.tool, actor, body.hash);
      deps.mcp?.toolsChanged(params.server);
      return pinView(row);
    },
  }),
];
