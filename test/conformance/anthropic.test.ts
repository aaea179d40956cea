// Conformance of the Anthropic Messages provider: the shared cases (cases.ts) against the
// protocol-faithful mock upstream and the recorded fixtures, then what only this dialect has:
// anthropic-beta headers, same-dialect pass-through, count_tokens, and the mock's own refusals.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatRequest } from '../../src/core/ir/index.ts';
import { type AnthropicConfig, createAnthropicProvider } from '../../src/providers/anthropic/index.ts';
import type { HttpClient } from '../../src/providers/http.ts';
import {
  anthropicCountTokens,
  anthropicExpected,
  anthropicFixtureDir,
  parseAnthropicSse,
  startAnthropicUpstream,
} from '../upstreams/anthropic.ts';
import { writeInPieces } from '../upstreams/server.ts';
import { callOptions as opts, collect, Fixtures, type Harness, runConformance } from './cases.ts';

const fixtures = new Fixtures([anthropicFixtureDir]);
const fixture = <T = any>(file: string): T =>
  file.endsWith('.json') ? fixtures.json<T>(file) : (fixtures.text(file) as T);

const apiKey = 'sk-ant-conformance';
const model = 'claude-target-model';

function config(baseUrl: string): AnthropicConfig {
  return { type: 'anthropic', api_key: apiKey, base_url: baseUrl, anthropic_version: '2023-06-01' };
}

function ir(extra: Partial<ChatRequest>): ChatRequest {
  return {
    model: 'alias',
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
    stream: false,
    includeUsage: false,
    native: { dialect: 'openai', body: {} },
    ...extra,
  };
}

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

/** The first turn: the user asks, with the weather tool offered. */
function weatherQuestion(extra: Partial<ChatRequest> = {}): ChatRequest {
  return ir({
    tools: [weatherTool()],
    messages: [
      {
        role: 'user',
        content: [{ type: 'text', text: "What's the weather in Lisbon and in Porto right now?" }],
      },
    ],
    ...extra,
  });
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

let h: Harness;
const lastRequest = () => h.upstream.requests.at(-1)!;

runConformance(
  {
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
        check({ response: decoded, raw }, sent) {
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
          assert.deepEqual(raw, { dialect: 'anthropic', body: { ...response, model }, text: raw!.text });
          assert.deepEqual(
            JSON.parse(raw!.text!),
            raw!.body,
            'the text kept for pass-through is the body as it came',
          );
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
      {
        title: 'error-429.json with its headers → GH_UPSTREAM_RATE_LIMITED honouring retry-after',
        fault: {
          kind: 'status',
          status: fixture('error-429.headers.json').status,
          body: fixture('error-429.json'),
          headers: fixture('error-429.headers.json').headers,
        },
        call: 'stream',
        expect: {
          code: 'GH_UPSTREAM_RATE_LIMITED',
          status: 429,
          retryable: true,
          retryAfter: Number(fixture('error-429.headers.json').headers['retry-after']),
          upstreamType: 'rate_limit_error',
        },
      },
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
  },
  (harness) => {
    h = harness;
    ownCases();
  },
);

function ownCases(): void {
  test('config headers are sent, and a configured anthropic-beta joins the client’s', async () => {
    const configured = createAnthropicProvider(
      'claude',
      { ...config(h.upstream.url), headers: { 'anthropic-beta': 'beta-b', 'x-team': 'blue' } },
      { http: h.http },
    );
    await configured.complete(
      ir({ maxTokens: 10 }),
      model,
      opts({ 'anthropic-beta': 'beta-a,beta-b', traceparent: 't-1' }),
    );
    const sent = lastRequest();
    assert.equal(sent.headers['anthropic-beta'], 'beta-a,beta-b');
    assert.equal(sent.headers['x-team'], 'blue');
    assert.equal(sent.headers.traceparent, 't-1');
    assert.equal(sent.headers['x-api-key'], apiKey);
  });

  test('pass-through: an Anthropic client’s body reaches the upstream untouched but for model and stream', async () => {
    const native = {
      model: 'client-alias',
      max_tokens: 300,
      system: [{ type: 'text', text: 'Cache me.', cache_control: { type: 'ephemeral', ttl: '1h' } }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Hello', cache_control: { type: 'ephemeral' } }] },
      ],
      metadata: { user_id: 'user-42' },
      service_tier: 'standard_only',
      a_future_field: { nested: [1, { x: true }] },
    };
    const req = ir({ native: { dialect: 'anthropic', body: native }, temperature: 0.9 });
    const result = await h.provider.complete(req, model, opts());
    assert.deepEqual(lastRequest().body, { ...native, model });
    assert.equal(result.warnings, undefined);
    await collect(await h.provider.stream({ ...req, stream: true }, model, opts()));
    assert.deepEqual(lastRequest().body, { ...native, model, stream: true });
  });

  // count_tokens

  test('countTokens posts to /v1/messages/count_tokens without generation settings', async () => {
    const fromIr = await h.provider.countTokens!(
      weatherQuestion({ maxTokens: 50, temperature: 0.3 }),
      model,
      opts(),
    );
    const sent = lastRequest();
    assert.equal(sent.url, '/v1/messages/count_tokens');
    assert.equal(sent.headers['x-api-key'], apiKey);
    assert.equal(sent.body.max_tokens, undefined);
    assert.equal(sent.body.model, model);
    assert.equal(fromIr, anthropicCountTokens(sent.body));

    const native = {
      model: 'alias',
      max_tokens: 100,
      stream: true,
      temperature: 1,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'How many tokens is this?' }],
    };
    const fromNative = await h.provider.countTokens!(
      ir({ native: { dialect: 'anthropic', body: native } }),
      model,
      opts(),
    );
    assert.deepEqual(lastRequest().body, { model, system: native.system, messages: native.messages });
    assert.equal(fromNative, anthropicCountTokens(native));
  });

  // The mock itself must refuse what the real API refuses, or encoding bugs would pass unseen.

  test('the mock upstream refuses malformed requests in Anthropic’s envelope', async () => {
    const post = async (body: unknown, headers: Record<string, string> = {}) => {
      const res = await fetch(`${h.upstream.url}/v1/messages`, {
        method: 'POST',
        headers: {
          'x-api-key': apiKey,
          'anthropic-version': '2023-06-01',
          'content-type': 'application/json',
          ...headers,
        },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const ok = { model, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };
    assert.equal((await post(ok)).status, 200);
    const noKey = await post(ok, { 'x-api-key': '' });
    assert.equal(noKey.status, 401);
    assert.equal(noKey.body.type, 'error');
    assert.equal(noKey.body.error.type, 'authentication_error');
    const cases: unknown[] = [
      { model, messages: ok.messages },
      { ...ok, messages: [ok.messages[0], ok.messages[0]] },
      {
        ...ok,
        messages: [
          { role: 'user', content: 'q' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'a', name: 'f', input: {} }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'b', content: 'x' }] },
        ],
      },
      {
        ...ok,
        messages: [
          { role: 'user', content: 'q' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'a', name: 'f', input: '{}' }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'a', content: 'x' }] },
        ],
      },
      {
        ...ok,
        tool_choice: { type: 'none', disable_parallel_tool_use: true },
        tools: [{ name: 'f', input_schema: {} }],
      },
      { ...ok, thinking: { type: 'enabled', budget_tokens: 2048 } },
    ];
    for (const body of cases) {
      const answer = await post(body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal(answer.body.error.type, 'invalid_request_error');
    }
    const res = await fetch(`${h.upstream.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
      body: JSON.stringify(ok),
    });
    assert.equal(res.status, 400, 'anthropic-version is required');
  });
}
