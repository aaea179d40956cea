// The openai subject of the shared conformance cases (../cases.ts, described in ../subject.ts):
// how its mock upstream starts, and what the recorded fixtures say a client should see.
import assert from 'node:assert/strict';
import type { ChatRequest, FinishReason } from '../../../src/core/ir/index.ts';
import type { HttpClient } from '../../../src/providers/http.ts';
import {
  type AzureOpenAIConfig,
  createOpenAIProvider,
  type OpenAIConfig,
} from '../../../src/providers/openai/index.ts';
import {
  openaiEmbeddingsFixtureDir,
  openaiExpected,
  openaiFixtureDir,
  openaiStreamErrorPayload,
  parseOpenAISse,
  startOpenAIUpstream,
} from '../../upstreams/openai.ts';
import { writeInPieces } from '../../upstreams/server.ts';
import {
  type ConformanceSubject,
  Fixtures,
  requestsFrom,
  weatherQuestion as askWeather,
  recordedRateLimit,
} from '../subject.ts';

export const fixtures = new Fixtures([openaiFixtureDir, openaiEmbeddingsFixtureDir]);
export const fixture = <T = any>(file: string, dir = openaiFixtureDir): T =>
  file.endsWith('.json') ? fixtures.json<T>(file, dir) : (fixtures.text(file, dir) as T);

export const apiKey = 'sk-conformance';
export const model = 'gpt-target-model';

function config(baseUrl: string, extra: Partial<OpenAIConfig> = {}): OpenAIConfig {
  return { type: 'openai', api: 'chat', api_key: apiKey, base_url: baseUrl, ...extra };
}

export function azureConfig(baseUrl: string, key = apiKey): AzureOpenAIConfig {
  return { type: 'azure-openai', api_key: key, base_url: baseUrl, api_version: '2024-10-21' };
}

export const ir = requestsFrom('anthropic');
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

export function weatherQuestion(extra: Partial<ChatRequest> = {}): ChatRequest {
  return askWeather(ir, weatherTool(), extra);
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

export const openaiSubject: ConformanceSubject = {
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
      servedBody: () => ({ ...fixture<object>('response-tool-calls.json'), model }),
      check({ response: decoded }, { body: sent }) {
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
        assert.deepEqual(chunks.at(-2)!.parts, [{ type: 'usage', usage: openaiExpected.streamUsage.tools }]);
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
    recordedRateLimit(fixtures, fixture('error-429.json').error.code),
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
};
