// A streamed answer assembled from its parts equals the answer, and replays as several parts that
// assemble back to it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatResponse } from '../core/ir/index.ts';
import { ResponseAssembler, replayChunks } from './entry.ts';

const response: ChatResponse = {
  id: 'r1',
  model: 'm',
  content: [
    { type: 'thinking', text: 'Let me think about the weather in both cities first.', signature: 'sig' },
    { type: 'text', text: 'It is sunny in Lisbon and it rains in Porto, as it often does in April there.' },
    { type: 'tool_call', id: 'c1', name: 'get_weather', arguments: '{"city":"Lisbon","unit":"celsius"}' },
    { type: 'tool_call', id: 'c2', name: 'get_time', arguments: '{}' },
  ],
  finishReason: 'tool_calls',
  usage: { inputTokens: 12, outputTokens: 34, cacheReadTokens: 2 },
};

test('a replay is several chunks, and assembles back to the response', () => {
  const chunks = replayChunks(response, 'r1');
  assert.ok(chunks.filter((c) => c.parts.some((p) => p.type === 'text')).length >= 2);
  assert.ok(
    chunks.every((c) => c.raw === undefined),
    'no dialect bytes: encoded for the caller',
  );
  const last = chunks.at(-1)!.parts[0]!;
  assert.equal(last.type, 'finish');
  const assembler = new ResponseAssembler();
  for (const chunk of chunks) assembler.add(chunk);
  assert.deepEqual(assembler.response(), response);
});

test('an unfinished stream assembles to nothing', () => {
  const assembler = new ResponseAssembler();
  for (const chunk of replayChunks(response, 'r1').slice(0, -1)) assembler.add(chunk);
  assert.equal(assembler.response(), undefined);
});

test('usage seen before a finish that reports none is kept', () => {
  const assembler = new ResponseAssembler();
  assembler.add({ parts: [{ type: 'start', id: 'x', model: 'm' }] });
  assembler.add({ parts: [{ type: 'text', text: 'hi' }] });
  assembler.add({ parts: [{ type: 'usage', usage: { inputTokens: 3, outputTokens: 1 } }] });
  assembler.add({
    parts: [{ type: 'finish', finishReason: 'stop', usage: { inputTokens: 0, outputTokens: 0 } }],
  });
  assert.deepEqual(assembler.response()?.usage, { inputTokens: 3, outputTokens: 1 });
});

test('an answer past the size bound assembles to nothing (it would not be stored)', () => {
  const assembler = new ResponseAssembler(20);
  for (const chunk of replayChunks(response, 'r1')) assembler.add(chunk);
  assert.equal(assembler.response(), undefined);
});
