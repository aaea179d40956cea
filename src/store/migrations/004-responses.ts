import type { Kysely, Migration } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe tables that typed schemas do not know yet
type Db = Kysely<any>;

/**
 * Stored responses of the OpenAI Responses surface (conversation state for previous_response_id),
 * and their input and output items (for item references and the input-items listing).
 */
export const responses: Migration = {
  async up(db: Db) {
    await db.schema
      .createTable('responses')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('team_id', 'text')
      .addColumn('key_id', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('previous_response_id', 'text')
      .addColumn('response', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('responses_team_created')
      .on('responses')
      .columns(['team_id', 'created_at'])
      .execute();
    await db.schema
      .createTable('response_items')
      .addColumn('response_id', 'text', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('item_id', 'text')
      .addColumn('team_id', 'text')
      .addColumn('item', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('response_items_pk', ['response_id', 'position'])
      .execute();
    await db.schema.createIndex('response_items_item').on('response_items').columns(['item_id']).execute();
  },
  async down(db: Db) {
    await db.schema.dropTable('response_items').execute();
    await db.schema.dropTable('responses').execute();
  },
};
