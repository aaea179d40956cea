// Validation messages are read by people: each says which field, what it must be and what it
// was, and keeps the field's path as `param` for programs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyInput, teamInput } from '../admin/schemas.ts';
import { GatehouseError } from '../core/errors/index.ts';
import { decodeMessagesRequest } from './anthropic/messages-request.ts';
import { decodeChatRequest } from './openai/chat-request.ts';
import { validateBody } from './validate.ts';

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (err) {
    assert.ok(err instanceof GatehouseError);
    assert.equal(err.code, 'GH_INVALID_REQUEST');
    return { message: err.message, param: err.param };
  }
  assert.fail('the input was accepted');
};

test('OpenAI requests: a missing or mistyped field is named with what it must be and what it was', () => {
  const base = { model: 'mock-fast', messages: [{ role: 'user', content: 'Hi' }] };
  assert.deepEqual(
    refusal(() => decodeChatRequest({ model: 'mock-fast' })),
    { message: 'messages must be an array; it was missing.', param: 'messages' },
  );
  assert.deepEqual(
    refusal(() => decodeChatRequest({ ...base, max_tokens: 'many' })),
    {
      message: 'max_tokens must be a number; it was the string "many".',
      param: 'max_tokens',
    },
  );
  assert.deepEqual(
    refusal(() => decodeChatRequest({ ...base, temperature: 9 })),
    {
      message: 'temperature must be at most 2; it was 9.',
      param: 'temperature',
    },
  );
  assert.deepEqual(
    refusal(() => decodeChatRequest({ ...base, messages: [{ role: 'user', content: 5 }] })),
    { message: 'messages[0].content must be a string or an array; it was 5.', param: 'messages[0].content' },
  );
  assert.match(
    refusal(() => decodeChatRequest({ ...base, messages: [{ role: 'robot', content: 'x' }] })).message,
    /^messages\[0\]\.role must be one of "system", .*"tool"; it was the string "robot"\.$/,
  );
  assert.deepEqual(
    refusal(() => decodeChatRequest([])),
    {
      message: 'The request body must be an object; it was an empty array.',
      param: undefined,
    },
  );
});

test('Anthropic requests: max_tokens is required, and says so', () => {
  const { message, param } = refusal(() =>
    decodeMessagesRequest({ model: 'mock-fast', messages: [{ role: 'user', content: 'Hi' }] }),
  );
  assert.equal(message, 'max_tokens must be a number; it was missing.');
  assert.equal(param, 'max_tokens');
  for (const text of [message]) assert.doesNotMatch(text, /Invalid input|received undefined/);
});

test('admin input: a missing team and an unknown field are plain sentences', () => {
  assert.deepEqual(
    refusal(() => validateBody(keyInput, { name: 'ci-bot' })),
    {
      message: 'team must be a string; it was missing.',
      param: 'team',
    },
  );
  assert.deepEqual(
    refusal(() => validateBody(teamInput, { name: 'search', colour: 'red' })),
    {
      message: 'The request body has an unknown field "colour"; check the spelling, or remove it.',
      param: 'colour',
    },
  );
});
