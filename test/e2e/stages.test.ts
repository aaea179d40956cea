// Routes that once skipped steps now run every stage: count_tokens is admitted (its calls count
// against rate limits), /v1/models lists only what the caller may use, and a plugged-in stage sees
// every operation, in the declared order.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { Operation, Stage } from '../../src/pipeline/index.ts';
import type { Gateway } from '../../src/server/index.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';

const seen: Array<{ operation: Operation; targets: number }> = [];
/** Watches what reaches the guard-input slot: after authorise, which resolves the targets. */
const watching: Stage = {
  name: 'watch-test',
  run(ex, next) {
    seen.push({ operation: ex.operation, targets: ex.targets.length });
    return next();
  },
};

/** Fails after the call has answered, when the caller asks for it: the answer never reaches the writer. */
const failingAfterCall: Stage = {
  name: 'fail-after-call-test',
  async run(ex, next) {
    const answer = await next();
    if (ex.ctx.headers['x-test-fail-after-call']) throw new Error('a stage failed after the call');
    return answer;
  },
};

let gateway: Gateway;

before(async () => {
  gateway = await startTestGateway(
    {
      providers: { mock: { type: 'mock' } },
      models: {
        'mock-fast': { targets: [{ provider: 'mock', model: 'mock-fast' }] },
        'mock-embed': { targets: [{ provider: 'mock', model: 'mock-embed' }] },
        counted: { targets: [{ provider: 'mock', model: 'mock-fast' }], limits: { rpm: 1 } },
        single: { targets: [{ provider: 'mock', model: 'mock-fast' }], limits: { concurrency: 1 } },
      },
    },
    { stages: { guardInput: [watching], guardOutput: [failingAfterCall] } },
  );
  const team = await fetch(`${gateway.url}/admin/teams`, {
    method: 'POST',
    headers: { authorization: `Bearer ${testMasterKey}` },
    body: JSON.stringify({ name: 'stages' }),
  });
  assert.equal(team.status, 201, await team.text());
});

after(() => gateway?.stop(0));

/** A key of the test team that may use only `models`. */
async function keyFor(models: string[]): Promise<string> {
  const res = await fetch(`${gateway.url}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${testMasterKey}` },
    body: JSON.stringify({ name: `only-${models.join('-')}-${Math.random()}`, team: 'stages', models }),
  });
  const created = (await res.json()) as { key: string };
  assert.equal(res.status, 201, JSON.stringify(created));
  return created.key;
}

describe('count_tokens', () => {
  test('is admitted: a model limited to one request a minute refuses the second count', async () => {
    const client = new Anthropic({ apiKey: testMasterKey, baseURL: gateway.url, maxRetries: 0 });
    const ask = { model: 'counted', messages: [{ role: 'user' as const, content: 'How many tokens?' }] };
    const { data, response } = await client.messages.countTokens(ask).withResponse();
    assert.ok(data.input_tokens > 0);
    assert.equal(response.headers.get('x-gatehouse-token-count'), 'estimate');
    assert.equal(response.headers.get('x-ratelimit-limit-requests'), '1');
    await assert.rejects(client.messages.countTokens(ask), (err: unknown) => {
      assert.ok(err instanceof Anthropic.RateLimitError, String(err));
      assert.equal(err.status, 429);
      return true;
    });
  });
});

describe('GET /v1/models', () => {
  test('lists only the models the caller may use', async () => {
    const key = await keyFor(['mock-embed']);
    const limited = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const ids = async (client: OpenAI) => (await client.models.list()).data.map((m) => m.id).sort();
    assert.deepEqual(await ids(limited), ['mock-embed']);
    const master = new OpenAI({ apiKey: testMasterKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    assert.deepEqual(await ids(master), ['counted', 'mock-embed', 'mock-fast', 'single']);
  });
});

describe('the declared order', () => {
  test('every operation reaches a plugged-in stage, authorised and with its targets', async () => {
    seen.length = 0;
    const openai = new OpenAI({ apiKey: testMasterKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const anthropic = new Anthropic({ apiKey: testMasterKey, baseURL: gateway.url, maxRetries: 0 });
    await openai.chat.completions.create({ model: 'mock-fast', messages: [{ role: 'user', content: 'hi' }] });
    await openai.embeddings.create({ model: 'mock-embed', input: 'hi' });
    await anthropic.messages.create({
      model: 'mock-fast',
      max_tokens: 20,
      messages: [{ role: 'user', content: 'hi' }],
    });
    await anthropic.messages.countTokens({ model: 'mock-fast', messages: [{ role: 'user', content: 'hi' }] });
    assert.deepEqual(
      seen.map((s) => s.operation),
      ['chat', 'embeddings', 'chat', 'count_tokens'],
    );
    for (const s of seen) assert.equal(s.targets, 1, `${s.operation} has its targets`);
  });

  test('a refused caller never reaches the plugged-in stage', async () => {
    seen.length = 0;
    const key = await keyFor(['mock-embed']);
    const client = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    await assert.rejects(
      client.chat.completions.create({ model: 'mock-fast', messages: [{ role: 'user', content: 'hi' }] }),
      (err: unknown) => err instanceof OpenAI.PermissionDeniedError,
    );
    assert.equal(seen.length, 0);
  });
});

describe('a stage failing after the call', () => {
  test('leaves the admission settled, so the next call is admitted', async () => {
    const client = new OpenAI({ apiKey: testMasterKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const ask = {
      model: 'single',
      messages: [{ role: 'user' as const, content: 'hi' }],
      stream: true as const,
    };
    await assert.rejects(
      client.chat.completions.create(ask, { headers: { 'x-test-fail-after-call': '1' } }),
      (err: unknown) => err instanceof OpenAI.InternalServerError,
    );
    // With the one concurrency slot still held, this would be refused with 429.
    let text = '';
    for await (const chunk of await client.chat.completions.create(ask))
      text += chunk.choices[0]?.delta.content ?? '';
    assert.ok(text.length > 0);
  });
});
