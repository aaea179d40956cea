// Circuit breakers shared across replicas through the real Redis: failures seen by two replicas add
// up to one count, and a breaker one replica opens is followed by the other, which then sends the
// failing upstream nothing. Keys are the target's own (a model id unique to this run): the shared
// Redis is never flushed.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import type { Gateway } from '../../src/server/index.ts';
import { adminClient } from '../helpers/admin.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { redisUrl } from '../helpers/redis.ts';
import { startOpenAIUpstream } from '../upstreams/openai.ts';
import type { MockUpstream } from '../upstreams/server.ts';

const url = await redisUrl();
const skip = url === undefined ? 'Redis is not reachable at 127.0.0.1:6379; skipping' : false;

let flaky: MockUpstream;
let backup: MockUpstream;
let replicas: Gateway[] = [];
const model = `m-${randomUUID()}`;

const fail500 = {
  kind: 'status' as const,
  status: 500,
  body: { error: { message: 'boom', type: 'server_error', param: null, code: null } },
};

before(async () => {
  if (skip) return;
  flaky = await startOpenAIUpstream();
  backup = await startOpenAIUpstream();
  const config = {
    providers: {
      flaky: { type: 'openai-compatible', base_url: `${flaky.url}/v1`, api_key: 'k' },
      backup: { type: 'openai-compatible', base_url: `${backup.url}/v1`, api_key: 'k' },
    },
    routing: { breaker_sync_ms: 100, backoff_base_ms: 1 },
    models: {
      chat: {
        circuit_breaker: { failure_threshold: 4, window_s: 30, cooldown_s: 30 },
        targets: [
          { provider: 'flaky', model },
          { provider: 'backup', model },
        ],
      },
    },
  };
  replicas = [
    await startTestGateway(config, { redisUrl: url! }),
    await startTestGateway(config, { redisUrl: url! }),
  ];
});

after(async () => {
  for (const g of replicas) await g.stop(0);
  await flaky?.close();
  await backup?.close();
});

const ask = (g: Gateway) =>
  new OpenAI({ apiKey: testMasterKey, baseURL: `${g.url}/v1`, maxRetries: 0 }).chat.completions
    .create({ model: 'chat', messages: [{ role: 'user', content: 'Hello' }] })
    .withResponse();

async function breakerOf(g: Gateway): Promise<string> {
  const targets = await adminClient(() => g)('GET', '/admin/targets');
  return targets.body.data.find((t: any) => t.provider === 'flaky').breaker;
}

/** The breaker's state once it is `wanted`, or its last state after 2 s. */
async function eventually(g: Gateway, wanted: string): Promise<string> {
  let state = '';
  for (let i = 0; i < 40 && state !== wanted; i++) {
    state = await breakerOf(g);
    if (state !== wanted) await new Promise((r) => setTimeout(r, 50));
  }
  return state;
}

test('failures on two replicas add up, and both then skip the failing upstream', { skip }, async () => {
  const [a, b] = replicas as [Gateway, Gateway];
  for (let i = 0; i < 4; i++) flaky.faults.push(fail500);
  // Two failures each: neither replica reaches the threshold of 4 alone.
  await ask(a);
  await ask(b);
  await ask(a);
  assert.equal(await breakerOf(a), 'closed');
  await ask(b);
  assert.equal(flaky.requests.length, 4);
  // The fourth failure, counted in Redis, opened it on b, and a follows within a sync (100 ms).
  assert.equal(await eventually(b, 'open'), 'open');
  assert.equal(await eventually(a, 'open'), 'open', 'replica a follows the breaker opened through Redis');
  for (const g of [a, b, a, b, a, b]) {
    const res = await ask(g);
    assert.equal(res.response.headers.get('x-gatehouse-provider'), 'backup');
  }
  assert.equal(flaky.requests.length, 4, 'no replica called the open target');
});
