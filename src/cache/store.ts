// Where cache entries live, behind one interface: the embedded SQLite store, PostgreSQL (shared by
// replicas when there is no Redis) and Redis (shared by replicas, with its own expiry). Values are
// the entry's JSON text; limits and expiry are each store's to enforce.

export interface StoredEntry {
  key: string;
  scope: string;
  model: string;
  /** The team whose request stored it ('' for the master key). */
  teamId: string;
  value: string;
  expiresAt: number;
}

export interface PurgeFilter {
  model?: string;
  team?: string;
}

export interface StoreLimits {
  maxEntries: number;
  maxBytes: number;
}

export interface CacheStore {
  readonly kind: 'sqlite' | 'postgres' | 'redis';
  /** The entry's value when it exists and has not expired at `now`. */
  get(key: string, now: number): Promise<string | undefined> | string | undefined;
  put(entry: StoredEntry): Promise<void>;
  /** Deletes the matching entries (all with an empty filter); resolves to how many. */
  purge(filter: PurgeFilter): Promise<number>;
  close(): Promise<void>;
  /** Resolves once the store can answer (a connection is up); a store that is down never fails start. */
  ready?(): Promise<void>;
}

/** Entries evicted at once when a limit is passed: down to this share of it, so not on every write. */
export const evictTo = 0.9;
