// Conformance of the OpenAI-dialect providers (openai, azure-openai, openai-compatible) against the
// protocol-faithful mock upstream and the recorded fixtures: what is sent (URL, headers, body), how
// answers, streams, errors and embeddings decode, and the quirks of compatible servers.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { ProviderConfigOf } from '../../src/config/schema.ts';
import type { GatehouseError } from '../../src/core/errors/index.ts';
import type { ChatRequest, ChatStream, StreamChunk, StreamPart } from '../../src/core/ir/index.ts';
import { HttpClient } from '../../src/providers/http.ts';
import {
  createAzureOpenAIProvider,
  createOpenAICompatibleProvider,
  createOpenAIProvider,
} from '../../src/providers/openai/index.ts';
import type { CallOptions, Provider } from '../../src/providers/types.ts';
import { fixtureJson, fixtureText, fixturesDir } from '../fixtures/index.ts';
import {
  base64Float32,
  openaiEmbeddingsFixtureDir,
  openaiEmbeddingTokens,
  openaiExpected,
  openaiFixtureDir,
  openaiMockEmbedding,
  openaiStreamErrorPayload,
  parseOpenAISse,
  startOpenAIUpstream,
} from '../upstreams/openai.ts';
import { type MockUpstream, startHangingStream, startUpstream, writeInPieces } from '../upstreams/server.ts';

const used = new Set<string>();
function fixture<T = any>(file: string, dir = openaiFixtureDir): T {
  used.add(`${dir}/${file}`);
  return file.endsWith('.json') ? fixtureJson<T>(dir, file) : (fixtureText(dir, file) as T);
}

const apiKey = 'sk-conformance';
const model = 'gpt-target-model';
let upstream: MockUpstream;
let anonymous: MockUpstream;
let http: HttpClient;
let provider: Provider;

function config(
  baseUrl: string,
  extra: Partial<ProviderConfigOf<'openai'>> = {},
): ProviderConfigOf<'openai'> {
  return { type: 'openai', api: 'chat', api_key: apiKey, base_url: baseUrl, ...extra };
}

function azureConfig(baseUrl: string, key = apiKey): ProviderConfigOf<'azure-openai'> {
  return { type: 'azure-openai', api_key: key, base_url: baseUrl, api_version: '2024-10-21' };
}

function opts(headers?: Record<string, string>): CallOptions {
  return {
    signal: new AbortController().signal,
    timeouts: { connectMs: 5_000, firstByteMs: 5_000, totalMs: 10_000 },
    requestId: 'req-conformance',
    ...(headers ? { headers } : {}),
  };
}

before(async () => {
  upstream = await startOpenAIUpstream({ apiKey });
  anonymous = await startOpenAIUpstream({ anonymous: true });
  http = new HttpClient();
  provider = createOpenAIProvider('oai', config(`${upstream.url}/v1`), { http });
});

after(async () => {
  await http.close();
  await upstream.close();
  await anonymous.close();
});

function lastRequest() {
  return upstream.requests.at(-1)!;
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
  const tool = fixtureJson(openaiFixtureDir, 'request.json').tools[0].function;
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

async function collect(stream: ChatStream): Promise<{ chunks: StreamChunk[]; parts: StreamPart[] }> {
  const chunks: StreamChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return { chunks, parts: chunks.flatMap((c) => c.parts) };
}

/** Reassembles IR stream parts the way a surface encoder would. */
function reassemble(parts: StreamPart[]) {
  const calls = new Map<number, { id: string; name: string; arguments: string; ended: boolean }>();
  let text = '';
  for (const part of parts) {
    if (part.type === 'text') text += part.text;
    if (part.type === 'tool_call_start')
      calls.set(part.index, { id: part.id, name: part.name, arguments: '', ended: false });
    if (part.type === 'tool_call_delta') calls.get(part.index)!.arguments += part.arguments;
    if (part.type === 'tool_call_end') calls.get(part.index)!.ended = true;
  }
  const finishes = parts.filter((p) => p.type === 'finish');
  assert.equal(finishes.length, 1, 'exactly one finish part');
  assert.equal(parts.at(-1)!.type, 'finish', 'the finish part is last');
  assert.equal(parts[0]!.type, 'start');
  const toolCalls = [...calls.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, call]) => {
      assert.ok(call.ended, `tool call ${call.id} ended`);
      return { id: call.id, name: call.name, arguments: JSON.parse(call.arguments) };
    });
  return { text, toolCalls, finish: finishes[0] as Extract<StreamPart, { type: 'finish' }> };
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

// 1. What goes upstream

test('sends request.json for the equivalent IR: URL, bearer auth, organization/project, body', async () => {
  const configured = createOpenAIProvider(
    'oai',
    config(`${upstream.url}/v1/`, {
      organization: 'org-1',
      project: 'proj-1',
      headers: { 'X-Team': 'blue' },
    }),
    { http },
  );
  const stream = await configured.stream(weatherConversation(), model, opts({ traceparent: 't-1' }));
  assert.equal(stream.dialect, 'openai');
  assert.equal(stream.warnings, undefined, 'thinking and cache hints are dropped without warnings');
  const { parts } = await collect(stream);
  const sent = lastRequest();
  assert.equal(sent.method, 'POST');
  assert.equal(sent.url, '/v1/chat/completions');
  assert.equal(sent.headers.authorization, `Bearer ${apiKey}`);
  assert.equal(sent.headers['openai-organization'], 'org-1');
  assert.equal(sent.headers['openai-project'], 'proj-1');
  assert.equal(sent.headers['content-type'], 'application/json');
  assert.equal(sent.headers['x-team'], 'blue');
  assert.equal(sent.headers.traceparent, 't-1');
  assert.equal(sent.headers['api-key'], undefined);
  assert.deepEqual(sent.body, { ...fixture('request.json'), model });
  // The tool results were answered with the final answer (stream-text.sse).
  assert.equal(reassemble(parts).text, openaiExpected.streamText);
});

test('azure-openai: the model is the deployment in the path, api-version in the query, api-key auth', async () => {
  const azure = createAzureOpenAIProvider('az', azureConfig(`${upstream.url}/`), { http });
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

  const wrongKey = createAzureOpenAIProvider('az', azureConfig(upstream.url, 'wrong'), { http });
  await assert.rejects(wrongKey.complete(ir({}), 'd', opts()), (err: GatehouseError) => {
    assert.equal(err.code, 'GH_UPSTREAM_AUTH');
    assert.match(err.message, /Access denied/);
    return true;
  });
});

test('openai-compatible: {base_url}/chat/completions, with a bearer only when a key is configured', async () => {
  const keyed = createOpenAICompatibleProvider(
    'vllm',
    { type: 'openai-compatible', api_key: apiKey, base_url: `${upstream.url}/v1` },
    { http },
  );
  await keyed.complete(ir({}), model, opts());
  assert.equal(lastRequest().url, '/v1/chat/completions');
  assert.equal(lastRequest().headers.authorization, `Bearer ${apiKey}`);

  const keyless = createOpenAICompatibleProvider(
    'ollama',
    { type: 'openai-compatible', base_url: `${anonymous.url}/v1` },
    { http },
  );
  const result = await keyless.complete(ir({}), 'llama3', opts());
  const sent = anonymous.requests.at(-1)!;
  assert.equal(sent.headers.authorization, undefined);
  assert.equal(keyless.dialect, 'openai');
  assert.equal(result.response.model, 'llama3');
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
  const result = await provider.complete(req, model, opts());
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

  const { chunks, parts } = await collect(await provider.stream({ ...req, stream: true }, model, opts()));
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

// 2. Non-streaming answers

test('non-stream tool-call turn (response-tool-calls.json) decodes to IR', async () => {
  const response = fixture('response-tool-calls.json');
  const result = await provider.complete(
    weatherQuestion({ toolChoice: { type: 'required' }, parallelToolCalls: false }),
    model,
    opts(),
  );
  const sent = lastRequest().body;
  assert.equal(sent.tool_choice, 'required');
  assert.equal(sent.parallel_tool_calls, false);
  assert.equal(sent.stream, undefined);
  assert.equal(sent.stream_options, undefined);
  const { response: decoded, raw } = result;
  assert.equal(decoded.id, response.id);
  assert.equal(decoded.model, model, 'the mock serves the model it was asked for');
  assert.deepEqual(
    decoded.content.map((c) => (c.type === 'tool_call' ? { ...c, arguments: JSON.parse(c.arguments) } : c)),
    openaiExpected.toolCalls.map((call: any) => ({ type: 'tool_call', ...call })),
  );
  assert.equal(openaiExpected.toolCalls.length, 2);
  assert.equal(decoded.finishReason, 'tool_calls');
  assert.deepEqual(decoded.usage, openaiExpected.usage);
  assert.deepEqual(decoded.usage, {
    inputTokens: 96,
    outputTokens: 52,
    cacheReadTokens: 0,
    reasoningTokens: 0,
  });
  assert.deepEqual(raw, { dialect: 'openai', body: { ...response, model }, text: raw!.text });
  assert.deepEqual(JSON.parse(raw!.text!), raw!.body, 'the text kept for pass-through is the body as it came');
});

test('non-stream final answer (response.json) keeps cached and reasoning tokens; plain text answer', async () => {
  const response = fixture('response.json');
  const final = await provider.complete({ ...weatherConversation(), stream: false }, model, opts());
  assert.deepEqual(final.response.content, [{ type: 'text', text: openaiExpected.finalText }]);
  assert.equal(final.response.id, response.id);
  assert.equal(final.response.finishReason, 'stop');
  assert.deepEqual(final.response.usage, openaiExpected.finalUsage);
  assert.deepEqual(final.response.usage, {
    inputTokens: 1290,
    outputTokens: 236,
    cacheReadTokens: 1152,
    reasoningTokens: 192,
  });

  const plain = await provider.complete(ir({ topK: 20 }), model, opts());
  assert.deepEqual(plain.response.content, [{ type: 'text', text: openaiExpected.text }]);
  assert.equal(plain.response.finishReason, 'stop');
  assert.deepEqual(plain.response.usage, openaiExpected.textUsage);
  assert.ok(plain.warnings?.some((w) => /top_k/.test(w)));
});

// 3. Streams

test('stream-tools.sse decodes to two tool calls; one chunk per event with its raw data', async () => {
  const served = servedChunks('stream-tools.sse', true);
  const { chunks, parts } = await collect(
    await provider.stream(weatherQuestion({ stream: true }), model, opts()),
  );
  assert.deepEqual(lastRequest().body.stream_options, { include_usage: true });
  assert.deepEqual(
    chunks.map((c) => (c.raw!.data === '[DONE]' ? '[DONE]' : JSON.parse(c.raw!.data))),
    served,
    'one chunk per upstream event, each with its original data',
  );
  assert.ok(chunks.every((c) => c.raw!.event === undefined));
  const result = reassemble(parts);
  assert.equal(result.text, '');
  assert.deepEqual(result.toolCalls, openaiExpected.toolCalls);
  assert.deepEqual(
    parts.filter((p) => p.type === 'tool_call_start').map((p) => p.index),
    [0, 1],
  );
  assert.ok(
    parts.every((p) => p.type !== 'tool_call_delta' || p.arguments !== ''),
    'empty fragments are skipped',
  );
  assert.equal(result.finish.finishReason, 'tool_calls');
  assert.deepEqual(result.finish.usage, openaiExpected.streamUsage.tools);
  // The finish chunk closes both calls; the finish itself waits for [DONE], after the usage chunk.
  const finishReasonAt = served.findIndex((c) => c !== '[DONE]' && c.choices[0]?.finish_reason);
  assert.deepEqual(chunks[finishReasonAt]!.parts, [
    { type: 'tool_call_end', index: 0 },
    { type: 'tool_call_end', index: 1 },
  ]);
  assert.deepEqual(chunks.at(-2)!.parts, [{ type: 'usage', usage: openaiExpected.streamUsage.tools }]);
  assert.deepEqual(chunks.at(-1), { parts: [result.finish], raw: { data: '[DONE]' } });
  assert.deepEqual(parts[0], { type: 'start', id: served[0].id, model });
});

test('stream-text.sse decodes to the streamed text with final usage', async () => {
  const served = servedChunks('stream-text.sse', true);
  const { chunks, parts } = await collect(await provider.stream(ir({ stream: true }), model, opts()));
  assert.equal(chunks.length, served.length);
  const result = reassemble(parts);
  assert.equal(result.text, openaiExpected.streamText);
  assert.equal(
    result.text,
    served
      .filter((c) => c !== '[DONE]' && c.choices.length > 0)
      .map((c) => c.choices[0].delta.content ?? '')
      .join(''),
  );
  assert.equal(result.finish.finishReason, openaiExpected.finishReasons.text);
  assert.deepEqual(result.finish.usage, openaiExpected.streamUsage.text);
  assert.deepEqual(result.finish.usage, {
    inputTokens: 171,
    outputTokens: 17,
    cacheReadTokens: 0,
    reasoningTokens: 0,
  });
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
      { http },
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

test('a stream that ends before any finish_reason is a protocol error', async () => {
  const truncated = await startUpstream(async (_req, res) => {
    const text = fixtureText(openaiFixtureDir, 'stream-text.sse');
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    await writeInPieces(
      res,
      text.slice(0, text.indexOf('"finish_reason":"stop"')).replace(/data: [^\n]*$/, ''),
    );
  });
  try {
    const cut = createOpenAIProvider('oai', config(truncated.url), { http });
    const stream = await cut.stream(ir({ stream: true }), model, opts());
    const seen: StreamPart[] = [];
    await assert.rejects(
      (async () => {
        for await (const chunk of stream) seen.push(...chunk.parts);
      })(),
      (err: GatehouseError) => err.code === 'GH_UPSTREAM_PROTOCOL' && err.retryable,
    );
    assert.ok(seen.some((p) => p.type === 'text'));
    assert.ok(!seen.some((p) => p.type === 'finish'));
  } finally {
    await truncated.close();
  }
});

test('abandoning a stream early releases the upstream connection', async () => {
  const endless = await startHangingStream(
    fixtureText(openaiFixtureDir, 'stream-text.sse').split('\n\n')[0]!,
  );
  try {
    const hanging = createOpenAIProvider('oai', config(endless.url), { http });
    for await (const chunk of await hanging.stream(ir({ stream: true }), model, opts())) {
      assert.equal(chunk.parts[0]?.type, 'start');
      break;
    }
    await endless.released; // settles only once the provider let go of the upstream response
  } finally {
    await endless.close();
  }
});

// 4. Error answers

test('error-400.json → GH_UPSTREAM_REJECTED (400, not retryable); the mock sends it for max_tokens on o-series', async () => {
  const expected = fixture('error-400.json');
  const req = ir({
    native: {
      dialect: 'openai',
      body: { model: 'x', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] },
    },
  });
  await assert.rejects(provider.complete(req, 'o4-mini', opts()), (err: GatehouseError) => {
    assert.equal(err.code, 'GH_UPSTREAM_REJECTED');
    assert.equal(err.status, 400);
    assert.equal(err.retryable, false);
    assert.equal(err.upstreamStatus, 400);
    assert.equal(err.upstreamType, expected.error.code);
    assert.match(err.message, /max_completion_tokens/);
    return true;
  });
});

test('error-429.json with its headers → GH_UPSTREAM_RATE_LIMITED honouring retry-after', async () => {
  const recorded = fixture('error-429.headers.json');
  const body = fixture('error-429.json');
  upstream.faults.push({ kind: 'status', status: recorded.status, body, headers: recorded.headers });
  await assert.rejects(provider.stream(ir({ stream: true }), model, opts()), (err: GatehouseError) => {
    assert.equal(err.code, 'GH_UPSTREAM_RATE_LIMITED');
    assert.equal(err.status, 429);
    assert.equal(err.retryable, true);
    assert.equal(err.retryAfter, Number(recorded.headers['retry-after']));
    assert.equal(err.upstreamType, body.error.code);
    return true;
  });
  // Without the header, the message's "try again in 372ms" is the hint.
  upstream.faults.push({ kind: 'status', status: 429, body });
  await assert.rejects(
    provider.complete(ir({}), model, opts()),
    (err: GatehouseError) => err.retryAfter === 0.372,
  );
});

test('error-429-insufficient-quota.json → GH_UPSTREAM_QUOTA (429, not retryable)', async () => {
  upstream.faults.push({ kind: 'status', status: 429, body: fixture('error-429-insufficient-quota.json') });
  await assert.rejects(provider.complete(ir({}), model, opts()), (err: GatehouseError) => {
    assert.equal(err.code, 'GH_UPSTREAM_QUOTA');
    assert.equal(err.status, 429);
    assert.equal(err.retryable, false);
    assert.equal(err.upstreamType, 'insufficient_quota');
    return true;
  });
});

test('error-500.json → GH_UPSTREAM_ERROR (502, retryable); a non-JSON 502 body is tolerated', async () => {
  upstream.faults.push({ kind: 'status', status: 500, body: fixture('error-500.json') });
  await assert.rejects(provider.complete(ir({}), model, opts()), (err: GatehouseError) => {
    assert.equal(err.code, 'GH_UPSTREAM_ERROR');
    assert.equal(err.status, 502);
    assert.equal(err.retryable, true);
    assert.equal(err.upstreamStatus, 500);
    assert.equal(err.upstreamType, 'server_error');
    return true;
  });
  upstream.faults.push({ kind: 'status', status: 502, body: 'bad gateway' });
  await assert.rejects(provider.complete(ir({}), model, opts()), (err: GatehouseError) => {
    assert.equal(err.code, 'GH_UPSTREAM_ERROR');
    assert.match(err.message, /bad gateway/);
    return true;
  });
});

test('a wrong API key is refused by the upstream → GH_UPSTREAM_AUTH (the gateway’s config, not the caller)', async () => {
  const wrong = createOpenAIProvider('oai', config(`${upstream.url}/v1`, { api_key: 'sk-wrong' }), { http });
  await assert.rejects(wrong.complete(ir({}), model, opts()), (err: GatehouseError) => {
    assert.equal(err.code, 'GH_UPSTREAM_AUTH');
    assert.equal(err.upstreamType, 'invalid_api_key');
    return true;
  });
});

// 5. Mid-stream error

test('stream-error fault: the first chunk’s parts, then the iterator throws the classified error', async () => {
  upstream.faults.push({ kind: 'stream-error' });
  const stream = await provider.stream(ir({ stream: true }), model, opts());
  const seen: StreamPart[] = [];
  await assert.rejects(
    (async () => {
      for await (const chunk of stream) seen.push(...chunk.parts);
    })(),
    (err: GatehouseError) => {
      assert.equal(err.code, 'GH_UPSTREAM_ERROR');
      assert.equal(err.retryable, true);
      assert.equal(err.upstreamType, openaiStreamErrorPayload.error.type);
      assert.match(err.message, /server had an error/);
      return true;
    },
  );
  assert.equal(seen[0]!.type, 'start');
  assert.equal(
    seen
      .filter((p) => p.type === 'text')
      .map((p) => (p as { text: string }).text)
      .join(''),
    openaiExpected.streamErrorText,
  );
  assert.ok(!seen.some((p) => p.type === 'finish'));
});

// Embeddings

test('embeddings: request.json for the equivalent IR; response.json decodes to vectors and usage', async () => {
  const request = fixture('request.json', openaiEmbeddingsFixtureDir);
  const response = fixture('response.json', openaiEmbeddingsFixtureDir);
  const result = await provider.embed!(
    {
      model: 'alias',
      input: request.input,
      encodingFormat: request.encoding_format,
      dimensions: request.dimensions,
      native: { dialect: 'anthropic', body: {} },
    },
    model,
    opts(),
  );
  const sent = lastRequest();
  assert.equal(sent.url, '/v1/embeddings');
  assert.equal(sent.headers.authorization, `Bearer ${apiKey}`);
  assert.deepEqual(sent.body, { ...request, model });
  assert.deepEqual(
    result.embeddings,
    response.data.map((d: any) => d.embedding),
  );
  assert.deepEqual(result.embeddings, openaiExpected.embeddings);
  assert.deepEqual(result.usage, openaiExpected.embeddingsUsage);
  assert.equal(result.model, model);
  assert.equal(result.raw!.dialect, 'openai');
});

test('embeddings pass-through with base64: the vectors are decoded little-endian float32', async () => {
  const native = { model: 'alias', input: ['a', 'b', 'c'], encoding_format: 'base64', user: 'u-9' };
  const result = await provider.embed!(
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

// The mock itself must refuse what the real API refuses, or encoding bugs would pass unseen.

test('the mock upstream refuses malformed requests in OpenAI’s envelope', async () => {
  const post = async (body: unknown, headers: Record<string, string> = {}, path = '/v1/chat/completions') => {
    const res = await fetch(`${upstream.url}${path}`, {
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
  assert.equal((await post(ok, { 'api-key': apiKey }, '/openai/deployments/d/chat/completions')).status, 404);
  assert.equal((await post(ok, {}, '/openai/deployments/d/chat/completions?api-version=1')).status, 401);
});

// 6. Every fixture is exercised

test('every fixture in openai-chat and openai-embeddings is used by this suite', () => {
  // openai-responses/* is exercised by its own suite (openai-responses.test.ts).
  const inScope = [openaiFixtureDir, openaiEmbeddingsFixtureDir];
  const all = inScope.flatMap((dir) => readdirSync(`${fixturesDir}${dir}`).map((file) => `${dir}/${file}`));
  assert.deepEqual([...used].sort(), all.sort());
  assert.ok(
    readdirSync(fixturesDir).includes('openai-responses'),
    'the out-of-scope folder is known, not missed',
  );
});
