import type { Kysely, Migration } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe tables that typed schemas do not know yet
type Db = Kysely<any>;

/**
 * Agent runs: the bounds a team, user or key puts on each run (one row per owner), the run id on
 * every request event (the run's timeline is read from the log), and the tool calls waiting for a
 * person's approval (in the database, so that any replica may decide one another replica waits on).
 */
export const runs: Migration = {
  async up(db: Db) {
    await db.schema
      .createTable('run_rules')
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('scope_id', 'text', (c) => c.notNull())
      .addColumn('max_steps', 'integer')
      .addColumn('max_tool_calls', 'integer')
      .addColumn('max_cost_micros', 'bigint')
      .addColumn('max_duration_s', 'integer')
      .addColumn('max_repeats', 'integer')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('run_rules_pk', ['scope', 'scope_id'])
      .execute();
    await db.schema.alterTable('request_events').addColumn('run_id', 'text').execute();
    await db.schema
      .createIndex('request_events_run_id')
      .on('request_events')
      .columns(['run_id', 'received_at'])
      .execute();
    await db.schema
      .createTable('approvals')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('server', 'text', (c) => c.notNull())
      .addColumn('tool', 'text', (c) => c.notNull())
      .addColumn('arguments', 'text', (c) => c.notNull())
      .addColumn('key_id', 'text')
      .addColumn('team_id', 'text')
      .addColumn('run_id', 'text')
      .addColumn('request_id', 'text', (c) => c.notNull())
      .addColumn('requested_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('decided_at', 'bigint')
      .addColumn('decided_by', 'text')
      .addColumn('reason', 'text')
      .execute();
    await db.schema
      .createIndex('approvals_status')
      .on('approvals')
      .columns(['status', 'requested_at'])
      .execute();
  },
  async down(db: Db) {
    await db.schema.dropTable('approvals').ifExists().execute();
    await db.schema.dropIndex('request_events_run_id').ifExists().execute();
    await db.schema.alterTable('request_events').dropColumn('run_id').execute();
    await db.schema.dropTable('run_rules').ifExists().execute();
  },
};
