import { type Kysely, type Migration, PostgresAdapter } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe tables that typed schemas do not know yet
type Db = Kysely<any>;

/**
 * The semantic cache's vectors (cache/semantic/): each points at an exact-cache entry by its key.
 * Ids only grow, so that every replica can follow new entries by id; purges are appended to their
 * own table for the same reason (a replica applies to its in-process index what another purged).
 */
export const semanticCache: Migration = {
  async up(db: Db) {
    const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    await db.schema
      .createTable('semantic_cache_entries')
      .addColumn('id', postgres ? 'bigserial' : 'integer', (c) =>
        postgres ? c.primaryKey() : c.primaryKey().autoIncrement(),
      )
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('partition', 'text', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('team_id', 'text', (c) => c.notNull())
      .addColumn('cache_key', 'text', (c) => c.notNull())
      .addColumn('prompt', 'text', (c) => c.notNull())
      /** Float32 little-endian, unit length. */
      .addColumn('vector', postgres ? 'bytea' : 'blob', (c) => c.notNull())
      /** The index's sign signature of the vector (cache/semantic/vector-index.ts), so a loading replica need not compute it. */
      .addColumn('signature', postgres ? 'bytea' : 'blob')
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('semantic_cache_entries_expires')
      .on('semantic_cache_entries')
      .column('expires_at')
      .execute();
    await db.schema
      .createTable('semantic_cache_purges')
      .addColumn('id', postgres ? 'bigserial' : 'integer', (c) =>
        postgres ? c.primaryKey() : c.primaryKey().autoIncrement(),
      )
      .addColumn('model', 'text')
      .addColumn('team_id', 'text')
      .addColumn('below_id', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: Db) {
    await db.schema.dropTable('semantic_cache_purges').execute();
    await db.schema.dropTable('semantic_cache_entries').execute();
  },
};
