// Picks the store from GATEHOUSE_DATABASE_URL: `sqlite:<path>` (default ./.gatehouse/gatehouse.db).
import { openSqliteStore, type Store } from './sqlite.ts';

export const defaultDatabaseUrl = 'sqlite:./.gatehouse/gatehouse.db';

export function openStore(url: string = defaultDatabaseUrl): Store {
  if (url.startsWith('sqlite:')) return openSqliteStore(url.slice('sqlite:'.length) || ':memory:');
  throw new Error(
    `GATEHOUSE_DATABASE_URL: unsupported database URL "${url.split(':')[0]}:…" (use sqlite:<path>)`,
  );
}

export type { Store };
