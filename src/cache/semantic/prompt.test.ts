import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatRequest } from '../../core/ir/index.ts';
import { promptOf } from './prompt.ts';

const ask = (text: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'smart',
  messages: [{ role: 'user', content: [{ type: 'text', text }] }],
  stream: false,
  includeUsage: false,
  ...extra,
});

test('the meaning-bearing text is the last user turn', () => {
  const request = ask('second', {
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'first' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'ok' }] },
      { role: 'user', content: [{ type: 'text', text: 'second' }] },
    ],
  });
  assert.equal(promptOf(request)?.text, 'second');
});

test('bookkeeping does not change the partition; instructions and earlier turns do', () => {
  const base = promptOf(ask('hello'))!.partition;
  assert.equal(
    promptOf(ask('other words', { user: 'u1', metadata: { a: 'b' }, stream: true }))!.partition,
    base,
  );
  assert.notEqual(
    promptOf(ask('hello', { system: [{ type: 'text', text: 'Answer in French.' }] }))!.partition,
    base,
  );
  assert.notEqual(promptOf(ask('hello', { model: 'cheap' }))!.partition, base);
  assert.notEqual(
    promptOf(ask('hello', { tools: [{ name: 'lookup', parameters: { type: 'object' } }] }))!.partition,
    base,
  );
  assert.notEqual(promptOf(ask('hello', { temperature: 1.5 }))!.partition, base);
  assert.notEqual(promptOf(ask('hello', { responseFormat: { type: 'json_object' } }))!.partition, base);
  const withHistory = ask('hello', {
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'earlier' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'ok' }] },
      { role: 'user', content: [{ type: 'text', text: 'hello' }] },
    ],
  });
  assert.notEqual(promptOf(withHistory)!.partition, base);
});

test('no prompt when the last turn is not user text', () => {
  assert.equal(promptOf(ask('   ')), undefined);
  const toolResult = ask('x', {
    messages: [{ role: 'user', content: [{ type: 'tool_result', toolCallId: 't1', content: '42' }] }],
  });
  assert.equal(promptOf(toolResult), undefined);
  const assistantLast = ask('x', {
    messages: [{ role: 'assistant', content: [{ type: 'text', text: 'prefill' }] }],
  });
  assert.equal(promptOf(assistantLast), undefined);
});
