// GET /admin/logs: the request log, newest first, filtered, in pages (an opaque cursor continues).
import { type Kysely, PostgresAdapter, sql } from 'kysely';
import { z } from 'zod';
import { validateBody } from '../api/validate.ts';
import { GatehouseError } from '../core/errors/index.ts';
import { iso, usd, wholeMs } from '../governance/index.ts';
import type { RequestEventsTable, Schema } from '../store/schema.ts';
import { paging, paramsObject } from './contract.ts';
import { parseTime } from './usage.ts';

const invalid = (param: string, message: string) =>
  new GatehouseError('GH_INVALID_REQUEST', `${param}: ${message}`, { param });

const time = (value: string | undefined, param: string) =>
  value === undefined ? undefined : parseTime(value, param);

function decodeCursor(cursor: string): { at: number; id: string } {
  const [at, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split(':');
  if (!at || !/^\d+$/.test(at) || rest.length === 0)
    throw invalid('cursor', 'not a cursor this API returned');
  return { at: Number(at), id: rest.join(':') };
}

const escapeLike = (text: string) => text.replace(/[%_\\]/g, '\\$&');
/** LIKE with the same escape character on SQLite and PostgreSQL. */
const like = (column: 'tags' | 'request_id' | 'guardrails', pattern: string) =>
  sql<boolean>`${sql.ref(column)} like ${pattern} escape '\\'`;

const text = (description: string) => z.string().optional().describe(description);
const list = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]));

/** The filters of GET /admin/logs. `key`, `team` and `user` are ids here (the route resolves names). */
export const logQuery = z.strictObject({
  since: text('ISO 8601, epoch ms, or a span back from now (90m, 24h, 7d)'),
  until: text('ISO 8601, epoch ms, or a span back from now'),
  key: text('Key id or name'),
  team: text('Team id or name'),
  user: text('User id or name'),
  model: text('The model the caller asked for'),
  provider: text('The provider that served'),
  status: text('HTTP status, e.g. 429; or error (400 and above), or success (below 400)'),
  tag: list.describe('key=value; repeat for several (all must match)'),
  guardrail: text('Events a guardrail left a verdict on (its name)'),
  guardrail_action: text('Events with a guardrail verdict of this action: blocked, redacted, warned, error'),
  min_cost: text('Events costing at least this many USD'),
  request_id: text('An x-request-id; abc* for a prefix'),
  trace_id: text('W3C trace id'),
  region: text("Read a data-residency region's store"),
  kind: z.enum(['model', 'tool']).optional().describe('model: model traffic; tool: tool calls through /mcp'),
  server: text('The MCP server of tool calls'),
  tool: text("A tool's name at its server (e.g. search)"),
  experiment: text('Requests an experiment routed (its name)'),
  variant: text("An experiment's variant ('shadow' for its shadow calls)"),
  ...paging,
});
export type LogQuery = z.output<typeof logQuery>;

const body = z.unknown().describe('The redacted body (only when body logging is full); null otherwise');
export const logEventSchema = z.object({
  id: z.string(),
  request_id: z.string(),
  received_at: z.iso.datetime({ offset: true }),
  duration_ms: z.number().int().nullable(),
  first_byte_ms: z.number().int().nullable(),
  surface: z.string(),
  route: z.string(),
  model: z.string().nullable(),
  provider: z.string().nullable(),
  provider_model: z.string().nullable(),
  stream: z.boolean(),
  status: z.number().int(),
  error_code: z.string().nullable(),
  finish_reason: z.string().nullable(),
  key_id: z.string().nullable(),
  team_id: z.string().nullable(),
  user_id: z.string().nullable(),
  input_tokens: z.number().int().nullable(),
  output_tokens: z.number().int().nullable(),
  cache_read_tokens: z.number().int().nullable(),
  cache_write_tokens: z.number().int().nullable(),
  reasoning_tokens: z.number().int().nullable(),
  cost_usd: z.number().nullable().describe('USD rounded to 9 places; null when the model has no price'),
  client_aborted: z.boolean(),
  cache: z
    .enum(['hit', 'semantic-hit', 'miss', 'bypass'])
    .nullable()
    .describe('The response cache: a hit cost nothing upstream; null when the cache is off'),
  cache_similarity: z.number().nullable().describe("A semantic hit's similarity (0..1)"),
  saved_usd: z.number().nullable().describe('What a cache hit would have cost upstream, USD'),
  attempts: z.array(
    z.object({
      provider: z.string(),
      model: z.string(),
      status: z.number().int(),
      error_code: z.string().nullable(),
      latency_ms: z.number().int(),
    }),
  ),
  tags: z.record(z.string(), z.string()),
  trace_id: z.string().nullable(),
  region: z.string().nullable(),
  config_version: z.string().nullable().describe('Hash of the configuration version that served it'),
  request_body: body,
  response_body: body,
  guardrails: z
    .array(
      z.object({
        guardrail: z.string(),
        phase: z.enum(['input', 'output', 'tool_args', 'tool_results']),
        action: z.enum(['passed', 'blocked', 'redacted', 'warned', 'error']),
        mode: z.enum(['enforce', 'shadow']),
        entities: z.array(z.string()).describe('Entity types found; never the matched text'),
        score: z.number().optional(),
        latency_ms: z.number(),
      }),
    )
    .describe('What each guardrail decided (docs/guardrails.md)'),
  experiment: z.string().nullable().describe('The experiment that routed the request'),
  variant: z.string().nullable().describe("Its variant; 'shadow' on a shadow call's event"),
  shadow_of: z.string().nullable().describe("A shadow call's primary event id"),
  shadow_differed: z
    .boolean()
    .nullable()
    .describe("Whether a shadow call's answer differed from the primary's"),
  kind: z.enum(['model', 'tool']),
  mcp_server: z.string().nullable(),
  tool: z.string().nullable(),
  argument_bytes: z.number().int().nullable().describe('Tool calls: bytes of the arguments as JSON'),
  result_bytes: z.number().int().nullable().describe('Tool calls: bytes of the result as JSON'),
  run_id: z
    .string()
    .nullable()
    .describe('The agent run (x-gatehouse-run-id, or the MCP session) under the key'),
});

interface StoredVerdict {
  guardrail: string;
  phase: 'input' | 'output' | 'tool_args' | 'tool_results';
  action: 'passed' | 'blocked' | 'redacted' | 'warned' | 'error';
  mode: 'enforce' | 'shadow';
  entities: string[];
  score?: number;
  latencyMs: number;
}

interface StoredAttempt {
  provider: string;
  model: string;
  status: number;
  errorCode?: string;
  latencyMs: number;
}

const parseBody = (stored: string | null): unknown => {
  if (stored === null) return null;
  try {
    return JSON.parse(stored);
  } catch {
    return stored;
  }
};
const orNull = <T>(value: T | null, map: (v: T) => number) => (value === null ? null : map(value));

/** A stored event as the admin API shows it: ISO time, whole milliseconds, JSON as JSON. */
export function logView(row: RequestEventsTable): z.infer<typeof logEventSchema> {
  return {
    id: row.id,
    request_id: row.request_id,
    received_at: iso(row.received_at),
    duration_ms: orNull(row.duration_ms, wholeMs),
    first_byte_ms: orNull(row.first_byte_ms, wholeMs),
    surface: row.surface,
    route: row.route,
    model: row.model,
    provider: row.provider,
    provider_model: row.provider_model,
    stream: Number(row.stream) === 1,
    status: row.status,
    error_code: row.error_code,
    finish_reason: row.finish_reason,
    key_id: row.key_id,
    team_id: row.team_id,
    user_id: row.user_id,
    input_tokens: row.input_tokens,
    output_tokens: row.output_tokens,
    cache_read_tokens: row.cache_read_tokens,
    cache_write_tokens: row.cache_write_tokens,
    reasoning_tokens: row.reasoning_tokens,
    cost_usd: orNull(row.cost_usd, usd),
    client_aborted: Number(row.client_aborted) === 1,
    cache: (row.cache ?? null) as 'hit' | 'semantic-hit' | 'miss' | 'bypass' | null,
    cache_similarity: row.cache_similarity ?? null,
    saved_usd: orNull(row.saved_usd ?? null, usd),
    attempts: (JSON.parse(row.attempts) as StoredAttempt[]).map((a) => ({
      provider: a.provider,
      model: a.model,
      status: a.status,
      error_code: a.errorCode ?? null,
      latency_ms: wholeMs(a.latencyMs),
    })),
    tags: JSON.parse(row.tags),
    trace_id: row.trace_id,
    region: row.region,
    config_version: row.config_version ?? null,
    request_body: parseBody(row.request_body),
    response_body: parseBody(row.response_body),
    guardrails: row.guardrails
      ? (JSON.parse(row.guardrails) as StoredVerdict[]).map(({ latencyMs, ...v }) => ({
          ...v,
          latency_ms: latencyMs,
        }))
      : [],
    experiment: row.experiment ?? null,
    variant: row.variant ?? null,
    shadow_of: row.shadow_of ?? null,
    shadow_differed:
      row.shadow_differed === null || row.shadow_differed === undefined
        ? null
        : Number(row.shadow_differed) === 1,
    kind: row.kind === 'tool' ? 'tool' : 'model',
    mcp_server: row.mcp_server ?? null,
    tool: row.tool ?? null,
    argument_bytes: row.argument_bytes ?? null,
    result_bytes: row.result_bytes ?? null,
    run_id: row.run_id ?? null,
  };
}

export async function queryLogs(db: Kysely<Schema>, input: LogQuery | URLSearchParams) {
  const query = input instanceof URLSearchParams ? validateBody(logQuery, paramsObject(input)) : input;
  const limit = query.limit;
  let q = db.selectFrom('request_events').selectAll();
  const since = time(query.since, 'since');
  const until = time(query.until, 'until');
  if (since !== undefined) q = q.where('received_at', '>=', since);
  if (until !== undefined) q = q.where('received_at', '<', until);
  for (const [param, column] of [
    ['key', 'key_id'],
    ['team', 'team_id'],
    ['user', 'user_id'],
    ['model', 'model'],
    ['provider', 'provider'],
    ['trace_id', 'trace_id'],
    ['kind', 'kind'],
    ['server', 'mcp_server'],
    ['tool', 'tool'],
    ['experiment', 'experiment'],
    ['variant', 'variant'],
  ] as const) {
    const value = query[param];
    if (value !== undefined) q = q.where(column, '=', value);
  }
  const requestId = query.request_id;
  if (requestId !== undefined) {
    // `abc*` finds ids starting with abc (an indexed range, not a scan).
    if (requestId.endsWith('*') && requestId.length > 1) {
      const prefix = requestId.slice(0, -1);
      // Each store's index-served prefix match: LIKE on text_pattern_ops, GLOB (case-sensitive).
      q =
        db.getExecutor().adapter instanceof PostgresAdapter
          ? q.where(like('request_id', `${escapeLike(prefix)}%`))
          : q.where(sql<boolean>`request_id glob ${`${prefix.replace(/[*?[\]]/g, '[$&]')}*`}`);
    } else q = q.where('request_id', '=', requestId);
  }
  const status = query.status;
  if (status !== undefined) {
    // `error` and `success` are what the overview's errors and latency charts drill down to.
    if (status === 'error') q = q.where('status', '>=', 400);
    else if (status === 'success') q = q.where('status', '<', 400);
    else if (!/^\d{3}$/.test(status))
      throw invalid('status', 'an HTTP status such as 429, or error (400 and above), or success (below 400)');
    else q = q.where('status', '=', Number(status));
  }
  const minCost = query.min_cost;
  if (minCost !== undefined) {
    if (!Number.isFinite(Number(minCost))) throw invalid('min_cost', 'a number of USD');
    q = q.where('cost_usd', '>=', Number(minCost));
  }
  for (const tag of query.tag) {
    const at = tag.indexOf('=');
    if (at <= 0) throw invalid('tag', 'expected key=value');
    // Tags are stored as a JSON object; this matches the exact pair as JSON writes it.
    const pair = JSON.stringify({ [tag.slice(0, at)]: tag.slice(at + 1) }).slice(1, -1);
    q = q.where(like('tags', `%${escapeLike(pair)}%`));
  }
  // Verdicts are stored as JSON objects; these match a field as JSON writes it.
  if (query.guardrail !== undefined)
    q = q.where(
      like('guardrails', `%${escapeLike(JSON.stringify({ guardrail: query.guardrail }).slice(1, -1))}%`),
    );
  if (query.guardrail_action !== undefined)
    q = q.where(
      like('guardrails', `%${escapeLike(JSON.stringify({ action: query.guardrail_action }).slice(1, -1))}%`),
    );
  const cursor = query.cursor;
  if (cursor !== undefined) {
    const c = decodeCursor(cursor);
    // The plain bound first, so the time index is read from the cursor on rather than from the top.
    q = q
      .where('received_at', '<=', c.at)
      .where((eb) =>
        eb.or([eb('received_at', '<', c.at), eb.and([eb('received_at', '=', c.at), eb('id', '<', c.id)])]),
      );
  }
  const rows = await q
    .orderBy('received_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    data: page.map(logView),
    next_cursor:
      rows.length > limit && last
        ? Buffer.from(`${last.received_at}:${last.id}`).toString('base64url')
        : null,
  };
}
