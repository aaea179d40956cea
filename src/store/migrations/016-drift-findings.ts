import type { Kysely, Migration } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe tables that typed schemas do not know yet
type Db = Kysely<any>;

/**
 * Drift checks and what they found, so that drift has a history and survives a restart: one row
 * per check (its windows, and the full report of the latest check, distributions included), one
 * per metric that moved in a group. Only aggregates are kept (counts, quantiles, shares), never a
 * request's content.
 */
export const driftFindings: Migration = {
  async up(db: Db) {
    await db.schema
      .createTable('drift_checks')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('checked_at', 'bigint', (c) => c.notNull())
      .addColumn('window_from', 'bigint', (c) => c.notNull())
      .addColumn('window_to', 'bigint', (c) => c.notNull())
      .addColumn('baseline_from', 'bigint', (c) => c.notNull())
      .addColumn('baseline_to', 'bigint', (c) => c.notNull())
      .addColumn('groups', 'integer', (c) => c.notNull())
      .addColumn('drifted', 'integer', (c) => c.notNull())
      .addColumn('report', 'text')
      .execute();
    await db.schema.createIndex('drift_checks_time').on('drift_checks').column('checked_at').execute();
    await db.schema
      .createTable('drift_findings')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('check_id', 'text', (c) => c.notNull())
      .addColumn('checked_at', 'bigint', (c) => c.notNull())
      .addColumn('dimension', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('metric', 'text', (c) => c.notNull())
      .addColumn('test', 'text', (c) => c.notNull())
      .addColumn('statistic', 'double precision', (c) => c.notNull())
      .addColumn('p', 'double precision')
      .addColumn('threshold', 'text', (c) => c.notNull())
      .addColumn('window_from', 'bigint', (c) => c.notNull())
      .addColumn('window_to', 'bigint', (c) => c.notNull())
      .addColumn('baseline_from', 'bigint', (c) => c.notNull())
      .addColumn('baseline_to', 'bigint', (c) => c.notNull())
      .addColumn('baseline', 'text', (c) => c.notNull())
      .addColumn('recent', 'text', (c) => c.notNull())
      .addColumn('bins', 'text')
      .addColumn('summary', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('drift_findings_time')
      .on('drift_findings')
      .columns(['checked_at', 'id'])
      .execute();
    await db.schema
      .createIndex('drift_findings_group')
      .on('drift_findings')
      .columns(['dimension', 'value', 'checked_at'])
      .execute();
  },
  async down(db: Db) {
    await db.schema.dropTable('drift_findings').ifExists().execute();
    await db.schema.dropTable('drift_checks').ifExists().execute();
  },
};
