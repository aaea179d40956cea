import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GatehouseError } from '../../core/errors/index.ts';
import type { StreamPart } from '../../core/ir/index.ts';
import { GeminiStreamDecoder } from './stream.ts';

const event = (data: unknown) => ({ data: JSON.stringify(data) });
const usage = { promptTokenCount: 10, candidatesTokenCount: 4, thoughtsTokenCount: 2 };

test('text deltas, a whole function call, usage on each event, and a finish at the end', () => {
  const decoder = new GeminiStreamDecoder('g', 'm');
  const parts: StreamPart[] = [
    ...decoder.decode(
      event({
        candidates: [{ content: { parts: [{ text: 'Hel' }] } }],
        usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 1 },
        modelVersion: 'm',
        responseId: 'r1',
      }),
    ),
    ...decoder.decode(
      event({
        candidates: [
          {
            content: {
              parts: [
                { text: 'lo' },
                { functionCall: { name: 'f', args: { a: 1 } }, thoughtSignature: 'sig' },
                { functionCall: { name: 'g', args: {} } },
              ],
            },
            finishReason: 'STOP',
          },
        ],
        usageMetadata: usage,
        responseId: 'r1',
      }),
    ),
    decoder.end(),
  ];
  const ids = parts.flatMap((p) => (p.type === 'tool_call_start' ? [p.id] : []));
  assert.equal(ids.length, 2);
  assert.deepEqual(parts, [
    { type: 'start', id: 'r1', model: 'm' },
    { type: 'text', text: 'Hel' },
    { type: 'usage', usage: { inputTokens: 10, outputTokens: 1 } },
    { type: 'text', text: 'lo' },
    { type: 'tool_call_start', index: 0, id: ids[0], name: 'f', signature: 'sig' },
    { type: 'tool_call_delta', index: 0, arguments: '{"a":1}' },
    { type: 'tool_call_end', index: 0 },
    { type: 'tool_call_start', index: 1, id: ids[1], name: 'g' },
    { type: 'tool_call_delta', index: 1, arguments: '{}' },
    { type: 'tool_call_end', index: 1 },
    { type: 'usage', usage: { inputTokens: 10, outputTokens: 6, reasoningTokens: 2 } },
    {
      type: 'finish',
      finishReason: 'tool_calls',
      usage: { inputTokens: 10, outputTokens: 6, reasoningTokens: 2 },
    },
  ]);
});

test('thought parts stream as thinking with their signature', () => {
  const decoder = new GeminiStreamDecoder('g', 'm');
  const parts = decoder.decode(
    event({ candidates: [{ content: { parts: [{ text: 'Hmm.', thought: true, thoughtSignature: 's' }] } }] }),
  );
  assert.deepEqual(parts.slice(1), [
    { type: 'thinking', text: 'Hmm.' },
    { type: 'thinking_signature', signature: 's' },
  ]);
});

test('a tool call earlier than the finish reason still makes it tool_calls', () => {
  const decoder = new GeminiStreamDecoder('g', 'm');
  decoder.decode(
    event({ candidates: [{ content: { parts: [{ functionCall: { name: 'f', args: {} } }] } }] }),
  );
  decoder.decode(event({ candidates: [{ finishReason: 'STOP' }] }));
  assert.equal((decoder.end() as { finishReason: string }).finishReason, 'tool_calls');
});

test('a blocked prompt streams as a content-filter finish', () => {
  const decoder = new GeminiStreamDecoder('g', 'm');
  decoder.decode(
    event({ promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, usageMetadata: { promptTokenCount: 3 } }),
  );
  assert.deepEqual(decoder.end(), {
    type: 'finish',
    finishReason: 'content_filter',
    usage: { inputTokens: 3, outputTokens: 0 },
  });
});

test('a stream that ends without a finish reason is a protocol error', () => {
  const decoder = new GeminiStreamDecoder('g', 'm');
  decoder.decode(event({ candidates: [{ content: { parts: [{ text: 'cut' }] } }] }));
  assert.throws(
    () => decoder.end(),
    (err: unknown) => err instanceof GatehouseError && err.code === 'GH_UPSTREAM_PROTOCOL',
  );
  assert.throws(
    () => new GeminiStreamDecoder('g', 'm').end(),
    (err: unknown) => err instanceof GatehouseError && err.code === 'GH_UPSTREAM_PROTOCOL',
  );
});

test('an error event is thrown classified; a non-JSON event is a protocol error', () => {
  const decoder = new GeminiStreamDecoder('g', 'm');
  assert.throws(
    () => decoder.decode(event({ error: { code: 429, message: 'slow down', status: 'RESOURCE_EXHAUSTED' } })),
    (err: unknown) => err instanceof GatehouseError && err.code === 'GH_UPSTREAM_RATE_LIMITED',
  );
  assert.throws(
    () => decoder.decode({ data: 'not json' }),
    (err: unknown) => err instanceof GatehouseError && err.code === 'GH_UPSTREAM_PROTOCOL',
  );
});
