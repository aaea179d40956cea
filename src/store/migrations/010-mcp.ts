import type { Kysely, Migration } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe tables that typed schemas do not know yet
type Db = Kysely<any>;

/**
 * The MCP gateway: tool rules of keys, teams and users; the pinned definition of every tool seen;
 * and tool calls in the request log (kind `tool`, with the server, the tool and the sizes).
 */
export const mcp: Migration = {
  async up(db: Db) {
    await db.schema
      .createTable('tool_rules')
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('scope_id', 'text', (c) => c.notNull())
      .addColumn('tools', 'text')
      .addColumn('tool_limits', 'text')
      .addColumn('tool_args', 'text')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('tool_rules_pk', ['scope', 'scope_id'])
      .execute();
    await db.schema
      .createTable('mcp_tool_pins')
      .addColumn('server', 'text', (c) => c.notNull())
      .addColumn('tool', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('definition', 'text', (c) => c.notNull())
      .addColumn('pending_hash', 'text')
      .addColumn('pending_definition', 'text')
      .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
      .addColumn('changed_at', 'bigint')
      .addColumn('approved_at', 'bigint')
      .addColumn('approved_by', 'text')
      .addPrimaryKeyConstraint('mcp_tool_pins_pk', ['server', 'tool'])
      .execute();
    await db.schema
      .alterTable('request_events')
      .addColumn('kind', 'text', (c) => c.notNull().defaultTo('model'))
      .execute();
    await db.schema.alterTable('request_events').addColumn('mcp_server', 'text').execute();
    await db.schema.alterTable('request_events').addColumn('tool', 'text').execute();
    await db.schema.alterTable('request_events').addColumn('argument_bytes', 'integer').execute();
    await db.schema.alterTable('request_events').addColumn('result_bytes', 'integer').execute();
    await db.schema
      .createIndex('request_events_tool')
      .on('request_events')
      .columns(['mcp_server', 'tool', 'received_at'])
      .execute();
  },
  async down(db: Db) {
    await db.schema.dropIndex('request_events_tool').ifExists().execute();
    for (const column of ['result_bytes', 'argument_bytes', 'tool', 'mcp_server', 'kind'])
      await db.schema.alterTable('request_events').dropColumn(column).execute();
    await db.schema.dropTable('mcp_tool_pins').ifExists().execute();
    await db.schema.dropTable('tool_rules').ifExists().execute();
  },
};
