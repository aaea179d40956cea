import type { Kysely, Migration } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe tables that typed schemas do not know yet
type Db = Kysely<any>;

/** A deleted key is revoked and kept (its history stays attributable); this marks when. */
export const keyDeletion: Migration = {
  async up(db: Db) {
    await db.schema.alterTable('keys').addColumn('deleted_at', 'bigint').execute();
  },
  async down(db: Db) {
    await db.schema.alterTable('keys').dropColumn('deleted_at').execute();
  },
};
