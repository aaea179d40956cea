import type { Kysely, Migration } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe tables that typed schemas do not know yet
type Db = Kysely<any>;

const rollups = ['usage_hourly', 'usage_daily', 'usage_hourly_tags', 'usage_daily_tags'];

/**
 * The response cache: its entries (the embedded store, and PostgreSQL when there is no Redis), what
 * each request's record says of the cache, and the rollups' lookups, hits and savings.
 */
export const cache: Migration = {
  async up(db: Db) {
    await db.schema
      .createTable('cache_entries')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('team_id', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('bytes', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    for (const column of ['expires_at', 'model', 'team_id'])
      await db.schema.createIndex(`cache_entries_${column}`).on('cache_entries').column(column).execute();
    // A team's, user's or key's cache rule (docs/cache.md): each field null follows the next level.
    await db.schema
      .createTable('cache_rules')
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('scope_id', 'text', (c) => c.notNull())
      .addColumn('mode', 'text')
      .addColumn('ttl_s', 'integer')
      .addColumn('share', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('cache_rules_pk', ['scope', 'scope_id'])
      .execute();
    await db.schema.alterTable('request_events').addColumn('cache', 'text').execute();
    await db.schema.alterTable('request_events').addColumn('cache_similarity', 'real').execute();
    await db.schema.alterTable('request_events').addColumn('saved_usd', 'double precision').execute();
    for (const table of rollups) {
      await db.schema
        .alterTable(table)
        .addColumn('cache_lookups', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .alterTable(table)
        .addColumn('cache_hits', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .alterTable(table)
        .addColumn('saved_usd', 'double precision', (c) => c.notNull().defaultTo(0))
        .execute();
    }
  },
  async down(db: Db) {
    for (const table of rollups)
      for (const column of ['saved_usd', 'cache_hits', 'cache_lookups'])
        await db.schema.alterTable(table).dropColumn(column).execute();
    for (const column of ['saved_usd', 'cache_similarity', 'cache'])
      await db.schema.alterTable('request_events').dropColumn(column).execute();
    await db.schema.dropTable('cache_rules').execute();
    await db.schema.dropTable('cache_entries').execute();
  },
};
