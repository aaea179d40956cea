// The embedded cache store: a table in the gateway's SQLite file, read and written with statements
// prepared once on the store's own connection. A hit is one primary-key read (microseconds); each
// statement is one step of node:sqlite, so it never lands inside another's transaction half-done.
// Sizes are counted in memory (one process owns the file) and checked on each write.
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import {
  type CacheStore,
  evictTo,
  type FoundEntry,
  type PurgeFilter,
  parseScores,
  type RatedEntry,
  type StoredEntry,
  type StoreLimits,
} from './store.ts';

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
  readonly #rate: StatementSync;
  readonly #deleteSized: StatementSync;
  readonly #hit: StatementSync;
  readonly #expireHits: StatementSync;
  #entries = 0;
  #bytes = 0;
  readonly #sweep: NodeJS.Timeout;

  constructor(db: DatabaseSync, limits: StoreLimits) {
    this.#db = db;
    this.#limits = limits;
    this.#get = db.prepare('select value, bytes, expires_at, scores from cache_entries where key = ?');
    this.#count = db.prepare('select count(*) as n, coalesce(sum(bytes), 0) as b from cache_entries');
    this.#size = db.prepare('select bytes from cache_entries where key = ?');
    this.#put = db.prepare(
      'insert into cache_entries (key, scope, model, team_id, value, bytes, created_at, expires_at, request_id) ' +
        'values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (key) do update set scope = excluded.scope, ' +
        'model = excluded.model, team_id = excluded.team_id, value = excluded.value, ' +
        'bytes = excluded.bytes, created_at = excluded.created_at, expires_at = excluded.expires_at, ' +
        'request_id = excluded.request_id, scores = null',
    );
    // One statement: a score noted by this process never interleaves with another's.
    this.#rate = db.prepare(
      "update cache_entries set scores = json_set(coalesce(scores, '{}'), ?, ?) " +
        'where request_id = coalesce((select source_request_id from cache_hits where request_id = ?), ?) ' +
        'returning key, scores',
    );
    this.#hit = db.prepare(
      'insert into cache_hits (request_id, source_request_id, expires_at) values (?, ?, ?) ' +
        'on conflict (request_id) do update set source_request_id = excluded.source_request_id, ' +
        'expires_at = excluded.expires_at',
    );
    this.#expireHits = db.prepare('delete from cache_hits where expires_at <= ?');
    this.#deleteSized = db.prepare('delete from cache_entries where key = ? returning bytes');
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

  get(key: string, now: number): FoundEntry | undefined {
    const row = this.#get.get(key) as
      | { value: string; bytes: number; expires_at: number; scores: string | null }
      | undefined;
    if (!row) return undefined;
    if (Number(row.expires_at) > now) {
      const scores = parseScores(row.scores);
      return scores ? { value: row.value, scores } : { value: row.value };
    }
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
      entry.requestId ?? null,
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

  async rate(requestId: string, name: string, value: number): Promise<RatedEntry | undefined> {
    const row = this.#rate.get(`$."${name}"`, value, requestId, requestId) as
      | { key: string; scores: string }
      | undefined;
    return row ? { key: row.key, scores: parseScores(row.scores) ?? {} } : undefined;
  }

  async noteHit(requestId: string, sourceRequestId: string, _key: string, expiresAt: number): Promise<void> {
    this.#hit.run(requestId, sourceRequestId, expiresAt);
  }

  async delete(key: string): Promise<boolean> {
    const row = this.#deleteSized.get(key) as { bytes: number } | undefined;
    if (!row) return false;
    this.#entries--;
    this.#bytes -= Number(row.bytes);
    return true;
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
      const now = Date.now();
      this.#expireHits.run(now);
      if (Number(this.#expire.run(now).changes) > 0) this.#recount();
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
