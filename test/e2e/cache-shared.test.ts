// The response cache across replicas and through outages: two gateways sharing Redis (each with its
// own SQLite file) or sharing PostgreSQL serve each other's entries; with Redis or PostgreSQL cut
// off, requests still succeed, uncached, and caching resumes when the service returns.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { Gateway } from '../../src/server/index.ts';
import { freshPostgres, type TestDatabase } from '../helpers/database.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { redisUrl } from '../helpers/redis.ts';
import { serviceAddress, startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { until } from '../helpers/until.ts';
import { startOpenAIUpstream } from '../upstreams/openai.ts';
import type { MockUpstream } from '../upstreams/server.ts';

const redis = await redisUrl();
let upstream: MockUpstream;

before(async () => {
  upstream = await startOpenAIUpstream();
});
after(async () => {
  await upstream?.close();
});

/** A configuration whose cache keys in Redis begin with a prefix of this run's own. */
function config(prefix = `gh-cache-test-${randomBytes(4).toString('hex')}:`) {
  return {
    providers: { openai: { type: 'openai', base_url: `${upstream.url}/v1`, api_key: 'sk-upstream' } },
    models: { gpt: { targets: [{ provider: 'openai', model: 'gpt-4.1-mini' }] } },
    cache: { redis_prefix: prefix, lookup_timeout_ms: 200 },
  };
}

async function ask(gateway: Gateway, prompt: string, stream = false) {
  const client = new OpenAI({ apiKey: testMasterKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  const messages = [{ role: 'user' as const, content: prompt }];
  if (stream) {
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt', max_tokens: 50, messages, stream: true })
      .withResponse();
    let text = '';
    for await (const chunk of data) text += chunk.choices[0]?.delta.content ?? '';
    return { text, cache: response.headers.get('x-gatehouse-cache') };
  }
  const { data, response } = await client.chat.completions
    .create({ model: 'gpt', max_tokens: 50, messages })
    .withResponse();
  return { text: data.choices[0]!.message.content ?? '', cache: response.headers.get('x-gatehouse-cache') };
}

/**
 * Asks until the answer is a hit (a write to a shared store lands just after the caller has its
 * answer; a reconnecting client takes its time), for at most `ms`.
 */
async function hitWithin(gateway: Gateway, question: string, ms: number) {
  const end = Date.now() + ms;
  for (;;) {
    const answer = await ask(gateway, question);
    if (answer.cache === 'hit' || Date.now() > end) return answer;
    await until(() => false, 50);
  }
}

/** DELETE /admin/cache with a query; resolves to how many entries went. */
async function purged(gateway: Gateway, query: string): Promise<number> {
  const res = await fetch(`${gateway.url}/admin/cache?${query}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${testMasterKey}` },
  });
  const body = (await res.json()) as { deleted: number };
  assert.equal(res.status, 200, JSON.stringify(body));
  return body.deleted;
}

/** Purges what a test stored in the shared Redis, then stops the gateways. */
async function stopAll(gateways: Gateway[]): Promise<void> {
  const first = gateways[0];
  if (first)
    await fetch(`${first.url}/admin/cache`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${testMasterKey}` },
    }).catch(() => undefined);
  for (const gateway of gateways) await gateway.stop(0);
}

const prompt = (what: string) => `${what} ${randomBytes(6).toString('hex')}`;

describe('two replicas sharing Redis', { skip: redis ? false : 'Redis is not running; skipping' }, () => {
  const gateways: Gateway[] = [];
  before(async () => {
    const shared = config();
    // Each replica has its own SQLite store: only Redis is shared.
    for (let i = 0; i < 2; i++) gateways.push(await startTestGateway(shared, { redisUrl: redis! }));
  });
  after(() => stopAll(gateways));

  test('an answer stored through one replica is served by the other', async () => {
    const question = prompt('Shared through Redis.');
    const first = await ask(gateways[0]!, question);
    assert.equal(first.cache, 'miss');
    const second = await hitWithin(gateways[1]!, question, 1000);
    assert.equal(second.cache, 'hit');
    assert.equal(second.text, first.text);
    const calls = upstream.requests.length;
    const streamed = await ask(gateways[0]!, question, true);
    assert.equal(streamed.cache, 'hit');
    assert.equal(streamed.text, first.text);
    assert.equal(upstream.requests.length, calls);
    await purged(gateways[1]!, 'model=gpt');
    assert.equal((await ask(gateways[0]!, question)).cache, 'miss', 'purged for every replica');
  });
});

describe('two replicas sharing PostgreSQL without Redis', () => {
  let postgres: TestDatabase;
  const gateways: Gateway[] = [];
  before(async () => {
    postgres = await freshPostgres();
    if (postgres.skip) return;
    for (let i = 0; i < 2; i++)
      gateways.push(await startTestGateway(config(), { databaseUrl: postgres.url! }));
  });
  after(async () => {
    for (const gateway of gateways) await gateway.stop(0);
    await postgres?.drop();
  });

  test('an answer stored through one replica is served by the other', async (t) => {
    if (postgres.skip) return t.skip(postgres.skip);
    const question = prompt('Shared through PostgreSQL.');
    const first = await ask(gateways[0]!, question, true);
    assert.equal(first.cache, 'miss');
    const second = await hitWithin(gateways[1]!, question, 1000);
    assert.equal(second.cache, 'hit');
    assert.equal(second.text, first.text);
    await purged(gateways[0]!, 'team=team_someone_else');
    assert.equal((await ask(gateways[0]!, question)).cache, 'hit', "another team's purge leaves it");
    await purged(gateways[0]!, 'model=gpt');
    assert.equal((await ask(gateways[1]!, question)).cache, 'miss', 'purged for every replica');
  });
});

describe('Redis down', { skip: redis ? false : 'Redis is not running; skipping' }, () => {
  let proxy: TcpProxy;
  let gateway: Gateway;
  before(async () => {
    proxy = await startTcpProxy(serviceAddress(redis!, 6379));
    gateway = await startTestGateway(config(), { redisUrl: proxy.proxied(redis!) });
  });
  after(async () => {
    if (gateway) await stopAll([gateway]);
    await proxy?.close();
  });

  test('requests still succeed, uncached, and caching resumes when Redis returns', async () => {
    const question = prompt('Through an outage.');
    assert.equal((await ask(gateway, question)).cache, 'miss');
    assert.equal((await hitWithin(gateway, question, 1000)).cache, 'hit');
    proxy.cut();
    const calls = upstream.requests.length;
    const during = await ask(gateway, question);
    assert.equal(during.cache, 'miss', 'the lookup failed: the request went upstream');
    assert.equal(upstream.requests.length, calls + 1);
    const streamed = await ask(gateway, prompt('Streamed through an outage.'), true);
    assert.ok(streamed.text.length > 0);
    proxy.restore();
    // ioredis reconnects on its own schedule (at most a second apart).
    const back = await hitWithin(gateway, question, 3000);
    assert.equal(back.cache, 'hit', 'the entry stored before the outage is served again');
  });
});

describe('PostgreSQL down', () => {
  let postgres: TestDatabase;
  let proxy: TcpProxy;
  let gateway: Gateway;
  before(async () => {
    postgres = await freshPostgres();
    if (postgres.skip) return;
    proxy = await startTcpProxy(serviceAddress(postgres.url!));
    gateway = await startTestGateway(config(), { databaseUrl: proxy.proxied(postgres.url!) });
  });
  after(async () => {
    await gateway?.stop(0);
    await proxy?.close();
    await postgres?.drop();
  });

  test('requests still succeed, uncached, while the store is cut off', async (t) => {
    if (postgres.skip) return t.skip(postgres.skip);
    const question = prompt('While PostgreSQL is away.');
    await ask(gateway, question);
    assert.equal((await hitWithin(gateway, question, 1000)).cache, 'hit');
    proxy.cut();
    const calls = upstream.requests.length;
    const during = await ask(gateway, question);
    assert.equal(during.cache, 'miss');
    assert.equal(upstream.requests.length, calls + 1, 'answered by the upstream');
    assert.ok((await ask(gateway, prompt('Streamed while away.'), true)).text.length > 0);
    proxy.restore();
  });
});
