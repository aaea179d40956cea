import type { Kysely, Migration } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe tables that typed schemas do not know yet
type Db = Kysely<any>;

/**
 * Alert history: every alert a gateway fires or resolves (and every test alert), so that an
 * operator can see what happened after the webhook message has scrolled away. Each replica writes
 * the events it sends itself.
 */
export const alerts: Migration = {
  async up(db: Db) {
    await db.schema
      .createTable('alert_events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('subject', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('details', 'text', (c) => c.notNull())
      .execute();
    // The history is read newest first, as a whole or for one kind.
    await db.schema.createIndex('alert_events_at').on('alert_events').columns(['at', 'id']).execute();
    await db.schema
      .createIndex('alert_events_kind_at')
      .on('alert_events')
      .columns(['kind', 'at', 'id'])
      .execute();
  },
  async down(db: Db) {
    await db.schema.dropTable('alert_events').execute();
  },
};
