import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StreamPart } from '../../core/ir/index.ts';
import { decodeChatRequest } from './chat-request.ts';
import { OpenAIStreamEncoder } from './chat-stream.ts';

const request = (includeUsage: boolean) =>
  decodeChatRequest({
    model: 'smart',
    stream: true,
    stream_options: { include_usage: includeUsage },
    messages: [{ role: 'user', content: 'hi' }],
  });

test('pass-through drops the usage chunk the caller did not ask for, and sends [DONE] once', () => {
  const encoder = new OpenAIStreamEncoder(request(false), 'r');
  const usage = { inputTokens: 1, outputTokens: 2 };
  const content = encoder.encode(
    { parts: [{ type: 'text', text: 'a' }], raw: { data: '{"choices":[{"delta":{"content":"a"}}]}' } },
    'openai',
  );
  assert.equal(content, 'data: {"choices":[{"delta":{"content":"a"}}]}\n\n');
  assert.equal(
    encoder.encode(
      { parts: [{ type: 'usage', usage }], raw: { data: '{"choices":[],"usage":{}}' } },
      'openai',
    ),
    '',
  );
  assert.equal(
    encoder.encode(
      { parts: [{ type: 'finish', finishReason: 'stop', usage }], raw: { data: '[DONE]' } },
      'openai',
    ),
    'data: [DONE]\n\n',
  );
  assert.equal(encoder.end(), '');
});

test('pass-through keeps the usage chunk when the caller asked for it', () => {
  const encoder = new OpenAIStreamEncoder(request(true), 'r');
  const out = encoder.encode(
    {
      parts: [{ type: 'usage', usage: { inputTokens: 1, outputTokens: 2 } }],
      raw: { data: '{"choices":[]}' },
    },
    'openai',
  );
  assert.equal(out, 'data: {"choices":[]}\n\n');
});

test('translated streams carry role, tool-call fragments by index, finish and usage', () => {
  const encoder = new OpenAIStreamEncoder(request(true), 'r');
  const parts: StreamPart[] = [
    { type: 'start', id: 'msg_1', model: 'claude' },
    { type: 'tool_call_start', index: 0, id: 'toolu_1', name: 'f' },
    { type: 'tool_call_delta', index: 0, arguments: '{"a":1}' },
    { type: 'tool_call_end', index: 0 },
    {
      type: 'finish',
      finishReason: 'tool_calls',
      usage: { inputTokens: 5, outputTokens: 3, cacheReadTokens: 2 },
    },
  ];
  const text = parts.map((p) => encoder.encode({ parts: [p] }, 'anthropic')).join('') + encoder.end();
  const chunks = text
    .trim()
    .split('\n\n')
    .map((frame) => frame.slice('data: '.length));
  assert.equal(chunks.at(-1), '[DONE]');
  const json = chunks.slice(0, -1).map((c) => JSON.parse(c));
  assert.deepEqual(json[0].choices[0].delta, { role: 'assistant', content: '' });
  assert.equal(json[0].id, 'chatcmpl-msg_1');
  assert.deepEqual(json[1].choices[0].delta.tool_calls[0], {
    index: 0,
    id: 'toolu_1',
    type: 'function',
    function: { name: 'f', arguments: '' },
  });
  assert.deepEqual(json[2].choices[0].delta.tool_calls[0], { index: 0, function: { arguments: '{"a":1}' } });
  assert.equal(json[3].choices[0].finish_reason, 'tool_calls');
  assert.deepEqual(json[4].choices, []);
  assert.equal(json[4].usage.prompt_tokens, 5);
  assert.equal(json[4].usage.prompt_tokens_details.cached_tokens, 2);
  assert.ok(json.slice(0, 4).every((c) => c.usage === null));
});
