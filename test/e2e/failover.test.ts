// Failover without code changes: retryable failures move to the next target (or retry the same one),
// non-retryable ones return at once, and streams fail over only before their first byte.
import assert from 'node:assert/strict';
import { after, afterEach, test } from 'node:test';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import type { Gateway } from '../../src/server/index.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { startAnthropicUpstream } from '../upstreams/anthropic.ts';
import { startOpenAIUpstream } from '../upstreams/openai.ts';
import type { MockUpstream } from '../upstreams/server.ts';

const open: Array<{ stop?: (ms: number) => Promise<void>; close?: () => Promise<void> }> = [];
afterEach(async () => {
  for (const item of open.splice(0)) await (item.stop ? item.stop(0) : item.close!());
});
after(() => undefined);

async function upstreams(count: number, start = startOpenAIUpstream): Promise<MockUpstream[]> {
  const list = await Promise.all(Array.from({ length: count }, () => start()));
  open.push(...list);
  return list;
}

function openaiProvider(up: MockUpstream) {
  return { type: 'openai-compatible', base_url: `${up.url}/v1`, api_key: 'sk-upstream' };
}

async function gatewayFor(
  models: Record<string, unknown>,
  providers: Record<string, unknown>,
): Promise<Gateway> {
  const gateway = await startTestGateway({ providers, models, routing: { backoff_base_ms: 10 } });
  open.push(gateway);
  return gateway;
}

const twoTargets = (extra: Record<string, unknown> = {}) => ({
  smart: {
    targets: [
      { provider: 'first', model: 'm1', ...extra },
      { provider: 'second', model: 'm2' },
    ],
  },
});

function client(gateway: Gateway) {
  return new OpenAI({ apiKey: testMasterKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
}

const ask = { model: 'smart', messages: [{ role: 'user' as const, content: 'Hello' }] };

for (const [name, fault] of [
  [
    '500',
    {
      kind: 'status',
      status: 500,
      body: { error: { message: 'boom', type: 'server_error', param: null, code: null } },
    },
  ],
  [
    '503',
    {
      kind: 'status',
      status: 503,
      body: { error: { message: 'slow down', type: 'server_error', param: null, code: null } },
    },
  ],
  ['a connection reset', { kind: 'reset' }],
] as const) {
  test(`first target fails with ${name} → the second answers`, async () => {
    const [first, second] = await upstreams(2);
    first!.faults.push(fault);
    const gateway = await gatewayFor(twoTargets(), {
      first: openaiProvider(first!),
      second: openaiProvider(second!),
    });
    const { data, response } = await client(gateway).chat.completions.create(ask).withResponse();
    assert.ok(data.choices[0]!.message.content);
    assert.equal(response.headers.get('x-gatehouse-provider'), 'second');
    assert.equal(response.headers.get('x-gatehouse-model'), 'm2');
    assert.equal(response.headers.get('x-gatehouse-attempts'), '2');
    assert.equal(first!.requests.length, 1);
    assert.equal(second!.requests.length, 1);
  });
}

test('429 with a short Retry-After is retried on the same target when it has retries', async () => {
  const [first, second] = await upstreams(2);
  first!.faults.push({
    kind: 'status',
    status: 429,
    headers: { 'retry-after': '1' },
    body: { error: { message: 'slow', type: 'requests', param: null, code: 'rate_limit_exceeded' } },
  });
  const gateway = await gatewayFor(twoTargets({ retries: 1 }), {
    first: openaiProvider(first!),
    second: openaiProvider(second!),
  });
  const { response } = await client(gateway).chat.completions.create(ask).withResponse();
  assert.equal(response.headers.get('x-gatehouse-provider'), 'first');
  assert.equal(first!.requests.length, 2);
  assert.equal(second!.requests.length, 0);
});

test('429 with a Retry-After longer than the gateway waits fails over at once', async () => {
  const [first, second] = await upstreams(2);
  first!.faults.push({
    kind: 'status',
    status: 429,
    headers: { 'retry-after': '60' },
    body: { error: { message: 'slow', type: 'requests', param: null, code: 'rate_limit_exceeded' } },
  });
  const gateway = await gatewayFor(twoTargets({ retries: 3 }), {
    first: openaiProvider(first!),
    second: openaiProvider(second!),
  });
  const { response } = await client(gateway).chat.completions.create(ask).withResponse();
  assert.equal(response.headers.get('x-gatehouse-provider'), 'second');
  assert.equal(first!.requests.length, 1);
});

test('a lone target answering 429 gives the caller 429 with Retry-After', async () => {
  const [only] = await upstreams(1);
  only!.faults.push({
    kind: 'status',
    status: 429,
    headers: { 'retry-after': '7' },
    body: { error: { message: 'slow', type: 'requests', param: null, code: 'rate_limit_exceeded' } },
  });
  const gateway = await gatewayFor(
    { solo: { targets: [{ provider: 'only', model: 'm' }] } },
    { only: openaiProvider(only!) },
  );
  const res = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${testMasterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...ask, model: 'solo' }),
  });
  assert.equal(res.status, 429);
  assert.equal(res.headers.get('retry-after'), '7');
  const body = (await res.json()) as { error: { type: string; code: string } };
  assert.equal(body.error.code, 'upstream_rate_limited');
});

test('Anthropic 529 overloaded fails over to the next Anthropic target', async () => {
  const [first, second] = await upstreams(2, startAnthropicUpstream);
  first!.faults.push({
    kind: 'status',
    status: 529,
    body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
  });
  const providers = {
    first: { type: 'anthropic', base_url: first!.url, api_key: 'sk-ant' },
    second: { type: 'anthropic', base_url: second!.url, api_key: 'sk-ant' },
  };
  const gateway = await gatewayFor(twoTargets(), providers);
  const anthropic = new Anthropic({ apiKey: testMasterKey, baseURL: gateway.url, maxRetries: 0 });
  const { data, response } = await anthropic.messages
    .create({ model: 'smart', max_tokens: 200, messages: [{ role: 'user', content: 'Hello' }] })
    .withResponse();
  assert.equal(data.type, 'message');
  assert.equal(response.headers.get('x-gatehouse-provider'), 'second');
  assert.equal(first!.requests.length, 1);
});

test('a lone Anthropic target that is overloaded gives 503 (not 529) on the OpenAI surface', async () => {
  const [only] = await upstreams(1, startAnthropicUpstream);
  only!.faults.push({
    kind: 'status',
    status: 529,
    body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
  });
  const gateway = await gatewayFor(
    { solo: { targets: [{ provider: 'only', model: 'claude' }] } },
    {
      only: { type: 'anthropic', base_url: only!.url, api_key: 'sk-ant' },
    },
  );
  await assert.rejects(
    client(gateway).chat.completions.create({ ...ask, model: 'solo' }),
    (err: InstanceType<typeof OpenAI.APIError>) => {
      assert.equal(err.status, 503);
      return true;
    },
  );
});

test('a target that stalls past its first-byte timeout is abandoned for the next', async () => {
  const [first, second] = await upstreams(2);
  first!.faults.push({ kind: 'stall' });
  const gateway = await gatewayFor(twoTargets({ timeouts: { first_byte_ms: 300 } }), {
    first: openaiProvider(first!),
    second: openaiProvider(second!),
  });
  const { response } = await client(gateway).chat.completions.create(ask).withResponse();
  assert.equal(response.headers.get('x-gatehouse-provider'), 'second');
  await first!.requests[0]!.closed;
});

test('a lone stalled target ends in 504', async () => {
  const [only] = await upstreams(1);
  only!.faults.push({ kind: 'stall' });
  const gateway = await gatewayFor(
    { solo: { targets: [{ provider: 'only', model: 'm', timeouts: { first_byte_ms: 200 } }] } },
    {
      only: openaiProvider(only!),
    },
  );
  await assert.rejects(
    client(gateway).chat.completions.create({ ...ask, model: 'solo' }),
    (err: InstanceType<typeof OpenAI.APIError>) => {
      assert.equal(err.status, 504);
      return true;
    },
  );
});

test('a non-retryable 400 is returned at once and never tried elsewhere', async () => {
  const [first, second] = await upstreams(2);
  first!.faults.push({
    kind: 'status',
    status: 400,
    body: {
      error: {
        message: "Unsupported parameter: 'max_tokens'",
        type: 'invalid_request_error',
        param: 'max_tokens',
        code: 'unsupported_parameter',
      },
    },
  });
  const gateway = await gatewayFor(twoTargets({ retries: 2 }), {
    first: openaiProvider(first!),
    second: openaiProvider(second!),
  });
  await assert.rejects(
    client(gateway).chat.completions.create(ask),
    (err: InstanceType<typeof OpenAI.APIError>) => {
      assert.equal(err.status, 400);
      assert.match(err.message, /max_tokens/);
      return true;
    },
  );
  assert.equal(first!.requests.length, 1);
  assert.equal(second!.requests.length, 0);
});

test('a stream whose first target fails before the first byte fails over', async () => {
  const [first, second] = await upstreams(2);
  first!.faults.push({ kind: 'status', status: 502, body: 'bad gateway' });
  const gateway = await gatewayFor(twoTargets(), {
    first: openaiProvider(first!),
    second: openaiProvider(second!),
  });
  const stream = await client(gateway).chat.completions.create({ ...ask, stream: true });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  assert.ok(text.length > 0);
  assert.equal(second!.requests.length, 1);
});

test('a stream that fails after its first byte ends with an error event the SDK raises', async () => {
  const [first, second] = await upstreams(2);
  first!.faults.push({ kind: 'stream-error' });
  const gateway = await gatewayFor(twoTargets(), {
    first: openaiProvider(first!),
    second: openaiProvider(second!),
  });
  const stream = await client(gateway).chat.completions.create({ ...ask, stream: true });
  await assert.rejects(async () => {
    for await (const _ of stream) {
      // consume until the error event
    }
  }, OpenAI.APIError);
  assert.equal(second!.requests.length, 0, 'no failover once bytes have reached the client');
});

test('an Anthropic stream that fails after its first byte ends with an Anthropic error event', async () => {
  const [only] = await upstreams(1, startAnthropicUpstream);
  only!.faults.push({ kind: 'stream-error' });
  const gateway = await gatewayFor(
    { solo: { targets: [{ provider: 'only', model: 'claude' }] } },
    {
      only: { type: 'anthropic', base_url: only!.url, api_key: 'sk-ant' },
    },
  );
  const anthropic = new Anthropic({ apiKey: testMasterKey, baseURL: gateway.url, maxRetries: 0 });
  const stream = anthropic.messages.stream({
    model: 'solo',
    max_tokens: 100,
    messages: [{ role: 'user', content: 'Hello' }],
  });
  await assert.rejects(stream.finalMessage(), (err: Error) => /overloaded/i.test(err.message));
});

test('a caller that disconnects aborts the upstream request', async () => {
  const [only] = await upstreams(1);
  only!.faults.push({ kind: 'stall' });
  const gateway = await gatewayFor(
    { solo: { targets: [{ provider: 'only', model: 'm' }] } },
    { only: openaiProvider(only!) },
  );
  const controller = new AbortController();
  const pending = fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${testMasterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...ask, model: 'solo' }),
    signal: controller.signal,
  });
  while (only!.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  controller.abort();
  await assert.rejects(pending);
  await only!.requests[0]!.closed; // resolves only if the gateway closed its upstream connection
});
