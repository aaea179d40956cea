// The openai-responses subject of the shared conformance cases (../cases.ts, described in ../subject.ts):
// how its mock upstream starts, and what the recorded fixtures say a client should see.
import assert from 'node:assert/strict';
import type { ChatRequest } from '../../../src/core/ir/index.ts';
import type { HttpClient } from '../../../src/providers/http.ts';
import { createOpenAIResponsesProvider } from '../../../src/providers/openai/index.ts';
import {
  openaiResponsesExpected as expected,
  startOpenAIResponsesUpstream,
} from '../../upstreams/openai-responses.ts';
import { textOf } from '../cases.ts';
import { callOptions as opts, type ConformanceSubject, Fixtures } from '../subject.ts';

const fixtures = new Fixtures(['openai-responses']);
const model = 'gpt-5-mini';
const apiKey = 'sk-upstream';

const weather = {
  name: 'get_weather',
  description: 'Get the current weather for a city.',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
    required: ['city', 'unit'],
    additionalProperties: false,
  },
  strict: true,
};

/** The IR of request.json: a question, the function call and its output. */
const turn: ChatRequest = {
  model: 'x',
  system: [{ type: 'text', text: 'You are a concise travel assistant. Use tools when you need live data.' }],
  messages: [
    { role: 'user', content: [{ type: 'text', text: "What's the weather in Lisbon right now?" }] },
    {
      role: 'assistant',
      content: [
        {
          type: 'tool_call',
          id: 'call_Vb2nQ7rLx4TzKa9EwY1uHc6M',
          name: 'get_weather',
          arguments: '{"city":"Lisbon","unit":"celsius"}',
        },
      ],
    },
    {
      role: 'user',
      content: [
        {
          type: 'tool_result',
          toolCallId: 'call_Vb2nQ7rLx4TzKa9EwY1uHc6M',
          content: '{"temp_c":22,"conditions":"sunny"}',
        },
      ],
    },
  ],
  tools: [weather],
  toolChoice: { type: 'auto' },
  parallelToolCalls: true,
  maxTokens: 512,
  reasoningEffort: 'low',
  stream: true,
  includeUsage: true,
  native: { dialect: 'openai', body: {} },
};

const question: ChatRequest = { ...turn, messages: [turn.messages[0]!] };

function config(url: string, key = apiKey) {
  return { type: 'openai' as const, api: 'responses' as const, api_key: key, base_url: `${url}/v1` };
}

export const openaiResponsesSubject: ConformanceSubject = {
  name: 'openai-responses',
  dialect: 'openai-responses',
  model,
  plain: turn,
  fixtures,
  startUpstream: () => startOpenAIResponsesUpstream({ apiKey }),
  create: (url: string, http: HttpClient) => createOpenAIResponsesProvider('openai', config(url), { http }),
  createWithWrongKey: (url: string, http: HttpClient) =>
    createOpenAIResponsesProvider('openai', config(url, 'sk-wrong'), { http }),
  wrongKey: { expect: { status: 502 }, message: /Incorrect API key/ },

  request: {
    title: 'the request matches the recorded one, field by field',
    call: 'stream',
    req: turn,
    url: '/v1/responses',
    headers: { authorization: `Bearer ${apiKey}` },
    // The turn ends in the function's output, so the upstream answers with text.
    text: expected.streamText,
    check(sent) {
      assert.deepEqual(sent.body, fixtures.json('request.json'));
    },
  },

  answers: [
    {
      title:
        'a completed answer: text, no finish reason in the wire but stop in the IR, cached and reasoning usage',
      req: { ...turn, stream: false },
      finishReason: 'stop',
      usage: { inputTokens: 1348, outputTokens: 84, cacheReadTokens: 1280, reasoningTokens: 64 },
      check({ response, raw }) {
        fixtures.use('response.json');
        assert.equal(raw?.dialect, 'openai-responses');
        assert.equal(textOf(response.content), expected.finalText);
      },
    },
  ],

  streams: [
    {
      title: 'a streamed text answer ends with one finish carrying usage',
      req: { ...turn, tools: [] },
      text: expected.streamText,
      finishReason: 'stop',
      usage: expected.streamUsage.text,
      check() {
        fixtures.use('stream-text.sse');
      },
    },
    {
      title: 'a streamed function call: item added, argument deltas, item done; finish is tool_calls',
      req: question,
      text: '',
      toolCalls: expected.toolCalls,
      finishReason: 'tool_calls',
      usage: expected.streamUsage.tools,
      check({ parts }) {
        fixtures.use('stream-function-call.sse');
        assert.ok(parts.some((p) => p.type === 'tool_call_end'));
      },
    },
  ],

  midStreamError: {
    title: 'an error event mid-stream (insufficient quota) is thrown as a non-retryable quota error',
    req: turn,
    expect: { code: 'GH_UPSTREAM_QUOTA', retryable: false },
    message: /exceeded your current quota/,
    textBefore: 'none',
    check() {
      fixtures.use('stream-error.sse');
    },
  },

  truncatedStream: {
    title: 'a stream that ends before response.completed is a protocol error, after the events it did send',
    req: turn,
    // The start and one text delta, then the body ends.
    serve(res) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(
        'event: response.created\ndata: {"type":"response.created","response":{"id":"resp_1","model":"gpt-5-mini"}}\n\n' +
          'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"Hel"}\n\n',
      );
    },
    expect: {},
    message: /ended before response\.completed/,
    check(seen) {
      assert.deepEqual(
        seen.map((p) => p.type),
        ['start', 'text'],
      );
    },
  },

  hangingStream: { req: turn, firstEvent: fixtures.text('stream-text.sse').split('\n\n')[0]! },

  errors: [],

  refusals: [
    {
      title: 'n > 1 is refused before any call',
      call: (provider) => provider.complete({ ...turn, n: 2 }, 'm', opts()),
      expect: { param: 'n' },
    },
  ],

  warnings: [
    {
      title: 'stop sequences, which the Responses API lacks, are dropped with a warning',
      call: 'complete',
      req: { ...turn, stop: ['END'] },
      warning: /^stop:/m,
    },
  ],
};
