// The cache in Redis, shared by every replica: each entry a hash (value, model, team) that Redis
// expires itself, and one sorted set of keys by expiry that bounds the number of entries (the ones
// nearest expiry are evicted first) and lists them for purges. Bytes are bounded by Redis's own
// maxmemory policy. Commands fail at once while Redis is away (no offline queue): the stage then
// answers uncached.
import { Redis } from 'ioredis';
import { type CacheStore, evictTo, type PurgeFilter, type StoredEntry, type StoreLimits } from './store.ts';

export interface RedisCacheOptions {
  url: string;
  /** Key prefix, so that several gateways (or tests) can share one Redis. */
  prefix: string;
  commandTimeoutMs: number;
  connectTimeoutMs: number;
}

export class RedisCacheStore implements CacheStore {
  readonly kind = 'redis';
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #index: string;
  readonly #limits: StoreLimits;
  #writes = 0;

  constructor(options: RedisCacheOptions, limits: StoreLimits) {
    this.#redis = new Redis(options.url, {
      lazyConnect: false,
      commandTimeout: options.commandTimeoutMs,
      connectTimeout: options.connectTimeoutMs,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
    });
    // Errors reach the commands that fail; the connection's own are only its retries.
    this.#redis.on('error', () => {});
    this.#prefix = `${options.prefix}cache:e:`;
    this.#index = `${options.prefix}cache:index`;
    this.#limits = limits;
  }

  async ready(): Promise<void> {
    if (this.#redis.status === 'ready') return;
    await new Promise<void>((resolve) => this.#redis.once('ready', resolve));
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.#redis.hget(this.#prefix + key, 'v')) ?? undefined;
  }

  async put(entry: StoredEntry): Promise<void> {
    const name = this.#prefix + entry.key;
    await this.#redis
      .multi()
      .hset(name, 'v', entry.value, 'm', entry.model, 't', entry.teamId)
      .pexpireat(name, entry.expiresAt)
      .zadd(this.#index, entry.expiresAt, entry.key)
      .exec();
    // The index is trimmed every 100 writes of this replica: expired keys, then the excess.
    if (++this.#writes % 100 === 0) await this.#trim();
  }

  async #trim(): Promise<void> {
    await this.#redis.zremrangebyscore(this.#index, '-inf', Date.now());
    const count = await this.#redis.zcard(this.#index);
    const max = this.#limits.maxEntries;
    if (count <= max) return;
    const evicted = await this.#redis.zpopmin(this.#index, String(count - Math.floor(max * evictTo)));
    const keys: string[] = [];
    for (let i = 0; i < evicted.length; i += 2) keys.push(this.#prefix + evicted[i]!);
    for (let i = 0; i < keys.length; i += 500) await this.#redis.unlink(...keys.slice(i, i + 500));
  }

  async purge(filter: PurgeFilter): Promise<number> {
    const all = await this.#redis.zrange(this.#index, '0', '-1');
    let deleted = 0;
    for (let i = 0; i < all.length; i += 500) {
      const keys = all.slice(i, i + 500);
      let chosen = keys;
      if (filter.model !== undefined || filter.team !== undefined) {
        const pipeline = this.#redis.pipeline();
        for (const key of keys) pipeline.hmget(this.#prefix + key, 'm', 't');
        const fields = (await pipeline.exec()) ?? [];
        chosen = keys.filter((_, j) => {
          const [model, team] = (fields[j]?.[1] ?? []) as Array<string | null>;
          return (
            (filter.model === undefined || model === filter.model) &&
            (filter.team === undefined || team === filter.team)
          );
        });
      }
      if (chosen.length === 0) continue;
      deleted += await this.#redis.unlink(...chosen.map((k) => this.#prefix + k));
      await this.#redis.zrem(this.#index, ...chosen);
    }
    return deleted;
  }

  async close(): Promise<void> {
    this.#redis.disconnect();
  }
}
