import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GatehouseError } from '../../core/errors/index.ts';
import type { StreamPart } from '../../core/ir/index.ts';
import { AnthropicStreamDecoder } from './stream.ts';

const ev = (event: string, data: Record<string, unknown>) => ({
  event,
  data: JSON.stringify({ type: event, ...data }),
});

function decodeAll(events: Array<{ event: string; data: string }>): StreamPart[] {
  const decoder = new AnthropicStreamDecoder('p');
  return events.flatMap((e) => decoder.decode(e));
}

const start = ev('message_start', {
  message: {
    id: 'msg',
    model: 'claude',
    usage: { input_tokens: 3, cache_read_input_tokens: 10, output_tokens: 1 },
  },
});

test('a tool without arguments gets "{}", and tool indexes count tool calls, not blocks', () => {
  const parts = decodeAll([
    start,
    ev('content_block_start', { index: 0, content_block: { type: 'redacted_thinking', data: 'opaque' } }),
    ev('content_block_stop', { index: 0 }),
    ev('content_block_start', {
      index: 1,
      content_block: { type: 'tool_use', id: 't1', name: 'now', input: {} },
    }),
    ev('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '' } }),
    ev('content_block_stop', { index: 1 }),
    ev('message_delta', {
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { output_tokens: 9 },
    }),
    ev('message_stop', {}),
  ]);
  assert.deepEqual(parts, [
    { type: 'start', id: 'msg', model: 'claude' },
    { type: 'usage', usage: { inputTokens: 13, outputTokens: 1, cacheReadTokens: 10 } },
    { type: 'redacted_thinking', data: 'opaque' },
    { type: 'tool_call_start', index: 0, id: 't1', name: 'now' },
    { type: 'tool_call_delta', index: 0, arguments: '{}' },
    { type: 'tool_call_end', index: 0 },
    { type: 'usage', usage: { inputTokens: 13, outputTokens: 9, cacheReadTokens: 10 } },
    {
      type: 'finish',
      finishReason: 'tool_calls',
      usage: { inputTokens: 13, outputTokens: 9, cacheReadTokens: 10 },
    },
  ]);
});

test('a stop sequence is reported on the finish part', () => {
  const parts = decodeAll([
    start,
    ev('message_delta', {
      delta: { stop_reason: 'stop_sequence', stop_sequence: '###' },
      usage: { output_tokens: 2 },
    }),
    ev('message_stop', {}),
  ]);
  assert.deepEqual(parts.at(-1), {
    type: 'finish',
    finishReason: 'stop',
    stopSequence: '###',
    usage: { inputTokens: 13, outputTokens: 2, cacheReadTokens: 10 },
  });
});

test('ping and unknown events decode to no parts; finished only after message_stop', () => {
  const decoder = new AnthropicStreamDecoder('p');
  assert.deepEqual(decoder.decode({ event: 'ping', data: '{"type":"ping"}' }), []);
  assert.deepEqual(decoder.decode(ev('some_future_event', { x: 1 })), []);
  assert.equal(decoder.finished, false);
  decoder.decode(ev('message_stop', {}));
  assert.equal(decoder.finished, true);
});

test('an error event throws, classified; bad data is a protocol error', () => {
  const decoder = new AnthropicStreamDecoder('p');
  assert.throws(
    () => decoder.decode(ev('error', { error: { type: 'rate_limit_error', message: 'slow down' } })),
    (err: GatehouseError) => err.code === 'GH_UPSTREAM_RATE_LIMITED' && /slow down/.test(err.message),
  );
  assert.throws(
    () => decoder.decode({ event: 'content_block_delta', data: 'not json' }),
    (err: GatehouseError) => err.code === 'GH_UPSTREAM_PROTOCOL',
  );
});
