import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatRequest, ChatResult, StreamChunk } from './index.ts';
import { mapChunkText, mapRequestText, mapResultText, truthfulRequest } from './rewrite.ts';

const request: ChatRequest = {
  model: 'm',
  system: [{ type: 'text', text: 'keep the secret' }],
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'the secret is 42' }] },
    { role: 'assistant', content: [{ type: 'tool_call', id: 't', name: 'f', arguments: '{}' }] },
    { role: 'user', content: [{ type: 'tool_result', toolCallId: 't', content: 'secret result' }] },
  ],
  stream: false,
  includeUsage: false,
  native: { dialect: 'openai', body: { model: 'm' } },
};
const hide = (text: string) => text.replaceAll('secret', '***');

test('a request whose text changes loses the client body; every text is changed', () => {
  const changed = mapRequestText(request, hide);
  assert.equal(changed.native, undefined);
  assert.equal(JSON.stringify(changed).includes('secret'), false);
  assert.equal(changed.messages[1], request.messages[1], 'untouched messages are shared');
  assert.equal(
    request.messages[0]!.content[0]!.type === 'text' && request.messages[0]!.content[0]!.text,
    'the secret is 42',
  );
});

test('a request whose text does not change is the same request, pass-through kept', () => {
  assert.equal(
    mapRequestText(request, (text) => text),
    request,
  );
});

test('a request replaced by hand loses the client body once any field differs', () => {
  assert.equal(truthfulRequest(request, request), request);
  const sameFields = { ...request };
  assert.equal(truthfulRequest(request, sameFields), sameFields);
  const byHand = { ...request, messages: request.messages.slice(0, 1) };
  const sent = truthfulRequest(request, byHand);
  assert.equal(sent.native, undefined);
  assert.equal(sent.messages.length, 1);
});

test('results and chunks that change lose the upstream text; unchanged ones keep it', () => {
  const result: ChatResult = {
    response: {
      id: 'r',
      model: 'm',
      content: [{ type: 'text', text: 'a secret' }],
      finishReason: 'stop',
      usage: { inputTokens: 1, outputTokens: 1 },
    },
    raw: { dialect: 'openai', body: {}, text: '{}' },
  };
  assert.equal(
    mapResultText(result, (t) => t),
    result,
  );
  const changed = mapResultText(result, hide);
  assert.equal(changed.raw, undefined);
  assert.deepEqual(changed.response.content, [{ type: 'text', text: 'a ***' }]);

  const chunk: StreamChunk = { parts: [{ type: 'text', text: 'secret' }], raw: { data: '{}' } };
  assert.equal(
    mapChunkText(chunk, (t) => t),
    chunk,
  );
  assert.deepEqual(mapChunkText(chunk, hide), { parts: [{ type: 'text', text: '***' }] });
});
