import type { Kysely, Migration } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe tables that typed schemas do not know yet
type Db = Kysely<any>;

/**
 * Guardrails: the verdicts of each request (JSON, never the matched text) on its request event, and
 * the guardrails attached to keys, teams and users by name (the names live in gatehouse.yaml).
 */
export const guardrails: Migration = {
  async up(db: Db) {
    await db.schema.alterTable('request_events').addColumn('guardrails', 'text').execute();
    await db.schema
      .createTable('guardrail_rules')
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('scope_id', 'text', (c) => c.notNull())
      .addColumn('names', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('guardrail_rules_pk', ['scope', 'scope_id'])
      .execute();
  },
  async down(db: Db) {
    await db.schema.dropTable('guardrail_rules').ifExists().execute();
    await db.schema.alterTable('request_events').dropColumn('guardrails').execute();
  },
};
