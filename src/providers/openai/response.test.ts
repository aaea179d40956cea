import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GatehouseError } from '../../core/errors/index.ts';
import { openaiFinishReasonToIr } from './finish-reason.ts';
import { decodeOpenAICompletion } from './response.ts';
import { openaiUsageToIr } from './usage.ts';

const completion = (message: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  model: 'gpt-x',
  choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
  ...extra,
});

test('text, reasoning_content and tool calls decode in order; ids are kept', () => {
  const response = decodeOpenAICompletion(
    'p',
    completion({
      content: 'Sure.',
      reasoning_content: 'Let me think.',
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
    }),
    'requested',
  );
  assert.deepEqual(response.content, [
    { type: 'thinking', text: 'Let me think.' },
    { type: 'text', text: 'Sure.' },
    { type: 'tool_call', id: 'call_1', name: 'f', arguments: '{"a":1}' },
  ]);
  assert.equal(response.id, 'chatcmpl-1');
  assert.equal(response.model, 'gpt-x');
  assert.equal(response.finishReason, 'tool_calls', 'a compatible server’s "stop" beside tool calls');
});

test('compatible-server gaps: no ids, no model, no usage, empty arguments, legacy function_call', () => {
  const response = decodeOpenAICompletion(
    'p',
    {
      choices: [
        {
          message: {
            content: null,
            reasoning: 'thoughts',
            tool_calls: [
              { function: { name: 'now', arguments: '' } },
              { id: 'c_obj', function: { name: 'obj', arguments: { city: 'Porto' } } },
            ],
            function_call: { name: 'legacy', arguments: '{"x":true}' },
          },
          finish_reason: 'function_call',
        },
      ],
    },
    'requested-model',
  );
  assert.match(response.id, /^chatcmpl-/);
  assert.equal(response.model, 'requested-model');
  assert.deepEqual(response.usage, { inputTokens: 0, outputTokens: 0 });
  assert.equal(response.finishReason, 'tool_calls');
  const [thinking, now, object, legacy] = response.content;
  assert.deepEqual(object, { type: 'tool_call', id: 'c_obj', name: 'obj', arguments: '{"city":"Porto"}' });
  assert.deepEqual(thinking, { type: 'thinking', text: 'thoughts' });
  assert.ok(now?.type === 'tool_call' && /^call_/.test(now.id) && now.arguments === '{}');
  assert.ok(legacy?.type === 'tool_call' && legacy.name === 'legacy' && legacy.arguments === '{"x":true}');
  assert.notEqual((now as { id: string }).id, (legacy as { id: string }).id);
});

test('a refusal becomes the text; a 200 body carrying an error is thrown classified', () => {
  const refused = decodeOpenAICompletion('p', completion({ content: null, refusal: 'I can’t help.' }), 'm');
  assert.deepEqual(refused.content, [{ type: 'text', text: 'I can’t help.' }]);
  assert.equal(refused.finishReason, 'stop');
  assert.throws(
    () => decodeOpenAICompletion('p', { error: { message: 'Busy', type: 'server_error' } }, 'm'),
    (err: GatehouseError) => err.code === 'GH_UPSTREAM_ERROR' && err.retryable,
  );
  assert.throws(
    () => decodeOpenAICompletion('p', { choices: [] }, 'm'),
    (err: GatehouseError) => err.code === 'GH_UPSTREAM_PROTOCOL',
  );
  assert.throws(
    () => decodeOpenAICompletion('p', 'text', 'm'),
    (err: GatehouseError) => err.code === 'GH_UPSTREAM_PROTOCOL',
  );
});

test('usage keeps cached, cache-write and reasoning tokens inside the totals', () => {
  assert.deepEqual(
    openaiUsageToIr({
      prompt_tokens: 1290,
      completion_tokens: 236,
      prompt_tokens_details: { cached_tokens: 1152, cache_write_tokens: 64 },
      completion_tokens_details: { reasoning_tokens: 192 },
    }),
    {
      inputTokens: 1290,
      outputTokens: 236,
      cacheReadTokens: 1152,
      cacheWriteTokens: 64,
      reasoningTokens: 192,
    },
  );
  assert.deepEqual(
    openaiUsageToIr({ prompt_tokens: 3, completion_tokens: null, prompt_tokens_details: null }),
    {
      inputTokens: 3,
      outputTokens: 0,
    },
  );
});

test('finish reasons map per NOTES §7.1', () => {
  assert.equal(openaiFinishReasonToIr('stop', false), 'stop');
  assert.equal(openaiFinishReasonToIr('length', true), 'length');
  assert.equal(openaiFinishReasonToIr('tool_calls', false), 'tool_calls');
  assert.equal(openaiFinishReasonToIr('function_call', false), 'tool_calls');
  assert.equal(openaiFinishReasonToIr('content_filter', false), 'content_filter');
  assert.equal(openaiFinishReasonToIr('eos', false), 'other');
});
