import type { Kysely, Migration } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe tables that typed schemas do not know yet
type Db = Kysely<any>;

/**
 * Experiments: the experiment and variant that routed each request, and on a shadow call's event
 * the primary it mirrored and whether its answer differed. GET /admin/usage groups by them.
 */
export const experiments: Migration = {
  async up(db: Db) {
    await db.schema.alterTable('request_events').addColumn('experiment', 'text').execute();
    await db.schema.alterTable('request_events').addColumn('variant', 'text').execute();
    await db.schema.alterTable('request_events').addColumn('shadow_of', 'text').execute();
    await db.schema.alterTable('request_events').addColumn('shadow_differed', 'integer').execute();
    await db.schema
      .createIndex('request_events_experiment')
      .on('request_events')
      .columns(['experiment', 'received_at'])
      .execute();
  },
  async down(db: Db) {
    await db.schema.dropIndex('request_events_experiment').execute();
    for (const column of ['experiment', 'variant', 'shadow_of', 'shadow_differed'])
      await db.schema.alterTable('request_events').dropColumn(column).execute();
  },
};
