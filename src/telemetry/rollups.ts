// Usage rollups, kept up to date by the event writer: the events a batch actually stored are summed
// per hour × team × key × user × model × provider, per day × team × key × model × provider, and per
// hour and day × tag × team, and added to the rollup rows in the same transaction as the events, so
// usage reports never scan the request log. Latency percentiles are kept as histogram counts
// (latency-histogram.ts), which add up like the other sums.
import { CompiledQuery, type Kysely, PostgresAdapter, type Transaction } from 'kysely';
import type { HistogramColumn, RequestEventsTable, Schema, UsageSums } from '../store/schema.ts';
import { bucketOf, histogramColumns } from './latency-histogram.ts';

const hourMs = 3_600_000;
const dayMs = 86_400_000;

/** Usage sums at zero: what a rollup row, or a report's row, adds events to. */
export function emptySums(): UsageSums {
  return {
    requests: 0,
    errors: 0,
    unpriced: 0,
    input_tokens: 0,
    output_tokens: 0,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    cost_usd: 0,
    cache_lookups: 0,
    cache_hits: 0,
    saved_usd: 0,
  };
}

/**
 * What a rollup row adds up: the usage sums, and the histogram buckets its requests fell in (only
 * those: of 34 columns a row fills one or a few, and carrying the rest costs the writer dearly).
 */
type RollupSums = UsageSums & { buckets: Partial<Record<HistogramColumn, number>> };

function emptyRollup(): RollupSums {
  return { ...emptySums(), buckets: {} };
}

function count(buckets: RollupSums['buckets'], column: HistogramColumn, n: number): void {
  buckets[column] = (buckets[column] ?? 0) + n;
}

/** The request-log columns the usage sums read. */
export type UsageFields = Pick<
  RequestEventsTable,
  | 'status'
  | 'cost_usd'
  | 'input_tokens'
  | 'output_tokens'
  | 'cache_read_tokens'
  | 'cache_write_tokens'
  | 'reasoning_tokens'
  | 'cache'
  | 'saved_usd'
>;

/** Adds one event to usage sums: the same counting for rollups and for reports read from events. */
export function addUsage(sums: UsageSums, row: UsageFields): void {
  sums.requests += 1;
  if (row.status >= 400) sums.errors += 1;
  if (row.cost_usd === null && row.status < 400 && row.input_tokens !== null) sums.unpriced += 1;
  sums.input_tokens += row.input_tokens ?? 0;
  sums.output_tokens += row.output_tokens ?? 0;
  sums.cache_read_tokens += row.cache_read_tokens ?? 0;
  sums.cache_write_tokens += row.cache_write_tokens ?? 0;
  sums.reasoning_tokens += row.reasoning_tokens ?? 0;
  sums.cost_usd += row.cost_usd ?? 0;
  const cache = row.cache;
  if (cache === 'hit' || cache === 'semantic-hit' || cache === 'miss') sums.cache_lookups += 1;
  if (cache === 'hit' || cache === 'semantic-hit') sums.cache_hits += 1;
  sums.saved_usd += row.saved_usd ?? 0;
}

function add(sums: RollupSums, row: RequestEventsTable): void {
  addUsage(sums, row);
  // Latency is of successful requests only: a refusal or a failed call says nothing of speed. In
  // whole ms rounded up, as the request log shows them, so that the logs behind a chart fill the
  // same buckets.
  if (row.status < 400 && row.duration_ms !== null)
    count(sums.buckets, `latency_${bucketOf(Math.ceil(row.duration_ms))}` as HistogramColumn, 1);
  if (row.status < 400 && Number(row.stream) === 1 && row.first_byte_ms !== null)
    count(sums.buckets, `ttft_${bucketOf(Math.ceil(row.first_byte_ms))}` as HistogramColumn, 1);
}

type Dimensions = Record<string, string | number>;

/** A rollup table: its key columns, and the key(s) an event adds to (tags give one per pair). */
interface RollupTable {
  table: 'usage_hourly' | 'usage_hourly_tags' | 'usage_daily' | 'usage_daily_tags';
  keys: readonly string[];
  keysOf(row: RequestEventsTable, hour: number, day: number, tags: Array<[string, string]>): Dimensions[];
}

const tagKeys = (time: Dimensions, row: RequestEventsTable, tags: Array<[string, string]>) =>
  tags.map(([tag_key, tag_value]) => ({ ...time, tag_key, tag_value, team_id: row.team_id ?? '' }));

export const rollupTables: readonly RollupTable[] = [
  {
    table: 'usage_hourly',
    keys: ['hour', 'team_id', 'key_id', 'user_id', 'model', 'provider'],
    keysOf: (row, hour) => [
      {
        hour,
        team_id: row.team_id ?? '',
        key_id: row.key_id ?? '',
        user_id: row.user_id ?? '',
        model: row.model ?? '',
        provider: row.provider ?? '',
      },
    ],
  },
  {
    table: 'usage_daily',
    keys: ['day', 'team_id', 'key_id', 'model', 'provider'],
    keysOf: (row, _hour, day) => [
      {
        day,
        team_id: row.team_id ?? '',
        key_id: row.key_id ?? '',
        model: row.model ?? '',
        provider: row.provider ?? '',
      },
    ],
  },
  {
    table: 'usage_hourly_tags',
    keys: ['tag_key', 'hour', 'tag_value', 'team_id'],
    keysOf: (row, hour, _day, tags) => tagKeys({ hour }, row, tags),
  },
  {
    table: 'usage_daily_tags',
    keys: ['tag_key', 'day', 'tag_value', 'team_id'],
    keysOf: (row, _hour, day, tags) => tagKeys({ day }, row, tags),
  },
];

export interface RollupBatch {
  spec: RollupTable;
  /** Key columns and sums, each key once, in key order (so concurrent writers do not deadlock). */
  rows: Array<{ key: Dimensions; sums: RollupSums }>;
}

/** Sums a batch of stored events into the rows each rollup table gains. */
export function rollupRows(rows: RequestEventsTable[]): RollupBatch[] {
  const maps = rollupTables.map(() => new Map<string, { key: Dimensions; sums: RollupSums }>());
  for (const { row, sums } of groupRows(rows)) {
    const hour = Math.floor(row.received_at / hourMs);
    const day = Math.floor(row.received_at / dayMs);
    const tags = row.tags === '{}' ? [] : Object.entries(JSON.parse(row.tags) as Record<string, string>);
    rollupTables.forEach((spec, i) => {
      for (const key of spec.keysOf(row, hour, day, tags)) {
        const id = JSON.stringify(spec.keys.map((k) => key[k]));
        let entry = maps[i]!.get(id);
        if (!entry) {
          entry = { key, sums: emptyRollup() };
          maps[i]!.set(id, entry);
        }
        for (const column of sumColumns) entry.sums[column] += sums[column];
        for (const column in sums.buckets)
          count(entry.sums.buckets, column as HistogramColumn, sums.buckets[column as HistogramColumn]!);
      }
    });
  }
  return rollupTables.map((spec, i) => ({
    spec,
    rows: [...maps[i]!.keys()].sort().map((id) => maps[i]!.get(id)!),
  }));
}

/**
 * The events of a batch summed per hour, caller, model, provider and tags: every rollup key is a
 * function of these, and a batch holds few of them, so the keys are built once a group instead of
 * once an event (where they took a third of the SQLite sink's time).
 */
function groupRows(rows: RequestEventsTable[]): Iterable<{ row: RequestEventsTable; sums: RollupSums }> {
  const groups = new Map<string, { row: RequestEventsTable; sums: RollupSums }>();
  for (const row of rows) {
    // Tool calls are in the log, not in usage: they have no tokens or cost, and would count as requests.
    if (row.kind === 'tool') continue;
    // Length-prefixed parts, so that no two different groups can spell the same id.
    const id = `${Math.floor(row.received_at / hourMs)}|${part(row.team_id)}${part(row.key_id)}${part(row.user_id)}${part(row.model)}${part(row.provider)}${row.tags}`;
    let group = groups.get(id);
    if (!group) {
      group = { row, sums: emptyRollup() };
      groups.set(id, group);
    }
    add(group.sums, row);
  }
  return groups.values();
}

const part = (value: string | null) => (value === null ? '-' : `${value.length}:${value}`);

/** Adds the stored rows to the rollups, in multi-row upserts (PostgreSQL, or any kysely store). */
export async function addToRollups(trx: Transaction<Schema>, rows: RequestEventsTable[]): Promise<void> {
  if (rows.length === 0) return;
  const postgres = trx.getExecutor().adapter instanceof PostgresAdapter;
  for (const { spec, rows: batch } of rollupRows(rows)) {
    for (let i = 0; i < batch.length; i += 500) {
      const chunk = batch.slice(i, i + 500);
      // A multi-row insert names the same columns in every row: the sums, and the histogram buckets
      // any row of the chunk fills (a few of the 34; the others keep their 0 and are not touched).
      const filled = new Set<string>();
      for (const { sums } of chunk) for (const column in sums.buckets) filled.add(column);
      const columns = [...sumColumns, ...histogramColumns.filter((c) => filled.has(c))];
      const values = chunk.map(({ key, sums }) => {
        const row: Record<string, unknown> = { ...key };
        for (const column of columns)
          row[column] =
            (sums as unknown as Record<string, number>)[column] ??
            sums.buckets[column as HistogramColumn] ??
            0;
        return row;
      });
      if (postgres) {
        await trx.executeQuery(upsertText(spec, columns, values));
        continue;
      }
      await trx
        .insertInto(spec.table)
        // biome-ignore lint/suspicious/noExplicitAny: the rows carry exactly the table's key and sum columns
        .values(values as any)
        .onConflict((oc) =>
          // biome-ignore lint/suspicious/noExplicitAny: key columns differ per rollup table
          oc.columns(spec.keys as any).doUpdateSet(increments(spec.table, columns)),
        )
        .execute();
    }
  }
}

/**
 * The PostgreSQL upsert written as text with its parameters, the same statement the query builder
 * makes at a fraction of the writer's time (with up to 46 summed columns a row, building it cost
 * about a tenth of the writer's throughput).
 */
function upsertText(
  spec: RollupTable,
  added: readonly string[],
  rows: Array<Record<string, unknown>>,
): CompiledQuery {
  const columns = [...spec.keys, ...added];
  const parameters: unknown[] = [];
  const tuples: string[] = [];
  for (const row of rows) {
    const marks: string[] = [];
    for (const column of columns) {
      parameters.push(row[column]);
      marks.push(`$${parameters.length}`);
    }
    tuples.push(`(${marks.join(',')})`);
  }
  const set = added.map((c) => `"${c}" = "${spec.table}"."${c}" + excluded."${c}"`).join(', ');
  return CompiledQuery.raw(
    `insert into "${spec.table}" (${columns.map((c) => `"${c}"`).join(', ')}) values ${tuples.join(', ')} ` +
      `on conflict (${spec.keys.map((c) => `"${c}"`).join(', ')}) do update set ${set}`,
    parameters,
  );
}

export const sumColumns = Object.keys(emptySums()) as Array<keyof UsageSums>;
function increments(table: RollupTable['table'], columns: readonly string[]) {
  // biome-ignore lint/suspicious/noExplicitAny: kysely's update-set builder is typed per table; the summed columns are the same in all
  return (eb: any) =>
    Object.fromEntries(
      columns.map((column) => [column, eb(`${table}.${column}`, '+', eb.ref(`excluded.${column}`))]),
    );
}

/** Spend per epoch hour in [fromHour, toHour], from the rollups, and the first hour holding any data. */
export async function hourlySpend(
  db: Kysely<Schema>,
  fromHour: number,
  toHour: number,
): Promise<{ byHour: Map<number, number>; firstHour: number | undefined }> {
  const rows = await db
    .selectFrom('usage_hourly')
    .select(['hour', (eb) => eb.fn.sum<number>('cost_usd').as('usd')])
    .where('hour', '>=', fromHour)
    .where('hour', '<=', toHour)
    .groupBy('hour')
    .execute();
  const first = await db
    .selectFrom('usage_hourly')
    .select((eb) => eb.fn.min<number>('hour').as('hour'))
    .executeTakeFirst();
  return {
    byHour: new Map(rows.map((r) => [Number(r.hour), Number(r.usd)])),
    firstHour: first?.hour === null || first?.hour === undefined ? undefined : Number(first.hour),
  };
}
