// The embedded cache store: a table in the gateway's SQLite file, read and written with statements
// prepared once on the store's own connection. A hit is one primary-key read (microseconds); each
// statement is one step of node:sqlite, so it never lands inside another's transaction half-done.
// Sizes are counted in memory (one process owns the file) and checked on each write.
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { type CacheStore, evictTo, type PurgeFilter, type StoredEntry, type StoreLimits } from './store.ts';

export class SqliteCacheStore implements CacheStore {
  readonly kind = 'sqlite';
  readonly #db: DatabaseSync;
  readonly #limits: StoreLimits;
  readonly #get: StatementSync;
  readonly #size: StatementSync;
  readonly #put: StatementSync;
  readonly #delete: StatementSync;
  readonly #expire: StatementSync;
  readonly #evict: StatementSync;
  readonly #count: StatementSync;
  #entries = 0;
  #bytes = 0;
  readonly #sweep: NodeJS.Timeout;

  constructor(db: DatabaseSync, limits: StoreLimits) {
    this.#db = db;
    this.#limits = limits;
    this.#get = db.prepare('select value, bytes, expires_at from cache_entries where key = ?');
    this.#count = db.prepare('select count(*) as n, coalesce(sum(bytes), 0) as b from cache_entries');
    this.#size = db.prepare('select bytes from cache_entries where key = ?');
    this.#put = db.prepare(
      'insert into cache_entries (key, scope, model, team_id, value, bytes, created_at, expires_at) ' +
        'values (?, ?, ?, ?, ?, ?, ?, ?) on conflict (key) do update set scope = excluded.scope, ' +
        'model = excluded.model, team_id = excluded.team_id, value = excluded.value, ' +
        'bytes = excluded.bytes, created_at = excluded.created_at, expires_at = excluded.expires_at',
    );
    this.#delete = db.prepare('delete from cache_entries where key = ?');
    this.#expire = db.prepare('delete from cache_entries where expires_at <= ?');
    this.#evict = db.prepare(
      'delete from cache_entries where key in (select key from cache_entries order by expires_at limit ?)',
    );
    this.#recount();
    // Expired entries are dropped when met, and once a minute for those never met again.
    this.#sweep = setInterval(() => this.#dropExpired(), 60_000);
    this.#sweep.unref();
  }

  get(key: string, now: number): string | undefined {
    const row = this.#get.get(key) as { value: string; bytes: number; expires_at: number } | undefined;
    if (!row) return undefined;
    if (Number(row.expires_at) > now) return row.value;
    if (Number(this.#delete.run(key).changes) > 0) {
      this.#entries--;
      this.#bytes -= Number(row.bytes);
    }
    return undefined;
  }

  async put(entry: StoredEntry): Promise<void> {
    const bytes = Buffer.byteLength(entry.value);
    const before = this.#size.get(entry.key) as { bytes: number } | undefined;
    this.#put.run(
      entry.key,
      entry.scope,
      entry.model,
      entry.teamId,
      entry.value,
      bytes,
      Date.now(),
      entry.expiresAt,
    );
    if (before) this.#bytes += bytes - Number(before.bytes);
    else {
      this.#entries++;
      this.#bytes += bytes;
    }
    const { maxEntries, maxBytes } = this.#limits;
    if (this.#entries <= maxEntries && this.#bytes <= maxBytes) return;
    this.#dropExpired();
    // Still over: the entries nearest expiry go first, until under the limits with room to spare.
    while (this.#entries > maxEntries * evictTo || this.#bytes > maxBytes * evictTo) {
      const overEntries = this.#entries - Math.floor(maxEntries * evictTo);
      const average = this.#bytes / Math.max(1, this.#entries);
      const overBytes = Math.ceil((this.#bytes - maxBytes * evictTo) / Math.max(1, average));
      const count = Math.max(1, overEntries, overBytes);
      if (Number(this.#evict.run(count).changes) === 0) break;
      this.#recount();
    }
  }

  async purge(filter: PurgeFilter): Promise<number> {
    const where: string[] = [];
    const values: string[] = [];
    if (filter.model !== undefined) {
      where.push('model = ?');
      values.push(filter.model);
    }
    if (filter.team !== undefined) {
      where.push('team_id = ?');
      values.push(filter.team);
    }
    const sql = `delete from cache_entries${where.length ? ` where ${where.join(' and ')}` : ''}`;
    const changes = Number(this.#db.prepare(sql).run(...values).changes);
    this.#recount();
    return changes;
  }

  async close(): Promise<void> {
    clearInterval(this.#sweep);
  }

  #dropExpired(): void {
    try {
      if (Number(this.#expire.run(Date.now()).changes) > 0) this.#recount();
    } catch {
      // The database closed under a late sweep: nothing left to keep tidy.
    }
  }

  #recount(): void {
    const row = this.#count.get() as { n: number; b: number };
    this.#entries = Number(row.n);
    this.#bytes = Number(row.b);
  }
}
