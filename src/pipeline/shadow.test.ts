// What a shadow call is compared on: the text and tool calls of an answer, the same whether the
// primary was streamed or not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { responseText, streamCollector } from './shadow.ts';

const usage = { inputTokens: 1, outputTokens: 1 };

test('a streamed answer collects to the same text as the complete answer with the same content', () => {
  const complete = responseText({
    id: 'r',
    model: 'm',
    finishReason: 'tool_calls',
    usage,
    content: [
      { type: 'text', text: 'Checking the weather.' },
      { type: 'tool_call', id: 'c1', name: 'get_weather', arguments: '{"city":"Lisbon"}' },
    ],
  });
  const seen = streamCollector();
  seen.tap({
    parts: [
      { type: 'start', id: 'r', model: 'm' },
      { type: 'text', text: 'Checking ' },
    ],
  });
  seen.tap({ parts: [{ type: 'text', text: 'the weather.' }] });
  seen.tap({ parts: [{ type: 'tool_call_start', index: 0, id: 'c1', name: 'get_weather' }] });
  seen.tap({ parts: [{ type: 'tool_call_delta', index: 0, arguments: '{"city":' }] });
  seen.tap({
    parts: [
      { type: 'tool_call_delta', index: 0, arguments: '"Lisbon"}' },
      { type: 'tool_call_end', index: 0 },
    ],
  });
  seen.tap({ parts: [{ type: 'finish', finishReason: 'tool_calls', usage }] });
  assert.equal(seen.text(), complete);
});

test('answers that differ in text or in a tool call differ', () => {
  const base = { id: 'r', model: 'm', finishReason: 'stop' as const, usage };
  const a = responseText({ ...base, content: [{ type: 'text', text: 'Yes.' }] });
  const b = responseText({ ...base, content: [{ type: 'text', text: 'No.' }] });
  assert.notEqual(a, b);
  const c = responseText({
    ...base,
    content: [{ type: 'tool_call', id: 'x', name: 'search', arguments: '{"q":"a"}' }],
  });
  const d = responseText({
    ...base,
    content: [{ type: 'tool_call', id: 'y', name: 'search', arguments: '{"q":"b"}' }],
  });
  assert.notEqual(c, d);
});
