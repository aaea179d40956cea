// Hourly usage rollups, kept up to date by the event writer: the events a batch actually stored are
// summed per hour × team × key × user × model × provider (and per hour × tag × team) and added to
// the rollup rows in the same transaction, so usage reports never scan the request log.
import type { Kysely, Transaction } from 'kysely';
import type {
  RequestEventsTable,
  Schema,
  UsageHourlyTable,
  UsageHourlyTagsTable,
  UsageSums,
} from '../store/schema.ts';

const hourMs = 3_600_000;

type HourlyKey = [hour: number, team: string, key: string, user: string, model: string, provider: string];
type TagKey = [hour: number, tagKey: string, tagValue: string, team: string];

function emptySums(): UsageSums {
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
  };
}

function add(sums: UsageSums, row: RequestEventsTable): void {
  sums.requests += 1;
  if (row.status >= 400) sums.errors += 1;
  if (row.cost_usd === null && row.status < 400 && row.input_tokens !== null) sums.unpriced += 1;
  sums.input_tokens += row.input_tokens ?? 0;
  sums.output_tokens += row.output_tokens ?? 0;
  sums.cache_read_tokens += row.cache_read_tokens ?? 0;
  sums.cache_write_tokens += row.cache_write_tokens ?? 0;
  sums.reasoning_tokens += row.reasoning_tokens ?? 0;
  sums.cost_usd += row.cost_usd ?? 0;
}

function bucket<K extends unknown[]>(map: Map<string, { key: K; sums: UsageSums }>, key: K): UsageSums {
  const id = JSON.stringify(key);
  let entry = map.get(id);
  if (!entry) {
    entry = { key, sums: emptySums() };
    map.set(id, entry);
  }
  return entry.sums;
}

export interface RollupRows {
  hourly: UsageHourlyTable[];
  tags: UsageHourlyTagsTable[];
}

/** Sums events into rollup rows, each key once, in key order (so concurrent writers do not deadlock). */
export function rollupRows(rows: RequestEventsTable[]): RollupRows {
  const hourly = new Map<string, { key: HourlyKey; sums: UsageSums }>();
  const tagged = new Map<string, { key: TagKey; sums: UsageSums }>();
  for (const row of rows) {
    const hour = Math.floor(row.received_at / hourMs);
    const team = row.team_id ?? '';
    const key: HourlyKey = [
      hour,
      team,
      row.key_id ?? '',
      row.user_id ?? '',
      row.model ?? '',
      row.provider ?? '',
    ];
    add(bucket(hourly, key), row);
    if (row.tags === '{}') continue;
    for (const [tagKey, tagValue] of Object.entries(JSON.parse(row.tags) as Record<string, string>)) {
      add(bucket(tagged, [hour, tagKey, tagValue, team] as TagKey), row);
    }
  }
  return {
    hourly: [...hourly.keys()].sort().map((id) => {
      const { key, sums } = hourly.get(id)!;
      const [hour, team_id, key_id, user_id, model, provider] = key;
      return { hour, team_id, key_id, user_id, model, provider, ...sums };
    }),
    tags: [...tagged.keys()].sort().map((id) => {
      const { key, sums } = tagged.get(id)!;
      const [hour, tag_key, tag_value, team_id] = key;
      return { hour, tag_key, tag_value, team_id, ...sums };
    }),
  };
}

/** Adds the stored rows to the hourly rollups, in multi-row upserts (PostgreSQL, or any kysely store). */
export async function addToRollups(trx: Transaction<Schema>, rows: RequestEventsTable[]): Promise<void> {
  if (rows.length === 0) return;
  const { hourly, tags } = rollupRows(rows);
  for (let i = 0; i < hourly.length; i += 500) {
    await trx
      .insertInto('usage_hourly')
      .values(hourly.slice(i, i + 500))
      .onConflict((oc) =>
        oc
          .columns(['hour', 'team_id', 'key_id', 'user_id', 'model', 'provider'])
          .doUpdateSet(increments('usage_hourly')),
      )
      .execute();
  }
  for (let i = 0; i < tags.length; i += 500) {
    await trx
      .insertInto('usage_hourly_tags')
      .values(tags.slice(i, i + 500))
      .onConflict((oc) =>
        oc.columns(['tag_key', 'hour', 'tag_value', 'team_id']).doUpdateSet(increments('usage_hourly_tags')),
      )
      .execute();
  }
}

export const sumColumns = Object.keys(emptySums()) as Array<keyof UsageSums>;

function increments(table: 'usage_hourly' | 'usage_hourly_tags') {
  // biome-ignore lint/suspicious/noExplicitAny: kysely's update-set builder is typed per table; the columns are the same in both
  return (eb: any) =>
    Object.fromEntries(
      sumColumns.map((column) => [column, eb(`${table}.${column}`, '+', eb.ref(`excluded.${column}`))]),
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
