// Conformance of the Anthropic Messages provider against the protocol-faithful mock upstream and
// the recorded fixtures: what is sent (URL, headers, body), how answers, streams and errors decode.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { ProviderConfigOf } from '../../src/config/schema.ts';
import type { GatehouseError } from '../../src/core/errors/index.ts';
import type { ChatRequest, ChatStream, StreamChunk, StreamPart } from '../../src/core/ir/index.ts';
import { createAnthropicProvider } from '../../src/providers/anthropic/index.ts';
import { HttpClient } from '../../src/providers/http.ts';
import type { CallOptions, Provider } from '../../src/providers/types.ts';
import { fixtureJson, fixtureText, fixturesDir } from '../fixtures/index.ts';
import {
  anthropicCountTokens,
  anthropicExpected,
  anthropicFixtureDir,
  parseAnthropicSse,
  startAnthropicUpstream,
} from '../upstreams/anthropic.ts';
import { type MockUpstream, startHangingStream, startUpstream, writeInPieces } from '../upstreams/server.ts';

const dir = anthropicFixtureDir;
const used = new Set<string>();
function fixture<T = any>(file: string): T {
  used.add(file);
  return file.endsWith('.json') ? fixtureJson<T>(dir, file) : (fixtureText(dir, file) as T);
}

const apiKey = 'sk-ant-conformance';
const model = 'claude-target-model';
let upstream: MockUpstream;
let http: HttpClient;
let provider: Provider;

function config(baseUrl: string): ProviderConfigOf<'anthropic'> {
  return { type: 'anthropic', api_key: apiKey, base_url: baseUrl, anthropic_version: '2023-06-01' };
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
  upstream = await startAnthropicUpstream({ apiKey });
  http = new HttpClient();
  provider = createAnthropicProvider('claude', config(upstream.url), { http });
});

after(async () => {
  await http.close();
  await upstream.close();
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
    native: { dialect: 'openai', body: {} },
    ...extra,
  };
}

const weatherTool = () => {
  const tool = fixtureJson(dir, 'request.json').tools[0];
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

async function collect(stream: ChatStream): Promise<{ chunks: StreamChunk[]; parts: StreamPart[] }> {
  const chunks: StreamChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return { chunks, parts: chunks.flatMap((c) => c.parts) };
}

/** Reassembles IR stream parts the way a surface encoder would. */
function reassemble(parts: StreamPart[]) {
  const calls = new Map<number, { id: string; name: string; arguments: string; ended: boolean }>();
  let text = '';
  let thinking = '';
  let signature = '';
  for (const part of parts) {
    if (part.type === 'text') text += part.text;
    if (part.type === 'thinking') thinking += part.text;
    if (part.type === 'thinking_signature') signature += part.signature;
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
  return {
    text,
    thinking,
    signature,
    toolCalls,
    finish: finishes[0] as Extract<StreamPart, { type: 'finish' }>,
  };
}

// 1. What goes upstream

test('sends request.json for the equivalent IR: URL, auth and version headers, body', async () => {
  const { parts } = await collect(
    await provider.stream(weatherConversation(), model, opts({ 'anthropic-beta': 'beta-a' })),
  );
  const sent = lastRequest();
  assert.equal(sent.method, 'POST');
  assert.equal(sent.url, '/v1/messages');
  assert.equal(sent.headers['x-api-key'], apiKey);
  assert.equal(sent.headers['anthropic-version'], '2023-06-01');
  assert.equal(sent.headers['content-type'], 'application/json');
  assert.equal(sent.headers['anthropic-beta'], 'beta-a', 'the client’s anthropic-beta is forwarded');
  assert.equal(sent.headers.authorization, undefined);
  assert.deepEqual(sent.body, withBlockContent({ ...fixture('request.json'), model }));
  // The tool results were answered with the final answer (stream-text.sse).
  assert.equal(reassemble(parts).text, anthropicExpected.streamText);
});

test('sends request-thinking.json for the equivalent IR and decodes stream-thinking.sse', async () => {
  const stream = await provider.stream(
    ir({
      messages: [
        {
          role: 'user',
          content: [{ type: 'text', text: 'Is 1,001 a prime number? Answer in one sentence.' }],
        },
      ],
      maxTokens: 4096,
      thinking: { type: 'enabled', budgetTokens: 2048 },
      stream: true,
    }),
    model,
    opts(),
  );
  const { parts } = await collect(stream);
  assert.deepEqual(lastRequest().body, withBlockContent({ ...fixture('request-thinking.json'), model }));
  const events = parseAnthropicSse(fixture('stream-thinking.sse'));
  const result = reassemble(parts);
  const deltas = events.filter((e) => e.event === 'content_block_delta').map((e) => e.data.delta);
  assert.equal(
    result.thinking,
    deltas
      .filter((d) => d.type === 'thinking_delta')
      .map((d) => d.thinking)
      .join(''),
  );
  assert.equal(result.thinking, anthropicExpected.thinking.text);
  assert.equal(result.signature, anthropicExpected.thinking.signature);
  assert.equal(result.text, anthropicExpected.thinking.answer);
  assert.equal(result.finish.finishReason, 'stop');
  assert.deepEqual(result.finish.usage, anthropicExpected.streamUsage.thinking);
  const thinkingParts = parts
    .filter((p) => p.type === 'thinking' || p.type === 'thinking_signature')
    .map((p) => p.type);
  assert.equal(thinkingParts.at(-1), 'thinking_signature', 'the signature follows the thinking text');
});

test('config headers are sent, and a configured anthropic-beta joins the client’s', async () => {
  const configured = createAnthropicProvider(
    'claude',
    { ...config(upstream.url), headers: { 'anthropic-beta': 'beta-b', 'x-team': 'blue' } },
    { http },
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
  const result = await provider.complete(req, model, opts());
  assert.deepEqual(lastRequest().body, { ...native, model });
  assert.equal(result.warnings, undefined);
  await collect(await provider.stream({ ...req, stream: true }, model, opts()));
  assert.deepEqual(lastRequest().body, { ...native, model, stream: true });
});

// 2. Non-streaming answers

test('non-stream tool-call turn (response.json) decodes to IR', async () => {
  const response = fixture('response.json');
  const result = await provider.complete(
    weatherQuestion({ toolChoice: { type: 'auto' }, parallelToolCalls: false }),
    model,
    opts(),
  );
  assert.deepEqual(lastRequest().body.tool_choice, { type: 'auto', disable_parallel_tool_use: true });
  const { response: decoded, raw } = result;
  assert.equal(decoded.id, response.id);
  assert.equal(decoded.model, model, 'the mock serves the model it was asked for');
  assert.deepEqual(decoded.content[0], { type: 'text', text: anthropicExpected.toolText });
  const calls = decoded.content.filter((p) => p.type === 'tool_call');
  assert.deepEqual(
    calls.map((c) => ({ id: c.id, name: c.name, arguments: JSON.parse(c.arguments) })),
    anthropicExpected.toolCalls,
  );
  assert.equal(anthropicExpected.toolCalls.length, 2);
  assert.equal(decoded.finishReason, 'tool_calls');
  assert.deepEqual(decoded.usage, anthropicExpected.usage);
  assert.deepEqual(decoded.usage, {
    inputTokens: 24 + 1618,
    outputTokens: 118,
    cacheReadTokens: 1618,
    cacheWriteTokens: 0,
  });
  assert.deepEqual(raw, { dialect: 'anthropic', body: { ...response, model }, text: raw!.text });
  assert.deepEqual(JSON.parse(raw!.text!), raw!.body, 'the text kept for pass-through is the body as it came');
});

test('non-stream final answer after tool results, and plain text answer', async () => {
  const conversation = { ...weatherConversation(), stream: false };
  const final = await provider.complete(conversation, model, opts());
  assert.equal(lastRequest().body.stream, undefined);
  assert.deepEqual(final.response.content, [{ type: 'text', text: anthropicExpected.finalText }]);
  assert.equal(final.response.finishReason, 'stop');
  assert.equal(final.response.stopSequence, undefined);
  assert.deepEqual(final.response.usage, anthropicExpected.streamUsage.text);

  const plain = await provider.complete(ir({ seed: 1 }), model, opts());
  assert.deepEqual(plain.response.content, [{ type: 'text', text: anthropicExpected.text }]);
  assert.equal(plain.response.finishReason, 'stop');
  assert.ok(plain.warnings?.some((w) => /seed/.test(w)));
});

test('non-stream thinking answer (response-thinking.json) keeps the thinking and its signature', async () => {
  const response = fixture('response-thinking.json');
  const result = await provider.complete(
    ir({ maxTokens: 4096, thinking: { type: 'enabled', budgetTokens: 2048 } }),
    model,
    opts(),
  );
  assert.deepEqual(result.response.content, [
    {
      type: 'thinking',
      text: anthropicExpected.thinking.text,
      signature: anthropicExpected.thinking.signature,
    },
    { type: 'text', text: anthropicExpected.thinking.answer },
  ]);
  assert.deepEqual(result.response.usage, anthropicExpected.thinking.usage);
  assert.equal(result.response.usage.outputTokens, response.usage.output_tokens);
});

// 3. Streams

test('stream-tools.sse decodes to two tool calls with reassembled arguments', async () => {
  const events = parseAnthropicSse(fixture('stream-tools.sse'));
  const { chunks, parts } = await collect(
    await provider.stream(weatherQuestion({ stream: true }), model, opts()),
  );
  assert.equal(lastRequest().body.stream, true);
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
  const result = reassemble(parts);
  assert.equal(result.text, anthropicExpected.toolText);
  assert.deepEqual(result.toolCalls, anthropicExpected.toolCalls);
  assert.deepEqual(
    parts.filter((p) => p.type === 'tool_call_start').map((p) => p.index),
    [0, 1],
    'tool indexes count tool calls, not content blocks',
  );
  assert.ok(
    parts.every((p) => p.type !== 'tool_call_delta' || p.arguments !== ''),
    'empty input_json_delta fragments are skipped',
  );
  assert.equal(result.finish.finishReason, 'tool_calls');
  assert.deepEqual(result.finish.usage, anthropicExpected.streamUsage.tools);
  assert.deepEqual(result.finish.usage, {
    inputTokens: 24 + 1618,
    outputTokens: 118,
    cacheReadTokens: 0,
    cacheWriteTokens: 1618,
  });
  const start = parts[0] as Extract<StreamPart, { type: 'start' }>;
  assert.deepEqual(start, { type: 'start', id: events[0]!.data.message.id, model });
  assert.equal(parts[1]!.type, 'usage', 'message_start reports the input side at once');
});

test('stream-text.sse decodes to the streamed text with final usage', async () => {
  const events = parseAnthropicSse(fixture('stream-text.sse'));
  const { parts } = await collect(await provider.stream(ir({ stream: true }), model, opts()));
  const result = reassemble(parts);
  assert.equal(result.text, anthropicExpected.streamText);
  assert.equal(
    result.text,
    events
      .filter((e) => e.event === 'content_block_delta')
      .map((e) => e.data.delta.text)
      .join(''),
  );
  assert.equal(result.finish.finishReason, 'stop');
  assert.deepEqual(result.finish.usage, anthropicExpected.streamUsage.text);
  assert.equal(
    result.finish.usage.outputTokens,
    27,
    'output_tokens in message_delta is cumulative, not added',
  );
});

test('abandoning a stream early releases the upstream connection', async () => {
  const endless = await startHangingStream(fixtureText(dir, 'stream-text.sse').split('\n\n')[0]!);
  try {
    const hanging = createAnthropicProvider('claude', config(endless.url), { http });
    for await (const chunk of await hanging.stream(ir({ stream: true }), model, opts())) {
      assert.equal(chunk.parts[0]?.type, 'start');
      break;
    }
    await endless.released; // settles only once the provider let go of the upstream response
  } finally {
    await endless.close();
  }
});

test('a stream that ends without message_stop is a protocol error', async () => {
  const truncated = await startUpstream(async (_req, res) => {
    const text = fixtureText(dir, 'stream-text.sse');
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    await writeInPieces(res, text.slice(0, text.indexOf('event: message_delta')));
  });
  try {
    const cut = createAnthropicProvider('claude', config(truncated.url), { http });
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

// 4. Error answers

test('error-400.json → GH_UPSTREAM_REJECTED (400, not retryable), with the upstream type', async () => {
  upstream.faults.push({ kind: 'status', status: 400, body: fixture('error-400.json') });
  await assert.rejects(provider.complete(ir({}), model, opts()), (err: GatehouseError) => {
    assert.equal(err.code, 'GH_UPSTREAM_REJECTED');
    assert.equal(err.status, 400);
    assert.equal(err.retryable, false);
    assert.equal(err.upstreamStatus, 400);
    assert.equal(err.upstreamType, 'invalid_request_error');
    assert.match(err.message, /tool_use` ids were found without `tool_result`/);
    return true;
  });
});

test('error-429.json with its headers → GH_UPSTREAM_RATE_LIMITED honouring retry-after', async () => {
  const recorded = fixture('error-429.headers.json');
  upstream.faults.push({
    kind: 'status',
    status: recorded.status,
    body: fixture('error-429.json'),
    headers: recorded.headers,
  });
  await assert.rejects(provider.stream(ir({ stream: true }), model, opts()), (err: GatehouseError) => {
    assert.equal(err.code, 'GH_UPSTREAM_RATE_LIMITED');
    assert.equal(err.status, 429);
    assert.equal(err.retryable, true);
    assert.equal(err.retryAfter, Number(recorded.headers['retry-after']));
    assert.equal(err.upstreamType, 'rate_limit_error');
    return true;
  });
});

test('error-overloaded-529.json → GH_UPSTREAM_OVERLOADED (503, retryable)', async () => {
  upstream.faults.push({ kind: 'status', status: 529, body: fixture('error-overloaded-529.json') });
  await assert.rejects(provider.complete(ir({}), model, opts()), (err: GatehouseError) => {
    assert.equal(err.code, 'GH_UPSTREAM_OVERLOADED');
    assert.equal(err.status, 503);
    assert.equal(err.retryable, true);
    assert.equal(err.upstreamStatus, 529);
    assert.equal(err.retryAfter, undefined);
    return true;
  });
});

test('a wrong API key is refused by the upstream → GH_UPSTREAM_AUTH (the gateway’s config, not the caller)', async () => {
  const wrong = createAnthropicProvider('claude', { ...config(upstream.url), api_key: 'sk-wrong' }, { http });
  await assert.rejects(wrong.complete(ir({}), model, opts()), (err: GatehouseError) => {
    assert.equal(err.code, 'GH_UPSTREAM_AUTH');
    assert.equal(err.upstreamType, 'authentication_error');
    return true;
  });
});

// 5. Mid-stream error

test('stream-error-overloaded.sse: parts first, then the iterator throws GH_UPSTREAM_OVERLOADED', async () => {
  const events = parseAnthropicSse(fixture('stream-error-overloaded.sse'));
  upstream.faults.push({ kind: 'stream-error' });
  const stream = await provider.stream(ir({ stream: true }), model, opts());
  const seen: StreamPart[] = [];
  await assert.rejects(
    (async () => {
      for await (const chunk of stream) seen.push(...chunk.parts);
    })(),
    (err: GatehouseError) => {
      assert.equal(err.code, 'GH_UPSTREAM_OVERLOADED');
      assert.equal(err.retryable, true);
      assert.equal(err.upstreamType, events.at(-1)!.data.error.type);
      return true;
    },
  );
  assert.equal(seen[0]!.type, 'start');
  assert.equal(
    seen
      .filter((p) => p.type === 'text')
      .map((p) => (p as { text: string }).text)
      .join(''),
    anthropicExpected.streamErrorText,
  );
  assert.ok(!seen.some((p) => p.type === 'finish'));
});

// count_tokens

test('countTokens posts to /v1/messages/count_tokens without generation settings', async () => {
  const fromIr = await provider.countTokens!(
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
  const fromNative = await provider.countTokens!(
    ir({ native: { dialect: 'anthropic', body: native } }),
    model,
    opts(),
  );
  assert.deepEqual(lastRequest().body, { model, system: native.system, messages: native.messages });
  assert.equal(fromNative, anthropicCountTokens(native));
  assert.equal(provider.embed, undefined, 'Anthropic has no embeddings');
});

// The mock itself must refuse what the real API refuses, or encoding bugs would pass unseen.

test('the mock upstream refuses malformed requests in Anthropic’s envelope', async () => {
  const post = async (body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${upstream.url}/v1/messages`, {
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
  const res = await fetch(`${upstream.url}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
    body: JSON.stringify(ok),
  });
  assert.equal(res.status, 400, 'anthropic-version is required');
});

// 6. Every fixture is exercised

test('every fixture in anthropic-messages is used by this suite', () => {
  assert.deepEqual([...used].sort(), readdirSync(`${fixturesDir}${dir}`).sort());
});
