// Counters in Redis, shared by every replica. Each check-and-reserve is one Lua script, so it is
// atomic across processes; windows are aligned on the Redis server's clock, so replicas with
// skewed clocks agree. (Window keys are derived inside the script: a single Redis, not a cluster.)
import { Redis } from 'ioredis';
import type { CounterDelta, CounterStore, Reservation, ReserveResult } from './types.ts';

// ARGV: per counter, amount, limit and window length (0 = none). Returns
// {1, values, resets} when every counter was incremented, {0, index, current, reset} when refused.
const reserveScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local names, values, resets = {}, {}, {}
for i = 1, #KEYS do
  local amount, limit, window = tonumber(ARGV[i*3-2]), tonumber(ARGV[i*3-1]), tonumber(ARGV[i*3])
  local name, reset = KEYS[i], -1
  if window > 0 then
    local w = math.floor(now / window)
    name = name .. ':w' .. w
    reset = (w + 1) * window - now
  end
  names[i], resets[i] = name, reset
  local current = tonumber(redis.call('GET', name) or '0')
  if current + amount > limit then return {0, i, current, reset} end
  values[i] = current
end
for i = 1, #KEYS do
  values[i] = redis.call('INCRBY', names[i], tonumber(ARGV[i*3-2]))
  if resets[i] >= 0 then redis.call('PEXPIRE', names[i], resets[i] + 1000) end
end
return {1, values, resets}
`;

// ARGV: per counter, delta and window length. Never below zero; a window keeps its expiry.
const adjustScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 1, #KEYS do
  local delta, window = tonumber(ARGV[i*2-1]), tonumber(ARGV[i*2])
  local name = KEYS[i]
  if window > 0 then name = name .. ':w' .. math.floor(now / window) end
  local value = redis.call('INCRBY', name, delta)
  if value < 0 then redis.call('SET', name, 0, 'KEEPTTL') end
  if window > 0 and redis.call('PTTL', name) < 0 then
    redis.call('PEXPIRE', name, (math.floor(now / window) + 1) * window - now + 1000)
  end
end
return 1
`;

type Scripted = Redis & {
  gatehouseReserve(count: number, ...args: Array<string | number>): Promise<unknown[]>;
  gatehouseAdjust(count: number, ...args: Array<string | number>): Promise<number>;
};

export async function createRedisCounterStore(
  url: string,
  options: { prefix?: string } = {},
): Promise<CounterStore> {
  const prefix = options.prefix ?? 'gatehouse:';
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
  }) as Scripted;
  redis.defineCommand('gatehouseReserve', { lua: reserveScript });
  redis.defineCommand('gatehouseAdjust', { lua: adjustScript });
  await redis.connect();
  const integer = (value: number, what: string) => {
    if (!Number.isSafeInteger(value)) throw new Error(`counter ${what} must be an integer, not ${value}`);
    return value;
  };

  return {
    async reserve(reservations: Reservation[]): Promise<ReserveResult> {
      const args: Array<string | number> = reservations.map((r) => prefix + r.key);
      for (const r of reservations)
        args.push(integer(r.amount, 'amount'), integer(r.limit, 'limit'), r.windowMs ?? 0);
      const reply = await redis.gatehouseReserve(reservations.length, ...args);
      if (reply[0] === 0) {
        const index = Number(reply[1]) - 1;
        const r = reservations[index]!;
        const reset = Number(reply[3]);
        return {
          ok: false,
          refusal: {
            key: r.key,
            limit: r.limit,
            current: Number(reply[2]),
            ...(reset >= 0 ? { resetMs: reset } : {}),
          },
          states: [],
        };
      }
      const values = reply[1] as number[];
      const resets = reply[2] as number[];
      return {
        ok: true,
        states: reservations.map((r, i) =>
          resets[i]! >= 0
            ? { key: r.key, value: Number(values[i]), resetMs: Number(resets[i]) }
            : { key: r.key, value: Number(values[i]) },
        ),
      };
    },
    async adjust(deltas: CounterDelta[]) {
      if (deltas.length === 0) return;
      const args: Array<string | number> = deltas.map((d) => prefix + d.key);
      for (const d of deltas) args.push(integer(d.delta, 'delta'), d.windowMs ?? 0);
      await redis.gatehouseAdjust(deltas.length, ...args);
    },
    async read(keys: string[]) {
      if (keys.length === 0) return [];
      const values = await redis.mget(...keys.map((k) => prefix + k));
      return values.map((v) => Number(v ?? 0));
    },
    async seed(key: string, value: number) {
      await redis.set(prefix + key, integer(value, 'seed'), 'NX');
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
