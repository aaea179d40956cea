// The response cache (docs/cache.md): the exact cache with its stores, the stage in the pipeline's
// [cache] slot, and the seam a semantic layer plugs into. The store follows the deployment: Redis
// when GATEHOUSE_REDIS_URL is set (shared by every replica), else the gateway's database (SQLite,
// or PostgreSQL shared by replicas).
import type { CacheConfig, GatehouseConfig } from '../config/schema.ts';
import type { PriceBook } from '../governance/index.ts';
import type { Database } from '../store/index.ts';
import { RedisCacheStore } from './redis-store.ts';
import { ResponseCache } from './response-cache.ts';
import type { SemanticLayer } from './semantic-layer.ts';
import { SqlCacheStore } from './sql-store.ts';
import { SqliteCacheStore } from './sqlite-store.ts';
import type { CacheStore } from './store.ts';

export { cacheStage } from './stage.ts';
export { ResponseCache } from './response-cache.ts';
export type { SemanticLayer, SemanticMatch } from './semantic-layer.ts';
export type { PurgeFilter } from './store.ts';

export interface ResponseCacheOptions {
  database: Database;
  redisUrl?: string | undefined;
  redis?: { commandTimeoutMs: number; connectTimeoutMs: number };
  prices: PriceBook;
  log(line: string): void;
  semantic?: SemanticLayer | undefined;
}

/** The gateway's response cache, or undefined when the configuration has no `cache:` block. */
export function createResponseCache(
  config: GatehouseConfig,
  options: ResponseCacheOptions,
): ResponseCache | undefined {
  const cache = config.cache;
  if (!cache) return undefined;
  const withCache = config as GatehouseConfig & { cache: CacheConfig };
  const limits = { maxEntries: cache.exact.max_entries, maxBytes: cache.exact.max_bytes };
  const { database } = options;
  let store: CacheStore;
  if (options.redisUrl) {
    store = new RedisCacheStore(
      {
        url: options.redisUrl,
        prefix: cache.redis_prefix,
        commandTimeoutMs: options.redis?.commandTimeoutMs ?? 2_000,
        connectTimeoutMs: options.redis?.connectTimeoutMs ?? 1_000,
      },
      limits,
    );
  } else if (database.sqlite) store = new SqliteCacheStore(database.sqlite, limits);
  else store = new SqlCacheStore(database.db, limits, options.log);
  return new ResponseCache(withCache, {
    store,
    prices: options.prices,
    log: options.log,
    semantic: options.semantic,
  });
}
