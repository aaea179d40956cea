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
  /** The request whose answer it is, so that its scores and feedback can gate or evict it. */
  requestId?: string;
}

/** An entry as a lookup finds it: its JSON text, and the scores its request has received (0..1). */
export interface FoundEntry {
  value: string;
  scores?: Record<string, number>;
}

/** The entry a score was noted on: its key and all the scores its request has received so far. */
export interface RatedEntry {
  key: string;
  scores: Record<string, number>;
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
  get(key: string, now: number): Promise<FoundEntry | undefined> | FoundEntry | undefined;
  put(entry: StoredEntry): Promise<void>;
  /**
   * Notes a score (0..1) under `name` on the entry the request `requestId` stored or was served
   * from, in one atomic step that replicas can race; resolves to that entry, or undefined when there
   * is none (or it has since been replaced by another request's answer).
   */
  rate(requestId: string, name: string, value: number): Promise<RatedEntry | undefined>;
  /**
   * Notes that request `requestId` was answered with the entry request `sourceRequestId` stored,
   * until `expiresAt`: a score of the served answer then rates that entry.
   */
  noteHit(requestId: string, sourceRequestId: string, key: string, expiresAt: number): Promise<void>;
  /** Deletes the entry under `key`; resolves to whether there was one. */
  delete(key: string): Promise<boolean>;
  /** Deletes the matching entries (all with an empty filter); resolves to how many. */
  purge(filter: PurgeFilter): Promise<number>;
  close(): Promise<void>;
  /** Resolves once the store can answer (a connection is up); a store that is down never fails start. */
  ready?(): Promise<void>;
}

/** Entries evicted at once when a limit is passed: down to this share of it, so not on every write. */
export const evictTo = 0.9;

/** The scores column's JSON, read leniently: anything unreadable is no scores. */
export function parseScores(text: string | null | undefined): Record<string, number> | undefined {
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    const out: Record<string, number> = {};
    for (const [name, value] of Object.entries(parsed)) if (typeof value === 'number') out[name] = value;
    return out;
  } catch {
    return undefined;
  }
}
