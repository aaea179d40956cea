import type { Kysely, Migration } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe tables that typed schemas do not know yet
type Db = Kysely<any>;

/**
 * Quality-gated caching (docs/cache.md): a cache entry remembers the request that stored it and the
 * scores that request has received since, so that a hit is gated without reading quality_scores and
 * a bad rating finds the entry to evict; requests answered from the cache point at the request
 * whose answer they were served, so that rating a served answer rates its entry; a semantic purge
 * can name one evicted entry's key.
 */
export const cacheGate: Migration = {
  async up(db: Db) {
    await db.schema.alterTable('cache_entries').addColumn('request_id', 'text').execute();
    await db.schema.alterTable('cache_entries').addColumn('scores', 'text').execute();
    await db.schema
      .createIndex('cache_entries_request_id')
      .on('cache_entries')
      .column('request_id')
      .execute();
    await db.schema
      .createTable('cache_hits')
      .addColumn('request_id', 'text', (c) => c.primaryKey())
      .addColumn('source_request_id', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('cache_hits_expires_at').on('cache_hits').column('expires_at').execute();
    await db.schema.alterTable('semantic_cache_purges').addColumn('cache_key', 'text').execute();
  },
  async down(db: Db) {
    await db.schema.alterTable('semantic_cache_purges').dropColumn('cache_key').execute();
    await db.schema.dropTable('cache_hits').execute();
    await db.schema.dropIndex('cache_entries_request_id').execute();
    await db.schema.alterTable('cache_entries').dropColumn('scores').execute();
    await db.schema.alterTable('cache_entries').dropColumn('request_id').execute();
  },
};
