import type { Kysely, Migration } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe tables that typed schemas do not know yet
type Db = Kysely<any>;

const rollups = ['usage_hourly', 'usage_daily', 'usage_hourly_tags', 'usage_daily_tags'];
// 17 log-scale buckets each (src/telemetry/latency-histogram.ts); spelled out so that this
// migration never changes when the telemetry code does.
const columns = ['latency', 'ttft'].flatMap((name) => Array.from({ length: 17 }, (_, k) => `${name}_${k}`));

/**
 * Latency and time-to-first-token histograms in the usage rollups, so that reports estimate
 * percentiles without reading the request events. Rows written before count nothing in them.
 */
export const latencyHistograms: Migration = {
  async up(db: Db) {
    for (const table of rollups)
      for (const column of columns)
        await db.schema
          .alterTable(table)
          .addColumn(column, 'bigint', (c) => c.notNull().defaultTo(0))
          .execute();
  },
  async down(db: Db) {
    for (const table of rollups)
      for (const column of columns) await db.schema.alterTable(table).dropColumn(column).execute();
  },
};
