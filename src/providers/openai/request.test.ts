import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GatehouseError } from '../../core/errors/index.ts';
import type { ChatRequest } from '../../core/ir/index.ts';
import { openaiRequestBody } from './request.ts';

function ir(extra: Partial<ChatRequest>): ChatRequest {
  return {
    model: 'alias',
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
    stream: false,
    includeUsage: false,
    native: { dialect: 'anthropic', body: {} },
    ...extra,
  };
}

test('system blocks become one system message; cache hints and thinking are dropped without warnings', () => {
  const { body, warnings } = openaiRequestBody(
    ir({
      system: [
        { type: 'text', text: 'First.', cacheControl: { type: 'ephemeral' } },
        { type: 'text', text: '' },
        { type: 'text', text: 'Second.' },
      ],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Q', cacheControl: { type: 'ephemeral' } }] },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', text: 'hmm', signature: 'sig' },
            { type: 'redacted_thinking', data: 'x' },
            { type: 'text', text: 'A' },
          ],
        },
        { role: 'assistant', content: [{ type: 'thinking', text: 'only thinking' }] },
        { role: 'user', content: [{ type: 'text', text: 'Q2' }] },
      ],
    }),
    'gpt',
    false,
  );
  assert.deepEqual(body.messages, [
    { role: 'system', content: 'First.\n\nSecond.' },
    { role: 'user', content: 'Q' },
    { role: 'assistant', content: 'A' },
    { role: 'user', content: 'Q2' },
  ]);
  assert.deepEqual(warnings, []);
});

test('user images become image_url parts: data URIs for base64, URLs as they are', () => {
  const { body } = openaiRequestBody(
    ir({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0K' } },
            { type: 'image', source: { kind: 'url', url: 'https://x.test/a.jpg' }, detail: 'low' },
          ],
        },
      ],
    }),
    'gpt',
    false,
  );
  assert.deepEqual(body.messages, [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'What is this?' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0K' } },
        { type: 'image_url', image_url: { url: 'https://x.test/a.jpg', detail: 'low' } },
      ],
    },
  ]);
});

test('tool results become tool messages ahead of the rest of the user turn; images in them warn', () => {
  const { body, warnings } = openaiRequestBody(
    ir({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Checking.' },
            { type: 'tool_call', id: 'c1', name: 'get_weather', arguments: '{"city":"Lisbon"}' },
            { type: 'tool_call', id: 'c2', name: 'now', arguments: '' },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Here you go.' },
            { type: 'tool_result', toolCallId: 'c1', content: '{"temp_c":22}', isError: false },
            {
              type: 'tool_result',
              toolCallId: 'c2',
              content: [
                { type: 'text', text: 'line 1' },
                { type: 'image', source: { kind: 'url', url: 'https://x.test/chart.png' } },
                { type: 'text', text: 'line 2' },
              ],
              isError: true,
            },
          ],
        },
      ],
    }),
    'gpt',
    false,
  );
  assert.deepEqual(body.messages, [
    { role: 'user', content: 'Weather?' },
    {
      role: 'assistant',
      content: 'Checking.',
      tool_calls: [
        { id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Lisbon"}' } },
        { id: 'c2', type: 'function', function: { name: 'now', arguments: '{}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'c1', content: '{"temp_c":22}' },
    { role: 'tool', tool_call_id: 'c2', content: 'line 1\nline 2' },
    { role: 'user', content: 'Here you go.' },
  ]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /image.*c2.*text only/);
});

test('tools, tool_choice and generation settings map to their Chat Completions fields', () => {
  const base = {
    tools: [
      {
        name: 'f',
        description: 'does f',
        parameters: { type: 'object', properties: {} },
        strict: true,
        cacheControl: { type: 'ephemeral' as const },
      },
      { name: 'g', parameters: { type: 'object' } },
    ],
    parallelToolCalls: false,
    maxTokens: 300,
    temperature: 0.5,
    topP: 0.9,
    stop: ['END'],
    seed: 7,
    user: 'u-1',
    responseFormat: {
      type: 'json_schema' as const,
      name: 'answer',
      schema: { type: 'object' },
      strict: true,
    },
  };
  const { body, warnings } = openaiRequestBody(
    ir({ ...base, toolChoice: { type: 'tool', name: 'g' } }),
    'gpt',
    false,
  );
  assert.deepEqual(body, {
    model: 'gpt',
    messages: [{ role: 'user', content: 'Hi' }],
    tools: [
      {
        type: 'function',
        function: {
          name: 'f',
          description: 'does f',
          parameters: { type: 'object', properties: {} },
          strict: true,
        },
      },
      { type: 'function', function: { name: 'g', parameters: { type: 'object' } } },
    ],
    tool_choice: { type: 'function', function: { name: 'g' } },
    parallel_tool_calls: false,
    max_completion_tokens: 300,
    temperature: 0.5,
    top_p: 0.9,
    stop: ['END'],
    seed: 7,
    user: 'u-1',
    response_format: {
      type: 'json_schema',
      json_schema: { name: 'answer', schema: { type: 'object' }, strict: true },
    },
  });
  assert.deepEqual(warnings, []);
  for (const type of ['auto', 'none', 'required'] as const) {
    assert.equal(
      openaiRequestBody(ir({ ...base, toolChoice: { type } }), 'gpt', false).body.tool_choice,
      type,
    );
  }
  const json = openaiRequestBody(ir({ responseFormat: { type: 'json_object' } }), 'gpt', false).body;
  assert.deepEqual(json.response_format, { type: 'json_object' });
});

test('tool_choice and parallel_tool_calls are left out when no tools are offered (OpenAI refuses them)', () => {
  const { body } = openaiRequestBody(
    ir({ toolChoice: { type: 'auto' }, parallelToolCalls: true }),
    'gpt',
    false,
  );
  assert.equal('tool_choice' in body, false);
  assert.equal('parallel_tool_calls' in body, false);
  assert.equal('tools' in body, false);
});

test('unsupported settings become warnings: top_k, a thinking budget, metadata', () => {
  const { body, warnings } = openaiRequestBody(
    ir({ topK: 40, thinking: { type: 'enabled', budgetTokens: 2048 }, metadata: { team: 'blue' } }),
    'gpt',
    false,
  );
  assert.equal(warnings.length, 3);
  assert.match(warnings[0]!, /top_k/);
  assert.match(warnings[1]!, /thinking/i);
  assert.match(warnings[2]!, /metadata/);
  for (const field of ['top_k', 'thinking', 'metadata']) assert.equal(field in body, false);
});

test('a stream asks for usage; n > 1 from the IR is refused as unsupported', () => {
  const { body } = openaiRequestBody(ir({ stream: true }), 'gpt', true);
  assert.equal(body.stream, true);
  assert.deepEqual(body.stream_options, { include_usage: true });
  assert.throws(
    () => openaiRequestBody(ir({ n: 2 }), 'gpt', false),
    (err: GatehouseError) =>
      err.code === 'GH_UNSUPPORTED_BY_PROVIDER' && err.param === 'n' && err.status === 400,
  );
});

test('pass-through: the OpenAI body goes as it came, with the model and stream settings set', () => {
  const native = {
    model: 'alias',
    messages: [
      { role: 'developer', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
    ],
    n: 3,
    logit_bias: { '50256': -100 },
    stream: true,
    stream_options: { include_usage: false, include_obfuscation: false },
    a_future_field: { nested: [1] },
  };
  const req = ir({ native: { dialect: 'openai', body: native }, topK: 5 });
  const streamed = openaiRequestBody(req, 'gpt-4.1', true);
  assert.deepEqual(streamed, {
    body: {
      ...native,
      model: 'gpt-4.1',
      stream_options: { include_usage: true, include_obfuscation: false },
    },
    warnings: [],
  });
  const { stream: _stream, stream_options: _options, ...rest } = native;
  assert.deepEqual(openaiRequestBody(req, 'gpt-4.1', false).body, { ...rest, model: 'gpt-4.1' });
  assert.equal(native.model, 'alias', 'the client body itself is not modified');
  assert.deepEqual(native.stream_options, { include_usage: false, include_obfuscation: false });
});
