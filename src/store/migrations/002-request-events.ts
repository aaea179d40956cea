import type { Kysely, Migration } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe tables that typed schemas do not know yet
type Db = Kysely<any>;

export const requestEvents: Migration = {
  async up(db: Db) {
    await db.schema
      .createTable('request_events')
      .addColumn('request_id', 'text', (c) => c.primaryKey())
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
      .execute();
    for (const column of ['team_id', 'key_id', 'user_id', 'model', 'provider']) {
      await db.schema
        .createIndex(`request_events_${column}`)
        .on('request_events')
        .columns([column, 'received_at'])
        .execute();
    }
    await db.schema
      .createIndex('request_events_received')
      .on('request_events')
      .column('received_at')
      .execute();
  },
  async down(db: Db) {
    await db.schema.dropTable('request_events').ifExists().execute();
  },
};
