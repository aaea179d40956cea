// Conformance of the OpenAI-dialect providers (openai, azure-openai, openai-compatible): the shared
// cases (cases.ts) against the protocol-faithful mock upstream and the recorded fixtures, then what
// only this dialect has: Azure's and compatible servers' URLs and auth, same-dialect pass-through,
// the quirks of compatible servers, base64 embeddings, and the mock's own refusals.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatRequest, FinishReason } from '../../src/core/ir/index.ts';
import type { GatehouseError } from '../../src/core/errors/index.ts';
import type { HttpClient } from '../../src/providers/http.ts';
import {
  type AzureOpenAIConfig,
  createAzureOpenAIProvider,
  createOpenAICompatibleProvider,
  createOpenAIProvider,
  type OpenAIConfig,
} from '../../src/providers/openai/index.ts';
import {
  openaiEmbeddingsFixtureDir,
  openaiEmbeddingTokens,
  openaiExpected,
  openaiFixtureDir,
  openaiMockEmbedding,
  base64Float32,
  openaiStreamErrorPayload,
  parseOpenAISse,
  startOpenAIUpstream,
} from '../upstreams/openai.ts';
import { startUpstream, writeInPieces } from '../upstreams/server.ts';
import { callOptions as opts, collect, type Harness, Fixtures, reassemble, runConformance } from './cases.ts';

const fixtures = new Fixtures([openaiFixtureDir, openaiEmbeddingsFixtureDir]);
const fixture = <T = any>(file: string, dir = openaiFixtureDir): T =>
  file.endsWith('.json') ? fixtures.json<T>(file, dir) : (fixtures.text(file, dir) as T);

const apiKey = 'sk-conformance';
const model = 'gpt-target-model';

function config(baseUrl: string, extra: Partial<OpenAIConfig> = {}): OpenAIConfig {
  return { type: 'openai', api: 'chat', api_key: apiKey, base_url: baseUrl, ...extra };
}

function azureConfig(baseUrl: string, key = apiKey): AzureOpenAIConfig {
  return { type: 'azure-openai', api_key: key, base_url: baseUrl, api_version: '2024-10-21' };
}

function ir(extra: Partial<ChatRequest>): ChatRequest {
  return {
    model: 'alias',
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
    stream: false,
    includeUsage: false,
    native: { dialect: 'anthropic', body: {} },
    ...extra,
  };
}
const weatherTool = () => {
  const tool = fixture('request.json').tools[0].function;
  return { name: tool.name, description: tool.description, parameters: tool.parameters, strict: tool.strict };
};

/** The IR an Anthropic-surface client would produce for the conversation in request.json (built by hand). */
function weatherConversation(): ChatRequest {
  const request = fixture('request.json');
  const [system, question, asked, lisbon, porto] = request.messages;
  return ir({
    system: [{ type: 'text', text: system.content, cacheControl: { type: 'ephemeral' } }],
    tools: [weatherTool()],
    toolChoice: { type: 'auto' },
    parallelToolCalls: true,
    messages: [
      { role: 'user', content: [{ type: 'text', text: question.content }] },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', text: 'Both cities need a lookup.', signature: 'sig-dropped' },
          ...asked.tool_calls.map((call: any) => ({
            type: 'tool_call' as const,
            id: call.id,
            name: call.function.name,
            arguments: call.function.arguments,
          })),
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', toolCallId: lisbon.tool_call_id, content: lisbon.content },
          {
            type: 'tool_result',
            toolCallId: porto.tool_call_id,
            content: [{ type: 'text', text: porto.content }],
            isError: false,
          },
        ],
      },
    ],
    maxTokens: request.max_completion_tokens,
    temperature: request.temperature,
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

/** The fixture's chunks as the mock serves them (the requested model), for comparing raw events. */
function servedChunks(file: string, includeUsage: boolean): Array<any> {
  return parseOpenAISse(fixture(file)).map((data) => {
    if (data === '[DONE]') return data;
    const served = { ...data, model };
    if (!includeUsage) delete served.usage;
    return served;
  });
}

let h: Harness;

runConformance(
  {
    name: 'openai',
    dialect: 'openai',
    model,
    plain: ir({}),
    fixtures,
    startUpstream: () => startOpenAIUpstream({ apiKey }),
    create: (url: string, http: HttpClient) => createOpenAIProvider('oai', config(`${url}/v1`), { http }),
    createWithWrongKey: (url: string, http: HttpClient) =>
      createOpenAIProvider('oai', config(`${url}/v1`, { api_key: 'sk-wrong' }), { http }),
    wrongKey: { expect: { upstreamType: 'invalid_api_key' } },

    request: {
      title: 'sends request.json for the equivalent IR: URL, bearer auth, organization/project, body',
      call: 'stream',
      req: weatherConversation(),
      provider: (h) =>
        createOpenAIProvider(
          'oai',
          config(`${h.upstream.url}/v1/`, {
            organization: 'org-1',
            project: 'proj-1',
            headers: { 'X-Team': 'blue' },
          }),
          { http: h.http },
        ),
      propagated: { traceparent: 't-1' },
      url: '/v1/chat/completions',
      headers: {
        authorization: `Bearer ${apiKey}`,
        'openai-organization': 'org-1',
        'openai-project': 'proj-1',
        'content-type': 'application/json',
        'x-team': 'blue',
        'api-key': undefined,
      },
      // The tool results were answered with the final answer (stream-text.sse).
      text: openaiExpected.streamText,
      check(sent, { stream }) {
        assert.equal(stream!.warnings, undefined, 'thinking and cache hints are dropped without warnings');
        assert.deepEqual(sent.body, { ...fixture('request.json'), model });
      },
    },

    answers: [
      {
        title: 'non-stream tool-call turn (response-tool-calls.json) decodes to IR',
        req: weatherQuestion({ toolChoice: { type: 'required' }, parallelToolCalls: false }),
        toolCalls: openaiExpected.toolCalls,
        finishReason: 'tool_calls',
        usage: openaiExpected.usage,
        check({ response: decoded, raw }, { body: sent }) {
          const response = fixture('response-tool-calls.json');
          assert.equal(sent.tool_choice, 'required');
          assert.equal(sent.parallel_tool_calls, false);
          assert.equal(sent.stream, undefined);
          assert.equal(sent.stream_options, undefined);
          assert.equal(decoded.id, response.id);
          assert.equal(decoded.model, model, 'the mock serves the model it was asked for');
          assert.deepEqual(
            decoded.content.map((c) =>
              c.type === 'tool_call' ? { ...c, arguments: JSON.parse(c.arguments) } : c,
            ),
            openaiExpected.toolCalls.map((call: any) => ({ type: 'tool_call', ...call })),
          );
          assert.equal(openaiExpected.toolCalls.length, 2);
          assert.deepEqual(decoded.usage, {
            inputTokens: 96,
            outputTokens: 52,
            cacheReadTokens: 0,
            reasoningTokens: 0,
          });
          assert.deepEqual(raw, { dialect: 'openai', body: { ...response, model }, text: raw!.text });
          assert.deepEqual(
            JSON.parse(raw!.text!),
            raw!.body,
            'the text kept for pass-through is the body as it came',
          );
        },
      },
      {
        title: 'non-stream final answer (response.json) keeps cached and reasoning tokens',
        req: { ...weatherConversation(), stream: false },
        content: [{ type: 'text', text: openaiExpected.finalText }],
        finishReason: 'stop',
        usage: openaiExpected.finalUsage,
        check({ response }) {
          assert.equal(response.id, fixture('response.json').id);
          assert.deepEqual(response.usage, {
            inputTokens: 1290,
            outputTokens: 236,
            cacheReadTokens: 1152,
            reasoningTokens: 192,
          });
        },
      },
      {
        title: 'non-stream plain text answer',
        req: ir({ topK: 20 }),
        content: [{ type: 'text', text: openaiExpected.text }],
        finishReason: 'stop',
        usage: openaiExpected.textUsage,
      },
    ],

    streams: [
      {
        title: 'stream-tools.sse decodes to two tool calls; one chunk per event with its raw data',
        req: weatherQuestion(),
        text: '',
        toolCalls: openaiExpected.toolCalls,
        finishReason: 'tool_calls',
        usage: openaiExpected.streamUsage.tools,
        check({ chunks, parts, answer, sent }) {
          const served = servedChunks('stream-tools.sse', true);
          assert.deepEqual(sent.body.stream_options, { include_usage: true });
          assert.deepEqual(
            chunks.map((c) => (c.raw!.data === '[DONE]' ? '[DONE]' : JSON.parse(c.raw!.data))),
            served,
            'one chunk per upstream event, each with its original data',
          );
          assert.ok(chunks.every((c) => c.raw!.event === undefined));
          // The finish chunk closes both calls; the finish itself waits for [DONE], after the usage chunk.
          const finishReasonAt = served.findIndex((c) => c !== '[DONE]' && c.choices[0]?.finish_reason);
          assert.deepEqual(chunks[finishReasonAt]!.parts, [
            { type: 'tool_call_end', index: 0 },
            { type: 'tool_call_end', index: 1 },
          ]);
          assert.deepEqual(chunks.at(-2)!.parts, [
            { type: 'usage', usage: openaiExpected.streamUsage.tools },
          ]);
          assert.deepEqual(chunks.at(-1), { parts: [answer.finish], raw: { data: '[DONE]' } });
          assert.deepEqual(parts[0], { type: 'start', id: served[0].id, model });
        },
      },
      {
        title: 'stream-text.sse decodes to the streamed text with final usage',
        req: ir({}),
        text: openaiExpected.streamText,
        finishReason: openaiExpected.finishReasons.text as FinishReason,
        usage: openaiExpected.streamUsage.text,
        check({ chunks, answer }) {
          const served = servedChunks('stream-text.sse', true);
          assert.equal(chunks.length, served.length);
          assert.equal(
            answer.text,
            served
              .filter((c) => c !== '[DONE]' && c.choices.length > 0)
              .map((c) => c.choices[0].delta.content ?? '')
              .join(''),
          );
          assert.deepEqual(answer.finish.usage, {
            inputTokens: 171,
            outputTokens: 17,
            cacheReadTokens: 0,
            reasoningTokens: 0,
          });
        },
      },
    ],

    midStreamError: {
      title: 'stream-error fault: the first chunk’s parts, then the iterator throws the classified error',
      req: ir({}),
      expect: {
        code: 'GH_UPSTREAM_ERROR',
        retryable: true,
        upstreamType: openaiStreamErrorPayload.error.type,
      },
      message: /server had an error/,
      textBefore: openaiExpected.streamErrorText,
    },

    truncatedStream: {
      title: 'a stream that ends before any finish_reason is a protocol error',
      req: ir({}),
      async serve(res) {
        const text = fixture<string>('stream-text.sse');
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        await writeInPieces(
          res,
          text.slice(0, text.indexOf('"finish_reason":"stop"')).replace(/data: [^\n]*$/, ''),
        );
      },
      expect: { retryable: true },
    },

    hangingStream: { req: ir({}), firstEvent: fixture<string>('stream-text.sse').split('\n\n')[0]! },

    errors: [
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
          upstreamType: fixture('error-429.json').error.code,
        },
      },
      {
        // Without the header, the message's "try again in 372ms" is the hint.
        title: 'error-429.json without retry-after → the wait the message names',
        fault: { kind: 'status', status: 429, body: fixture('error-429.json') },
        call: 'complete',
        expect: { retryAfter: 0.372 },
      },
      {
        title: 'error-429-insufficient-quota.json → GH_UPSTREAM_QUOTA (429, not retryable)',
        fault: { kind: 'status', status: 429, body: fixture('error-429-insufficient-quota.json') },
        call: 'complete',
        expect: {
          code: 'GH_UPSTREAM_QUOTA',
          status: 429,
          retryable: false,
          upstreamType: 'insufficient_quota',
        },
      },
      {
        title: 'error-500.json → GH_UPSTREAM_ERROR (502, retryable)',
        fault: { kind: 'status', status: 500, body: fixture('error-500.json') },
        call: 'complete',
        expect: {
          code: 'GH_UPSTREAM_ERROR',
          status: 502,
          retryable: true,
          upstreamStatus: 500,
          upstreamType: 'server_error',
        },
      },
      {
        title: 'a non-JSON 502 body is tolerated → GH_UPSTREAM_ERROR with the body in the message',
        fault: { kind: 'status', status: 502, body: 'bad gateway' },
        call: 'complete',
        expect: { code: 'GH_UPSTREAM_ERROR' },
        message: /bad gateway/,
      },
    ],

    warnings: [
      {
        title: 'top_k, which OpenAI lacks, is dropped with a warning',
        call: 'complete',
        req: ir({ topK: 20 }),
        warning: /top_k/,
      },
    ],

    embeddings: [
      {
        title: 'embeddings: request.json for the equivalent IR; response.json decodes to vectors and usage',
        req: {
          model: 'alias',
          input: fixture('request.json', openaiEmbeddingsFixtureDir).input,
          encodingFormat: fixture('request.json', openaiEmbeddingsFixtureDir).encoding_format,
          dimensions: fixture('request.json', openaiEmbeddingsFixtureDir).dimensions,
          native: { dialect: 'anthropic', body: {} },
        },
        model,
        urls: ['/v1/embeddings'],
        embeddings: openaiExpected.embeddings,
        usage: openaiExpected.embeddingsUsage,
        resultModel: model,
        check(result, [sent]) {
          const request = fixture('request.json', openaiEmbeddingsFixtureDir);
          const response = fixture('response.json', openaiEmbeddingsFixtureDir);
          assert.equal(sent!.headers.authorization, `Bearer ${apiKey}`);
          assert.deepEqual(sent!.body, { ...request, model });
          assert.deepEqual(
            result.embeddings,
            response.data.map((d: any) => d.embedding),
          );
          assert.equal(result.raw!.dialect, 'openai');
        },
      },
    ],
  },
  (harness) => {
    h = harness;
    ownCases();
  },
);

const lastRequest = () => h.upstream.requests.at(-1)!;

function ownCases(): void {
  test('azure-openai: the model is the deployment in the path, api-version in the query, api-key auth', async () => {
    const azure = createAzureOpenAIProvider('az', azureConfig(`${h.upstream.url}/`), { http: h.http });
    const result = await azure.complete(weatherQuestion(), 'my deploy/1', opts());
    const sent = lastRequest();
    assert.equal(sent.url, '/openai/deployments/my%20deploy%2F1/chat/completions?api-version=2024-10-21');
    assert.equal(sent.headers['api-key'], apiKey);
    assert.equal(sent.headers.authorization, undefined);
    assert.equal(result.response.model, 'my deploy/1', 'the mock answers as the deployment');
    assert.equal(result.response.finishReason, 'tool_calls');

    await azure.embed!(
      {
        model: 'alias',
        input: ['hello'],
        native: { dialect: 'openai', body: { model: 'alias', input: ['hello'] } },
      },
      'emb-deploy',
      opts(),
    );
    assert.equal(lastRequest().url, '/openai/deployments/emb-deploy/embeddings?api-version=2024-10-21');

    const wrongKey = createAzureOpenAIProvider('az', azureConfig(h.upstream.url, 'wrong'), { http: h.http });
    await assert.rejects(wrongKey.complete(ir({}), 'd', opts()), (err: GatehouseError) => {
      assert.equal(err.code, 'GH_UPSTREAM_AUTH');
      assert.match(err.message, /Access denied/);
      return true;
    });
  });

  test('openai-compatible: {base_url}/chat/completions, with a bearer only when a key is configured', async () => {
    const keyed = createOpenAICompatibleProvider(
      'vllm',
      { type: 'openai-compatible', api_key: apiKey, base_url: `${h.upstream.url}/v1` },
      { http: h.http },
    );
    await keyed.complete(ir({}), model, opts());
    assert.equal(lastRequest().url, '/v1/chat/completions');
    assert.equal(lastRequest().headers.authorization, `Bearer ${apiKey}`);

    const anonymous = await startOpenAIUpstream({ anonymous: true });
    try {
      const keyless = createOpenAICompatibleProvider(
        'ollama',
        { type: 'openai-compatible', base_url: `${anonymous.url}/v1` },
        { http: h.http },
      );
      const result = await keyless.complete(ir({}), 'llama3', opts());
      const sent = anonymous.requests.at(-1)!;
      assert.equal(sent.headers.authorization, undefined);
      assert.equal(keyless.dialect, 'openai');
      assert.equal(result.response.model, 'llama3');
    } finally {
      await anonymous.close();
    }
  });

  test('pass-through: an OpenAI client’s body reaches the upstream untouched but for model and stream settings', async () => {
    const native = {
      model: 'client-alias',
      messages: [
        { role: 'developer', content: 'Be brief.' },
        { role: 'user', content: 'Hello' },
      ],
      n: 2,
      logprobs: false,
      max_completion_tokens: 40,
      stream_options: { include_obfuscation: false },
      a_future_field: { nested: [1, { x: true }] },
    };
    const req = ir({ native: { dialect: 'openai', body: native }, temperature: 0.9, topK: 3, n: 2 });
    const result = await h.provider.complete(req, model, opts());
    const { stream_options: _dropped, ...withoutStreamOptions } = native;
    assert.deepEqual(lastRequest().body, { ...withoutStreamOptions, model });
    assert.equal(result.warnings, undefined);
    const raw = result.raw!.body as any;
    assert.equal(result.raw!.dialect, 'openai');
    assert.deepEqual(
      raw.choices.map((c: any) => c.index),
      [0, 1],
      'every choice reaches the raw body',
    );
    assert.deepEqual(result.response.content, [{ type: 'text', text: openaiExpected.text }]);

    const { chunks, parts } = await collect(await h.provider.stream({ ...req, stream: true }, model, opts()));
    assert.deepEqual(lastRequest().body, {
      ...native,
      model,
      stream: true,
      stream_options: { include_obfuscation: false, include_usage: true },
    });
    // The client did not ask for usage, yet the gateway did: the usage chunk is a chunk of its own.
    const usageChunks = chunks.filter((c) => c.parts.some((p) => p.type === 'usage'));
    assert.equal(usageChunks.length, 1);
    assert.deepEqual(usageChunks[0]!.parts, [{ type: 'usage', usage: openaiExpected.streamUsage.text }]);
    assert.deepEqual(JSON.parse(usageChunks[0]!.raw!.data).choices, []);
    assert.ok(
      chunks.some((c) => c.raw && c.raw.data !== '[DONE]' && JSON.parse(c.raw.data).choices[0]?.index === 1),
      'the second choice’s chunks are forwarded raw',
    );
    assert.equal(reassemble(parts).text, openaiExpected.streamText, 'IR parts hold choice 0 only');
  });

  test('a compatible server’s quirks: whole tool call in one chunk, usage on the finish chunk, no ids, no [DONE]', async () => {
    const quirky = await startUpstream(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const events = [
        {
          model: 'llama',
          choices: [{ index: 0, delta: { role: 'assistant', reasoning_content: 'Weather, so a tool.' } }],
        },
        {
          model: 'llama',
          choices: [
            {
              index: 0,
              delta: {
                tool_calls: [
                  {
                    index: 0,
                    function: { name: 'get_weather', arguments: '{"city":"Porto","unit":"celsius"}' },
                  },
                ],
              },
            },
          ],
        },
        {
          model: 'llama',
          choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }],
          usage: { prompt_tokens: 30, completion_tokens: 12, total_tokens: 42 },
        },
      ];
      await writeInPieces(res, events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join(''), 5);
    });
    try {
      const compatible = createOpenAICompatibleProvider(
        'local',
        { type: 'openai-compatible', base_url: quirky.url },
        { http: h.http },
      );
      const { chunks, parts } = await collect(
        await compatible.stream(weatherQuestion({ stream: true }), 'llama', opts()),
      );
      const result = reassemble(parts);
      assert.equal(result.toolCalls.length, 1);
      assert.match(result.toolCalls[0]!.id, /^call_/, 'a missing id is generated');
      assert.deepEqual(result.toolCalls[0]!.arguments, { city: 'Porto', unit: 'celsius' });
      assert.ok(parts.some((p) => p.type === 'thinking' && p.text === 'Weather, so a tool.'));
      assert.deepEqual(result.finish, {
        type: 'finish',
        finishReason: 'tool_calls',
        usage: { inputTokens: 30, outputTokens: 12 },
      });
      assert.equal(chunks.at(-1)!.raw, undefined, 'the end of the body is not an upstream event');
    } finally {
      await quirky.close();
    }
  });

  test('error-400.json → GH_UPSTREAM_REJECTED (400, not retryable); the mock sends it for max_tokens on o-series', async () => {
    const expected = fixture('error-400.json');
    const req = ir({
      native: {
        dialect: 'openai',
        body: { model: 'x', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] },
      },
    });
    await assert.rejects(h.provider.complete(req, 'o4-mini', opts()), (err: GatehouseError) => {
      assert.equal(err.code, 'GH_UPSTREAM_REJECTED');
      assert.equal(err.status, 400);
      assert.equal(err.retryable, false);
      assert.equal(err.upstreamStatus, 400);
      assert.equal(err.upstreamType, expected.error.code);
      assert.match(err.message, /max_completion_tokens/);
      return true;
    });
  });

  test('embeddings pass-through with base64: the vectors are decoded little-endian float32', async () => {
    const native = { model: 'alias', input: ['a', 'b', 'c'], encoding_format: 'base64', user: 'u-9' };
    const result = await h.provider.embed!(
      {
        model: 'alias',
        input: native.input,
        encodingFormat: 'base64',
        native: { dialect: 'openai', body: native },
      },
      model,
      opts(),
    );
    assert.deepEqual(lastRequest().body, { ...native, model });
    const expected = [0, 1, 2].map((i) => openaiMockEmbedding(i).map(Math.fround));
    assert.deepEqual(result.embeddings, expected);
    assert.notDeepEqual(expected[2], expected[0], 'a third input gets a vector of its own');
    const raw = result.raw!.body as any;
    assert.equal(raw.data[0].embedding, base64Float32(openaiMockEmbedding(0)));
    assert.deepEqual(result.usage, { inputTokens: openaiEmbeddingTokens(native.input) });
  });

  test('the mock upstream refuses malformed requests in OpenAI’s envelope', async () => {
    const post = async (
      body: unknown,
      headers: Record<string, string> = {},
      path = '/v1/chat/completions',
    ) => {
      const res = await fetch(`${h.upstream.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const user = { role: 'user', content: 'q' };
    const asked = {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } }],
    };
    const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }];
    const ok = { model, messages: [user] };
    assert.equal((await post(ok)).status, 200);
    const noKey = await post(ok, { authorization: '' });
    assert.equal(noKey.status, 401);
    assert.deepEqual(Object.keys(noKey.body.error).sort(), ['code', 'message', 'param', 'type']);
    const cases: unknown[] = [
      { messages: [user] },
      { model, messages: [] },
      { model, messages: [{ role: 'model', content: 'q' }] },
      { model, messages: [user, { role: 'assistant', content: null }] },
      {
        model,
        messages: [
          user,
          { ...asked, tool_calls: [{ ...asked.tool_calls[0], function: { name: 'f', arguments: {} } }] },
        ],
      },
      { model, messages: [user, { role: 'tool', tool_call_id: 'a', content: 'x' }] },
      { model, messages: [user, asked, user] },
      { model, messages: [user, asked, { role: 'tool', tool_call_id: 'b', content: 'x' }] },
      { model, messages: [{ role: 'user', content: [{ type: 'image', source: {} }] }] },
      { ...ok, tool_choice: 'auto' },
      { ...ok, parallel_tool_calls: true },
      { ...ok, tools: [{ type: 'function', name: 'f', parameters: {} }] },
      { ...ok, tools, tool_choice: { type: 'function', function: { name: 'g' } } },
      { ...ok, stream_options: { include_usage: true } },
      { ...ok, response_format: { type: 'json_schema', json_schema: { schema: {} } } },
    ];
    for (const body of cases) {
      const answer = await post(body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal(answer.body.error.type, 'invalid_request_error');
    }
    assert.equal(
      (await post({ ...ok, messages: [user, asked, { role: 'tool', tool_call_id: 'a', content: 'x' }] }))
        .status,
      200,
    );
    assert.equal((await post({ model, input: ['a', ''] }, {}, '/v1/embeddings')).status, 400);
    assert.equal((await post(ok, {}, '/v1/completions')).status, 404);
    assert.equal(
      (await post(ok, { 'api-key': apiKey }, '/openai/deployments/d/chat/completions')).status,
      404,
    );
    assert.equal((await post(ok, {}, '/openai/deployments/d/chat/completions?api-version=1')).status, 401);
  });
}
