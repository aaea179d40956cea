import type { Kysely, Migration } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe tables that typed schemas do not know yet
type Db = Kysely<any>;

/** Per-team and per-key data policy: body logging, retention of request events, residency region. */
export const dataPolicy: Migration = {
  async up(db: Db) {
    await db.schema.alterTable('teams').addColumn('log_bodies', 'text').execute();
    await db.schema.alterTable('teams').addColumn('retention_days', 'integer').execute();
    await db.schema.alterTable('teams').addColumn('region', 'text').execute();
    await db.schema.alterTable('keys').addColumn('log_bodies', 'text').execute();
  },
  async down(db: Db) {
    await db.schema.alterTable('keys').dropColumn('log_bodies').execute();
    for (const column of ['region', 'retention_days', 'log_bodies'])
      await db.schema.alterTable('teams').dropColumn(column).execute();
  },
};
