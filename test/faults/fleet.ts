// A fleet for fault tests: three gateway processes on a fresh PostgreSQL database and a private
// redis-server (so that it can be flushed, cut off or killed without disturbing anyone else), each
// reached through a TCP proxy the test controls, in front of a slow OpenAI-compatible upstream
// whose calls cost exactly one cent each.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { after, before } from 'node:test';
import pg from 'pg';
import { type RunningGatehouse, startGatehouse } from '../helpers/cli.ts';
import { freshPostgres, type TestDatabase } from '../helpers/database.ts';
import { redisUrl } from '../helpers/redis.ts';
import { countedCompletion } from '../upstreams/server.ts';
import { serviceAddress, startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

export const masterKey = 'gh-fault-test-master';
/** The mock's "hello" is 3 input tokens; at this price (output free) every call costs one cent. */
const centPerCall = { input_per_mtok: 10_000 / 3, output_per_mtok: 0 };

export interface PrivateRedis {
  url: string;
  client: Redis;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createTcpServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  // Never outlive the test, whatever way it ends.
  process.once('exit', () => child.kill('SIGKILL'));
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  for (let i = 0; ; i++) {
    try {
      await client.connect();
      await client.ping();
      break;
    } catch (err) {
      if (i > 50) throw err;
      client.disconnect();
      await sleep(100);
    }
  }
  return {
    url,
    client,
    async stop() {
      client.disconnect();
      child.kill('SIGKILL');
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The upstream: answers after `delayMs`, counting the calls it holds. */
export interface Upstream {
  url: string;
  delayMs: number;
  inFlight: number;
  close(): void;
}

async function startUpstream(): Promise<Upstream> {
  const state = { delayMs: 0, inFlight: 0 };
  const server: Server = createServer(async (req, res) => {
    for await (const _ of req) {
      // drain the body
    }
    state.inFlight++;
    // A caller that goes away (a killed replica) ends the wait, so held calls are counted truly.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, state.delayMs);
      res.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    state.inFlight--;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(countedCompletion);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return Object.assign(state, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    close: () => server.close(),
  });
}

export interface Fleet {
  replicas: RunningGatehouse[];
  upstream: Upstream;
  redis: PrivateRedis;
  postgres: TestDatabase;
  db: pg.Pool;
  /** Between the replicas and PostgreSQL, and between the replicas and Redis. */
  storeProxy: TcpProxy;
  redisProxy: TcpProxy;
  /** Starts again every replica that was killed. */
  revive(): Promise<void>;
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

/** A fresh PostgreSQL database for a suite, and why the suite must skip (no PostgreSQL or Redis here). */
export async function faultServices(): Promise<{ postgres: TestDatabase; skip: string | false }> {
  const postgres = await freshPostgres();
  // The private Redis is a redis-server of our own; the shared one answering says Redis is expected here.
  const installed = spawnSync('redis-server', ['--version']).status === 0 && (await redisUrl()) !== undefined;
  return {
    postgres,
    skip: postgres.skip ?? (installed ? false : 'redis-server is not installed here; skipping'),
  };
}

/** Starts a fleet before the suite's tests, stops it and drops its database after them. */
export function useFleet(
  postgres: TestDatabase,
  governance: (index: number) => Record<string, unknown>,
): () => Fleet {
  let fleet: Fleet | undefined;
  before(async () => {
    fleet = await startFleet(governance, postgres);
  });
  after(async () => {
    await fleet?.stop();
    await postgres.drop();
  });
  return () => fleet!;
}

/** `governance(i)` is replica i's `governance` block (e.g. its failure mode). */
export async function startFleet(
  governance: (index: number) => Record<string, unknown>,
  postgres: TestDatabase,
): Promise<Fleet> {
  const upstream = await startUpstream();
  const redis = await startPrivateRedis();
  const storeProxy = await startTcpProxy(serviceAddress(postgres.url!));
  const redisProxy = await startTcpProxy(serviceAddress(redis.url, 6379));
  const cwd = mkdtempSync(join(tmpdir(), 'gatehouse-faults-'));
  const env = {
    GATEHOUSE_DATABASE_URL: storeProxy.proxied(postgres.url!),
    GATEHOUSE_REDIS_URL: redisProxy.proxied(redis.url),
    GATEHOUSE_MASTER_KEY: masterKey,
  };
  const start = (index: number) => {
    const file = `gatehouse-${index}.yaml`;
    writeFileSync(
      join(cwd, file),
      JSON.stringify({
        server: { max_event_loop_lag_ms: 0 },
        providers: { counted: { type: 'openai-compatible', base_url: upstream.url } },
        models: { counted: { targets: [{ provider: 'counted', model: 'counted' }] } },
        prices: { counted: centPerCall },
        governance: governance(index),
      }),
    );
    return startGatehouse(['--config', file], { cwd, env });
  };
  const replicas: RunningGatehouse[] = [];
  const db = new pg.Pool({ connectionString: postgres.url!, max: 2 });
  // An idle client's connection can be ended by the server (the database dropped WITH (FORCE) at the
  // end, a backend restart); the pool reports it as an event, which unheard would end the test run.
  // A query's own error still reaches its caller.
  db.on('error', () => {});
  const fleet: Fleet = {
    replicas,
    upstream,
    redis,
    postgres,
    db,
    storeProxy,
    redisProxy,
    async revive() {
      for (const [i, replica] of replicas.entries())
        if (replica.process.exitCode !== null || replica.process.signalCode !== null)
          replicas[i] = await start(i);
    },
    async admin(method, path, body) {
      const res = await fetch(replicas[0]!.url + path, {
        method,
        headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as any };
    },
    async stop() {
      for (const replica of replicas) replica.process.kill('SIGKILL');
      upstream.close();
      await storeProxy.close();
      await redisProxy.close();
      await redis.stop();
      await db.end();
    },
  };
  try {
    // One after the other, so that only the first applies the migrations.
    for (let i = 0; i < 3; i++) replicas.push(await start(i));
  } catch (err) {
    await fleet.stop();
    throw err;
  }
  return fleet;
}

export interface Answer {
  status: number;
  /** The error code from the body, when there is one. */
  code?: string;
  retryAfter?: string | null;
  ms: number;
}

/** One chat call to a replica; a reset connection or a 10-second wait counts as status 0. */
export async function call(
  fleet: Fleet,
  replica: number,
  key: string,
  options: { timeoutMs?: number } = {},
): Promise<Answer> {
  const started = performance.now();
  try {
    const res = await fetch(`${fleet.replicas[replica]!.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'counted',
        max_tokens: 20,
        messages: [{ role: 'user', content: 'hello' }],
      }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    const body = (await res.json()) as { error?: { code?: string } };
    const answer: Answer = {
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      ms: performance.now() - started,
    };
    if (body.error?.code) answer.code = body.error.code;
    return answer;
  } catch {
    return { status: 0, ms: performance.now() - started };
  }
}

/** Answers counted by status (0: reset or no answer); a 5xx also names its code (`503 store_unavailable`). */
export function byStatus(answers: Answer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of answers) {
    const name = a.status >= 500 && a.code ? `${a.status} ${a.code}` : String(a.status);
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

export async function createKey(
  fleet: Fleet,
  name: string,
  rules: Record<string, unknown>,
): Promise<{ id: string; key: string }> {
  const teams = await fleet.admin('GET', '/admin/teams');
  if (!teams.body.data.some((t: { name: string }) => t.name === 'faults'))
    await fleet.admin('POST', '/admin/teams', { name: 'faults' });
  const created = await fleet.admin('POST', '/admin/keys', { name, team: 'faults', ...rules });
  if (created.status !== 201) throw new Error(`key not created: ${JSON.stringify(created.body)}`);
  return { id: created.body.id, key: created.body.key };
}

/** Spend the database holds for a key's `total` budget, in micro-dollars. */
export async function storedSpend(fleet: Fleet, keyId: string): Promise<number> {
  const { rows } = await fleet.db.query(
    "SELECT spent_micros FROM spend WHERE scope = 'key' AND scope_id = $1 AND period = 'total'",
    [keyId],
  );
  return Number(rows[0]?.spent_micros ?? 0);
}

export async function storedEvents(fleet: Fleet, keyId: string): Promise<Record<string, number>> {
  const { rows } = await fleet.db.query(
    'SELECT status, count(*)::int AS n FROM request_events WHERE key_id = $1 GROUP BY status',
    [keyId],
  );
  return Object.fromEntries(rows.map((r) => [String(r.status), Number(r.n)]));
}

/** A key's `total` budget counter in Redis: settled spend and what leases hold, in micro-dollars. */
export async function budgetCounter(
  fleet: Fleet,
  keyId: string,
): Promise<{ settled: number | null; held: number }> {
  const base = `gatehouse:budget:key:${keyId}:total:0`;
  const [settled, held] = await fleet.redis.client.mget(base, `${base}:held`);
  return { settled: settled === null ? null : Number(settled), held: Number(held ?? 0) };
}

/** Polls `check` every 100 ms until it holds; returns the milliseconds it took, or throws after `limitMs`. */
export async function until(what: string, check: () => Promise<boolean>, limitMs = 20_000): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > limitMs) throw new Error(`${what}: not within ${limitMs} ms`);
    await sleep(100);
  }
  return Math.round(performance.now() - started);
}

/** Prints one fault's figures, the way docs/operations.md quotes them. */
export function report(fault: string, figures: Record<string, unknown>): void {
  console.log(`FAULT REPORT ${fault}: ${JSON.stringify(figures)}`);
}
