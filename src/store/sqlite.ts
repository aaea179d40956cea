// The embedded store: one SQLite file via node:sqlite (built into Node, no native build).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

export interface Store {
  readonly kind: 'sqlite';
  /** Throws when the store cannot answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function openSqliteStore(file: string): Store {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new DatabaseSync(file);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;');
  const probe = db.prepare('SELECT 1 AS ok');
  return {
    kind: 'sqlite',
    async ping() {
      probe.get();
    },
    async close() {
      if (db.isOpen) db.close();
    },
  };
}
