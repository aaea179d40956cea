// GET /admin/runs and /admin/runs/{id}: agent runs as the request log has them. A run is every event
// with the same run id under the same key (runs are namespaced by key: `key_abc:run-7`); its
// timeline is those events in order, model and tool calls alike, beside its live counters.
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import { GatehouseError } from '../core/errors/index.ts';
import { iso, usd, wholeMs } from '../governance/index.ts';
import type { RunState } from '../runs/index.ts';
import type { RequestEventsTable, Schema } from '../store/schema.ts';
import { decodeCursor, encodeCursor, paging } from './contract.ts';
import { parseTime } from './usage.ts';

const text = (description: string) => z.string().optional().describe(description);

export const runQuery = z.strictObject({
  since: text('Runs active since: ISO 8601, epoch ms, or a span back from now (90m, 24h, 7d)'),
  until: text('Runs active before this'),
  key: text('Key id or name'),
  team: text('Team id or name'),
  run_id: text("The caller's run id (under any key)"),
  region: text("Read a data-residency region's store"),
  ...paging,
});
export type RunQuery = z.output<typeof runQuery>;

const money = z.number().describe('USD rounded to 9 places');
export const runSummarySchema = z.object({
  id: z.string().describe('key id, a colon, then the run id: what /admin/runs/{id} takes'),
  run_id: z.string(),
  key_id: z.string().nullable().describe('null for calls made with the master key'),
  team_id: z.string().nullable(),
  team_name: z.string().nullable().optional().describe("The team's name, when the team still exists"),
  started_at: z.iso.datetime({ offset: true }),
  last_at: z.iso.datetime({ offset: true }),
  model_calls: z.number().int(),
  tool_calls: z.number().int(),
  errors: z.number().int().describe('Calls that failed, were refused, or carried an error code'),
  refused_by_bounds: z.number().int().describe('Calls refused with run_limit_exceeded'),
  cost_usd: money,
});

export const runStepSchema = z.object({
  id: z.string().describe('The event id in the request log'),
  request_id: z.string(),
  at: z.iso.datetime({ offset: true }),
  kind: z.enum(['model', 'tool']),
  model: z.string().nullable(),
  provider: z.string().nullable(),
  server: z.string().nullable().describe('MCP server (tool calls)'),
  tool: z.string().nullable(),
  status: z.number().int(),
  verdict: z
    .enum(['ok', 'refused', 'failed'])
    .describe('ok; refused by the gateway (bounds, rules, limits, guardrails, approval); or failed upstream'),
  error_code: z.string().nullable(),
  duration_ms: z.number().int().nullable(),
  input_tokens: z.number().int().nullable(),
  output_tokens: z.number().int().nullable(),
  cost_usd: money.nullable(),
});

export const runSchema = runSummarySchema.extend({
  state: z
    .object({
      started_at: z.iso.datetime({ offset: true }),
      steps: z.number().int(),
      tool_calls: z.number().int(),
      cost_usd: money,
      stopped_by: z.string().nullable().describe('The bound that stopped the run for good (max_repeats)'),
    })
    .nullable()
    .describe('The live counters the bounds are checked against; null when no bound applies or they expired'),
  timeline: z.array(runStepSchema).describe('Every call of the run in order (the first 5000)'),
});

const runCursor = z.object({ at: z.number().int(), id: z.string() });
const timelineCap = 5000;

/** `key_abc:run-7` → the key's id (null: the master key) and the run id. */
export function splitRunId(id: string): { keyId: string | null; runId: string } | undefined {
  const at = id.indexOf(':');
  if (at <= 0) return undefined;
  const key = id.slice(0, at);
  if (key !== 'master' && !key.startsWith('key_')) return undefined;
  return { keyId: key === 'master' ? null : key, runId: id.slice(at + 1) };
}

const joinId = (keyId: string | null, runId: string) => `${keyId ?? 'master'}:${runId}`;

const isTool = sql<number>`case when kind = 'tool' then 1 else 0 end`;

function summaries(db: Kysely<Schema>) {
  return db
    .selectFrom('request_events')
    .select([
      'key_id',
      sql<string>`run_id`.as('run_id'),
      sql<string | null>`max(team_id)`.as('team_id'),
      sql<number>`min(received_at)`.as('started'),
      sql<number>`max(received_at)`.as('last'),
      sql<number>`count(*)`.as('calls'),
      sql<number>`sum(${isTool})`.as('tools'),
      // A tool call whose result a guardrail withheld answers 200 with an error code: still an error.
      sql<number>`sum(case when status >= 400 or error_code is not null then 1 else 0 end)`.as('errors'),
      sql<number>`sum(case when error_code in ('GH_RUN_LIMIT_EXCEEDED', 'run_limit_exceeded') then 1 else 0 end)`.as(
        'refused',
      ),
      sql<number>`coalesce(sum(cost_usd), 0)`.as('cost'),
    ])
    .where('run_id', 'is not', null)
    .groupBy(['key_id', 'run_id']);
}

type SummaryRow = {
  key_id: string | null;
  run_id: string;
  team_id: string | null;
  started: number;
  last: number;
  calls: number;
  tools: number;
  errors: number;
  refused: number;
  cost: number;
};

function summaryView(row: SummaryRow): z.infer<typeof runSummarySchema> {
  const tools = Number(row.tools ?? 0);
  return {
    id: joinId(row.key_id, row.run_id),
    run_id: row.run_id,
    key_id: row.key_id,
    team_id: row.team_id,
    started_at: iso(Number(row.started)),
    last_at: iso(Number(row.last)),
    model_calls: Number(row.calls) - tools,
    tool_calls: tools,
    errors: Number(row.errors),
    refused_by_bounds: Number(row.refused),
    cost_usd: usd(Number(row.cost)),
  };
}

/** Runs, the most recently active first; `key` and `team` are ids here (the route resolves names). */
export async function queryRuns(db: Kysely<Schema>, query: RunQuery) {
  let q = summaries(db);
  const since = query.since === undefined ? undefined : parseTime(query.since, 'since');
  const until = query.until === undefined ? undefined : parseTime(query.until, 'until');
  if (since !== undefined) q = q.where('received_at', '>=', since);
  if (until !== undefined) q = q.where('received_at', '<', until);
  if (query.key !== undefined) q = q.where('key_id', '=', query.key);
  if (query.team !== undefined) q = q.where('team_id', '=', query.team);
  if (query.run_id !== undefined) q = q.where('run_id', '=', query.run_id);
  const after = decodeCursor(query.cursor, runCursor);
  if (after)
    q = q.having(
      sql<boolean>`max(received_at) < ${after.at} or (max(received_at) = ${after.at} and ${sql`coalesce(key_id, 'master') || ':' || run_id`} > ${after.id})`,
    );
  const rows = (await q
    .orderBy(sql`max(received_at)`, 'desc')
    .orderBy(sql`coalesce(key_id, 'master') || ':' || run_id`)
    .limit(query.limit + 1)
    .execute()) as SummaryRow[];
  const page = rows.slice(0, query.limit).map(summaryView);
  const last = rows.length > query.limit ? rows[query.limit - 1] : undefined;
  return {
    data: page,
    next_cursor: last ? encodeCursor({ at: Number(last.last), id: joinId(last.key_id, last.run_id) }) : null,
  };
}

/** Codes as callers see them: `GH_RUN_LIMIT_EXCEEDED` → `run_limit_exceeded` (tool refusals are stored so already). */
const publicCode = (code: string | null) =>
  code === null ? null : code.startsWith('GH_') ? code.slice(3).toLowerCase() : code;

function stepView(row: RequestEventsTable): z.infer<typeof runStepSchema> {
  const status = row.status;
  const upstream = row.error_code?.startsWith('GH_UPSTREAM_') ?? false;
  return {
    id: row.id,
    request_id: row.request_id,
    at: iso(row.received_at),
    kind: row.kind === 'tool' ? 'tool' : 'model',
    model: row.model,
    provider: row.provider,
    server: row.mcp_server ?? null,
    tool: row.tool ?? null,
    status,
    verdict: status < 400 ? 'ok' : upstream || status >= 500 ? 'failed' : 'refused',
    error_code: publicCode(row.error_code),
    duration_ms: row.duration_ms === null ? null : wholeMs(row.duration_ms),
    input_tokens: row.input_tokens,
    output_tokens: row.output_tokens,
    cost_usd: row.cost_usd === null ? null : usd(row.cost_usd),
  };
}

/**
 * One run with its timeline. `id` is `key:run` as the list shows it; a bare run id is accepted when
 * exactly one key has a run of that name.
 */
export async function findRun(
  db: Kysely<Schema>,
  id: string,
  live: (id: string) => Promise<RunState | null>,
): Promise<z.infer<typeof runSchema>> {
  let named = splitRunId(id);
  if (!named) {
    const keys = await db
      .selectFrom('request_events')
      .select('key_id')
      .distinct()
      .where('run_id', '=', id)
      .limit(2)
      .execute();
    if (keys.length > 1)
      throw new GatehouseError(
        'GH_CONFLICT',
        `Several keys have a run "${id.slice(0, 200)}": name it as <key id>:<run id> (see GET /admin/runs?run_id=…).`,
      );
    named = { keyId: keys[0]?.key_id ?? null, runId: id };
  }
  const { keyId, runId } = named;
  let summary = summaries(db).where('run_id', '=', runId);
  summary = keyId === null ? summary.where('key_id', 'is', null) : summary.where('key_id', '=', keyId);
  const row = (await summary.executeTakeFirst()) as SummaryRow | undefined;
  if (!row) throw new GatehouseError('GH_NOT_FOUND', `No run "${id.slice(0, 200)}" in the request log.`);
  let events = db.selectFrom('request_events').selectAll().where('run_id', '=', runId);
  events = keyId === null ? events.where('key_id', 'is', null) : events.where('key_id', '=', keyId);
  const timeline = await events.orderBy('received_at').orderBy('id').limit(timelineCap).execute();
  const state = await live(joinId(keyId, runId)).catch(() => null);
  return {
    ...summaryView(row),
    state: state
      ? {
          started_at: iso(state.startedAt),
          steps: state.steps,
          tool_calls: state.toolCalls,
          cost_usd: usd(state.costMicros / 1e6),
          stopped_by: state.stopped,
        }
      : null,
    timeline: timeline.map(stepView),
  };
}
