import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GatehouseError } from '../../core/errors/index.ts';
import type { ChatRequest } from '../../core/ir/index.ts';
import { anthropicCountTokensBody, anthropicRequestBody, encodeAnthropicRequest } from './request.ts';

function ir(extra: Partial<ChatRequest> = {}): ChatRequest {
  return {
    model: 'alias',
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
    stream: false,
    includeUsage: false,
    native: { dialect: 'openai', body: {} },
    ...extra,
  };
}

test('defaults max_tokens to 4096 and leaves room above a large thinking budget', () => {
  assert.equal(encodeAnthropicRequest(ir(), 'm').body.max_tokens, 4096);
  assert.equal(encodeAnthropicRequest(ir({ maxTokens: 10 }), 'm').body.max_tokens, 10);
  const big = encodeAnthropicRequest(ir({ thinking: { type: 'enabled', budgetTokens: 8000 } }), 'm').body;
  assert.equal(big.max_tokens, 12096);
  assert.deepEqual(big.thinking, { type: 'enabled', budget_tokens: 8000 });
});

test('merges consecutive same-role messages and puts tool results first', () => {
  const { body } = encodeAnthropicRequest(
    ir({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'a' }] },
        { role: 'user', content: [{ type: 'text', text: 'b' }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: '' },
            { type: 'tool_call', id: 't1', name: 'f', arguments: '{"x":1}' },
            { type: 'tool_call', id: 't2', name: 'f', arguments: '' },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', toolCallId: 't1', content: 'one' }] },
        { role: 'user', content: [{ type: 'text', text: 'and' }] },
        { role: 'user', content: [{ type: 'tool_result', toolCallId: 't2', content: 'two', isError: true }] },
      ],
    }),
    'm',
  );
  assert.deepEqual(body.messages, [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'a' },
        { type: 'text', text: 'b' },
      ],
    },
    {
      role: 'assistant',
      content: [
        { type: 'tool_use', id: 't1', name: 'f', input: { x: 1 } },
        { type: 'tool_use', id: 't2', name: 'f', input: {} },
      ],
    },
    {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 't1', content: 'one' },
        { type: 'tool_result', tool_use_id: 't2', content: 'two', is_error: true },
        { type: 'text', text: 'and' },
      ],
    },
  ]);
});

test('invalid tool-call arguments are the caller’s error, with the param', () => {
  for (const args of ['{"x":', '[1]', '"text"']) {
    assert.throws(
      () =>
        encodeAnthropicRequest(
          ir({
            messages: [
              { role: 'assistant', content: [{ type: 'tool_call', id: 't', name: 'f', arguments: args }] },
            ],
          }),
          'm',
        ),
      (err: GatehouseError) => err.code === 'GH_INVALID_REQUEST' && err.param === 'messages[0].content[0]',
    );
  }
});

test('images: base64, http URL, data URL; other schemes are refused', () => {
  const { body } = encodeAnthropicRequest(
    ir({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'AAA' } },
            {
              type: 'image',
              source: { kind: 'url', url: 'https://x.test/a.jpg' },
              cacheControl: { type: 'ephemeral' },
            },
            { type: 'image', source: { kind: 'url', url: 'data:image/gif;base64,R0lG' } },
          ],
        },
      ],
    }),
    'm',
  );
  assert.deepEqual(body.messages[0]!.content, [
    { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAA' } },
    {
      type: 'image',
      source: { type: 'url', url: 'https://x.test/a.jpg' },
      cache_control: { type: 'ephemeral' },
    },
    { type: 'image', source: { type: 'base64', media_type: 'image/gif', data: 'R0lG' } },
  ]);
  assert.throws(
    () =>
      encodeAnthropicRequest(
        ir({
          messages: [
            { role: 'user', content: [{ type: 'image', source: { kind: 'url', url: 'ftp://x/a.png' } }] },
          ],
        }),
        'm',
      ),
    (err: GatehouseError) =>
      err.code === 'GH_UNSUPPORTED_BY_PROVIDER' && err.param === 'messages[0].content[0]',
  );
});

test('thinking blocks keep their signature; unsigned ones are dropped with a warning', () => {
  const { body, warnings } = encodeAnthropicRequest(
    ir({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'q' }] },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', text: 'hmm', signature: 'sig' },
            { type: 'thinking', text: 'from elsewhere' },
            { type: 'redacted_thinking', data: 'opaque' },
            { type: 'text', text: 'a' },
          ],
        },
      ],
    }),
    'm',
  );
  assert.deepEqual(body.messages[1]!.content, [
    { type: 'thinking', thinking: 'hmm', signature: 'sig' },
    { type: 'redacted_thinking', data: 'opaque' },
    { type: 'text', text: 'a' },
  ]);
  assert.equal(warnings.length, 1);
});

test('tool_choice mapping and disable_parallel_tool_use', () => {
  const tools = [{ name: 'f', parameters: { type: 'object' } }];
  const choice = (extra: Partial<ChatRequest>) =>
    encodeAnthropicRequest(ir({ tools, ...extra }), 'm').body.tool_choice;
  assert.equal(choice({}), undefined);
  assert.deepEqual(choice({ toolChoice: { type: 'auto' } }), { type: 'auto' });
  assert.deepEqual(choice({ toolChoice: { type: 'required' }, parallelToolCalls: false }), {
    type: 'any',
    disable_parallel_tool_use: true,
  });
  assert.deepEqual(choice({ toolChoice: { type: 'tool', name: 'f' }, parallelToolCalls: true }), {
    type: 'tool',
    name: 'f',
    disable_parallel_tool_use: false,
  });
  assert.deepEqual(choice({ toolChoice: { type: 'none' }, parallelToolCalls: false }), { type: 'none' });
  assert.deepEqual(choice({ parallelToolCalls: false }), { type: 'auto', disable_parallel_tool_use: true });
  assert.equal(encodeAnthropicRequest(ir({ toolChoice: { type: 'auto' } }), 'm').body.tool_choice, undefined);
});

test('sampling settings, user, and warnings for what Anthropic cannot honour', () => {
  const { body, warnings } = encodeAnthropicRequest(
    ir({
      temperature: 0.5,
      topP: 0.9,
      topK: 40,
      stop: ['END'],
      user: 'u-1',
      seed: 7,
      reasoningEffort: 'low',
    }),
    'm',
  );
  assert.equal(body.temperature, 0.5);
  assert.equal(body.top_p, 0.9);
  assert.equal(body.top_k, 40);
  assert.deepEqual(body.stop_sequences, ['END']);
  assert.deepEqual(body.metadata, { user_id: 'u-1' });
  assert.ok(!('seed' in body));
  assert.equal(warnings.length, 2);
  assert.match(warnings[0]!, /seed/);
});

test('n > 1 is unsupported by the provider', () => {
  assert.throws(
    () => encodeAnthropicRequest(ir({ n: 2 }), 'm'),
    (err: GatehouseError) =>
      err.code === 'GH_UNSUPPORTED_BY_PROVIDER' && err.param === 'n' && err.status === 400,
  );
});

test('response_format becomes a trailing system instruction plus a warning', () => {
  const schema = { type: 'object', properties: { a: { type: 'string' } } };
  const { body, warnings } = encodeAnthropicRequest(
    ir({
      system: [{ type: 'text', text: 'Be brief.', cacheControl: { type: 'ephemeral', ttl: '1h' } }],
      responseFormat: { type: 'json_schema', name: 'answer', schema },
    }),
    'm',
  );
  assert.equal(body.system!.length, 2);
  assert.deepEqual(body.system![0], {
    type: 'text',
    text: 'Be brief.',
    cache_control: { type: 'ephemeral', ttl: '1h' },
  });
  assert.ok(body.system![1]!.text.includes(JSON.stringify(schema)));
  assert.match(warnings.join(), /response_format/);
  const plain = encodeAnthropicRequest(ir({ responseFormat: { type: 'json_object' } }), 'm').body;
  assert.match(plain.system![0]!.text, /JSON object/);
});

test('pass-through keeps the native body and changes only model and stream', () => {
  const native = {
    model: 'client-alias',
    max_tokens: 5,
    messages: [{ role: 'user', content: 'x' }],
    service_tier: 'auto',
    some_future_field: { deep: [1, 2] },
    stream: true,
  };
  const req = ir({ native: { dialect: 'anthropic', body: native } });
  const streamed = anthropicRequestBody(req, 'claude-x', true).body;
  assert.deepEqual(streamed, { ...native, model: 'claude-x', stream: true });
  const whole = anthropicRequestBody(req, 'claude-x', false).body;
  assert.equal(whole.stream, undefined);
  assert.equal(native.model, 'client-alias', 'the client body is not mutated');
});

test('count_tokens body drops the fields that endpoint refuses', () => {
  const native = {
    model: 'a',
    max_tokens: 5,
    temperature: 1,
    stream: true,
    metadata: { user_id: 'u' },
    system: 's',
    messages: [{ role: 'user', content: 'x' }],
    thinking: { type: 'enabled', budget_tokens: 1024 },
  };
  assert.deepEqual(anthropicCountTokensBody(ir({ native: { dialect: 'anthropic', body: native } }), 'm'), {
    model: 'm',
    system: 's',
    messages: [{ role: 'user', content: 'x' }],
    thinking: { type: 'enabled', budget_tokens: 1024 },
  });
  assert.deepEqual(anthropicCountTokensBody(ir({ maxTokens: 9, temperature: 0 }), 'm'), {
    model: 'm',
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
  });
});
