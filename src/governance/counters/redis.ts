// Counters in Redis, shared by every replica. Each operation is one Lua script, so it is atomic
// across processes; windows and lease expiries are on the Redis server's clock, so replicas with
// skewed clocks agree. (Derived keys are built inside the scripts: a single Redis, not a cluster.)
//
// A counter without a window is three keys: `K` the settled value (budgets: spend loaded from the
// database, plus charges), `K:held` the sum of what leases hold, and `K:leases` a sorted set of
// `lease|amount` scored by the lease's expiry. Every script that reads a counter first trims the
// leases that expired, so what a killed replica held is given back without anyone's help.
import { Redis } from 'ioredis';
import type {
  CounterDelta,
  CounterStore,
  Hold,
  Lease,
  Release,
  Reservation,
  ReserveResult,
} from './types.ts';

const clock = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

// Shared by the scripts below (after the clock). Leases live a minute past their last renewal at
// most, so abandoned keys go away by themselves.
const leaseFunctions = `
local function keep(base, ttl)
  redis.call('PEXPIRE', base .. ':leases', ttl + 60000)
  redis.call('PEXPIRE', base .. ':held', ttl + 60000)
end
local function lower(name, by)
  if redis.call('DECRBY', name, by) < 0 then redis.call('SET', name, 0, 'KEEPTTL') end
end
-- Gives back what expired leases held: the sum of their amounts (the member's suffix).
local function trim(base)
  local expired = redis.call('ZRANGEBYSCORE', base .. ':leases', '-inf', now)
  if #expired == 0 then return end
  local sum = 0
  for _, member in ipairs(expired) do sum = sum + tonumber(string.match(member, '|(%d+)$')) end
  redis.call('ZREMRANGEBYSCORE', base .. ':leases', '-inf', now)
  lower(base .. ':held', sum)
end
`;

// ARGV: lease id, ttl, then per counter amount, limit, window (0 = none), seeded (0/1). Returns
// {1, values, resets} when every counter was added to, {0, index, current, reset} when refused,
// {2, indexes} when settled values must be loaded first.
const reserveScript = `${clock}${leaseFunctions}
local lease, ttl = ARGV[1], tonumber(ARGV[2])
local names, values, resets, unseeded = {}, {}, {}, {}
for i = 1, #KEYS do
  local o = (i - 1) * 4 + 2
  local window, seeded = tonumber(ARGV[o + 3]), ARGV[o + 4] == '1'
  local base = KEYS[i]
  resets[i] = -1
  if window > 0 then
    local w = math.floor(now / window)
    names[i] = base .. ':w' .. w
    resets[i] = (w + 1) * window - now
    values[i] = tonumber(redis.call('GET', names[i]) or '0')
  else
    trim(base)
    values[i] = tonumber(redis.call('GET', base .. ':held') or '0')
    if seeded then
      local settled = redis.call('GET', base)
      if settled then values[i] = values[i] + tonumber(settled) else unseeded[#unseeded + 1] = i end
    end
  end
end
if #unseeded > 0 then return {2, unseeded} end
for i = 1, #KEYS do
  local o = (i - 1) * 4 + 2
  if values[i] + tonumber(ARGV[o + 1]) > tonumber(ARGV[o + 2]) then return {0, i, values[i], resets[i]} end
end
for i = 1, #KEYS do
  local o = (i - 1) * 4 + 2
  local amount = tonumber(ARGV[o + 1])
  if resets[i] >= 0 then
    values[i] = redis.call('INCRBY', names[i], amount)
    redis.call('PEXPIRE', names[i], resets[i] + 1000)
  else
    local base = KEYS[i]
    redis.call('ZADD', base .. ':leases', now + ttl, lease .. '|' .. amount)
    redis.call('INCRBY', base .. ':held', amount)
    keep(base, ttl)
    values[i] = values[i] + amount
  end
end
return {1, values, resets}
`;

// KEYS: released counters, then corrected windowed counters. ARGV: lease id, number of releases,
// per release amount and charge, then per correction delta and window.
const releaseScript = `${clock}${leaseFunctions}
local lease, n = ARGV[1], tonumber(ARGV[2])
local found = n == 0
for i = 1, n do
  local base, amount, charge = KEYS[i], ARGV[i * 2 + 1], tonumber(ARGV[i * 2 + 2])
  if redis.call('ZREM', base .. ':leases', lease .. '|' .. amount) == 1 then
    found = true
    lower(base .. ':held', tonumber(amount))
    if charge ~= 0 and redis.call('EXISTS', base) == 1 then redis.call('INCRBY', base, charge) end
  end
end
if not found then return 0 end
for i = n + 1, #KEYS do
  local o = n * 2 + 2 + (i - n - 1) * 2
  local delta, window = tonumber(ARGV[o + 1]), tonumber(ARGV[o + 2])
  local name = KEYS[i] .. ':w' .. math.floor(now / window)
  if redis.call('EXISTS', name) == 1 then lower(name, -delta) end
end
return 1
`;

// KEYS: the replicas set, then one counter per hold. ARGV: replica id, ttl, then per hold its member.
const renewScript = `${clock}${leaseFunctions}
local ttl = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('PEXPIRE', KEYS[1], ttl + 60000)
for i = 2, #KEYS do
  if redis.call('ZADD', KEYS[i] .. ':leases', 'XX', 'GT', 'CH', now + ttl, ARGV[i + 1]) == 1 then keep(KEYS[i], ttl) end
end
return redis.call('ZCARD', KEYS[1])
`;

// ARGV: per key value and ttl (0 = keep). Never lowers a value.
const raiseScript = `
for i = 1, #KEYS do
  local value, ttl = tonumber(ARGV[i * 2 - 1]), tonumber(ARGV[i * 2])
  local current = redis.call('GET', KEYS[i])
  if not current then
    if ttl > 0 then redis.call('SET', KEYS[i], value, 'PX', ttl) else redis.call('SET', KEYS[i], value) end
  elseif tonumber(current) < value then
    redis.call('SET', KEYS[i], value, 'KEEPTTL')
  end
end
return 1
`;

// Settled plus held, after trimming expired leases' holds out of the sum.
const readScript = `${clock}${leaseFunctions}
local values = {}
for i = 1, #KEYS do
  local base = KEYS[i]
  trim(base)
  values[i] = tonumber(redis.call('GET', base) or '0') + tonumber(redis.call('GET', base .. ':held') or '0')
end
return values
`;

type Args = Array<string | number>;
type Scripted = Redis & {
  gatehouseReserve(count: number, ...args: Args): Promise<unknown[]>;
  gatehouseRelease(count: number, ...args: Args): Promise<number>;
  gatehouseRenew(count: number, ...args: Args): Promise<number>;
  gatehouseRaise(count: number, ...args: Args): Promise<number>;
  gatehouseRead(count: number, ...args: Args): Promise<number[]>;
};

export interface RedisCounterOptions {
  prefix?: string;
  /** Longest wait for one command; a black-holed Redis fails a call in this time, never hangs it. */
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  log?: (line: string) => void;
}

export async function createRedisCounterStore(
  url: string,
  options: RedisCounterOptions = {},
): Promise<CounterStore> {
  const prefix = options.prefix ?? 'gatehouse:';
  const commandTimeout = options.commandTimeoutMs ?? 2_000;
  const redis = new Redis(url, {
    lazyConnect: true,
    commandTimeout,
    connectTimeout: options.connectTimeoutMs ?? 1_000,
    // No offline queue and no retries per command: while Redis is away a command fails at once and
    // the governor applies the configured failure mode, instead of requests piling up behind it.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // A command that timed out was reported failed; sent again after a reconnect it could charge
    // a spend that reconciliation has already brought in.
    autoResendUnfulfilledCommands: false,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
  }) as Scripted;
  redis.on('error', () => {});
  redis.defineCommand('gatehouseReserve', { lua: reserveScript });
  redis.defineCommand('gatehouseRelease', { lua: releaseScript });
  redis.defineCommand('gatehouseRenew', { lua: renewScript });
  redis.defineCommand('gatehouseRaise', { lua: raiseScript });
  redis.defineCommand('gatehouseRead', { lua: readScript });
  try {
    await redis.connect();
  } catch (err) {
    // The gateway still starts (and keeps reconnecting): until Redis answers, the failure mode applies.
    options.log?.(`WARNING: Redis is not reachable (${(err as Error).message}); retrying in the background.`);
  }

  return {
    async reserve(lease: Lease, reservations: Reservation[]): Promise<ReserveResult> {
      const args: Args = reservations.map((r) => prefix + r.key);
      args.push(lease.id, lease.ttlMs);
      for (const r of reservations)
        args.push(integer(r.amount, 'amount'), integer(r.limit, 'limit'), r.windowMs ?? 0, r.seeded ? 1 : 0);
      const reply = await redis.gatehouseReserve(reservations.length, ...args);
      if (reply[0] === 2) {
        return {
          ok: false,
          states: [],
          unseeded: (reply[1] as number[]).map((i) => reservations[i - 1]!.key),
        };
      }
      if (reply[0] === 0) {
        const r = reservations[Number(reply[1]) - 1]!;
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
    async release(lease: Lease, releases: Release[], corrections: CounterDelta[]) {
      if (releases.length === 0 && corrections.length === 0) return;
      const args: Args = [...releases, ...corrections].map((r) => prefix + r.key);
      args.push(lease.id, releases.length);
      for (const r of releases) args.push(integer(r.amount, 'amount'), integer(r.charge ?? 0, 'charge'));
      for (const c of corrections) args.push(integer(c.delta, 'delta'), c.windowMs);
      await redis.gatehouseRelease(releases.length + corrections.length, ...args);
    },
    async renew(replica: string, ttlMs: number, holds: Hold[]) {
      const args: Args = [`${prefix}replicas`, ...holds.map((h) => prefix + h.key), replica, ttlMs];
      for (const h of holds) args.push(`${h.lease}|${h.amount}`);
      return Number(await redis.gatehouseRenew(holds.length + 1, ...args));
    },
    async read(keys: string[]) {
      if (keys.length === 0) return [];
      return (await redis.gatehouseRead(keys.length, ...keys.map((k) => prefix + k))).map(Number);
    },
    async raise(values) {
      if (values.length === 0) return;
      const args: Args = values.map((v) => prefix + v.key);
      for (const v of values) args.push(integer(v.value, 'value'), Math.max(0, Math.round(v.ttlMs ?? 0)));
      await redis.gatehouseRaise(values.length, ...args);
    },
    async claim(key: string, ttlMs: number) {
      return (await redis.set(prefix + key, 1, 'PX', Math.max(1, Math.round(ttlMs)), 'NX')) === 'OK';
    },
    async ping() {
      await redis.ping();
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

function integer(value: number, what: string): number {
  if (!Number.isSafeInteger(value)) throw new Error(`counter ${what} must be an integer, not ${value}`);
  return value;
}
