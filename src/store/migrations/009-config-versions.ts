import type { Kysely, Migration } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe tables that typed schemas do not know yet
type Db = Kysely<any>;

/**
 * Every configuration version a gateway applied (or, with the database as the source, was asked to
 * apply), and the version each request was served by.
 */
export const configVersions: Migration = {
  async up(db: Db) {
    await db.schema
      .createTable('config_versions')
      // Numbered in order by the writer; the primary key makes two replicas writing at once collide.
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      // The text to apply: kept only when the database is the source (a file's text stays in the file).
      .addColumn('text', 'text')
      .addColumn('masked', 'text', (c) => c.notNull())
      .addColumn('diff', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('note', 'text')
      .execute();
    await db.schema.alterTable('request_events').addColumn('config_version', 'text').execute();
  },
  async down(db: Db) {
    await db.schema.alterTable('request_events').dropColumn('config_version').execute();
    await db.schema.dropTable('config_versions').execute();
  },
};
