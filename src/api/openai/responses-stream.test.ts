import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accumulateResponse } from 'openai/lib/responses/ResponseAccumulator';
import type { StreamPart } from '../../core/ir/index.ts';
import { decodeResponsesRequest } from './responses-request.ts';
import { newResponseContext } from './responses-response.ts';
import { ResponsesStreamEncoder } from './responses-stream.ts';

const body = { model: 'smart', input: 'hi', stream: true, instructions: 'Be brief.' };
const usage = { inputTokens: 7, outputTokens: 5, cacheReadTokens: 2 };

/** Encodes the parts one chunk each, and returns the events and what the encoder handed to be stored. */
function encode(parts: StreamPart[]): { events: any[]; stored: Array<Record<string, unknown>> } {
  const stored: Array<Record<string, unknown>> = [];
  const encoder = new ResponsesStreamEncoder(
    decodeResponsesRequest(body),
    newResponseContext(body, null, true),
    (response) => stored.push(response),
  );
  let text = '';
  for (const part of parts) text += encoder.encode({ parts: [part] }, 'anthropic');
  text += encoder.end();
  const events = text
    .split('\n\n')
    .filter((frame) => frame !== '')
    .map((frame) => {
      const [event, data] = frame.split('\n');
      const payload = JSON.parse(data!.slice('data: '.length));
      assert.equal(event, `event: ${payload.type}`);
      return payload;
    });
  assert.deepEqual(
    events.map((e) => e.sequence_number),
    events.map((_, i) => i),
  );
  return { events, stored };
}

/** What the official SDK makes of the events: it throws on any it cannot place. */
function accumulated(events: any[]): any {
  let snapshot: any;
  for (const event of events) snapshot = accumulateResponse(event, snapshot);
  return snapshot;
}

test('interleaved parallel tool calls stay apart, each its own function_call item', () => {
  const { events, stored } = encode([
    { type: 'start', id: 'up-1', model: 'claude-x' },
    { type: 'tool_call_start', index: 0, id: 'call_a', name: 'get_weather' },
    { type: 'tool_call_start', index: 1, id: 'call_b', name: 'get_weather' },
    { type: 'tool_call_delta', index: 0, arguments: '{"city":' },
    { type: 'tool_call_delta', index: 1, arguments: '{"city":' },
    { type: 'tool_call_delta', index: 1, arguments: '"Porto"}' },
    { type: 'tool_call_delta', index: 0, arguments: '"Lisbon"}' },
    { type: 'finish', finishReason: 'tool_calls', usage },
  ]);
  const completed = events.at(-1);
  assert.equal(completed.type, 'response.completed');
  const calls = completed.response.output.map((i: any) => [i.type, i.call_id, i.arguments, i.status]);
  assert.deepEqual(calls, [
    ['function_call', 'call_a', '{"city":"Lisbon"}', 'completed'],
    ['function_call', 'call_b', '{"city":"Porto"}', 'completed'],
  ]);
  assert.equal(completed.response.model, 'claude-x');
  assert.equal(completed.response.instructions, 'Be brief.');
  assert.deepEqual(completed.response.usage, {
    input_tokens: 7,
    input_tokens_details: { cached_tokens: 2 },
    output_tokens: 5,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 12,
  });
  const sdk = accumulated(events);
  assert.deepEqual(
    sdk.output.map((i: any) => i.arguments),
    ['{"city":"Lisbon"}', '{"city":"Porto"}'],
  );
  assert.deepEqual(stored, [completed.response]);
});

test('reasoning, then text, then a call: items in order, each closed before the next opens', () => {
  const { events } = encode([
    { type: 'start', id: 'up-2', model: 'm' },
    { type: 'thinking', text: 'Let me ' },
    { type: 'thinking', text: 'think.' },
    { type: 'text', text: 'Checking ' },
    { type: 'text', text: 'now.' },
    { type: 'tool_call_start', index: 0, id: 'call_c', name: 'lookup' },
    { type: 'tool_call_end', index: 0 },
    { type: 'finish', finishReason: 'tool_calls', usage },
  ]);
  const sdk = accumulated(events);
  assert.deepEqual(
    sdk.output.map((i: any) => i.type),
    ['reasoning', 'message', 'function_call'],
  );
  assert.equal(sdk.output[0].summary[0].text, 'Let me think.');
  assert.equal(sdk.output_text, 'Checking now.');
  // A call without argument deltas has the empty object.
  assert.equal(sdk.output[2].arguments, '{}');
  const order = events.map((e) => e.type);
  assert.ok(
    order.indexOf('response.reasoning_summary_part.done') < order.indexOf('response.content_part.added'),
  );
  assert.ok(
    order.lastIndexOf('response.output_text.done') < order.indexOf('response.function_call_arguments.done'),
  );
});

test('the token limit ends the stream with response.incomplete', () => {
  const { events, stored } = encode([
    { type: 'text', text: 'Cut sho' },
    { type: 'finish', finishReason: 'length', usage },
  ]);
  const last = events.at(-1);
  assert.equal(last.type, 'response.incomplete');
  assert.equal(last.response.status, 'incomplete');
  assert.deepEqual(last.response.incomplete_details, { reason: 'max_output_tokens' });
  assert.equal(events[0].type, 'response.created', 'the opening comes even without a start part');
  assert.equal(stored.length, 1);
});

test('a Responses upstream is forwarded event for event, with the gateway’s response id', () => {
  const stored: Array<Record<string, unknown>> = [];
  const context = newResponseContext(body, null, true);
  const encoder = new ResponsesStreamEncoder(decodeResponsesRequest(body), context, (r) => stored.push(r));
  const delta = '{"type":"response.output_text.delta","sequence_number":3,"item_id":"msg_1","delta":"x"}';
  assert.equal(
    encoder.encode(
      { parts: [{ type: 'text', text: 'x' }], raw: { event: 'response.output_text.delta', data: delta } },
      'openai-responses',
    ),
    `event: response.output_text.delta\ndata: ${delta}\n\n`,
  );
  const done = { type: 'response.completed', sequence_number: 9, response: { id: 'resp_up', output: [] } };
  const frame = encoder.encode(
    {
      parts: [{ type: 'finish', finishReason: 'stop', usage }],
      raw: { event: 'response.completed', data: JSON.stringify(done) },
    },
    'openai-responses',
  );
  assert.equal(
    frame,
    `event: response.completed\ndata: ${JSON.stringify({ ...done, response: { id: context.id, output: [] } })}\n\n`,
  );
  assert.deepEqual(stored, [{ id: context.id, output: [] }]);
});
