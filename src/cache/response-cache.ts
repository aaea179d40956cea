// The response cache of a gateway process: its store, its policy, the optional semantic layer, and
// what the stage and the admin API ask of them. Store failures never fail a request: a lookup that
// errs or takes longer than `lookup_timeout_ms` is a miss, a write that errs is dropped, and both
// are logged (at most once a minute).
import type { CacheConfig, GatehouseConfig } from '../config/schema.ts';
import { GatehouseError } from '../core/errors/index.ts';
import type { PriceBook } from '../governance/index.ts';
import type { CacheEntry } from './entry.ts';
import { type GateScore, normalise, QualityGate } from './gate.ts';
import { CachePolicy } from './policy.ts';
import type { SemanticLayer } from './semantic-layer.ts';
import type { CacheStore, PurgeFilter, StoredEntry } from './store.ts';

/** An entry found by a lookup, with the scores its request has received (quality gate). */
export interface FoundAnswer {
  entry: CacheEntry;
  scores?: Record<string, number>;
}

/** The quality gate's counters since start (on /metrics as gatehouse_cache_quality_gate). */
export interface GateStats {
  /** Found entries not served: their counted scores' mean is below min_score. */
  refusedBelow: number;
  /** Found entries not served: require_score and no counted score yet. */
  refusedUnrated: number;
  /** Entries deleted because a score or feedback on their request was bad. */
  evicted: number;
}

const scoreName = /^[\w.:-]{1,64}$/;

/** Longest wait for the store when noting a score or evicting, per score. */
const rateTimeoutMs = 2_000;

export interface ResponseCacheDeps {
  store: CacheStore;
  prices: PriceBook;
  log(line: string): void;
  semantic?: SemanticLayer | undefined;
}

export class ResponseCache {
  readonly policy: CachePolicy;
  /** Present when `cache.quality_gate` is configured. */
  readonly gate: QualityGate | undefined;
  readonly gateStats: GateStats = { refusedBelow: 0, refusedUnrated: 0, evicted: 0 };
  #semantic: SemanticLayer | undefined;
  readonly config: CacheConfig;
  readonly #store: CacheStore;
  readonly #prices: PriceBook;
  readonly #log: (line: string) => void;
  #loggedAt = 0;

  constructor(config: GatehouseConfig & { cache: CacheConfig }, deps: ResponseCacheDeps) {
    this.config = config.cache;
    this.#store = deps.store;
    this.#prices = deps.prices;
    this.#log = deps.log;
    this.#semantic = deps.semantic;
    this.policy = new CachePolicy(config, () => this.#semantic !== undefined);
    this.gate = config.cache.quality_gate ? new QualityGate(config.cache.quality_gate) : undefined;
  }

  get semantic(): SemanticLayer | undefined {
    return this.#semantic;
  }

  /**
   * Attaches the semantic layer once it can be built — it may need the running pipeline, to embed
   * through it so that its embedding calls are recorded and priced. Until then semantic mode
   * works as exact.
   */
  useSemantic(layer: SemanticLayer): void {
    this.#semantic = layer;
  }

  get storeKind(): CacheStore['kind'] {
    return this.#store.kind;
  }

  /** The entry under `key`, or undefined (none, expired, unreadable, or the store failed or was slow). */
  async get(key: string): Promise<FoundAnswer | undefined> {
    try {
      const pending = this.#store.get(key, Date.now());
      const found =
        pending instanceof Promise ? await this.#bounded(pending, this.config.lookup_timeout_ms) : pending;
      if (found === undefined) return undefined;
      const entry = JSON.parse(found.value) as CacheEntry;
      return found.scores ? { entry, scores: found.scores } : { entry };
    } catch (err) {
      this.#problem('looking an answer up', err);
      return undefined;
    }
  }

  /** Runs a semantic-layer call within `ms` (none: no deadline); undefined when it fails or is late. */
  async bounded<T>(work: Promise<T>, doing: string, ms?: number): Promise<T | undefined> {
    try {
      return await (ms === undefined ? work : this.#bounded(work, ms));
    } catch (err) {
      this.#problem(doing, err);
      return undefined;
    }
  }

  /** Stores an entry; answers larger than max_entry_bytes are not kept. Never throws. */
  async put(entry: Omit<StoredEntry, 'value'>, value: CacheEntry): Promise<boolean> {
    try {
      const text = JSON.stringify(value);
      if (text.length > this.config.exact.max_entry_bytes) return false;
      await this.#store.put({ ...entry, value: text });
      return true;
    } catch (err) {
      this.#problem('storing an answer', err);
      return false;
    }
  }

  /**
   * The quality gate's writer hook: notes scores just stored on the entries their requests stored,
   * and evicts those a score condemns (docs/cache.md). Called by the feedback and evaluator writers
   * after their scores are stored; never throws, and does nothing without a gate.
   */
  async rated(scores: readonly GateScore[]): Promise<void> {
    const gate = this.gate;
    if (!gate) return;
    for (const score of scores) {
      if (!gate.counts(score.name) || !scoreName.test(score.name)) continue;
      try {
        // Bounded: a store that does not answer must not hold the feedback's answer for long.
        const entry = await this.#bounded(
          this.#store.rate(score.requestId, score.name, normalise(score.value)),
          rateTimeoutMs,
        );
        if (entry && gate.evicts(score, entry.scores))
          await this.#bounded(this.#evict(entry.key, score), rateTimeoutMs);
      } catch (err) {
        // The store is failing: the batch's other scores are stored as scores, not noted here.
        this.#problem('noting a score', err);
        return;
      }
    }
  }

  /**
   * Notes that a request was answered with a found entry, so that rating the served answer rates
   * the entry (only with a gate). Off the request path; never throws.
   */
  noteHit(requestId: string, key: string, entry: CacheEntry): void {
    if (!this.gate || !entry.requestId) return;
    const expiresAt = entry.expiresAt ?? Date.now() + 86_400_000;
    setImmediate(() => {
      this.#store
        .noteHit(requestId, entry.requestId!, key, expiresAt)
        .catch((err) => this.#problem('noting a hit', err));
    });
  }

  async #evict(key: string, score: GateScore): Promise<void> {
    await this.#store.delete(key);
    await this.semantic?.forget({ key });
    this.gateStats.evicted++;
    this.#log(
      `response cache: quality gate evicted the answer of request ${score.requestId} (${score.source} ${score.name}=${String(score.value)})`,
    );
  }

  /** What a cached answer would have cost now, upstream; null when its model has no price. */
  saved(entry: CacheEntry): number | null {
    if (!entry.providerType || !entry.providerModel) return null;
    return this.#prices.cost(entry.providerType, entry.providerModel, entry.response.usage);
  }

  /** Deletes entries (all, a model's, a team's) and the semantic layer's index of them. */
  async purge(filter: PurgeFilter): Promise<number> {
    let deleted: number;
    try {
      deleted = await this.#store.purge(filter);
    } catch (err) {
      // A store that is down is the caller's to retry, not a fault of the gateway's.
      throw new GatehouseError(
        'GH_STORE_UNAVAILABLE',
        `The cache store (${this.#store.kind}) is not answering: nothing was purged; retry shortly.`,
        { retryAfter: 1, cause: err },
      );
    }
    await this.semantic?.forget(filter);
    return deleted;
  }

  /** Waits up to `ms` for the store's connection, so that the first requests are cached too. */
  async ready(ms: number): Promise<void> {
    if (!this.#store.ready) return;
    await this.#bounded(this.#store.ready(), ms).catch(() =>
      this.#log(
        `response cache (${this.#store.kind}): not reachable yet; requests go upstream uncached until it is`,
      ),
    );
  }

  async close(): Promise<void> {
    await this.semantic?.close?.();
    await this.#store.close();
  }

  #bounded<T>(work: Promise<T>, ms: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    });
    return Promise.race([work, late]).finally(() => clearTimeout(timer));
  }

  /** Logs a failure of the cache's own work (at most once a minute); the request is not affected. */
  problem(doing: string, err: unknown): void {
    this.#problem(doing, err);
  }

  #problem(doing: string, err: unknown): void {
    const now = Date.now();
    if (now - this.#loggedAt < 60_000) return;
    this.#loggedAt = now;
    this.#log(
      `response cache (${this.#store.kind}): ${doing} failed, requests go upstream uncached: ${(err as Error)?.message ?? String(err)}`,
    );
  }
}
