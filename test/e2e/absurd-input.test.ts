// Numbers no model could honour and metadata no log should hold are the caller's mistake: a 400
// naming the field, on both surfaces, before any counter or store sees them. A key with a budget and
// a token limit on Redis is where `max_tokens: 1e15` used to end in a 500.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { Gateway } from '../../src/server/index.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { redisUrl } from '../helpers/redis.ts';

const redis = await redisUrl();

describe('absurd numbers and unbounded metadata', { skip: redis ? false : 'Redis is not reachable' }, () => {
  let gateway: Gateway;
  let key: string;
  let openai: OpenAI;
  let anthropic: Anthropic;

  before(async () => {
    gateway = await startTestGateway(
      {
        providers: { mock: { type: 'mock' } },
        models: { 'mock-fast': { targets: [{ provider: 'mock', model: 'mock-fast' }] } },
        prices: { 'mock/mock-fast': { input_per_mtok: 3, output_per_mtok: 15 } },
      },
      { redisUrl: redis! },
    );
    const admin = (path: string, body: unknown) =>
      fetch(gateway.url + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${testMasterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then(async (res) => ({ status: res.status, body: (await res.json()) as any }));
    const team = `absurd-${process.pid}-${Date.now()}`;
    assert.equal((await admin('/admin/teams', { name: team })).status, 201);
    const created = await admin('/admin/keys', {
      name: 'budgeted',
      team,
      budget: { usd: 100, period: 'month' },
      limits: { tpm: 1_000_000 },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    key = created.body.key;
    openai = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: key, baseURL: gateway.url, maxRetries: 0 });
  });
  after(() => gateway?.stop(0));

  const messages = [{ role: 'user' as const, content: 'hi' }];

  async function openaiError(body: Record<string, unknown>) {
    const err = await openai.chat.completions
      .create({ model: 'mock-fast', messages, ...body } as OpenAI.ChatCompletionCreateParamsNonStreaming)
      .then(
        () => assert.fail(`expected a 400 for ${JSON.stringify(body).slice(0, 80)}`),
        (e: unknown) => e,
      );
    assert.ok(err instanceof OpenAI.APIError);
    return err;
  }

  for (const [field, value] of [
    ['max_tokens', 1e15],
    ['max_tokens', 2 ** 53],
    ['max_tokens', -5],
    ['max_tokens', 12.5],
    ['max_completion_tokens', 1e300],
  ] as const) {
    test(`OpenAI surface: ${field}: ${value} is a 400 naming ${field}`, async () => {
      const err = await openaiError({ [field]: value });
      assert.equal(err.status, 400);
      assert.equal(err.param, field);
      assert.match(err.message, /whole number from 1 to 10,?000,?000/);
      assert.ok(err.headers.get('x-request-id'));
    });
  }

  for (const value of [1e15, -1, 0.5]) {
    test(`Anthropic surface: max_tokens: ${value} is a 400 naming max_tokens`, async () => {
      // Streaming: the SDK itself refuses a non-streaming call that may take more than 10 minutes.
      const err = await anthropic.messages
        .create({ model: 'mock-fast', max_tokens: value, messages, stream: true })
        .then(
          () => assert.fail('expected a 400'),
          (e: unknown) => e,
        );
      assert.ok(err instanceof Anthropic.APIError);
      assert.equal(err.status, 400);
      assert.match(err.message, /max_tokens/);
      assert.match(err.message, /whole number from 1 to 10,?000,?000/);
    });
  }

  test('a sane max_tokens on the same key is served', async () => {
    const answer = await openai.chat.completions.create({
      model: 'mock-fast',
      messages,
      max_tokens: 100_000,
    });
    assert.ok(answer.choices[0]?.message.content);
  });

  test('OpenAI metadata with 5,000 pairs is a 400 naming the caps, and nothing of it is stored', async () => {
    const metadata = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, `v${i}`]));
    const err = await openaiError({ metadata });
    assert.equal(err.status, 400);
    assert.equal(err.param, 'metadata');
    assert.match(err.message, /20 pairs/);
    assert.match(err.message, /64 characters/);
    assert.match(err.message, /256/);
    const long = await openaiError({ metadata: { note: 'x'.repeat(257) } });
    assert.equal(long.param, 'metadata.note');
    const requestId = err.headers.get('x-request-id')!;
    let row: any;
    for (let i = 0; i < 100 && !row; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const res = await fetch(`${gateway.url}/admin/logs?request_id=${requestId}`, {
        headers: { authorization: `Bearer ${testMasterKey}` },
      });
      row = ((await res.json()) as { data: any[] }).data[0];
    }
    assert.ok(row, 'the refused request is in the log');
    assert.equal(row.status, 400);
    assert.deepEqual(row.tags, {});
  });

  test('metadata within the caps is stored as tags', async () => {
    const metadata = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, 'v'.repeat(256)]));
    const answer = await openai.chat.completions.create({ model: 'mock-fast', messages, metadata });
    assert.ok(answer.id);
  });

  test('Anthropic metadata is bounded alike: a long user_id and a flood of fields are 400s', async () => {
    for (const metadata of [
      { user_id: 'u'.repeat(257) },
      Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v'])),
    ]) {
      const err = await anthropic.messages
        .create({
          model: 'mock-fast',
          max_tokens: 10,
          messages,
          metadata,
        } as Anthropic.MessageCreateParamsNonStreaming)
        .then(
          () => assert.fail('expected a 400'),
          (e: unknown) => e,
        );
      assert.ok(err instanceof Anthropic.APIError);
      assert.equal(err.status, 400);
      assert.match(err.message, /metadata/);
    }
  });
});
