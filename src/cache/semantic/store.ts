// Where the semantic cache's vectors live: rows of the gateway's database (SQLite or PostgreSQL),
// with an in-process index (vector-index.ts) in every replica. A replica writes a row and indexes
// it at once; the others follow by polling for ids above the last they saw (a look-back of a few
// ids covers rows whose transactions commit out of order), and follow purges the same way through
// an append-only purge table. Polling every 250 ms keeps "written by one replica, found by another"
// well under a second without LISTEN/NOTIFY, which needs a dedicated connection per replica.
import type { Kysely } from 'kysely';
import type { Database } from '../../store/index.ts';
import type { IndexEntry, VectorIndex } from './vector-index.ts';

type EntriesTable = {
  id: number;
  scope: string;
  partition: string;
  model: string;
  team_id: string;
  cache_key: string;
  prompt: string;
  vector: Uint8Array;
  signature: Uint8Array | null;
  expires_at: number;
  created_at: number;
};

type PurgesTable = {
  id: number;
  model: string | null;
  team_id: string | null;
  /** An eviction: every entry with a smaller id. */
  below_id: number | null;
  /** A quality-gate eviction: the entries pointing at this exact-cache key. */
  cache_key: string | null;
  created_at: number;
};

// Types, not interfaces: kysely's withTables asks for records with an index signature.
type Tables = {
  semantic_cache_entries: EntriesTable;
  semantic_cache_purges: PurgesTable;
};

export type StoredEntry = Omit<IndexEntry, 'id'>;

export interface PurgeFilter {
  model?: string;
  team?: string;
  /** Entries with a smaller id: the oldest, evicted past `max_entries`. */
  belowId?: number;
  /** The entries pointing at one exact-cache key (an answer the quality gate evicted). */
  key?: string;
}

const lookBack = 64;
const page = 5000;

export class SemanticStore {
  readonly #db: Kysely<Tables>;
  readonly #index: VectorIndex;
  #entryCursor = 0;
  #purgeCursor = 0;
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  #lastSweep = Date.now();
  #loaded = false;

  constructor(database: Database, index: VectorIndex) {
    this.#db = (database.db as unknown as Kysely<object>).withTables<Tables>();
    this.#index = index;
  }

  /**
   * Loads what is stored and not expired, then follows other replicas every `pollMs` (0: only
   * sweeps expired entries, each minute). In the background (`log` given) the gateway serves while
   * the vectors load — lookups miss until then — and a load that fails is retried by the timer.
   */
  async start(pollMs: number, log?: (line: string) => void): Promise<void> {
    if (log) {
      this.#polling = this.#load()
        .catch((err) =>
          log(`semantic cache: loading the index failed, will retry: ${(err as Error).message}`),
        )
        .finally(() => {
          this.#polling = undefined;
        });
    } else await this.#load();
    this.#timer = setInterval(
      () => {
        this.#polling ??= (!this.#loaded ? this.#load() : pollMs > 0 ? this.poll() : this.sweep())
          .catch(() => undefined)
          .finally(() => {
            this.#polling = undefined;
          });
      },
      pollMs > 0 ? pollMs : 60_000,
    );
    this.#timer.unref();
  }

  async #load(): Promise<void> {
    const last = await this.#db
      .selectFrom('semantic_cache_purges')
      .select((eb) => eb.fn.max('id').as('id'))
      .executeTakeFirst();
    this.#purgeCursor = Math.max(this.#purgeCursor, Number(last?.id ?? 0));
    await this.#follow(true);
    this.#loaded = true;
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#polling;
  }

  async add(entry: StoredEntry, vector: Float32Array): Promise<void> {
    const signature = this.#index.signature(vector);
    const row = await this.#db
      .insertInto('semantic_cache_entries')
      .values({
        scope: entry.scope,
        partition: entry.partition,
        model: entry.model,
        team_id: entry.team,
        cache_key: entry.key,
        prompt: entry.text,
        vector: new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength),
        signature: new Uint8Array(signature.buffer, signature.byteOffset, signature.byteLength),
        expires_at: entry.expiresAt,
        created_at: Date.now(),
      } as never)
      .returning('id')
      .executeTakeFirstOrThrow();
    const id = Number(row.id);
    this.#index.add({ ...entry, id }, vector, signature);
  }

  /** Deletes the entries a purge selects, here and (through the purge table) in every replica. */
  async purge(filter: PurgeFilter): Promise<void> {
    let query = this.#db.deleteFrom('semantic_cache_entries');
    if (filter.model !== undefined) query = query.where('model', '=', filter.model);
    if (filter.team !== undefined) query = query.where('team_id', '=', filter.team);
    if (filter.belowId !== undefined) query = query.where('id', '<', filter.belowId);
    if (filter.key !== undefined) query = query.where('cache_key', '=', filter.key);
    await query.execute();
    const row = await this.#db
      .insertInto('semantic_cache_purges')
      .values({
        model: filter.model ?? null,
        team_id: filter.team ?? null,
        below_id: filter.belowId ?? null,
        cache_key: filter.key ?? null,
        created_at: Date.now(),
      } as never)
      .returning('id')
      .executeTakeFirstOrThrow();
    this.#purgeCursor = Math.max(this.#purgeCursor, Number(row.id));
    this.#apply(filter);
  }

  /** One round of following other replicas: new entries, new purges, and (each minute) expiry. */
  async poll(): Promise<void> {
    await this.#follow(false);
    const purges = await this.#db
      .selectFrom('semantic_cache_purges')
      .select(['id', 'model', 'team_id', 'below_id', 'cache_key'])
      .where('id', '>', this.#purgeCursor)
      .orderBy('id')
      .execute();
    for (const purge of purges) {
      this.#purgeCursor = Math.max(this.#purgeCursor, Number(purge.id));
      this.#apply({
        ...(purge.model !== null ? { model: purge.model } : {}),
        ...(purge.team_id !== null ? { team: purge.team_id } : {}),
        ...(purge.below_id !== null ? { belowId: Number(purge.below_id) } : {}),
        ...(purge.cache_key !== null ? { key: purge.cache_key } : {}),
      });
    }
    if (Date.now() - this.#lastSweep > 60_000) await this.sweep();
  }

  /** Keeps the newest `keep` entries (by id, the order they were written in any replica). */
  async evict(keep: number): Promise<void> {
    const row = await this.#db
      .selectFrom('semantic_cache_entries')
      .select('id')
      .orderBy('id', 'desc')
      .offset(keep - 1)
      .limit(1)
      .executeTakeFirst();
    if (row) await this.purge({ belowId: Number(row.id) });
  }

  /** Drops expired entries from the index and the table. */
  async sweep(): Promise<void> {
    const now = Date.now();
    this.#lastSweep = now;
    this.#index.removeWhere((entry) => entry.expiresAt <= now);
    await this.#db.deleteFrom('semantic_cache_entries').where('expires_at', '<=', now).execute();
  }

  #apply(filter: PurgeFilter): void {
    this.#index.removeWhere(
      (entry) =>
        (filter.model === undefined || entry.model === filter.model) &&
        (filter.team === undefined || entry.team === filter.team) &&
        (filter.belowId === undefined || entry.id < filter.belowId) &&
        (filter.key === undefined || entry.key === filter.key),
    );
  }

  async #follow(all: boolean): Promise<void> {
    const now = Date.now();
    let from = all ? 0 : Math.max(0, this.#entryCursor - lookBack);
    for (;;) {
      const rows = await this.#db
        .selectFrom('semantic_cache_entries')
        .selectAll()
        .where('id', '>', from)
        .where('expires_at', '>', now)
        .orderBy('id')
        .limit(page)
        .execute();
      for (const row of rows) {
        const id = Number(row.id);
        this.#entryCursor = Math.max(this.#entryCursor, id);
        if (this.#index.has(id)) continue;
        this.#index.add(
          {
            id,
            scope: row.scope,
            partition: row.partition,
            model: row.model,
            team: row.team_id,
            key: row.cache_key,
            text: row.prompt,
            expiresAt: Number(row.expires_at),
          },
          toVector(row.vector),
          row.signature ? toWords(row.signature) : undefined,
        );
      }
      if (rows.length < page) return;
      from = Number(rows.at(-1)!.id);
    }
  }
}

function toWords(bytes: Uint8Array): Uint32Array {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Uint32Array(copy.buffer);
}

function toVector(bytes: Uint8Array): Float32Array {
  // Copied: a Buffer from the driver may sit at an unaligned offset of a shared pool.
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}
