// The cache in Redis, shared by every replica: each entry a hash (value, model, team) that Redis
// expires itself, and one sorted set of keys by expiry that bounds the number of entries (the ones
// nearest expiry are evicted first) and lists them for purges. An entry's request id points at its
// key (expiring with it), as does the id of each request served from it; its scores are fields
// `s:<name>` of its hash (quality gate). Bytes are bounded by Redis's own
// maxmemory policy. Commands fail at once while Redis is away (no offline queue): the stage then
// answers uncached.
import { Redis } from 'ioredis';
import {
  type CacheStore,
  evictTo,
  type FoundEntry,
  type PurgeFilter,
  type RatedEntry,
  type StoredEntry,
  type StoreLimits,
} from './store.ts';

// Notes a score on an entry only while it is still the answer of that request (KEYS[1] the entry,
// ARGV: request id, field, value); returns the entry's score fields, or nil. Atomic in Redis.
const rateScript = `
if redis.call('hget', KEYS[1], 'r') ~= ARGV[1] then return nil end
redis.call('hset', KEYS[1], ARGV[2], ARGV[3])
local all = redis.call('hgetall', KEYS[1])
local out = {}
for i = 1, #all, 2 do
  if string.sub(all[i], 1, 2) == 's:' then out[#out + 1] = all[i]; out[#out + 1] = all[i + 1] end
end
return out`;

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
  readonly #requests: string;
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
    this.#requests = `${options.prefix}cache:r:`;
    this.#limits = limits;
  }

  async ready(): Promise<void> {
    if (this.#redis.status === 'ready') return;
    await new Promise<void>((resolve) => this.#redis.once('ready', resolve));
  }

  async get(key: string): Promise<FoundEntry | undefined> {
    const fields = await this.#redis.hgetall(this.#prefix + key);
    const value = fields.v;
    if (value === undefined) return undefined;
    const names = Object.keys(fields).filter((field) => field.startsWith('s:'));
    if (names.length === 0) return { value };
    return { value, scores: Object.fromEntries(names.map((f) => [f.slice(2), Number(fields[f])])) };
  }

  async put(entry: StoredEntry): Promise<void> {
    const name = this.#prefix + entry.key;
    const multi = this.#redis
      .multi()
      // A new answer under a key starts without the scores of the one it replaces.
      .del(name)
      .hset(name, 'v', entry.value, 'm', entry.model, 't', entry.teamId, 'r', entry.requestId ?? '')
      .pexpireat(name, entry.expiresAt)
      .zadd(this.#index, entry.expiresAt, entry.key);
    if (entry.requestId) {
      const pointer = this.#requests + entry.requestId;
      multi.set(pointer, JSON.stringify([entry.key, entry.requestId])).pexpireat(pointer, entry.expiresAt);
    }
    await multi.exec();
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

  async rate(requestId: string, name: string, value: number): Promise<RatedEntry | undefined> {
    const pointer = await this.#redis.get(this.#requests + requestId);
    if (pointer === null) return undefined;
    const [key, source] = JSON.parse(pointer) as [string, string];
    const fields = (await this.#redis.eval(
      rateScript,
      1,
      this.#prefix + key,
      source,
      `s:${name}`,
      String(value),
    )) as string[] | null;
    if (!fields) return undefined;
    const scores: Record<string, number> = {};
    for (let i = 0; i < fields.length; i += 2) scores[fields[i]!.slice(2)] = Number(fields[i + 1]);
    return { key, scores };
  }

  async noteHit(requestId: string, sourceRequestId: string, key: string, expiresAt: number): Promise<void> {
    const pointer = this.#requests + requestId;
    await this.#redis
      .multi()
      .set(pointer, JSON.stringify([key, sourceRequestId]))
      .pexpireat(pointer, expiresAt)
      .exec();
  }

  async delete(key: string): Promise<boolean> {
    const [deleted] = await Promise.all([
      this.#redis.unlink(this.#prefix + key),
      this.#redis.zrem(this.#index, key),
    ]);
    return deleted > 0;
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
