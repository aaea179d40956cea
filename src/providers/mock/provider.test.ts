import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatRequest, StreamChunk, StreamPart } from '../../core/ir/index.ts';
import { defaultTimeouts } from '../../routing/targets.ts';
import { createMockProvider } from './provider.ts';

const opts = { signal: new AbortController().signal, timeouts: defaultTimeouts, requestId: 'req-1' };
const mock = createMockProvider('mock', { type: 'mock', latency_ms: 0 });
const base: ChatRequest = {
  model: 'mock-fast',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'What is the weather in Lisbon?' }] }],
  stream: false,
  includeUsage: false,
  native: { dialect: 'openai', body: {} },
};
const weather = {
  name: 'get_weather',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
    required: ['city', 'unit'],
  },
};

test('answers text that quotes the question, with usage', async () => {
  const { response } = await mock.complete(base, 'mock-fast', opts);
  assert.equal(response.finishReason, 'stop');
  assert.match((response.content[0] as { text: string }).text, /weather in Lisbon/);
  assert.ok(response.usage.inputTokens > 0 && response.usage.outputTokens > 0);
});

test('calls the first tool with arguments that fit its schema', async () => {
  const { response } = await mock.complete({ ...base, tools: [weather] }, 'mock-fast', opts);
  assert.equal(response.finishReason, 'tool_calls');
  const call = response.content[0];
  assert.ok(call?.type === 'tool_call');
  assert.deepEqual(JSON.parse(call.arguments), { city: 'example', unit: 'celsius' });
});

test('acknowledges tool results instead of calling again', async () => {
  const req: ChatRequest = {
    ...base,
    tools: [weather],
    messages: [
      ...base.messages,
      { role: 'assistant', content: [{ type: 'tool_call', id: 'c1', name: 'get_weather', arguments: '{}' }] },
      { role: 'user', content: [{ type: 'tool_result', toolCallId: 'c1', content: '22C' }] },
    ],
  };
  const { response } = await mock.complete(req, 'mock-fast', opts);
  assert.equal(response.finishReason, 'stop');
  assert.match((response.content[0] as { text: string }).text, /1 tool result/);
});

test('streams the same answer in parts and ends with one finish', async () => {
  const stream = await mock.stream({ ...base, stream: true, tools: [weather] }, 'mock-fast', opts);
  const parts: StreamPart[] = [];
  for await (const chunk of stream) parts.push(...chunk.parts);
  assert.equal(parts[0]?.type, 'start');
  assert.equal(parts.at(-1)?.type, 'finish');
  assert.equal(parts.filter((p) => p.type === 'finish').length, 1);
  const args = parts.flatMap((p) => (p.type === 'tool_call_delta' ? [p.arguments] : [])).join('');
  assert.deepEqual(JSON.parse(args), { city: 'example', unit: 'celsius' });
});

test('streams in batches: the first chunk alone, then the rest at once, the same chunks either way', async () => {
  const req = { ...base, stream: true };
  const one = await mock.stream(req, 'mock-fast', opts);
  const chunks: StreamChunk[] = [];
  for await (const chunk of one) chunks.push(chunk);
  const batched = await mock.stream(req, 'mock-fast', opts);
  const batches: StreamChunk[][] = [];
  for await (const batch of batched.batches!()) batches.push(batch);
  assert.equal(batches.length, 2);
  assert.equal(batches[0]!.length, 1);
  assert.deepEqual(batches.flat(), chunks);
});

test('embeds deterministically as unit vectors', async () => {
  const req = {
    model: 'mock-embed',
    input: ['a', 'b', 'a'],
    native: { dialect: 'openai' as const, body: {} },
  };
  const result = await mock.embed!(req, 'mock-embed', opts);
  assert.equal(result.embeddings.length, 3);
  assert.deepEqual(result.embeddings[0], result.embeddings[2]);
  assert.notDeepEqual(result.embeddings[0], result.embeddings[1]);
  assert.ok(Math.abs(Math.hypot(...result.embeddings[0]!) - 1) < 1e-9);
});
