// The anthropic subject of the shared conformance cases (../cases.ts, described in ../subject.ts):
// how its mock upstream starts, and what the recorded fixtures say a client should see.
import assert from 'node:assert/strict';
import type { ChatRequest } from '../../../src/core/ir/index.ts';
import { type AnthropicConfig, createAnthropicProvider } from '../../../src/providers/anthropic/index.ts';
import type { HttpClient } from '../../../src/providers/http.ts';
import {
  anthropicExpected,
  anthropicFixtureDir,
  parseAnthropicSse,
  startAnthropicUpstream,
} from '../../upstreams/anthropic.ts';
import { writeInPieces } from '../../upstreams/server.ts';
import {
  type ConformanceSubject,
  Fixtures,
  requestsFrom,
  weatherQuestion as askWeather,
  recordedRateLimit,
} from '../subject.ts';

export const fixtures = new Fixtures([anthropicFixtureDir]);
const fixture = <T = any>(file: string): T =>
  file.endsWith('.json') ? fixtures.json<T>(file) : (fixtures.text(file) as T);

export const apiKey = 'sk-ant-conformance';
export const model = 'claude-target-model';

export function config(baseUrl: string): AnthropicConfig {
  return { type: 'anthropic', api_key: apiKey, base_url: baseUrl, anthropic_version: '2023-06-01' };
}

export const ir = requestsFrom('openai');

const weatherTool = () => {
  const tool = fixture('request.json').tools[0];
  return { name: tool.name, description: tool.description, parameters: tool.input_schema };
};

/** The IR an OpenAI-surface client would produce for the conversation in request.json (built by hand). */
function weatherConversation(): ChatRequest {
  const request = fixture('request.json');
  return ir({
    system: [{ type: 'text', text: request.system[0].text, cacheControl: { type: 'ephemeral' } }],
    tools: [{ ...weatherTool(), cacheControl: { type: 'ephemeral' } }],
    toolChoice: { type: 'auto' },
    parallelToolCalls: true,
    messages: [
      {
        role: 'user',
        content: [{ type: 'text', text: "What's the weather in Lisbon and in Porto right now?" }],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: "I'll check both cities." },
          {
            type: 'tool_call',
            id: 'toolu_01Xq7GvN3bKp9RtY2mWcLs4D',
            name: 'get_weather',
            arguments: '{"city":"Lisbon","unit":"celsius"}',
          },
          {
            type: 'tool_call',
            id: 'toolu_01Fh8JzQ5nVw1CeU6oBkAr3E',
            name: 'get_weather',
            arguments: '{"city": "Porto", "unit": "celsius"}',
          },
        ],
      },
      {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            toolCallId: 'toolu_01Xq7GvN3bKp9RtY2mWcLs4D',
            content: '{"temp_c":22,"conditions":"sunny"}',
          },
          {
            type: 'tool_result',
            toolCallId: 'toolu_01Fh8JzQ5nVw1CeU6oBkAr3E',
            content: [{ type: 'text', text: '{"temp_c":17,"conditions":"light rain"}' }],
            isError: false,
          },
        ],
      },
    ],
    maxTokens: 1024,
    temperature: 0.2,
    stop: ['###'],
    stream: true,
  });
}

export function weatherQuestion(extra: Partial<ChatRequest> = {}): ChatRequest {
  return askWeather(ir, weatherTool(), extra);
}

/** A string message content is the same as one text block; the encoder always writes blocks. */
function withBlockContent(body: any): any {
  return {
    ...body,
    messages: body.messages.map((m: any) =>
      typeof m.content === 'string' ? { ...m, content: [{ type: 'text', text: m.content }] } : m,
    ),
  };
}

export const anthropicSubject: ConformanceSubject = {
  name: 'anthropic',
  dialect: 'anthropic',
  model,
  plain: ir({}),
  fixtures,
  startUpstream: () => startAnthropicUpstream({ apiKey }),
  create: (url: string, http: HttpClient) => createAnthropicProvider('claude', config(url), { http }),
  createWithWrongKey: (url: string, http: HttpClient) =>
    createAnthropicProvider('claude', { ...config(url), api_key: 'sk-wrong' }, { http }),
  wrongKey: { expect: { upstreamType: 'authentication_error' } },

  request: {
    title: 'sends request.json for the equivalent IR: URL, auth and version headers, body',
    call: 'stream',
    req: weatherConversation(),
    // The client's anthropic-beta is forwarded.
    propagated: { 'anthropic-beta': 'beta-a' },
    url: '/v1/messages',
    headers: {
      'x-api-key': apiKey,
      'anthropic-version': '2023-06-01',
      'content-type': 'application/json',
      authorization: undefined,
    },
    // The tool results were answered with the final answer (stream-text.sse).
    text: anthropicExpected.streamText,
    check(sent) {
      assert.deepEqual(sent.body, withBlockContent({ ...fixture('request.json'), model }));
    },
  },

  answers: [
    {
      title: 'non-stream tool-call turn (response.json) decodes to IR',
      req: weatherQuestion({ toolChoice: { type: 'auto' }, parallelToolCalls: false }),
      toolCalls: anthropicExpected.toolCalls,
      finishReason: 'tool_calls',
      usage: anthropicExpected.usage,
      servedBody: () => ({ ...fixture<object>('response.json'), model }),
      check({ response: decoded }, sent) {
        const response = fixture('response.json');
        assert.deepEqual(sent.body.tool_choice, { type: 'auto', disable_parallel_tool_use: true });
        assert.equal(decoded.id, response.id);
        assert.equal(decoded.model, model, 'the mock serves the model it was asked for');
        assert.deepEqual(decoded.content[0], { type: 'text', text: anthropicExpected.toolText });
        assert.equal(anthropicExpected.toolCalls.length, 2);
        assert.deepEqual(decoded.usage, {
          inputTokens: 24 + 1618,
          outputTokens: 118,
          cacheReadTokens: 1618,
          cacheWriteTokens: 0,
        });
      },
    },
    {
      title: 'non-stream final answer after tool results',
      req: { ...weatherConversation(), stream: false },
      content: [{ type: 'text', text: anthropicExpected.finalText }],
      finishReason: 'stop',
      usage: anthropicExpected.streamUsage.text,
      check({ response }, sent) {
        assert.equal(sent.body.stream, undefined);
        assert.equal(response.stopSequence, undefined);
      },
    },
    {
      title: 'non-stream plain text answer',
      req: ir({ seed: 1 }),
      content: [{ type: 'text', text: anthropicExpected.text }],
      finishReason: 'stop',
    },
    {
      title: 'non-stream thinking answer (response-thinking.json) keeps the thinking and its signature',
      req: ir({ maxTokens: 4096, thinking: { type: 'enabled', budgetTokens: 2048 } }),
      content: [
        {
          type: 'thinking',
          text: anthropicExpected.thinking.text,
          signature: anthropicExpected.thinking.signature,
        },
        { type: 'text', text: anthropicExpected.thinking.answer },
      ],
      usage: anthropicExpected.thinking.usage,
      check({ response }) {
        assert.equal(response.usage.outputTokens, fixture('response-thinking.json').usage.output_tokens);
      },
    },
  ],

  streams: [
    {
      title: 'sends request-thinking.json for the equivalent IR and decodes stream-thinking.sse',
      req: ir({
        messages: [
          {
            role: 'user',
            content: [{ type: 'text', text: 'Is 1,001 a prime number? Answer in one sentence.' }],
          },
        ],
        maxTokens: 4096,
        thinking: { type: 'enabled', budgetTokens: 2048 },
      }),
      text: anthropicExpected.thinking.answer,
      thinking: anthropicExpected.thinking.text,
      finishReason: 'stop',
      usage: anthropicExpected.streamUsage.thinking,
      check({ answer, sent }) {
        assert.deepEqual(sent.body, withBlockContent({ ...fixture('request-thinking.json'), model }));
        const events = parseAnthropicSse(fixture('stream-thinking.sse'));
        const deltas = events.filter((e) => e.event === 'content_block_delta').map((e) => e.data.delta);
        assert.equal(
          answer.thinking,
          deltas
            .filter((d) => d.type === 'thinking_delta')
            .map((d) => d.thinking)
            .join(''),
        );
        assert.equal(answer.signature, anthropicExpected.thinking.signature);
      },
    },
    {
      title: 'stream-tools.sse decodes to two tool calls with reassembled arguments',
      req: weatherQuestion(),
      text: anthropicExpected.toolText,
      toolCalls: anthropicExpected.toolCalls,
      finishReason: 'tool_calls',
      usage: anthropicExpected.streamUsage.tools,
      check({ chunks, parts, answer, sent }) {
        const events = parseAnthropicSse(fixture('stream-tools.sse'));
        assert.equal(sent.body.stream, true);
        assert.deepEqual(
          chunks.map((c) => c.raw?.event),
          events.map((e) => e.event),
          'one chunk per upstream event, each with its raw event',
        );
        assert.ok(chunks.every((c) => c.raw && JSON.parse(c.raw.data).type === c.raw.event));
        assert.deepEqual(
          chunks.filter((c) => c.raw?.event === 'ping').map((c) => c.parts),
          [[], []],
        );
        assert.deepEqual(answer.finish.usage, {
          inputTokens: 24 + 1618,
          outputTokens: 118,
          cacheReadTokens: 0,
          cacheWriteTokens: 1618,
        });
        assert.deepEqual(parts[0], { type: 'start', id: events[0]!.data.message.id, model });
        assert.equal(parts[1]!.type, 'usage', 'message_start reports the input side at once');
      },
    },
    {
      title: 'stream-text.sse decodes to the streamed text with final usage',
      req: ir({}),
      text: anthropicExpected.streamText,
      finishReason: 'stop',
      usage: anthropicExpected.streamUsage.text,
      check({ answer }) {
        const events = parseAnthropicSse(fixture('stream-text.sse'));
        assert.equal(
          answer.text,
          events
            .filter((e) => e.event === 'content_block_delta')
            .map((e) => e.data.delta.text)
            .join(''),
        );
        assert.equal(
          answer.finish.usage.outputTokens,
          27,
          'output_tokens in message_delta is cumulative, not added',
        );
      },
    },
  ],

  midStreamError: {
    title: 'stream-error-overloaded.sse: parts first, then the iterator throws GH_UPSTREAM_OVERLOADED',
    req: ir({}),
    expect: {
      code: 'GH_UPSTREAM_OVERLOADED',
      retryable: true,
      upstreamType: parseAnthropicSse(fixture('stream-error-overloaded.sse')).at(-1)!.data.error.type,
    },
    textBefore: anthropicExpected.streamErrorText,
  },

  truncatedStream: {
    title: 'a stream that ends without message_stop is a protocol error',
    req: ir({}),
    async serve(res) {
      const text = fixture<string>('stream-text.sse');
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      await writeInPieces(res, text.slice(0, text.indexOf('event: message_delta')));
    },
    expect: { retryable: true },
  },

  hangingStream: { req: ir({}), firstEvent: fixture<string>('stream-text.sse').split('\n\n')[0]! },

  errors: [
    {
      title: 'error-400.json → GH_UPSTREAM_REJECTED (400, not retryable), with the upstream type',
      fault: { kind: 'status', status: 400, body: fixture('error-400.json') },
      call: 'complete',
      expect: {
        code: 'GH_UPSTREAM_REJECTED',
        status: 400,
        retryable: false,
        upstreamStatus: 400,
        upstreamType: 'invalid_request_error',
      },
      message: /tool_use` ids were found without `tool_result`/,
    },
    recordedRateLimit(fixtures, 'rate_limit_error'),
    {
      title: 'error-overloaded-529.json → GH_UPSTREAM_OVERLOADED (503, retryable)',
      fault: { kind: 'status', status: 529, body: fixture('error-overloaded-529.json') },
      call: 'complete',
      expect: {
        code: 'GH_UPSTREAM_OVERLOADED',
        status: 503,
        retryable: true,
        upstreamStatus: 529,
        retryAfter: undefined,
      },
    },
  ],

  warnings: [
    {
      title: 'seed, which Anthropic lacks, is dropped with a warning',
      call: 'complete',
      req: ir({ seed: 1 }),
      warning: /seed/,
    },
  ],
};
