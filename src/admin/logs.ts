// GET /admin/logs: the request log, newest first, filtered, in pages (an opaque cursor continues).
import { type Kysely, PostgresAdapter, sql } from 'kysely';
import { GatehouseError } from '../core/errors/index.ts';
import type { RequestEventsTable, Schema } from '../store/schema.ts';
import { parseTime } from './usage.ts';

const invalid = (param: string, message: string) =>
  new GatehouseError('GH_INVALID_REQUEST', `${param}: ${message}`, { param });

function time(query: URLSearchParams, param: string): number | undefined {
  const value = query.get(param);
  return value === null ? undefined : parseTime(value, param);
}

function decodeCursor(cursor: string): { at: number; id: string } {
  const [at, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split(':');
  if (!at || !/^\d+$/.test(at) || rest.length === 0)
    throw invalid('cursor', 'not a cursor this API returned');
  return { at: Number(at), id: rest.join(':') };
}

const escapeLike = (text: string) => text.replace(/[%_\\]/g, '\\$&');
/** LIKE with the same escape character on SQLite and PostgreSQL. */
const like = (column: 'tags' | 'request_id', pattern: string) =>
  sql<boolean>`${sql.ref(column)} like ${pattern} escape '\\'`;

export function logView(row: RequestEventsTable) {
  return {
    ...row,
    stream: row.stream === 1,
    client_aborted: row.client_aborted === 1,
    attempts: JSON.parse(row.attempts),
    tags: JSON.parse(row.tags),
  };
}

export async function queryLogs(db: Kysely<Schema>, query: URLSearchParams) {
  const limit = Number(query.get('limit') ?? 100);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw invalid('limit', 'a whole number from 1 to 1000');
  let q = db.selectFrom('request_events').selectAll();
  const since = time(query, 'since');
  const until = time(query, 'until');
  if (since !== undefined) q = q.where('received_at', '>=', since);
  if (until !== undefined) q = q.where('received_at', '<', until);
  for (const [param, column] of [
    ['key', 'key_id'],
    ['team', 'team_id'],
    ['user', 'user_id'],
    ['model', 'model'],
    ['provider', 'provider'],
    ['trace_id', 'trace_id'],
  ] as const) {
    const value = query.get(param);
    if (value !== null) q = q.where(column, '=', value);
  }
  const requestId = query.get('request_id');
  if (requestId !== null) {
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
  const status = query.get('status');
  if (status !== null) {
    if (!/^\d{3}$/.test(status)) throw invalid('status', 'an HTTP status such as 429');
    q = q.where('status', '=', Number(status));
  }
  const minCost = query.get('min_cost');
  if (minCost !== null) {
    if (!Number.isFinite(Number(minCost))) throw invalid('min_cost', 'a number of USD');
    q = q.where('cost_usd', '>=', Number(minCost));
  }
  for (const tag of query.getAll('tag')) {
    const at = tag.indexOf('=');
    if (at <= 0) throw invalid('tag', 'expected key=value');
    // Tags are stored as a JSON object; this matches the exact pair as JSON writes it.
    const pair = JSON.stringify({ [tag.slice(0, at)]: tag.slice(at + 1) }).slice(1, -1);
    q = q.where(like('tags', `%${escapeLike(pair)}%`));
  }
  const cursor = query.get('cursor');
  if (cursor !== null) {
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
