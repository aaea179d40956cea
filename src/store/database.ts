// One query layer (kysely) over the embedded SQLite file (node:sqlite) or PostgreSQL, chosen by
// GATEHOUSE_DATABASE_URL. Migrations run at start, in order, once each.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type SqliteDatabase, sql } from 'kysely';
import { startCheckpointer } from './checkpointer.ts';
import { migrations } from './migrations/index.ts';
import type { Schema } from './schema.ts';

export type DatabaseKind = 'sqlite' | 'postgres';

export interface Database {
  readonly kind: DatabaseKind;
  readonly db: Kysely<Schema>;
  /**
   * The SQLite connection itself, for bulk writes that prepared statements make several times
   * cheaper than built queries; use it only inside `db.connection().execute(…)`, which holds the
   * one connection for the caller.
   */
  readonly sqlite?: DatabaseSync;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const defaultDatabaseUrl = 'sqlite:./.gatehouse/gatehouse.db';

export interface OpenOptions {
  /**
   * SQLite files only: checkpoint the WAL on a worker thread rather than on the event loop (see
   * checkpointer.ts). For the serving gateway; a command-line tool that opens the file briefly
   * does without.
   */
  backgroundCheckpoints?: { log: (line: string) => void };
}

export async function openDatabase(
  url: string = defaultDatabaseUrl,
  options: OpenOptions = {},
): Promise<Database> {
  let kind: DatabaseKind;
  let db: Kysely<Schema>;
  let sqlite: DatabaseSync | undefined;
  let file = ':memory:';
  if (url.startsWith('sqlite:')) {
    kind = 'sqlite';
    file = url.slice('sqlite:'.length) || ':memory:';
    sqlite = openSqlite(file);
    db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: sqliteAdapter(sqlite) }) });
  } else if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    kind = 'postgres';
    // Loaded only for PostgreSQL, so that the embedded default does not carry the driver.
    const { default: pg } = await import('pg');
    // PostgreSQL's int8 arrives as a string by default; every bigint here (epoch ms, micro-dollars)
    // fits comfortably in a double.
    pg.types.setTypeParser(20, (value) => Number(value));
    const pool = new pg.Pool({
      connectionString: url,
      max: 10,
      connectionTimeoutMillis: 5_000,
      query_timeout: 30_000,
    });
    // A connection the server drops (restart, failover, network) must not take the process down:
    // the query in flight fails, callers handle that, and the pool opens new connections.
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
    db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  } else {
    throw new Error(
      `GATEHOUSE_DATABASE_URL: unsupported database "${url.split(':')[0]}:" (use sqlite:<path> or postgres://…)`,
    );
  }
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    await db.destroy();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(
      `database migration ${failed ?? ''} failed: ${(error as Error).message ?? String(error)}`,
      { cause: error },
    );
  }
  const checkpointer =
    sqlite && file !== ':memory:' && options.backgroundCheckpoints
      ? startCheckpointer(sqlite, file, options.backgroundCheckpoints.log)
      : undefined;
  return {
    kind,
    db,
    ...(sqlite ? { sqlite } : {}),
    async ping() {
      await sql`SELECT 1`.execute(db);
    },
    async close() {
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}

function openSqlite(file: string): DatabaseSync {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const database = new DatabaseSync(file);
  // WAL with synchronous=NORMAL: durable across a process crash, one fsync per checkpoint rather than
  // per commit (a power cut may lose the last transactions, never corrupt the file).
  database.exec(
    'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;',
  );
  return database;
}

/**
 * node:sqlite behind the small better-sqlite3-shaped interface kysely's SQLite dialect expects.
 * Statements are prepared once per SQL text: the same few queries run on every request.
 */
function sqliteAdapter(database: DatabaseSync): SqliteDatabase {
  const prepared = new Map<string, { statement: StatementSync; reader: boolean }>();
  return {
    close: () => database.close(),
    prepare(text) {
      let entry = prepared.get(text);
      if (!entry) {
        const created = database.prepare(text);
        entry = { statement: created, reader: created.columns().length > 0 };
        if (prepared.size >= 500) prepared.clear();
        prepared.set(text, entry);
      }
      const { statement, reader } = entry;
      return {
        reader,
        all: (parameters) => statement.all(...(parameters as never[])),
        run: (parameters) => statement.run(...(parameters as never[])),
        iterate: (parameters) => statement.iterate(...(parameters as never[])) as IterableIterator<unknown>,
      };
    },
  };
}
