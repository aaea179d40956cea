import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatRequest, StreamPart } from '../../core/ir/index.ts';
import { decodeMessagesRequest } from './messages-request.ts';
import { AnthropicStreamEncoder } from './messages-stream.ts';

const req: ChatRequest = decodeMessagesRequest({
  model: 'm',
  max_tokens: 10,
  messages: [{ role: 'user', content: 'hi' }],
});

function events(parts: StreamPart[]): Array<{ event: string; data: any }> {
  const encoder = new AnthropicStreamEncoder(req, 'req-1');
  const text = parts.map((part) => encoder.encode({ parts: [part] }, 'openai')).join('');
  return text
    .trim()
    .split('\n\n')
    .map((frame) => {
      const [eventLine, dataLine] = frame.split('\n');
      return {
        event: eventLine!.slice('event: '.length),
        data: JSON.parse(dataLine!.slice('data: '.length)),
      };
    });
}

const usage = { inputTokens: 30, outputTokens: 12, cacheReadTokens: 10 };

test('interleaved parallel tool-call fragments become two sequential tool_use blocks', () => {
  const out = events([
    { type: 'start', id: 'chatcmpl-1', model: 'gpt' },
    { type: 'text', text: 'Checking.' },
    { type: 'tool_call_start', index: 0, id: 'a', name: 'get_weather' },
    { type: 'tool_call_delta', index: 0, arguments: '{"city":' },
    { type: 'tool_call_start', index: 1, id: 'b', name: 'get_weather' },
    { type: 'tool_call_delta', index: 1, arguments: '{"city":"Porto"}' },
    { type: 'tool_call_delta', index: 0, arguments: '"Lisbon"}' },
    { type: 'tool_call_end', index: 0 },
    { type: 'tool_call_end', index: 1 },
    { type: 'finish', finishReason: 'tool_calls', usage },
  ]);
  assert.deepEqual(
    out.map((e) => e.event),
    [
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ],
  );
  const args = (index: number) =>
    out
      .filter((e) => e.event === 'content_block_delta' && e.data.index === index)
      .map((e) => e.data.delta.partial_json)
      .join('');
  assert.equal(out[4]!.data.content_block.id, 'a');
  assert.equal(args(1), '{"city":"Lisbon"}');
  assert.equal(out[8]!.data.content_block.id, 'b');
  assert.equal(args(2), '{"city":"Porto"}');
  const delta = out.at(-2)!.data;
  assert.equal(delta.delta.stop_reason, 'tool_use');
  assert.deepEqual(delta.usage, {
    input_tokens: 20,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 10,
    output_tokens: 12,
  });
});

test('thinking with its signature, then text, in separate blocks', () => {
  const out = events([
    { type: 'thinking', text: 'Let me think.' },
    { type: 'thinking_signature', signature: 'sig' },
    { type: 'text', text: 'Answer.' },
    { type: 'finish', finishReason: 'stop', stopSequence: 'END', usage },
  ]);
  assert.deepEqual(out[1]!.data.content_block, { type: 'thinking', thinking: '', signature: '' });
  assert.deepEqual(out[3]!.data.delta, { type: 'signature_delta', signature: 'sig' });
  assert.equal(out[5]!.data.content_block.type, 'text');
  assert.equal(out.at(-2)!.data.delta.stop_reason, 'stop_sequence');
  assert.equal(out.at(-2)!.data.delta.stop_sequence, 'END');
});

test('an Anthropic upstream is forwarded event for event', () => {
  const encoder = new AnthropicStreamEncoder(req, 'req-1');
  const raw = {
    event: 'content_block_delta',
    data: '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"},"extra":1}',
  };
  assert.equal(
    encoder.encode({ parts: [{ type: 'text', text: 'x' }], raw }, 'anthropic'),
    `event: ${raw.event}\ndata: ${raw.data}\n\n`,
  );
});
