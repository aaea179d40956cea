import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GatehouseError } from '../../core/errors/index.ts';
import { fixtureJson } from '../../../test/fixtures/index.ts';
import { decodeChatRequest } from './chat-request.ts';

test('the recorded request decodes: system apart, tool calls, and tool results joined in one user turn', () => {
  const body = fixtureJson('openai-chat', 'request.json');
  const req = decodeChatRequest(body);
  assert.equal(req.system?.[0]?.text, body.messages[0].content);
  assert.deepEqual(
    req.messages.map((m) => [m.role, m.content.map((p) => p.type)]),
    [
      ['user', ['text']],
      ['assistant', ['tool_call', 'tool_call']],
      ['user', ['tool_result', 'tool_result']],
    ],
  );
  assert.equal(req.maxTokens, 512);
  assert.equal(req.includeUsage, true);
  assert.equal(req.parallelToolCalls, true);
  assert.deepEqual(req.toolChoice, { type: 'auto' });
  assert.equal(req.tools?.[0]?.strict, true);
  assert.equal(req.native?.body, body, 'the native body is the original object');
});

test('images: data URLs become base64 parts, other schemes are refused by name', () => {
  const req = decodeChatRequest({
    model: 'm',
    messages: [
      {
        role: 'user',
        content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'low' } }],
      },
    ],
  });
  assert.deepEqual(req.messages[0]!.content[0], {
    type: 'image',
    source: { kind: 'base64', mediaType: 'image/png', data: 'AAAA' },
    detail: 'low',
  });
  assert.throws(
    () =>
      decodeChatRequest({
        model: 'm',
        messages: [
          { role: 'user', content: [{ type: 'image_url', image_url: { url: 'file:///etc/passwd' } }] },
        ],
      }),
    (err: GatehouseError) => err.param === 'messages[0].content[0].image_url.url',
  );
});

test('max_completion_tokens wins over max_tokens; stop strings become a list', () => {
  const req = decodeChatRequest({
    model: 'm',
    messages: [{ role: 'user', content: 'x' }],
    max_tokens: 5,
    max_completion_tokens: 9,
    stop: 'END',
  });
  assert.equal(req.maxTokens, 9);
  assert.deepEqual(req.stop, ['END']);
});
