// The gemini subject of the shared conformance cases (../cases.ts, described in ../subject.ts):
// how its mock upstream starts, and what the recorded fixtures say a client should see.
import assert from 'node:assert/strict';
import type { ChatRequest } from '../../../src/core/ir/index.ts';
import { createGeminiProvider } from '../../../src/providers/gemini/index.ts';
import type { HttpClient } from '../../../src/providers/http.ts';
import {
  geminiEmbedding,
  geminiExpected,
  geminiFixtureDir,
  parseGeminiSse,
  startGeminiUpstream,
} from '../../upstreams/gemini.ts';
import { callOptions, type ConformanceSubject, Fixtures } from '../subject.ts';

export const model = 'gemini-2.5-flash';
export const apiKey = 'test-gemini-key';
export const opts = callOptions();

export const fixtures = new Fixtures([geminiFixtureDir]);
const fixture = (file: string): any =>
  file.endsWith('.sse') ? parseGeminiSse(fixtures.text(file)) : fixtures.json(file);

const weatherSchema = {
  type: 'object',
  properties: {
    city: { type: 'string', description: 'City name, e.g. Lisbon' },
    unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
  },
  required: ['city'],
};
export const tools: ChatRequest['tools'] = [
  { name: 'get_weather', description: 'Get the current weather for a city.', parameters: weatherSchema },
];
const question = "What's the weather in Lisbon and in Porto right now?";
export const signature =
  'CsQBAdHtim9exampleThoughtSignatureOpaqueBase64MustBeRoundTrippedOnTheSamePartXyZ0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ==';

export const plain: ChatRequest = {
  model: 'gemini',
  messages: [{ role: 'user', content: [{ type: 'text', text: question }] }],
  stream: false,
  includeUsage: false,
  native: { dialect: 'openai', body: {} },
};
export const toolTurn: ChatRequest = { ...plain, tools, toolChoice: { type: 'auto' } };

/** The IR equivalent of request.json (the second turn, which sends the tool results back). */
const fixtureEquivalent: ChatRequest = {
  ...plain,
  system: [{ type: 'text', text: 'You are a concise travel assistant. Use tools when you need live data.' }],
  messages: [
    { role: 'user', content: [{ type: 'text', text: question }] },
    {
      role: 'assistant',
      content: [
        {
          type: 'tool_call',
          id: 'call_a',
          name: 'get_weather',
          arguments: '{"city":"Lisbon","unit":"celsius"}',
          signature,
        },
        {
          type: 'tool_call',
          id: 'call_b',
          name: 'get_weather',
          arguments: '{"city":"Porto","unit":"celsius"}',
        },
      ],
    },
    {
      role: 'user',
      content: [
        // One result names its tool, the other leaves the name to be looked up by call id.
        {
          type: 'tool_result',
          toolCallId: 'call_a',
          content: '{"output":{"temp_c":22,"conditions":"sunny"}}',
        },
        {
          type: 'tool_result',
          toolCallId: 'call_b',
          name: 'get_weather',
          content: [{ type: 'text', text: '{"output":{"temp_c":17,"conditions":"light rain"}}' }],
        },
      ],
    },
  ],
  tools: [
    ...tools!,
    {
      name: 'get_local_time',
      description:
        'Get the current local time for a city (declared with plain JSON Schema via parametersJsonSchema).',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  ],
  toolChoice: { type: 'auto' },
  temperature: 0.2,
  topP: 0.95,
  maxTokens: 1024,
  stop: ['###'],
  n: 1,
  thinking: { type: 'enabled', budgetTokens: 512 },
};

/** Gemini's OpenAPI-subset schema (uppercase types) as the JSON Schema it stands for. */
function asJsonSchema(schema: any): any {
  if (Array.isArray(schema)) return schema.map(asJsonSchema);
  if (schema === null || typeof schema !== 'object') return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [
      key,
      key === 'type' && typeof value === 'string' ? value.toLowerCase() : asJsonSchema(value),
    ]),
  );
}

const errorCases = [
  {
    file: 'error-400.json',
    status: 400,
    expected: { code: 'GH_UPSTREAM_AUTH', status: 502, retryable: false, upstreamType: 'API_KEY_INVALID' },
  },
  {
    file: 'error-404.json',
    status: 404,
    expected: { code: 'GH_UPSTREAM_REJECTED', status: 404, retryable: false, upstreamType: 'NOT_FOUND' },
  },
  {
    file: 'error-429.json',
    status: 429,
    expected: { code: 'GH_UPSTREAM_RATE_LIMITED', status: 429, retryable: true, retryAfter: 27 },
  },
  {
    file: 'error-503.json',
    status: 503,
    expected: { code: 'GH_UPSTREAM_OVERLOADED', status: 503, retryable: true, upstreamType: 'UNAVAILABLE' },
  },
] as const;

const texts = Array.from({ length: 130 }, (_, i) => `text number ${i}`);

export const geminiSubject: ConformanceSubject = {
  name: 'gemini',
  dialect: 'gemini',
  model,
  plain,
  fixtures,
  startUpstream: () => startGeminiUpstream({ apiKey }),
  create: (url: string, http: HttpClient) =>
    createGeminiProvider(
      'gemini',
      { type: 'gemini', api_key: apiKey, base_url: `${url}/v1beta/`, headers: { 'X-Team': 'travel' } },
      { http },
    ),
  createWithWrongKey: (url: string, http: HttpClient) =>
    createGeminiProvider('gemini', { type: 'gemini', api_key: 'wrong', base_url: `${url}/v1beta` }, { http }),
  wrongKey: { expect: {} },

  request: {
    title: 'the request sent upstream matches request.json: URL, key, headers and body',
    call: 'complete',
    req: fixtureEquivalent,
    url: `/v1beta/models/${model}:generateContent`,
    headers: { 'x-goog-api-key': apiKey, 'x-team': 'travel', authorization: undefined },
    // The conversation ends in tool results, so the upstream answers with the final text.
    text: geminiExpected.finalText,
    check(sent, { result }) {
      const recorded = fixture('request.json');
      assert.deepEqual(Object.keys(sent.body).sort(), Object.keys(recorded).sort());
      assert.deepEqual(sent.body.systemInstruction, recorded.systemInstruction);
      assert.deepEqual(sent.body.contents, recorded.contents);
      assert.deepEqual(sent.body.toolConfig, recorded.toolConfig);
      // The gateway always asks for thought summaries when thinking is on, so they reach the client.
      assert.deepEqual(sent.body.generationConfig, {
        ...recorded.generationConfig,
        thinkingConfig: { ...recorded.generationConfig.thinkingConfig, includeThoughts: true },
      });
      // Declarations are always plain JSON Schema: the fixture's OpenAPI-subset one, lowercased, is the same schema.
      const [weather, localTime] = recorded.tools[0].functionDeclarations;
      assert.deepEqual(sent.body.tools, [
        {
          functionDeclarations: [
            {
              name: weather.name,
              description: weather.description,
              parametersJsonSchema: asJsonSchema(weather.parameters),
            },
            localTime,
          ],
        },
      ]);
      const { response } = result!;
      assert.equal(response.content.length, 1);
      assert.deepEqual(response.content[0], { type: 'text', text: geminiExpected.finalText });
    },
  },

  answers: [
    {
      title: 'non-stream text answer (response.json) decodes to IR',
      req: plain,
      content: [{ type: 'text', text: geminiExpected.text }],
      finishReason: 'stop',
      usage: geminiExpected.textUsage,
      check(result) {
        const recorded = fixture('response.json');
        assert.deepEqual(result.response, {
          id: recorded.responseId,
          model,
          content: [{ type: 'text', text: geminiExpected.text }],
          finishReason: 'stop',
          usage: geminiExpected.textUsage,
        });
        assert.deepEqual(result.response.usage, {
          inputTokens: 176,
          outputTokens: 142,
          reasoningTokens: 115,
        });
        assert.equal(result.raw?.dialect, 'gemini');
        assert.equal((result.raw!.body as any).responseId, recorded.responseId);
        assert.equal(result.warnings, undefined);
      },
    },
    {
      title: 'non-stream tool-call answer (response-function-call.json) decodes to IR',
      req: toolTurn,
      toolCalls: geminiExpected.toolCalls,
      finishReason: 'tool_calls',
      usage: geminiExpected.usage,
      check({ response }) {
        fixture('response-function-call.json');
        assert.equal(response.id, geminiExpected.responseIds.toolTurn);
        assert.deepEqual(response.usage, { inputTokens: 98, outputTokens: 116, reasoningTokens: 78 });
        const calls = response.content.filter((part) => part.type === 'tool_call');
        assert.equal(calls.length, response.content.length);
        assert.deepEqual(
          calls.map((call) => call.signature),
          geminiExpected.toolSignatures,
        );
        for (const call of calls) assert.match(call.id, /^call_[0-9a-f]+$/);
        assert.equal(new Set(calls.map((call) => call.id)).size, calls.length);
      },
    },
  ],

  streams: [
    {
      title: 'stream.sse decodes to text, usage and one final finish',
      req: plain,
      url: `/v1beta/models/${model}:streamGenerateContent?alt=sse`,
      text: geminiExpected.streamText,
      finishReason: 'stop',
      usage: geminiExpected.streamUsage.text,
      check({ chunks, parts }) {
        const events = fixture('stream.sse');
        // One chunk per upstream event, each with its original text; then the finish, made at end of input.
        assert.equal(chunks.length, events.length + 1);
        chunks.slice(0, -1).forEach((chunk, i) => {
          assert.deepEqual(JSON.parse(chunk.raw!.data), { ...events[i], modelVersion: model });
        });
        assert.deepEqual(parts[0], { type: 'start', id: events[0].responseId, model });
        assert.deepEqual(parts.at(-1), {
          type: 'finish',
          finishReason: 'stop',
          usage: geminiExpected.streamUsage.text,
        });
        const usages = parts.filter((part) => part.type === 'usage');
        assert.equal(usages.length, events.length);
      },
    },
    {
      title: 'stream-function-call.sse decodes to whole tool calls with ids, names and arguments',
      req: toolTurn,
      text: '',
      toolCalls: geminiExpected.streamToolCalls,
      finishReason: 'tool_calls',
      usage: geminiExpected.streamUsage.tools,
      check({ parts, answer }) {
        fixture('stream-function-call.sse');
        const calls = answer.toolCalls;
        assert.deepEqual(
          calls.map((call) => call.signature),
          geminiExpected.toolSignatures,
        );
        assert.ok(calls.every((call) => /^call_/.test(call.id)));
        assert.equal(new Set(calls.map((call) => call.id)).size, calls.length);
        assert.deepEqual(parts.at(-1), {
          type: 'finish',
          finishReason: 'tool_calls',
          usage: geminiExpected.streamUsage.tools,
        });
      },
    },
  ],

  midStreamError: {
    title: 'an error event mid-stream is thrown classified after the first parts',
    req: plain,
    expect: { code: 'GH_UPSTREAM_OVERLOADED', retryable: true, upstreamType: 'UNAVAILABLE' },
    textBefore: geminiExpected.streamErrorText,
    check(seen) {
      assert.ok(seen.map((part) => (part.type === 'text' ? part.text : '')).join('').length > 0);
    },
  },

  hangingStream: { req: plain, firstEvent: fixtures.text('stream.sse').split('\n\n')[0]! },

  errors: errorCases.map(({ file, status, expected }) => ({
    title: `${file} → ${expected.code}, for complete() and stream()`,
    fault: { kind: 'status' as const, status, body: fixture(file) },
    call: 'both' as const,
    expect: { ...expected, provider: 'gemini', upstreamStatus: status },
  })),

  refusals: [
    {
      title: 'embeddings of token arrays are refused before any upstream call',
      call: (provider) =>
        provider.embed!(
          { model: 'embed', input: [[1, 2]], native: { dialect: 'openai', body: {} } },
          'gemini-embedding-001',
          opts,
        ),
      expect: { code: 'GH_UNSUPPORTED_BY_PROVIDER', status: 400 },
    },
  ],

  warnings: [
    {
      title: 'parallel_tool_calls, which Gemini cannot turn off, is reported as a warning',
      call: 'complete',
      req: { ...toolTurn, parallelToolCalls: false },
      warning: /parallel_tool_calls/,
    },
    {
      title: 'user, which Gemini lacks, is reported as a warning on the stream',
      call: 'stream',
      req: { ...plain, user: 'u-1' },
      warning: /user/,
    },
  ],

  embeddings: [
    {
      title: 'embeddings: one batchEmbedContents call per 100 inputs, vectors in order, usage estimated',
      req: { model: 'embed', input: texts, dimensions: 8, native: { dialect: 'openai', body: {} } },
      model: 'models/gemini-embedding-001',
      urls: [
        '/v1beta/models/gemini-embedding-001:batchEmbedContents',
        '/v1beta/models/gemini-embedding-001:batchEmbedContents',
      ],
      embeddings: texts.map((text) => geminiEmbedding(text, 8)),
      usage: { inputTokens: Math.ceil(texts.join('').length / 4) },
      resultModel: 'gemini-embedding-001',
      check(_result, calls) {
        assert.deepEqual(
          calls.map((call) => call.body.requests.length),
          [100, 30],
        );
        assert.deepEqual(calls[0]!.body.requests[0], {
          model: 'models/gemini-embedding-001',
          content: { parts: [{ text: 'text number 0' }] },
          outputDimensionality: 8,
        });
        assert.equal(calls[0]!.headers['x-goog-api-key'], apiKey);
      },
    },
  ],
};
