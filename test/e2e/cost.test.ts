// Cost is recorded the same, and right, whether a call streams or not, for every provider dialect:
// each upstream below answers the recorded fixture with usage the test chose (cached input, cache
// writes and reasoning where the dialect reports them), and the request log must show the same
// token columns and the same cost for the four ways of calling it (OpenAI and Anthropic surfaces,
// streamed and not), equal to the cost worked out by hand from that usage and the price table.
//
// Token columns follow the IR (src/core/ir Usage): input_tokens counts ALL input, cache reads and
// writes included (OpenAI, Gemini and Responses report it so; Anthropic and Bedrock report the
// uncached part, so the gateway adds the cache back); output_tokens counts ALL output, reasoning
// included (Gemini reports thoughts apart, so the gateway adds them in). The price table has no
// reasoning rate (config `prices` has none): reasoning tokens are output tokens, billed once at the
// output rate as every provider bills them, never again on top of output_tokens.
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { crc32 } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { calcPrice } from '@pydantic/genai-prices';
import OpenAI from 'openai';
import type { Gateway } from '../../src/server/index.ts';
import { fixtureJson, fixtureText } from '../fixtures/index.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { parseAnthropicSse } from '../upstreams/anthropic.ts';
import { parseOpenAISse } from '../upstreams/openai.ts';
import {
  type MockUpstream,
  type RecordedRequest,
  startUpstream,
  writeInPieces,
} from '../upstreams/server.ts';

/** USD per million tokens, for every model priced by the configuration. */
const price = { input_per_mtok: 1, output_per_mtok: 4, cache_read_per_mtok: 0.1, cache_write_per_mtok: 1.25 };

interface Tokens {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number | null;
  cache_write_tokens: number | null;
  reasoning_tokens: number | null;
}
type EventRow = Tokens & { request_id: string; cost_usd: number | null; status: number; stream: boolean };

interface Case {
  /** Provider name in the configuration, and the public model is `cost-<name>`. */
  name: string;
  provider: (upstreamUrl: string) => Record<string, unknown>;
  upstream: () => Promise<MockUpstream>;
  /** The model asked of the upstream. */
  model: string;
  /** Its key under `prices` (`provider-type/model` or `model`); null: the built-in list, or nothing. */
  priceKey: string | null;
  /** The request-log token columns the upstream's usage means. */
  tokens: Tokens;
  /** Worked out by hand from the usage and `price`; `list` = the built-in list's rates; null = unpriced. */
  costUsd: number | { list: string } | null;
}

// ---- OpenAI Chat Completions (openai, azure-openai, openai-compatible) ----

// prompt_tokens INCLUDES cached_tokens and cache_write_tokens; completion_tokens INCLUDES reasoning.
const openaiUsage = {
  prompt_tokens: 2000,
  completion_tokens: 700,
  total_tokens: 2700,
  prompt_tokens_details: { cached_tokens: 1500, cache_write_tokens: 200, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 400, audio_tokens: 0 },
};
const openaiTokens: Tokens = {
  input_tokens: 2000,
  output_tokens: 700,
  cache_read_tokens: 1500,
  cache_write_tokens: 200,
  reasoning_tokens: 400,
};
// 300 plain × 1.00 + 1500 read × 0.10 + 200 written × 1.25 + 700 out × 4.00 = 3500 per million.
const openaiCost = 0.0035;

function startOpenAIChat(): Promise<MockUpstream> {
  const completion = fixtureJson('openai-chat', 'response.json');
  const chunks = parseOpenAISse(fixtureText('openai-chat', 'stream-text.sse')).filter((c) => c !== '[DONE]');
  return startUpstream(async (req, res) => {
    const path = req.url.split('?')[0]!;
    if (!/^(\/v1|\/openai\/deployments\/[^/]+)\/chat\/completions$/.test(path)) return notFound(res);
    const model = req.body.model ?? path.split('/')[3];
    if (!req.body.stream) return json(res, { ...completion, model, usage: openaiUsage });
    // As the real API: the `choices: []` usage chunk (and `usage: null` elsewhere) only when asked.
    const includeUsage = req.body.stream_options?.include_usage === true;
    const served = chunks
      .filter((chunk) => includeUsage || chunk.choices.length > 0)
      .map((chunk) => {
        const { usage: _recorded, ...rest } = chunk;
        if (!includeUsage) return { ...rest, model };
        return { ...rest, model, usage: chunk.choices.length === 0 ? openaiUsage : null };
      });
    await sse(res, served.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`).join('') + 'data: [DONE]\n\n');
  });
}

// ---- OpenAI Responses API ----

// input_tokens INCLUDES cached_tokens; output_tokens INCLUDES reasoning_tokens; no cache writes.
const responsesUsage = {
  input_tokens: 2000,
  input_tokens_details: { cached_tokens: 1500 },
  output_tokens: 700,
  output_tokens_details: { reasoning_tokens: 400 },
  total_tokens: 2700,
};
const noCacheWrites = { cache_write_tokens: null };
// 500 plain × 1.00 + 1500 read × 0.10 + 700 out × 4.00 = 3450 per million.
const noWriteCost = 0.00345;

function startResponses(): Promise<MockUpstream> {
  const answer = fixtureJson('openai-responses', 'response.json');
  const events = fixtureText('openai-responses', 'stream-text.sse')
    .trim()
    .split(/\n\n+/)
    .map((frame) => JSON.parse(frame.slice(frame.indexOf('data: ') + 6)));
  return startUpstream(async (req, res) => {
    if (req.url !== '/v1/responses') return notFound(res);
    const model = req.body.model;
    if (!req.body.stream) return json(res, { ...answer, model, usage: responsesUsage });
    const served = events.map((event) =>
      event.type === 'response.completed'
        ? { ...event, response: { ...event.response, model, usage: responsesUsage } }
        : event,
    );
    await sse(res, served.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join(''));
  });
}

// ---- Anthropic Messages ----

// input_tokens EXCLUDES cache reads and cache writes; thinking tokens are inside output_tokens.
const anthropicUsage = {
  input_tokens: 300,
  cache_creation_input_tokens: 200,
  cache_read_input_tokens: 1500,
  cache_creation: { ephemeral_5m_input_tokens: 200, ephemeral_1h_input_tokens: 0 },
  output_tokens: 700,
  output_tokens_details: { thinking_tokens: 400 },
  service_tier: 'standard',
};

/**
 * `fullDelta`: message_delta repeats every count, as the newer API does (and the fixture); otherwise
 * it carries only the cumulative output, as the classic API does, and the input counts are known
 * from message_start alone (whose output_tokens is a placeholder 1).
 */
function startAnthropic(fullDelta: boolean): Promise<MockUpstream> {
  const base = fixtureJson('anthropic-messages', 'response-thinking.json');
  const message = { ...base, content: base.content.filter((b: { type: string }) => b.type === 'text') };
  const events = parseAnthropicSse(fixtureText('anthropic-messages', 'stream-text.sse'));
  const { output_tokens, output_tokens_details, ...input } = anthropicUsage;
  return startUpstream(async (req, res) => {
    if (req.url !== '/v1/messages') return notFound(res);
    const model = req.body.model;
    if (!req.body.stream) return json(res, { ...message, model, usage: anthropicUsage });
    const served = events.map(({ event, data }) => {
      if (event === 'message_start')
        return {
          event,
          data: { ...data, message: { ...data.message, model, usage: { ...input, output_tokens: 1 } } },
        };
      if (event === 'message_delta') {
        const usage = fullDelta ? anthropicUsage : { output_tokens, output_tokens_details };
        return { event, data: { ...data, usage } };
      }
      return { event, data };
    });
    await sse(res, served.map((e) => `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`).join(''));
  });
}

// ---- Gemini ----

// promptTokenCount INCLUDES cachedContentTokenCount; thoughtsTokenCount is APART from candidates.
const geminiUsage = {
  promptTokenCount: 2000,
  cachedContentTokenCount: 1500,
  candidatesTokenCount: 300,
  thoughtsTokenCount: 400,
  totalTokenCount: 2700,
  promptTokensDetails: [{ modality: 'TEXT', tokenCount: 2000 }],
  cacheTokensDetails: [{ modality: 'TEXT', tokenCount: 1500 }],
};

function startGemini(): Promise<MockUpstream> {
  const answer = fixtureJson('gemini', 'response.json');
  const chunks = fixtureText('gemini', 'stream.sse')
    .split('\r\n\r\n')
    .filter((frame) => frame.trim() !== '')
    .map((frame) => JSON.parse(frame.slice('data: '.length)));
  return startUpstream(async (req, res) => {
    const route = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent\?alt=sse)$/.exec(
      req.url,
    );
    if (!route) return notFound(res);
    if (route[2] === 'generateContent') return json(res, { ...answer, usageMetadata: geminiUsage });
    // Every chunk carries usage so far; only the last one's counts are final.
    const served = chunks.map((chunk, i) => {
      const last = i === chunks.length - 1;
      const candidates = last ? geminiUsage.candidatesTokenCount : 100 * (i + 1);
      return { ...chunk, usageMetadata: { ...geminiUsage, candidatesTokenCount: candidates } };
    });
    await sse(res, served.map((chunk) => `data: ${JSON.stringify(chunk)}\r\n\r\n`).join(''));
  });
}

// ---- Bedrock Converse ----

// inputTokens EXCLUDES cacheReadInputTokens and cacheWriteInputTokens; no reasoning count.
const bedrockUsage = {
  inputTokens: 300,
  outputTokens: 700,
  totalTokens: 2700,
  cacheReadInputTokens: 1500,
  cacheWriteInputTokens: 200,
};

function startBedrock(): Promise<MockUpstream> {
  const answer = fixtureJson('bedrock-converse', 'response.json');
  const events = fixtureText('bedrock-converse', 'stream-text.events.jsonl')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { headers: Record<string, string>; payload: Record<string, unknown> });
  return startUpstream(async (req: RecordedRequest, res) => {
    const route = /^\/model\/[^/]+\/(converse|converse-stream)$/.exec(req.url);
    if (!route) return notFound(res);
    if (route[1] === 'converse') return json(res, { ...answer, usage: bedrockUsage });
    const frames = events.map(({ headers, payload }) =>
      eventFrame(
        headers,
        headers[':event-type'] === 'metadata' ? { ...payload, usage: bedrockUsage } : payload,
      ),
    );
    res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
    await writeInPieces(res, Buffer.concat(frames), 13);
  });
}

/** One binary event-stream frame: lengths, prelude CRC, string headers, JSON payload, message CRC. */
function eventFrame(headers: Record<string, string>, payload: unknown): Buffer {
  const head = Buffer.concat(
    Object.entries(headers).map(([name, value]) => {
      const n = Buffer.from(name);
      const v = Buffer.from(value);
      const bytes = Buffer.alloc(4 + n.length + v.length);
      bytes.writeUInt8(n.length, 0);
      n.copy(bytes, 1);
      bytes.writeUInt8(7, 1 + n.length); // string
      bytes.writeUInt16BE(v.length, 2 + n.length);
      v.copy(bytes, 4 + n.length);
      return bytes;
    }),
  );
  const body = Buffer.from(JSON.stringify(payload));
  const total = 12 + head.length + body.length + 4;
  const frame = Buffer.alloc(total);
  frame.writeUInt32BE(total, 0);
  frame.writeUInt32BE(head.length, 4);
  frame.writeUInt32BE(crc32(frame.subarray(0, 8)), 8);
  head.copy(frame, 12);
  body.copy(frame, 12 + head.length);
  frame.writeUInt32BE(crc32(frame.subarray(0, total - 4)), total - 4);
  return frame;
}

// ---- plumbing shared by the upstreams ----

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message: 'no such route', type: 'invalid_request_error' } }));
}

function sse(res: ServerResponse, text: string): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  return writeInPieces(res, text, 7);
}

// ---- the cases ----

const anthropicTokens: Tokens = { ...openaiTokens };
const geminiTokens: Tokens = { ...openaiTokens, ...noCacheWrites };
const bedrockTokens: Tokens = { ...openaiTokens, reasoning_tokens: null };

const cases: Case[] = [
  {
    name: 'openai',
    provider: (url) => ({ type: 'openai', base_url: `${url}/v1`, api_key: 'sk-upstream' }),
    upstream: startOpenAIChat,
    model: 'cost-o4-mini',
    priceKey: 'openai/cost-o4-mini',
    tokens: openaiTokens,
    costUsd: openaiCost,
  },
  {
    name: 'azure-openai',
    provider: (url) => ({ type: 'azure-openai', base_url: url, api_key: 'azure-upstream' }),
    upstream: startOpenAIChat,
    model: 'cost-azure-deployment',
    priceKey: 'azure-openai/cost-azure-deployment',
    tokens: openaiTokens,
    costUsd: openaiCost,
  },
  {
    name: 'openai-compatible',
    provider: (url) => ({ type: 'openai-compatible', base_url: `${url}/v1` }),
    upstream: startOpenAIChat,
    model: 'cost-local-llm',
    priceKey: 'cost-local-llm',
    tokens: openaiTokens,
    costUsd: openaiCost,
  },
  {
    name: 'openai-responses',
    provider: (url) => ({ type: 'openai', api: 'responses', base_url: `${url}/v1`, api_key: 'sk-upstream' }),
    upstream: startResponses,
    model: 'cost-gpt-5-mini',
    // Keyed by the provider's type (openai), not its name in the configuration.
    priceKey: 'openai/cost-gpt-5-mini',
    tokens: { ...openaiTokens, ...noCacheWrites },
    costUsd: noWriteCost,
  },
  {
    name: 'anthropic',
    provider: (url) => ({ type: 'anthropic', base_url: url, api_key: 'sk-ant-upstream' }),
    upstream: () => startAnthropic(false),
    model: 'cost-claude',
    priceKey: 'anthropic/cost-claude',
    // 300 + 1500 read + 200 written = 2000 input: the same bill as OpenAI's.
    tokens: anthropicTokens,
    costUsd: openaiCost,
  },
  {
    name: 'anthropic-full-delta',
    provider: (url) => ({ type: 'anthropic', base_url: url, api_key: 'sk-ant-upstream' }),
    upstream: () => startAnthropic(true),
    model: 'cost-claude-newer',
    priceKey: 'cost-claude-newer',
    tokens: anthropicTokens,
    costUsd: openaiCost,
  },
  {
    name: 'gemini',
    provider: (url) => ({ type: 'gemini', base_url: `${url}/v1beta`, api_key: 'gemini-upstream' }),
    upstream: startGemini,
    model: 'cost-gemini',
    priceKey: 'gemini/cost-gemini',
    // 300 candidates + 400 thoughts = 700 output.
    tokens: geminiTokens,
    costUsd: noWriteCost,
  },
  {
    name: 'bedrock',
    provider: (url) => ({ type: 'bedrock', region: 'us-east-1', base_url: url, api_key: 'bedrock-upstream' }),
    upstream: startBedrock,
    model: 'cost-nova',
    priceKey: 'bedrock/cost-nova',
    tokens: bedrockTokens,
    costUsd: openaiCost,
  },
  // The built-in price list, for a model it knows: the same usage semantics must reach it.
  {
    name: 'openai-list-price',
    provider: (url) => ({ type: 'openai', base_url: `${url}/v1`, api_key: 'sk-upstream' }),
    upstream: startOpenAIChat,
    model: 'gpt-4.1-mini',
    priceKey: null,
    tokens: openaiTokens,
    costUsd: { list: 'openai' },
  },
  {
    name: 'anthropic-list-price',
    provider: (url) => ({ type: 'anthropic', base_url: url, api_key: 'sk-ant-upstream' }),
    upstream: () => startAnthropic(false),
    model: 'claude-sonnet-4-5',
    priceKey: null,
    tokens: anthropicTokens,
    costUsd: { list: 'anthropic' },
  },
  // No price anywhere: recorded as unknown (null), never as free.
  {
    name: 'unpriced',
    provider: (url) => ({ type: 'openai-compatible', base_url: `${url}/v1` }),
    upstream: startOpenAIChat,
    model: 'gatehouse-unpriced-test-llm',
    priceKey: null,
    tokens: openaiTokens,
    costUsd: null,
  },
];

/** The built-in list's rates for a model, applied to the IR usage: input counts every input token. */
function listCost(providerId: string, model: string, t: Tokens): number {
  const found = calcPrice({ input_tokens: 1, output_tokens: 1 }, model, { providerId });
  assert.ok(found, `${model} is in the price list`);
  const rate = (key: string, fallback?: number): number => {
    const value = found.model_price[key] ?? fallback;
    if (typeof value === 'number') return value;
    // Long-context tiers start far above these requests: the base rate applies.
    assert.ok(value, `${model}: ${key}`);
    assert.ok(
      value.tiers.every((tier) => tier.start >= t.input_tokens),
      `${model}: ${key} below its tiers`,
    );
    return value.base;
  };
  const read = t.cache_read_tokens ?? 0;
  const write = t.cache_write_tokens ?? 0;
  const input = rate('input_mtok');
  return (
    ((t.input_tokens - read - write) * input +
      read * rate('cache_read_mtok', input) +
      write * rate('cache_write_mtok', input) +
      t.output_tokens * rate('output_mtok')) /
    1_000_000
  );
}

const upstreams: MockUpstream[] = [];
let gateway: Gateway;

before(async () => {
  const providers: Record<string, unknown> = {};
  const models: Record<string, unknown> = {};
  const prices: Record<string, typeof price> = {};
  for (const c of cases) {
    const upstream = await c.upstream();
    upstreams.push(upstream);
    providers[c.name] = c.provider(upstream.url);
    models[`cost-${c.name}`] = { targets: [{ provider: c.name, model: c.model }] };
    if (c.priceKey) prices[c.priceKey] = price;
  }
  gateway = await startTestGateway({ providers, models, prices });
});

after(async () => {
  await gateway?.stop(0);
  await Promise.all(upstreams.map((upstream) => upstream.close()));
});

const question = "What's the weather in Lisbon right now?";
let sequence = 0;
const requestId = (name: string, how: string) => `cost-${name}-${how}-${process.pid}-${++sequence}`;

/** The request's row in the request log, once the queue has written it. */
async function loggedEvent(id: string): Promise<EventRow> {
  for (let attempt = 0; attempt < 400; attempt++) {
    const res = await fetch(`${gateway.url}/admin/logs?request_id=${encodeURIComponent(id)}`, {
      headers: { authorization: `Bearer ${testMasterKey}` },
    });
    assert.equal(res.status, 200);
    const { data } = (await res.json()) as { data: EventRow[] };
    if (data.length > 0) return data[0]!;
    await delay(25);
  }
  assert.fail(`request ${id} never reached the request log`);
}

/** Calls the model the four ways, each with its own request id; answers with the ids. */
async function callFourWays(c: Case): Promise<Record<string, string>> {
  const model = `cost-${c.name}`;
  const ids = {
    openai: requestId(c.name, 'openai'),
    openaiStream: requestId(c.name, 'openai-stream'),
    anthropic: requestId(c.name, 'anthropic'),
    anthropicStream: requestId(c.name, 'anthropic-stream'),
  };
  const openai = new OpenAI({ apiKey: testMasterKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  const anthropic = new Anthropic({ apiKey: testMasterKey, baseURL: gateway.url, maxRetries: 0 });
  const messages = [{ role: 'user' as const, content: question }];

  const completion = await openai.chat.completions.create(
    { model, messages },
    { headers: { 'x-request-id': ids.openai } },
  );
  assert.ok(completion.choices[0]?.message.content);
  // The client does not ask for usage: the gateway must still get it from the upstream for itself.
  const stream = await openai.chat.completions.create(
    { model, messages, stream: true },
    { headers: { 'x-request-id': ids.openaiStream } },
  );
  let streamed = '';
  for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? '';
  assert.ok(streamed);

  const message = await anthropic.messages.create(
    { model, max_tokens: 2048, messages },
    { headers: { 'x-request-id': ids.anthropic } },
  );
  assert.ok(message.content.length > 0);
  const final = await anthropic.messages
    .stream({ model, max_tokens: 2048, messages }, { headers: { 'x-request-id': ids.anthropicStream } })
    .finalMessage();
  assert.ok(final.content.length > 0);
  return ids;
}

const tokenColumns = [
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
] as const;

describe('the same call costs the same streamed or not, and what the usage says', () => {
  for (const c of cases) {
    test(`${c.name} (${c.model})`, async () => {
      const ids = await callFourWays(c);
      const rows = await Promise.all(Object.values(ids).map(loggedEvent));
      const [plain] = rows;
      const expectedCost =
        c.costUsd !== null && typeof c.costUsd === 'object'
          ? listCost(c.costUsd.list, c.model, c.tokens)
          : c.costUsd;
      for (const row of rows) {
        const how = `${row.request_id} (stream=${row.stream})`;
        assert.equal(row.status, 200, how);
        for (const column of tokenColumns) {
          assert.equal(row[column], c.tokens[column], `${how}: ${column}`);
          assert.equal(row[column], plain![column], `${how}: ${column} as when not streamed`);
        }
        if (expectedCost === null) {
          assert.equal(row.cost_usd, null, `${how}: an unknown price is null, not 0`);
          continue;
        }
        assert.equal(typeof row.cost_usd, 'number', `${how}: priced`);
        assert.ok(
          Math.abs(row.cost_usd! - expectedCost) < 1e-12,
          `${how}: ${row.cost_usd} ≠ ${expectedCost}`,
        );
        assert.ok(
          Math.abs(row.cost_usd! - plain!.cost_usd!) < 1e-12,
          `${how}: the same cost as not streamed`,
        );
      }
      assert.deepEqual(
        rows.map((row) => row.stream),
        [false, true, false, true],
      );
    });
  }
});

test('requests without a known price are counted by gatehouse_unpriced_requests_total', async () => {
  const unpriced = cases.find((c) => c.costUsd === null)!;
  const metric = new RegExp(
    `^gatehouse_unpriced_requests_total\\{(?=[^}]*model="cost-${unpriced.name}")(?=[^}]*provider="${unpriced.name}")[^}]*\\} (\\S+)$`,
    'm',
  );
  const count = async (): Promise<number> => {
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    return Number(metric.exec(text)?.[1] ?? 0);
  };
  const initially = await count();
  const ids = await callFourWays(unpriced);
  // Metrics are observed before the event is queued, so a logged row means a counted request.
  for (const id of Object.values(ids)) assert.equal((await loggedEvent(id)).cost_usd, null);
  assert.equal((await count()) - initially, 4);
  // Priced models, from the configuration or the list, are never counted as unpriced.
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  const counted = text.split('\n').filter((line) => line.startsWith('gatehouse_unpriced_requests_total{'));
  assert.ok(counted.length > 0);
  for (const line of counted) assert.match(line, new RegExp(`model="cost-${unpriced.name}"`));
});
