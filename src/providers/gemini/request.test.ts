import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GatehouseError } from '../../core/errors/index.ts';
import type { ChatRequest, Message } from '../../core/ir/index.ts';
import { functionResponseBody } from './contents.ts';
import { encodeGeminiRequest } from './request.ts';

const base: ChatRequest = {
  model: 'gemini',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Weather in Lisbon?' }] }],
  stream: false,
  includeUsage: false,
  native: { dialect: 'openai', body: {} },
};
const weather = {
  name: 'get_weather',
  description: 'Weather.',
  parameters: { type: 'object', properties: {} },
};

function rejects(req: ChatRequest, param: RegExp): void {
  assert.throws(
    () => encodeGeminiRequest(req),
    (err: unknown) =>
      err instanceof GatehouseError &&
      err.code === 'GH_UNSUPPORTED_BY_PROVIDER' &&
      param.test(err.param ?? ''),
  );
}

test('system, text and generation settings map onto Gemini fields', () => {
  const { body, warnings } = encodeGeminiRequest({
    ...base,
    system: [
      { type: 'text', text: 'Be brief.' },
      { type: 'text', text: '' },
    ],
    maxTokens: 100,
    temperature: 0.3,
    topP: 0.9,
    topK: 40,
    stop: ['###'],
    seed: 7,
    n: 1,
  });
  assert.deepEqual(body, {
    contents: [{ role: 'user', parts: [{ text: 'Weather in Lisbon?' }] }],
    systemInstruction: { parts: [{ text: 'Be brief.' }] },
    generationConfig: {
      maxOutputTokens: 100,
      temperature: 0.3,
      topP: 0.9,
      topK: 40,
      stopSequences: ['###'],
      seed: 7,
      candidateCount: 1,
    },
  });
  assert.deepEqual(warnings, []);
});

test('no generationConfig or systemInstruction when nothing asks for them', () => {
  const { body } = encodeGeminiRequest(base);
  assert.deepEqual(Object.keys(body), ['contents']);
});

test('tool calls carry parsed args and their thought signature; results answer by name', () => {
  const messages: Message[] = [
    base.messages[0]!,
    {
      role: 'assistant',
      content: [
        { type: 'thinking', text: 'I should call the tool.', signature: 'sig-think' },
        { type: 'text', text: '' },
        {
          type: 'tool_call',
          id: 'c1',
          name: 'get_weather',
          arguments: '{"city":"Lisbon"}',
          signature: 'sig-1',
        },
        { type: 'tool_call', id: 'c2', name: 'get_weather', arguments: '' },
      ],
    },
    {
      role: 'user',
      content: [
        { type: 'tool_result', toolCallId: 'c1', content: '{"temp_c":22}' },
        {
          type: 'tool_result',
          toolCallId: 'c2',
          name: 'get_weather',
          content: [{ type: 'text', text: 'rainy' }],
        },
      ],
    },
  ];
  const { body } = encodeGeminiRequest({ ...base, messages });
  assert.deepEqual(body.contents.slice(1), [
    {
      role: 'model',
      parts: [
        { functionCall: { name: 'get_weather', args: { city: 'Lisbon' } }, thoughtSignature: 'sig-1' },
        { functionCall: { name: 'get_weather', args: {} } },
      ],
    },
    {
      role: 'user',
      parts: [
        { functionResponse: { name: 'get_weather', response: { temp_c: 22 } } },
        { functionResponse: { name: 'get_weather', response: { result: 'rainy' } } },
      ],
    },
  ]);
});

test('a function response is always an object; errors are shaped as such', () => {
  assert.deepEqual(functionResponseBody('{"a":1}', false), { a: 1 });
  assert.deepEqual(functionResponseBody('[1,2]', false), { result: '[1,2]' });
  assert.deepEqual(functionResponseBody('42', undefined), { result: '42' });
  assert.deepEqual(functionResponseBody('not found', true), { error: 'not found' });
  assert.deepEqual(functionResponseBody('{"code":404}', true), { error: { code: 404 } });
});

test('a tool result whose call is unknown and unnamed is refused with its location', () => {
  rejects(
    {
      ...base,
      messages: [{ role: 'user', content: [{ type: 'tool_result', toolCallId: 'nope', content: 'x' }] }],
    },
    /^messages\[0\]\.content\[0\]$/,
  );
});

test('tool-call arguments that are not a JSON object are refused', () => {
  const messages: Message[] = [
    base.messages[0]!,
    { role: 'assistant', content: [{ type: 'tool_call', id: 'c1', name: 'f', arguments: '[1]' }] },
  ];
  rejects({ ...base, messages }, /^messages\[1\]\.content\[0\]\.arguments$/);
});

test('consecutive same-role messages merge into one turn; empty ones vanish', () => {
  const { body } = encodeGeminiRequest({
    ...base,
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'a' }] },
      { role: 'user', content: [{ type: 'text', text: 'b' }] },
      { role: 'assistant', content: [{ type: 'text', text: '' }] },
      { role: 'user', content: [{ type: 'text', text: 'c' }] },
    ],
  });
  assert.deepEqual(body.contents, [{ role: 'user', parts: [{ text: 'a' }, { text: 'b' }, { text: 'c' }] }]);
});

test('a conversation that starts with the assistant is refused', () => {
  rejects(
    { ...base, messages: [{ role: 'assistant', content: [{ type: 'text', text: 'Hi' }] }] },
    /^messages\[0\]$/,
  );
});

test('base64 and data: URL images become inlineData; other URLs are refused', () => {
  const { body } = encodeGeminiRequest({
    ...base,
    messages: [
      {
        role: 'user',
        content: [
          { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' } },
          { type: 'image', source: { kind: 'url', url: 'data:image/jpeg;base64,/9j/4AAQ' } },
        ],
      },
    ],
  });
  assert.deepEqual(body.contents[0]!.parts, [
    { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
    { inlineData: { mimeType: 'image/jpeg', data: '/9j/4AAQ' } },
  ]);
  rejects(
    {
      ...base,
      messages: [
        { role: 'user', content: [{ type: 'image', source: { kind: 'url', url: 'https://x.test/a.png' } }] },
      ],
    },
    /^messages\[0\]\.content\[0\]\.source$/,
  );
});

test('images in tool results follow the function response in the same turn', () => {
  const { body } = encodeGeminiRequest({
    ...base,
    messages: [
      base.messages[0]!,
      { role: 'assistant', content: [{ type: 'tool_call', id: 'c1', name: 'snap', arguments: '{}' }] },
      {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            toolCallId: 'c1',
            content: [
              { type: 'text', text: 'done' },
              { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'AAAA' } },
            ],
          },
        ],
      },
    ],
  });
  assert.deepEqual(body.contents[2]!.parts, [
    { functionResponse: { name: 'snap', response: { result: 'done' } } },
    { inlineData: { mimeType: 'image/png', data: 'AAAA' } },
  ]);
});

test('tools are plain JSON Schema declarations; each tool choice has its mode', () => {
  const choices = [
    [{ type: 'auto' }, { mode: 'AUTO' }],
    [{ type: 'none' }, { mode: 'NONE' }],
    [{ type: 'required' }, { mode: 'ANY' }],
    [
      { type: 'tool', name: 'get_weather' },
      { mode: 'ANY', allowedFunctionNames: ['get_weather'] },
    ],
  ] as const;
  for (const [toolChoice, expected] of choices) {
    const { body } = encodeGeminiRequest({ ...base, tools: [weather], toolChoice });
    assert.deepEqual(body.tools, [
      {
        functionDeclarations: [
          { name: 'get_weather', description: 'Weather.', parametersJsonSchema: weather.parameters },
        ],
      },
    ]);
    assert.deepEqual(body.toolConfig, { functionCallingConfig: expected });
  }
});

test('settings Gemini cannot honour become warnings', () => {
  const { warnings } = encodeGeminiRequest({
    ...base,
    tools: [{ ...weather, strict: true }],
    parallelToolCalls: false,
    user: 'u1',
    metadata: { team: 'a' },
    messages: [
      {
        role: 'user',
        content: [{ type: 'text', text: 'hi', cacheControl: { type: 'ephemeral' } }],
      },
    ],
  });
  assert.equal(warnings.length, 5);
  assert.ok(warnings.some((w) => /parallel_tool_calls/.test(w)));
  assert.ok(warnings.some((w) => /cache_control/.test(w)));
  assert.ok(warnings.some((w) => /^user/.test(w)));
  assert.ok(warnings.some((w) => /^metadata/.test(w)));
  assert.ok(warnings.some((w) => /Strict/.test(w)));
});

test('n above 1 is refused: the answer carries one candidate', () => {
  rejects({ ...base, n: 2 }, /^n$/);
});

test('response formats use the native structured-output fields', () => {
  const schema = { type: 'object', properties: { a: { type: 'string' } } };
  const json = encodeGeminiRequest({ ...base, responseFormat: { type: 'json_object' } }).body
    .generationConfig;
  assert.deepEqual(json, { responseMimeType: 'application/json' });
  const structured = encodeGeminiRequest({
    ...base,
    responseFormat: { type: 'json_schema', name: 'a', schema },
  }).body.generationConfig;
  assert.deepEqual(structured, { responseMimeType: 'application/json', responseJsonSchema: schema });
  assert.equal(
    encodeGeminiRequest({ ...base, responseFormat: { type: 'text' } }).body.generationConfig,
    undefined,
  );
});

test('thinking maps to thinkingConfig; reasoning effort to a budget', () => {
  const config = (req: Partial<ChatRequest>) =>
    encodeGeminiRequest({ ...base, ...req }).body.generationConfig;
  assert.deepEqual(config({ thinking: { type: 'enabled', budgetTokens: 2048 } }), {
    thinkingConfig: { thinkingBudget: 2048, includeThoughts: true },
  });
  assert.deepEqual(config({ thinking: { type: 'disabled' } }), { thinkingConfig: { thinkingBudget: 0 } });
  assert.deepEqual(config({ reasoningEffort: 'medium' }), { thinkingConfig: { thinkingBudget: 8192 } });
  const both = encodeGeminiRequest({
    ...base,
    thinking: { type: 'enabled', budgetTokens: 1024 },
    reasoningEffort: 'high',
  });
  assert.deepEqual(both.body.generationConfig?.thinkingConfig, {
    thinkingBudget: 1024,
    includeThoughts: true,
  });
  assert.equal(both.warnings.length, 1);
});
