import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GatehouseError } from '../../core/errors/index.ts';
import { anthropicStopReasonToFinish } from './finish-reason.ts';
import { decodeAnthropicMessage } from './response.ts';
import { anthropicUsageToIr, mergeAnthropicUsage } from './usage.ts';

test('stop reasons map per NOTES §7.1', () => {
  const table: Record<string, string> = {
    end_turn: 'stop',
    stop_sequence: 'stop',
    pause_turn: 'stop',
    max_tokens: 'length',
    model_context_window_exceeded: 'length',
    tool_use: 'tool_calls',
    refusal: 'content_filter',
    something_new: 'other',
  };
  for (const [reason, finish] of Object.entries(table))
    assert.equal(anthropicStopReasonToFinish(reason), finish);
  assert.equal(anthropicStopReasonToFinish(null), 'other');
});

test('usage adds cache reads and writes to the input total and keeps them', () => {
  assert.deepEqual(
    anthropicUsageToIr({
      input_tokens: 10,
      cache_read_input_tokens: 100,
      cache_creation_input_tokens: 5,
      cache_creation: { ephemeral_5m_input_tokens: 3, ephemeral_1h_input_tokens: 2 },
      output_tokens: 7,
      output_tokens_details: { thinking_tokens: 3 },
    }),
    {
      inputTokens: 115,
      outputTokens: 7,
      cacheReadTokens: 100,
      cacheWriteTokens: 5,
      cacheWrite1hTokens: 2,
      reasoningTokens: 3,
    },
  );
  assert.deepEqual(anthropicUsageToIr({ input_tokens: 1, output_tokens: 2 }), {
    inputTokens: 1,
    outputTokens: 2,
  });
  assert.deepEqual(
    mergeAnthropicUsage(
      { input_tokens: 10, cache_read_input_tokens: 4, output_tokens: 1 },
      { input_tokens: null, output_tokens: 30 },
    ),
    { input_tokens: 10, cache_read_input_tokens: 4, output_tokens: 30 },
  );
});

test('decodes a message with every block type, skipping server-tool blocks', () => {
  const response = decodeAnthropicMessage('p', {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude',
    content: [
      { type: 'thinking', thinking: 'hm', signature: 'sig' },
      { type: 'redacted_thinking', data: 'xx' },
      { type: 'server_tool_use', id: 'srv', name: 'web_search', input: {} },
      { type: 'text', text: 'Hi' },
      { type: 'tool_use', id: 't', name: 'f', input: { a: [1] } },
    ],
    stop_reason: 'stop_sequence',
    stop_sequence: '###',
    usage: { input_tokens: 1, output_tokens: 2 },
  });
  assert.deepEqual(response, {
    id: 'msg_1',
    model: 'claude',
    content: [
      { type: 'thinking', text: 'hm', signature: 'sig' },
      { type: 'redacted_thinking', data: 'xx' },
      { type: 'text', text: 'Hi' },
      { type: 'tool_call', id: 't', name: 'f', arguments: '{"a":[1]}' },
    ],
    finishReason: 'stop',
    stopSequence: '###',
    usage: { inputTokens: 1, outputTokens: 2 },
  });
});

test('a body that is not a message is a protocol error', () => {
  assert.throws(
    () => decodeAnthropicMessage('p', { type: 'error' }),
    (err: GatehouseError) => err.code === 'GH_UPSTREAM_PROTOCOL' && err.retryable,
  );
});
