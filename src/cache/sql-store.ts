// The cache in PostgreSQL, for replicas that share a database but no Redis: one table all replicas
// read and write. Sizes cannot be counted in one process, so limits are enforced by a sweep (every
// 30 s, and after every 500 writes of this replica) that drops expired entries and then the ones
// nearest expiry while over a limit.
import { type Kysely, sql } from 'kysely';
import type { Schema } from '../store/schema.ts';
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

export class SqlCacheStore implements CacheStore {
  readonly kind = 'postgres';
  readonly #db: Kysely<Schema>;
  readonly #limits: StoreLimits;
  readonly #log: (line: string) => void;
  #writes = 0;
  #sweeping: Promise<void> | undefined;
  readonly #timer: NodeJS.Timeout;

  constructor(db: Kysely<Schema>, limits: StoreLimits, log: (line: string) => void) {
    this.#db = db;
    this.#limits = limits;
    this.#log = log;
    this.#timer = setInterval(() => void this.sweep(), 30_000);
    this.#timer.unref();
  }

  async get(key: string, now: number): Promise<FoundEntry | undefined> {
    const row = await this.#db
      .selectFrom('cache_entries')
      .select(['value', 'expires_at', 'scores'])
      .where('key', '=', key)
      .executeTakeFirst();
    if (!row || Number(row.expires_at) <= now) return undefined;
    const scores = parseScores(row.scores);
    return scores ? { value: row.value, scores } : { value: row.value };
  }

  async rate(requestId: string, name: string, value: number): Promise<RatedEntry | undefined> {
    // One statement, so that replicas noting scores of one request at once lose none of them.
    const row = await this.#db
      .updateTable('cache_entries')
      .set({
        scores: sql<string>`(coalesce(scores, '{}')::jsonb || jsonb_build_object(${name}::text, ${value}::float8))::text`,
      })
      .where('request_id', '=', (eb) =>
        eb.fn.coalesce(
          eb.selectFrom('cache_hits').select('source_request_id').where('request_id', '=', requestId),
          eb.val(requestId),
        ),
      )
      .returning(['key', 'scores'])
      .executeTakeFirst();
    return row ? { key: row.key, scores: parseScores(row.scores) ?? {} } : undefined;
  }

  async noteHit(requestId: string, sourceRequestId: string, _key: string, expiresAt: number): Promise<void> {
    await this.#db
      .insertInto('cache_hits')
      .values({ request_id: requestId, source_request_id: sourceRequestId, expires_at: expiresAt })
      .onConflict((oc) =>
        oc.column('request_id').doUpdateSet({ source_request_id: sourceRequestId, expires_at: expiresAt }),
      )
      .execute();
  }

  async delete(key: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('cache_entries').where('key', '=', key).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async put(entry: StoredEntry): Promise<void> {
    const row = {
      key: entry.key,
      scope: entry.scope,
      model: entry.model,
      team_id: entry.teamId,
      value: entry.value,
      bytes: Buffer.byteLength(entry.value),
      created_at: Date.now(),
      expires_at: entry.expiresAt,
      request_id: entry.requestId ?? null,
      scores: null,
    };
    await this.#db
      .insertInto('cache_entries')
      .values(row)
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          scope: row.scope,
          model: row.model,
          team_id: row.team_id,
          value: row.value,
          bytes: row.bytes,
          created_at: row.created_at,
          expires_at: row.expires_at,
          request_id: row.request_id,
          scores: null,
        }),
      )
      .execute();
    if (++this.#writes % 500 === 0) void this.sweep();
  }

  /** Drops expired entries, then the ones nearest expiry while a limit is passed. */
  sweep(): Promise<void> {
    this.#sweeping ??= (async () => {
      try {
        await this.#db.deleteFrom('cache_entries').where('expires_at', '<=', Date.now()).execute();
        await this.#db.deleteFrom('cache_hits').where('expires_at', '<=', Date.now()).execute();
        const size = await this.#db
          .selectFrom('cache_entries')
          .select([sql<number>`count(*)`.as('n'), sql<number>`coalesce(sum(bytes), 0)`.as('b')])
          .executeTakeFirstOrThrow();
        const entries = Number(size.n);
        const bytes = Number(size.b);
        const { maxEntries, maxBytes } = this.#limits;
        if (entries <= maxEntries && bytes <= maxBytes) return;
        const byEntries = entries - Math.floor(maxEntries * evictTo);
        const byBytes = Math.ceil((bytes - maxBytes * evictTo) / Math.max(1, bytes / Math.max(1, entries)));
        const count = Math.max(1, byEntries, byBytes);
        await this.#db
          .deleteFrom('cache_entries')
          .where('key', 'in', (eb) =>
            eb.selectFrom('cache_entries').select('key').orderBy('expires_at').limit(count),
          )
          .execute();
      } catch (err) {
        this.#log(`response cache: sweeping the store failed: ${(err as Error).message}`);
      } finally {
        this.#sweeping = undefined;
      }
    })();
    return this.#sweeping;
  }

  async purge(filter: PurgeFilter): Promise<number> {
    let query = this.#db.deleteFrom('cache_entries');
    if (filter.model !== undefined) query = query.where('model', '=', filter.model);
    if (filter.team !== undefined) query = query.where('team_id', '=', filter.team);
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#sweeping;
  }
}
