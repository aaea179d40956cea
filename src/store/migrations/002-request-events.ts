import { type CreateTableBuilder, type Kysely, type Migration, PostgresAdapter, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe tables that typed schemas do not know yet
type Db = Kysely<any>;

function usageColumns<T extends CreateTableBuilder<string>>(table: T): T {
  return table
    .addColumn('requests', 'bigint', (c) => c.notNull())
    .addColumn('errors', 'bigint', (c) => c.notNull())
    .addColumn('unpriced', 'bigint', (c) => c.notNull())
    .addColumn('input_tokens', 'bigint', (c) => c.notNull())
    .addColumn('output_tokens', 'bigint', (c) => c.notNull())
    .addColumn('cache_read_tokens', 'bigint', (c) => c.notNull())
    .addColumn('cache_write_tokens', 'bigint', (c) => c.notNull())
    .addColumn('reasoning_tokens', 'bigint', (c) => c.notNull())
    .addColumn('cost_usd', 'double precision', (c) => c.notNull()) as T;
}

export const requestEvents: Migration = {
  async up(db: Db) {
    await db.schema
      .createTable('request_events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('request_id', 'text', (c) => c.notNull())
      .addColumn('received_at', 'bigint', (c) => c.notNull())
      .addColumn('duration_ms', 'real')
      .addColumn('first_byte_ms', 'real')
      .addColumn('surface', 'text', (c) => c.notNull())
      .addColumn('route', 'text', (c) => c.notNull())
      .addColumn('model', 'text')
      .addColumn('provider', 'text')
      .addColumn('provider_model', 'text')
      .addColumn('stream', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('status', 'integer', (c) => c.notNull())
      .addColumn('error_code', 'text')
      .addColumn('finish_reason', 'text')
      .addColumn('key_id', 'text')
      .addColumn('team_id', 'text')
      .addColumn('user_id', 'text')
      .addColumn('input_tokens', 'integer')
      .addColumn('output_tokens', 'integer')
      .addColumn('cache_read_tokens', 'integer')
      .addColumn('cache_write_tokens', 'integer')
      .addColumn('reasoning_tokens', 'integer')
      .addColumn('cost_usd', 'double precision')
      .addColumn('client_aborted', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('attempts', 'text', (c) => c.notNull())
      .addColumn('tags', 'text', (c) => c.notNull())
      .addColumn('trace_id', 'text')
      .addColumn('region', 'text')
      .addColumn('request_body', 'text')
      .addColumn('response_body', 'text')
      .execute();
    for (const column of ['team_id', 'key_id', 'user_id', 'model', 'provider']) {
      await db.schema
        .createIndex(`request_events_${column}`)
        .on('request_events')
        .columns([column, 'received_at'])
        .execute();
    }
    // The log finds a request id exactly or by prefix (`abc*`). PostgreSQL serves a prefix LIKE from
    // a text_pattern_ops index (which serves = as well); SQLite's GLOB uses the plain index.
    const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    await db.schema
      .createIndex('request_events_request_id')
      .on('request_events')
      .$call((index) =>
        postgres ? index.expression(sql`request_id text_pattern_ops`) : index.column('request_id'),
      )
      .execute();
    await db.schema
      .createIndex('request_events_received')
      .on('request_events')
      .column('received_at')
      .execute();
    // Usage rollups: one row per hour and principal × model × provider, kept by the event writer in
    // the same transaction as the events, so usage queries never scan the log. '' stands for none.
    await db.schema
      .createTable('usage_hourly')
      .addColumn('hour', 'bigint', (c) => c.notNull())
      .addColumn('team_id', 'text', (c) => c.notNull())
      .addColumn('key_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('provider', 'text', (c) => c.notNull())
      .$call(usageColumns)
      .addPrimaryKeyConstraint('usage_hourly_pk', [
        'hour',
        'team_id',
        'key_id',
        'user_id',
        'model',
        'provider',
      ])
      .execute();
    await db.schema
      .createTable('usage_hourly_tags')
      .addColumn('hour', 'bigint', (c) => c.notNull())
      .addColumn('tag_key', 'text', (c) => c.notNull())
      .addColumn('tag_value', 'text', (c) => c.notNull())
      .addColumn('team_id', 'text', (c) => c.notNull())
      .$call(usageColumns)
      .addPrimaryKeyConstraint('usage_hourly_tags_pk', ['tag_key', 'hour', 'tag_value', 'team_id'])
      .execute();
    for (const column of ['team_id', 'key_id', 'user_id', 'model', 'provider']) {
      await db.schema
        .createIndex(`usage_hourly_${column}`)
        .on('usage_hourly')
        .columns([column, 'hour'])
        .execute();
    }
    // Daily rollups without the user: reports by day over weeks read a few rows per key and model
    // each day instead of one per hour and user.
    await db.schema
      .createTable('usage_daily')
      .addColumn('day', 'bigint', (c) => c.notNull())
      .addColumn('team_id', 'text', (c) => c.notNull())
      .addColumn('key_id', 'text', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('provider', 'text', (c) => c.notNull())
      .$call(usageColumns)
      .addPrimaryKeyConstraint('usage_daily_pk', ['day', 'team_id', 'key_id', 'model', 'provider'])
      .execute();
    for (const column of ['team_id', 'key_id', 'model', 'provider']) {
      await db.schema
        .createIndex(`usage_daily_${column}`)
        .on('usage_daily')
        .columns([column, 'day'])
        .execute();
    }
    await db.schema
      .createTable('usage_daily_tags')
      .addColumn('day', 'bigint', (c) => c.notNull())
      .addColumn('tag_key', 'text', (c) => c.notNull())
      .addColumn('tag_value', 'text', (c) => c.notNull())
      .addColumn('team_id', 'text', (c) => c.notNull())
      .$call(usageColumns)
      .addPrimaryKeyConstraint('usage_daily_tags_pk', ['tag_key', 'day', 'tag_value', 'team_id'])
      .execute();
  },
  async down(db: Db) {
    await db.schema.dropTable('usage_daily_tags').ifExists().execute();
    await db.schema.dropTable('usage_daily').ifExists().execute();
    await db.schema.dropTable('usage_hourly_tags').ifExists().execute();
    await db.schema.dropTable('usage_hourly').ifExists().execute();
    await db.schema.dropTable('request_events').ifExists().execute();
  },
};
