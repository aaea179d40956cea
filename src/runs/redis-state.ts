// Run counters in Redis, shared by every replica: each run is one hash, each step one Lua script
// (the same decision as state.ts's, atomic across processes, on the Redis server's clock).
import { Redis } from 'ioredis';
import type { Bound, RunStateStore, StepInput } from './state.ts';

const stepScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local k = KEYS[1]
local kind, fp = ARGV[1], ARGV[2]
local maxSteps, maxTools, maxCost = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local maxDur, maxRep, ttl = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local s = redis.call('HMGET', k, 'started', 'steps', 'tools', 'cost', 'last_' .. kind, 'rep_' .. kind, 'stopped')
local started = tonumber(s[1])
if not started then
  started = now
  redis.call('HSET', k, 'started', now)
end
redis.call('PEXPIRE', k, ttl)
if s[7] then return {0, s[7], tonumber(s[6]) or 0} end
if maxDur > 0 and now - started > maxDur then return {0, 'max_duration_s', now - started} end
local cost = tonumber(s[4]) or 0
if maxCost > 0 and cost >= maxCost then return {0, 'max_cost_usd', cost} end
local steps, tools = tonumber(s[2]) or 0, tonumber(s[3]) or 0
if kind == 'model' and maxSteps > 0 and steps >= maxSteps then return {0, 'max_steps', steps} end
if kind == 'tool' and maxTools > 0 and tools >= maxTools then return {0, 'max_tool_calls', tools} end
if fp ~= '' then
  local repeats = 1
  if s[5] == fp then repeats = (tonumber(s[6]) or 0) + 1 end
  if maxRep > 0 and repeats > maxRep then
    redis.call('HSET', k, 'stopped', 'max_repeats')
    return {0, 'max_repeats', repeats - 1}
  end
  redis.call('HSET', k, 'last_' .. kind, fp, 'rep_' .. kind, repeats)
end
if kind == 'model' then redis.call('HINCRBY', k, 'steps', 1) else redis.call('HINCRBY', k, 'tools', 1) end
return {1}
`;

const costScript = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[1], 'cost', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

type Scripted = Redis & {
  gatehouseRunStep(...args: Array<string | number>): Promise<[number, string?, number?]>;
  gatehouseRunCost(...args: Array<string | number>): Promise<number>;
};

export interface RedisRunOptions {
  prefix?: string;
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
}

/** Connects lazily: a gateway whose callers never name a run opens no connection for runs. */
export function createRedisRunStore(url: string, options: RedisRunOptions = {}): RunStateStore {
  const prefix = `${options.prefix ?? 'gatehouse:'}run:`;
  let client: { redis: Scripted; ready: Promise<void> } | undefined;
  // Commands are not queued while Redis is away: a call fails at once and the guard's failure mode
  // applies, instead of calls waiting out the command timeout one after another.
  const redis = async (): Promise<Scripted> => {
    if (!client) {
      const created = new Redis(url, {
        lazyConnect: true,
        commandTimeout: options.commandTimeoutMs ?? 2_000,
        connectTimeout: options.connectTimeoutMs ?? 1_000,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        autoResendUnfulfilledCommands: false,
        retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
      }) as Scripted;
      created.on('error', () => {});
      created.defineCommand('gatehouseRunStep', { lua: stepScript, numberOfKeys: 1 });
      created.defineCommand('gatehouseRunCost', { lua: costScript, numberOfKeys: 1 });
      client = { redis: created, ready: created.connect().catch(() => {}) };
    }
    await client.ready;
    return client.redis;
  };
  return {
    async step(run: string, input: StepInput) {
      const l = input.limits;
      const reply = await (await redis()).gatehouseRunStep(
        prefix + run,
        input.kind,
        input.fingerprint,
        l.steps ?? 0,
        l.toolCalls ?? 0,
        l.costMicros ?? 0,
        l.durationMs ?? 0,
        l.repeats ?? 0,
        Math.max(1, Math.round(input.ttlMs)),
      );
      if (Number(reply[0]) === 1) return { ok: true };
      return { ok: false, bound: reply[1] as Bound, value: Number(reply[2] ?? 0) };
    },
    async addCost(run, micros, ttlMs) {
      if (micros <= 0) return;
      await (await redis()).gatehouseRunCost(
        prefix + run,
        Math.round(micros),
        Math.max(1, Math.round(ttlMs)),
      );
    },
    async read(run) {
      const h = await (await redis()).hgetall(prefix + run);
      if (!h.started) return null;
      return {
        startedAt: Number(h.started),
        steps: Number(h.steps ?? 0),
        toolCalls: Number(h.tools ?? 0),
        costMicros: Number(h.cost ?? 0),
        stopped: (h.stopped as Bound | undefined) ?? null,
      };
    },
    async close() {
      const open = client?.redis;
      await open?.quit().catch(() => open.disconnect());
    },
  };
}
