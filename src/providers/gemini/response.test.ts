import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GatehouseError } from '../../core/errors/index.ts';
import { geminiFinishReasonToFinish } from './finish-reason.ts';
import { decodeGeminiResponse } from './response.ts';
import { geminiUsageToIr } from './usage.ts';

test('text, thought summaries and function calls decode; calls get made-up ids', () => {
  const response = decodeGeminiResponse(
    'g',
    {
      candidates: [
        {
          content: {
            role: 'model',
            parts: [
              { text: 'Thinking about it.', thought: true, thoughtSignature: 'sig-t' },
              { text: 'Checking.' },
              { functionCall: { name: 'get_weather', args: { city: 'Lisbon' } }, thoughtSignature: 'sig-1' },
              { functionCall: { name: 'get_weather', args: { city: 'Porto' } } },
              { functionCall: { name: 'now' } },
              { text: '', thoughtSignature: 'sig-end' },
            ],
          },
          finishReason: 'STOP',
        },
      ],
      usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, thoughtsTokenCount: 3 },
      modelVersion: 'gemini-2.5-flash',
      responseId: 'resp-1',
    },
    'm',
  );
  assert.equal(response.id, 'resp-1');
  assert.equal(response.model, 'gemini-2.5-flash');
  assert.equal(response.finishReason, 'tool_calls');
  const [thinking, text, lisbon, porto, now, ...rest] = response.content;
  assert.deepEqual(thinking, { type: 'thinking', text: 'Thinking about it.', signature: 'sig-t' });
  assert.deepEqual(text, { type: 'text', text: 'Checking.' });
  assert.ok(lisbon?.type === 'tool_call' && porto?.type === 'tool_call' && now?.type === 'tool_call');
  assert.deepEqual(
    { ...lisbon, id: undefined },
    {
      type: 'tool_call',
      id: undefined,
      name: 'get_weather',
      arguments: '{"city":"Lisbon"}',
      signature: 'sig-1',
    },
  );
  assert.equal(porto.signature, undefined);
  assert.equal(now.arguments, '{}');
  assert.match(lisbon.id, /^call_[0-9a-f]{24}$/);
  assert.equal(new Set([lisbon.id, porto.id, now.id]).size, 3);
  assert.deepEqual(rest, []);
});

test('a call id Gemini does send is kept', () => {
  const response = decodeGeminiResponse(
    'g',
    {
      candidates: [
        { content: { parts: [{ functionCall: { id: 'fc-9', name: 'f', args: {} } }] }, finishReason: 'STOP' },
      ],
    },
    'm',
  );
  assert.equal((response.content[0] as { id: string }).id, 'fc-9');
});

test('a prompt blocked before generation is a content filter with empty content', () => {
  const response = decodeGeminiResponse(
    'g',
    {
      promptFeedback: { blockReason: 'SAFETY' },
      usageMetadata: { promptTokenCount: 8, totalTokenCount: 8 },
    },
    'm',
  );
  assert.equal(response.finishReason, 'content_filter');
  assert.deepEqual(response.content, []);
  assert.deepEqual(response.usage, { inputTokens: 8, outputTokens: 0 });
});

test('a body that is not a response object is a protocol error', () => {
  for (const body of [null, [1], 'text']) {
    assert.throws(
      () => decodeGeminiResponse('g', body, 'm'),
      (err: unknown) => err instanceof GatehouseError && err.code === 'GH_UPSTREAM_PROTOCOL',
    );
  }
});

test('finish reasons follow NOTES §7.1', () => {
  assert.equal(geminiFinishReasonToFinish('STOP', false), 'stop');
  assert.equal(geminiFinishReasonToFinish('STOP', true), 'tool_calls');
  assert.equal(geminiFinishReasonToFinish('MAX_TOKENS', true), 'length');
  for (const reason of ['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY']) {
    assert.equal(geminiFinishReasonToFinish(reason, false), 'content_filter');
  }
  for (const reason of [
    'OTHER',
    'LANGUAGE',
    'MALFORMED_FUNCTION_CALL',
    'FINISH_REASON_UNSPECIFIED',
    undefined,
  ]) {
    assert.equal(geminiFinishReasonToFinish(reason, false), 'other');
  }
});

test('usage: prompt includes the cache; thoughts are output and reasoning', () => {
  assert.deepEqual(
    geminiUsageToIr({
      promptTokenCount: 100,
      cachedContentTokenCount: 60,
      candidatesTokenCount: 20,
      thoughtsTokenCount: 30,
      toolUsePromptTokenCount: 5,
    }),
    { inputTokens: 105, outputTokens: 50, cacheReadTokens: 60, reasoningTokens: 30 },
  );
  assert.deepEqual(geminiUsageToIr(undefined), { inputTokens: 0, outputTokens: 0 });
});

test('the requested model stands in when the answer names none', () => {
  const response = decodeGeminiResponse(
    'g',
    { candidates: [{ content: { parts: [{ text: 'hi' }] }, finishReason: 'STOP' }] },
    'm',
  );
  assert.equal(response.model, 'm');
  assert.equal(response.finishReason, 'stop');
});
