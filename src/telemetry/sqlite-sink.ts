// The request-log writer for the embedded SQLite store: one transaction per batch, with statements
// prepared once. Built queries cost several times more than SQLite's own work at this volume.
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import type { Kysely } from 'kysely';
import type { HistogramColumn, RequestEventsTable, Schema } from '../store/schema.ts';
import type { EventSink } from './recorder.ts';
import { type RollupBatch, rollupRows, rollupTables, sumColumns } from './rollups.ts';

type RollupRow = RollupBatch['rows'][number];

const eventColumns = [
  'id',
  'request_id',
  'received_at',
  'duration_ms',
  'first_byte_ms',
  'surface',
  'route',
  'model',
  'provider',
  'provider_model',
  'stream',
  'status',
  'error_code',
  'finish_reason',
  'key_id',
  'team_id',
  'user_id',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'cost_usd',
  'client_aborted',
  'attempts',
  'tags',
  'trace_id',
  'region',
  'request_body',
  'response_body',
  'config_version',
  'guardrails',
  'cache',
  'cache_similarity',
  'saved_usd',
  'experiment',
  'variant',
  'shadow_of',
  'shadow_differed',
  'kind',
  'mcp_server',
  'tool',
  'argument_bytes',
  'result_bytes',
  'run_id',
] as const satisfies ReadonlyArray<keyof RequestEventsTable>;

/**
 * The upserts of one rollup table, one statement per set of histogram buckets a row counts in. Of the
 * 34 histogram columns a row (a few requests of one caller in one hour) fills one or a few; binding
 * and adding only those keeps the writer near its speed without histograms (binding all of them
 * halved it). Other columns keep their default 0 on insert and are left alone on update.
 */
function rollupUpserts(sqlite: DatabaseSync, table: string, keys: readonly string[]) {
  const statements = new Map<string, StatementSync>();
  const prepare = (counted: readonly string[]) => {
    const columns = [...keys, ...sumColumns, ...counted];
    const added = [...sumColumns, ...counted];
    return sqlite.prepare(
      `insert into ${table} (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')}) ` +
        `on conflict (${keys.join(', ')}) do update set ` +
        added.map((c) => `${c} = ${c} + excluded.${c}`).join(', '),
    );
  };
  return ({ key, sums }: RollupRow) => {
    const counted = Object.keys(sums.buckets).sort();
    const id = counted.join();
    let statement = statements.get(id);
    if (!statement) {
      // Sets seen stay few in practice; the bound only keeps a pathological mix from piling up.
      if (statements.size >= 1_000) statements.clear();
      statement = prepare(counted);
      statements.set(id, statement);
    }
    statement.run(
      ...keys.map((k) => key[k]!),
      ...sumColumns.map((c) => sums[c]),
      ...counted.map((c) => sums.buckets[c as HistogramColumn]!),
    );
  };
}

export function sqliteSink(db: Kysely<Schema>, sqlite: DatabaseSync): EventSink {
  let statements: { event: StatementSync; rollups: Array<(row: RollupRow) => void> } | undefined;
  return {
    async write(rows) {
      // Holding kysely's connection keeps its own queries out of this transaction.
      await db.connection().execute(async () => {
        statements ??= {
          event: sqlite.prepare(
            `insert into request_events (${eventColumns.join(', ')}) values (${eventColumns.map(() => '?').join(', ')}) on conflict (id) do nothing`,
          ),
          rollups: rollupTables.map((spec) => rollupUpserts(sqlite, spec.table, spec.keys)),
        };
        const { event, rollups } = statements;
        sqlite.exec('BEGIN');
        try {
          const stored: RequestEventsTable[] = [];
          for (const row of rows) {
            // A row spilled by an older version lacks the newer columns: they are stored as null.
            const values = eventColumns.map(
              (c) => (row[c] ?? (c === 'kind' ? 'model' : null)) as SQLInputValue,
            );
            if (Number(event.run(...values).changes) === 1) stored.push(row);
          }
          rollupRows(stored).forEach(({ rows: sums }, i) => {
            for (const r of sums) rollups[i]!(r);
          });
          sqlite.exec('COMMIT');
        } catch (err) {
          sqlite.exec('ROLLBACK');
          throw err;
        }
      });
    },
  };
}
