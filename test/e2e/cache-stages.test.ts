// The cache among the other stages: output guardrails check a cached answer as they check a fresh
// one (a hit passes through them), an answer they refuse is never stored, a request an input
// guardrail refuses never reads the cache; and a semantic layer plugged in through the cache's seam
// answers `semantic-hit` with its similarity, and sends sampled would-be hits upstream to calibrate.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { ResponseCache, cacheStage, type SemanticLayer } from '../../src/cache/index.ts';
import { SqliteCacheStore } from '../../src/cache/sqlite-store.ts';
import { parseConfig } from '../../src/config/index.ts';
import { GatehouseError } from '../../src/core/errors/index.ts';
import { mapChunkText, mapResultText } from '../../src/core/ir/rewrite.ts';
import { PriceBook } from '../../src/governance/index.ts';
import type { Stage } from '../../src/pipeline/index.ts';
import type { Gateway } from '../../src/server/index.ts';
import { openDatabase } from '../../src/store/index.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { until } from '../helpers/until.ts';
import { startOpenAIUpstream } from '../upstreams/openai.ts';
import type { MockUpstream } from '../upstreams/server.ts';

let upstream: MockUpstream;
let gateway: Gateway;
/** Turned on by a test: the output guard then upper-cases answers. */
let shouting = false;
const semanticCalls: string[] = [];
let semanticMatch: { key: string; similarity: number } | undefined;
let sample = false;
const calibrations: Array<{ cached: string; fresh: string; similarity: number }> = [];
const textOf = (content: readonly { type: string }[]) =>
  content.map((p) => (p.type === 'text' ? (p as unknown as { text: string }).text : '')).join('');

const outputGuard: Stage = {
  name: 'test-output-guard',
  async run(ex, next) {
    const answer = await next();
    if (ex.operation !== 'chat') return answer;
    const forbidden = JSON.stringify(ex.request.messages).includes('forbidden-answer');
    if (answer.kind === 'result') {
      if (forbidden) throw new GatehouseError('GH_FORBIDDEN', 'The answer was refused.');
      return shouting
        ? { kind: 'result', result: mapResultText(answer.result, (t) => t.toUpperCase()) }
        : answer;
    }
    if (answer.kind === 'stream' && shouting)
      answer.stream.map((c) => mapChunkText(c, (t) => t.toUpperCase()));
    return answer;
  },
};

const inputGuard: Stage = {
  name: 'test-input-guard',
  async run(ex, next) {
    if (ex.operation === 'chat' && JSON.stringify(ex.request.messages).includes('forbidden-question'))
      throw new GatehouseError('GH_FORBIDDEN', 'The request was refused.');
    return next();
  },
};

const semantic: SemanticLayer = {
  async find(ex) {
    semanticCalls.push(`find:${ex.request.model}`);
    return semanticMatch;
  },
  async remember(_ex, scope, key) {
    semanticCalls.push(`remember:${scope}:${key}`);
  },
  async forget() {},
  sampleForCalibration: () => sample,
  calibrate(_ex, _scope, cached, fresh, similarity) {
    calibrations.push({
      cached: textOf(cached.response.content),
      fresh: textOf(fresh.response.content),
      similarity,
    });
  },
};

before(async () => {
  upstream = await startOpenAIUpstream();
  const raw = {
    providers: { openai: { type: 'openai', base_url: `${upstream.url}/v1`, api_key: 'sk-upstream' } },
    models: { gpt: { targets: [{ provider: 'openai', model: 'gpt-4.1-mini' }] } },
  };
  // The cache is built by hand here, so that a semantic layer can be handed to it; the gateway's
  // configuration has no cache block, so the hand-built stage is the only one.
  const database = await openDatabase('sqlite::memory:');
  const config = parseConfig({ ...raw, cache: { mode: 'semantic' } }, 'test', {});
  const cache = new ResponseCache(config as typeof config & { cache: NonNullable<typeof config.cache> }, {
    store: new SqliteCacheStore(database.sqlite!, { maxEntries: 1000, maxBytes: 1e8 }),
    prices: new PriceBook({}),
    log: () => {},
    semantic,
  });
  gateway = await startTestGateway(raw, {
    stages: { guardInput: [inputGuard], cache: [cacheStage(cache)], guardOutput: [outputGuard] },
  });
});

after(async () => {
  await gateway?.stop(0);
  await upstream?.close();
});

const client = () => new OpenAI({ apiKey: testMasterKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
let n = 0;
const fresh = (what: string) => `${what} ${++n} ${Date.now()}`;

async function ask(prompt: string, stream = false) {
  const messages = [{ role: 'user' as const, content: prompt }];
  if (stream) {
    const { data, response } = await client()
      .chat.completions.create({ model: 'gpt', max_tokens: 50, messages, stream: true })
      .withResponse();
    let text = '';
    for await (const chunk of data) text += chunk.choices[0]?.delta.content ?? '';
    return { text, headers: response.headers };
  }
  const { data, response } = await client()
    .chat.completions.create({ model: 'gpt', max_tokens: 50, messages })
    .withResponse();
  return { text: data.choices[0]!.message.content ?? '', headers: response.headers };
}

describe('with guardrails', () => {
  test('a cached answer passes through the output guardrails like a fresh one', async () => {
    const prompt = fresh('Guard me.');
    const first = await ask(prompt);
    assert.equal(first.headers.get('x-gatehouse-cache'), 'miss');
    shouting = true;
    try {
      const hit = await ask(prompt);
      assert.equal(hit.headers.get('x-gatehouse-cache'), 'hit');
      assert.equal(hit.text, first.text.toUpperCase(), 'the guard rewrote the cached answer');
      const streamed = await ask(prompt, true);
      assert.equal(streamed.headers.get('x-gatehouse-cache'), 'hit');
      assert.equal(streamed.text, first.text.toUpperCase());
    } finally {
      shouting = false;
    }
  });

  test('an answer the output guardrail refuses is not stored', async () => {
    const prompt = fresh('forbidden-answer');
    await assert.rejects(ask(prompt), (err: { status?: number }) => err.status === 403);
    await until(() => false, 50);
    const calls = upstream.requests.length;
    await assert.rejects(ask(prompt));
    assert.equal(upstream.requests.length, calls + 1, 'went upstream again: nothing was stored');
  });

  test('a request the input guardrail refuses never reads the cache', async () => {
    await assert.rejects(ask(fresh('forbidden-question')), (err: { status?: number; headers?: Headers }) => {
      assert.equal(err.status, 403);
      assert.equal(err.headers?.get('x-gatehouse-cache'), null, 'the cache stage never ran');
      return true;
    });
  });
});

describe('through the semantic layer seam', () => {
  test('a match answers semantic-hit with its similarity; a stored entry is remembered', async () => {
    const original = fresh('What is the capital of Portugal?');
    semanticCalls.length = 0;
    const first = await ask(original);
    assert.equal(first.headers.get('x-gatehouse-cache'), 'miss');
    assert.ok(await until(() => semanticCalls.some((c) => c.startsWith('remember:')), 1000));
    const remembered = semanticCalls.find((c) => c.startsWith('remember:'))!;
    assert.equal(remembered.split(':')[1], 'master', 'remembered in its scope');
    semanticMatch = { key: remembered.split(':').slice(2).join(':'), similarity: 0.97123 };
    try {
      const calls = upstream.requests.length;
      const paraphrase = await ask(fresh("Which city is Portugal's capital?"));
      assert.equal(paraphrase.headers.get('x-gatehouse-cache'), 'semantic-hit');
      assert.equal(paraphrase.headers.get('x-gatehouse-cache-similarity'), '0.9712');
      assert.equal(paraphrase.text, first.text);
      assert.equal(upstream.requests.length, calls);

      sample = true;
      const sampled = await ask(fresh('Name the capital of Portugal.'));
      assert.equal(sampled.headers.get('x-gatehouse-cache'), 'miss', 'a sampled hit goes upstream');
      assert.equal(upstream.requests.length, calls + 1);
      assert.ok(await until(() => calibrations.length === 1, 1000));
      assert.equal(calibrations[0]!.cached, first.text);
      assert.equal(calibrations[0]!.fresh, sampled.text);
      assert.equal(calibrations[0]!.similarity, 0.97123);
    } finally {
      semanticMatch = undefined;
      sample = false;
    }
  });

  test('a match whose entry is gone is a miss', async () => {
    semanticMatch = { key: 'no-such-key', similarity: 0.99 };
    try {
      assert.equal((await ask(fresh('Anything.'))).headers.get('x-gatehouse-cache'), 'miss');
    } finally {
      semanticMatch = undefined;
    }
  });
});
