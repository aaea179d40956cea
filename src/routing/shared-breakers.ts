// Circuit breakers shared by every replica through Redis (GATEHOUSE_REDIS_URL). Each replica keeps
// deciding from its own breakers, so the request path never waits for Redis; what Redis adds:
//  - failures are counted across replicas (one sorted set per target, trimmed to the window), and
//    the replica whose failure crosses the threshold marks the target open for the cooldown;
//  - a replica that opens a breaker (or closes one after a successful probe) writes it at once;
//  - every replica reads those marks every `syncMs` and follows them, and writes again an open
//    breaker whose mark is missing (written while Redis was away).
// Times in Redis are the Redis server's clock. If Redis fails, breakers stay per replica until it
// is back (a line is logged once per outage).
import { Redis } from 'ioredis';
import type { BreakerSettings } from './breaker.ts';
import type { RoutingState, TargetState } from './state.ts';

// KEYS: failures set, open mark. ARGV: threshold, window ms, cooldown ms, member suffix.
// Returns 1 when this failure opened the target.
const failScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local threshold, window, cooldown = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('ZADD', KEYS[1], now, now .. ':' .. ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('PEXPIRE', KEYS[1], window)
if redis.call('ZCARD', KEYS[1]) >= threshold then
  redis.call('SET', KEYS[2], cooldown, 'PX', cooldown)
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`;

type Scripted = Redis & {
  gatehouseBreakerFail(
    failures: string,
    open: string,
    threshold: number,
    window: number,
    cooldown: number,
    member: string,
  ): Promise<number>;
};

export interface SharedBreakerOptions {
  prefix?: string;
  syncMs?: number;
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  log?: (line: string) => void;
}

export class SharedBreakers {
  readonly #redis: Scripted;
  readonly #state: RoutingState;
  readonly #prefix: string;
  readonly #log: (line: string) => void;
  readonly #unlisten: () => void;
  readonly #timer: NodeJS.Timeout;
  /** Per target: when this replica last heard from Redis that it was closed (Redis ms). */
  readonly #closedSeen = new Map<TargetState, number>();
  #failing = false;
  readonly #connected: Promise<boolean>;
  #seq = 0;
  #syncing = false;

  constructor(url: string, state: RoutingState, options: SharedBreakerOptions = {}) {
    this.#state = state;
    this.#prefix = `${options.prefix ?? 'gatehouse:'}breaker:`;
    this.#log = options.log ?? (() => {});
    this.#redis = new Redis(url, {
      lazyConnect: true,
      commandTimeout: options.commandTimeoutMs ?? 2_000,
      connectTimeout: options.connectTimeoutMs ?? 1_000,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
    }) as Scripted;
    this.#redis.on('error', () => {});
    this.#redis.defineCommand('gatehouseBreakerFail', { numberOfKeys: 2, lua: failScript });
    this.#connected = this.#redis.connect().then(
      () => true,
      (err: Error) => {
        this.#trouble(err);
        return false;
      },
    );
    this.#unlisten = state.listen({
      failed: (target, settings) => this.#failed(target, settings),
      opened: (target, settings) => this.#opened(target, settings),
      closed: (target) => this.#closed(target),
    });
    this.#timer = setInterval(() => void this.sync(), options.syncMs ?? 1_000);
    this.#timer.unref();
  }

  /** Whether the first connection succeeded (the gateway waits for it at start, as for the counters). */
  ready(): Promise<boolean> {
    return this.#connected;
  }

  #key(target: TargetState, kind: 'open' | 'fails' | 'closed'): string {
    return `${this.#prefix}${kind}:${target.provider}/${target.model}`;
  }

  #failed(target: TargetState, settings: BreakerSettings): void {
    const member = `${process.pid}-${++this.#seq}-${Math.random().toString(36).slice(2, 8)}`;
    this.#redis
      .gatehouseBreakerFail(
        this.#key(target, 'fails'),
        this.#key(target, 'open'),
        settings.threshold,
        Math.round(settings.windowMs),
        Math.round(settings.cooldownMs),
        member,
      )
      .then((opened) => {
        this.#ok();
        // Other replicas' failures made up the count: open here too.
        if (opened === 1 && target.breaker.phase !== 'open') {
          target.breaker.open(performance.now(), settings.cooldownMs);
        }
      })
      .catch((err: Error) => this.#trouble(err));
  }

  #opened(target: TargetState, settings: BreakerSettings): void {
    const cooldown = Math.round(settings.cooldownMs);
    this.#redis
      .set(this.#key(target, 'open'), cooldown, 'PX', Math.max(1, cooldown))
      .then(() => this.#ok())
      .catch((err: Error) => this.#trouble(err));
  }

  #closed(target: TargetState): void {
    this.#redis
      .multi()
      .del(this.#key(target, 'open'), this.#key(target, 'fails'))
      .set(this.#key(target, 'closed'), Date.now(), 'PX', 3_600_000)
      .exec()
      .then(() => this.#ok())
      .catch((err: Error) => this.#trouble(err));
  }

  /** Follows the marks in Redis: opens what another replica opened, closes what another closed. */
  async sync(): Promise<void> {
    if (this.#syncing || this.#redis.status !== 'ready') return;
    this.#syncing = true;
    try {
      const targets = [...this.#state.all()];
      if (targets.length === 0) return;
      const batch = this.#redis.pipeline();
      for (const t of targets) {
        batch.pttl(this.#key(t, 'open'));
        batch.get(this.#key(t, 'open'));
        batch.get(this.#key(t, 'closed'));
      }
      const replies = (await batch.exec()) ?? [];
      this.#ok();
      const now = performance.now();
      const repairs = this.#redis.pipeline();
      let repaired = false;
      targets.forEach((target, i) => {
        const ttl = Number(replies[i * 3]?.[1] ?? -2);
        const cooldown = Number(replies[i * 3 + 1]?.[1] ?? 0);
        const closedAt = Number(replies[i * 3 + 2]?.[1] ?? 0);
        const breaker = target.breaker;
        // A closed mark newer than the last one seen: another replica's probe succeeded.
        const seen = this.#closedSeen.get(target);
        const closedElsewhere = seen !== undefined && closedAt > seen;
        if (seen === undefined || closedAt > seen) this.#closedSeen.set(target, closedAt);
        if (ttl > 0 && cooldown > 0) {
          // Open elsewhere: open here for what is left of its cooldown.
          if (breaker.phase === 'closed') breaker.open(now - (cooldown - ttl), cooldown);
          return;
        }
        if (closedElsewhere && breaker.phase !== 'closed') {
          breaker.reset();
          return;
        }
        // Open here but not in Redis (its write was lost while Redis was away): write it again.
        const remaining = breaker.remainingMs(now);
        if (breaker.phase === 'open' && remaining > 0) {
          repairs.set(this.#key(target, 'open'), Math.round(breaker.cooldownMs), 'PX', Math.ceil(remaining));
          repaired = true;
        }
      });
      if (repaired) await repairs.exec();
    } catch (err) {
      this.#trouble(err as Error);
    } finally {
      this.#syncing = false;
    }
  }

  #ok(): void {
    if (!this.#failing) return;
    this.#failing = false;
    this.#log('Redis answers again: circuit breakers are shared across replicas once more.');
  }

  #trouble(err: Error): void {
    if (this.#failing) return;
    this.#failing = true;
    this.#log(`WARNING: circuit breakers are per replica until Redis answers again (${err.message}).`);
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#unlisten();
    this.#redis.disconnect();
  }
}
