// A finished request's record as a request-log row, and the store that keeps the rows.
import { tagLimits } from '../core/ir/index.ts';
import type { GuardrailVerdict, RequestRecord } from '../core/records/index.ts';
import type { Database } from '../store/index.ts';
import type { EventRow, EventSink } from './recorder.ts';
import { redactJson } from './redact.ts';
import { addToRollups } from './rollups.ts';
import { sqliteSink } from './sqlite-sink.ts';

export function eventRow(record: RequestRecord): EventRow {
  const usage = record.usage;
  return {
    id: record.eventId,
    request_id: record.requestId,
    received_at: record.receivedAt,
    duration_ms: record.durationMs ?? null,
    first_byte_ms: record.firstByteMs ?? null,
    surface: record.surface,
    route: record.route,
    model: record.model ?? null,
    provider: record.provider ?? null,
    provider_model: record.providerModel ?? null,
    stream: record.stream ? 1 : 0,
    status: record.status,
    error_code: record.errorCode ?? null,
    finish_reason: record.finishReason ?? null,
    key_id: record.keyId ?? null,
    team_id: record.teamId ?? null,
    user_id: record.userId ?? null,
    input_tokens: usage?.inputTokens ?? null,
    output_tokens: usage?.outputTokens ?? null,
    cache_read_tokens: usage?.cacheReadTokens ?? null,
    cache_write_tokens: usage?.cacheWriteTokens ?? null,
    reasoning_tokens: usage?.reasoningTokens ?? null,
    cost_usd: record.costUsd ?? null,
    client_aborted: record.clientAborted ? 1 : 0,
    attempts: JSON.stringify(
      record.attempts.map((a) => ({ ...a, latencyMs: Math.round(a.latencyMs * 10) / 10 })),
    ),
    tags: record.tags ? JSON.stringify(redactJson(record.tags)) : '{}',
    trace_id: record.traceId ?? null,
    region: record.region ?? null,
    request_body: record.requestBody ?? null,
    response_body: record.responseBody ?? null,
    config_version: record.configVersion ?? null,
    guardrails: record.guardrails?.length ? JSON.stringify(record.guardrails.map(storedVerdict)) : null,
    cache: record.cache ?? null,
    cache_similarity: record.cacheSimilarity ?? null,
    saved_usd: record.savedUsd ?? null,
    experiment: record.experiment ?? null,
    variant: record.variant ?? null,
    shadow_of: record.shadowOf ?? null,
    shadow_differed: record.shadowDiffered === undefined ? null : record.shadowDiffered ? 1 : 0,
    kind: record.kind ?? 'model',
    mcp_server: record.mcpServer ?? null,
    tool: record.tool ?? null,
    argument_bytes: record.argumentBytes ?? null,
    result_bytes: record.resultBytes ?? null,
    run_id: record.runId ?? null,
  };
}

/** A verdict as stored: latency rounded like an attempt's; the span offset stays in the trace. */
function storedVerdict(v: GuardrailVerdict) {
  return {
    guardrail: v.guardrail,
    phase: v.phase,
    action: v.action,
    mode: v.mode,
    entities: v.entities,
    ...(v.score === undefined ? {} : { score: Math.round(v.score * 1000) / 1000 }),
    latencyMs: Math.round(v.latencyMs * 100) / 100,
  };
}

/**
 * Writes rows and their usage rollups in one transaction; rows already stored (a replayed batch)
 * are skipped, and so are not counted twice. The embedded SQLite store gets a prepared-statement
 * writer; PostgreSQL multi-row inserts.
 */
export function databaseSink(database: Database): EventSink {
  if (database.sqlite) return sqliteSink(database.db, database.sqlite);
  const { db } = database;
  return {
    async write(rows) {
      await db.transaction().execute(async (trx) => {
        const stored = new Set<string>();
        // 200 rows × 34 columns stays under every driver's bound-parameter limit.
        for (let i = 0; i < rows.length; i += 200) {
          const inserted = await trx
            .insertInto('request_events')
            .values(rows.slice(i, i + 200))
            .onConflict((oc) => oc.column('id').doNothing())
            .returning('id')
            .execute();
          for (const { id } of inserted) stored.add(id);
        }
        await addToRollups(
          trx,
          stored.size === rows.length ? rows : rows.filter((row) => stored.has(row.id)),
        );
      });
    },
  };
}

/** `x-gatehouse-tags: env=prod,feature=search` → { env: 'prod', feature: 'search' } (bounded). */
export function parseTags(header: string | string[] | undefined): Record<string, string> {
  if (typeof header !== 'string') return {};
  const tags: Record<string, string> = {};
  for (const pair of header.split(',').slice(0, tagLimits.pairs)) {
    const at = pair.indexOf('=');
    const key = (at < 0 ? pair : pair.slice(0, at)).trim().slice(0, tagLimits.keyChars);
    if (key) tags[key] = (at < 0 ? '' : pair.slice(at + 1)).trim().slice(0, tagLimits.valueChars);
  }
  return tags;
}
