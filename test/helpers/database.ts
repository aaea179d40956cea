// Databases for suites that must pass on both stores: an in-memory SQLite always, and a fresh
// PostgreSQL database when the local server answers. With GATEHOUSE_REQUIRE_SERVICES=1 (CI) a
// missing PostgreSQL fails the run instead of skipping.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const postgresAdminUrl =
  process.env.GATEHOUSE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const required = process.env.GATEHOUSE_REQUIRE_SERVICES === '1';

export interface TestDatabase {
  name: 'sqlite' | 'postgres';
  /** undefined when the store is unavailable here; `skip` then says why. */
  url?: string;
  skip?: string;
  drop(): Promise<void>;
}

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Creates a throwaway PostgreSQL database; `drop()` removes it. */
export async function freshPostgres(): Promise<TestDatabase> {
  if (!(await reachable(postgresAdminUrl))) {
    const reason = `PostgreSQL is not reachable at ${postgresAdminUrl.replace(/\/\/[^@]*@/, '//')}`;
    if (required) throw new Error(`${reason}, and GATEHOUSE_REQUIRE_SERVICES=1 requires it`);
    return { name: 'postgres', skip: `${reason}; skipping`, drop: async () => {} };
  }
  const dbName = `gatehouse_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresAdminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const url = new URL(postgresAdminUrl);
  url.pathname = `/${dbName}`;
  return {
    name: 'postgres',
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: postgresAdminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await client.end();
    },
  };
}

export async function bothStores(): Promise<TestDatabase[]> {
  return [{ name: 'sqlite', url: 'sqlite::memory:', drop: async () => {} }, await freshPostgres()];
}
