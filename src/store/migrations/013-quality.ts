import type { Kysely, Migration } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe tables that typed schemas do not know yet
type Db = Kysely<any>;

/**
 * The quality loop: scores of answers (caller feedback and online evaluators, one table so that
 * they roll up side by side), with the request's team, model, target and experiment variant copied
 * in so that rollups need no join; and the reports of `gatehouse eval run`.
 */
export const quality: Migration = {
  async up(db: Db) {
    await db.schema
      .createTable('quality_scores')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('request_id', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text')
      .addColumn('team_id', 'text')
      .addColumn('key_id', 'text')
      .addColumn('model', 'text')
      .addColumn('provider', 'text')
      .addColumn('target', 'text')
      .addColumn('experiment', 'text')
      .addColumn('variant', 'text')
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('value', 'double precision', (c) => c.notNull())
      .addColumn('comment', 'text')
      .addColumn('tags', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('quality_scores_team_time')
      .on('quality_scores')
      .columns(['team_id', 'created_at'])
      .execute();
    await db.schema.createIndex('quality_scores_request').on('quality_scores').column('request_id').execute();
    await db.schema
      .createTable('eval_runs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('suite', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('team_id', 'text')
      .addColumn('cases', 'integer', (c) => c.notNull())
      .addColumn('passed', 'integer', (c) => c.notNull())
      .addColumn('pass_rate', 'double precision', (c) => c.notNull())
      .addColumn('cost_usd', 'double precision')
      .addColumn('verdict', 'text', (c) => c.notNull())
      .addColumn('report', 'text', (c) => c.notNull())
      .execute();
  },
  async down(db: Db) {
    await db.schema.dropTable('eval_runs').ifExists().execute();
    await db.schema.dropTable('quality_scores').ifExists().execute();
  },
};
