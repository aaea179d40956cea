// Bedrock Converse conformance: the request Gatehouse sends (URL, SigV4, body) and the IR it
// decodes from every recorded answer, stream and error.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { GatehouseError } from '../../src/core/errors/index.ts';
import type { ChatRequest, StreamPart } from '../../src/core/ir/index.ts';
import { createBedrockProvider } from '../../src/providers/bedrock/index.ts';
import { HttpClient } from '../../src/providers/http.ts';
import type { Provider } from '../../src/providers/types.ts';
import { defaultTimeouts } from '../../src/routing/targets.ts';
import { fixtureBytes, fixtureJson, fixtureText, fixturesDir } from '../fixtures/index.ts';
import { bedrockExpected, bedrockTestCredentials, startBedrockUpstream } from '../upstreams/bedrock.ts';
import type { MockUpstream } from '../upstreams/server.ts';

const used = new Set<string>();
const use = (file: string) => used.add(file);
const http = new HttpClient();
let upstream: MockUpstream;
let provider: Provider;
const opts = () => ({ signal: new AbortController().signal, timeouts: defaultTimeouts, requestId: 'req-1' });
const model = 'anthropic.claude-sonnet-4-5-20250929-v1:0';

before(async () => {
  upstream = await startBedrockUpstream({ apiKey: 'bedrock-api-key' });
  provider = createBedrockProvider(
    'bedrock',
    {
      type: 'bedrock',
      region: 'us-east-1',
      base_url: upstream.url,
      access_key_id: bedrockTestCredentials.accessKeyId,
      secret_access_key: bedrockTestCredentials.secretAccessKey,
    },
    { http },
  );
});
after(async () => {
  await upstream.close();
  await http.close();
});

const weather = {
  name: 'get_weather',
  description: 'Get the current weather for a city.',
  parameters: {
    type: 'object',
    properties: {
      city: { type: 'string', description: 'City name, e.g. Lisbon' },
      unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
    },
    required: ['city'],
  },
};

/** The IR equivalent of request.json: the second turn, sending both tool results back. */
const secondTurn: ChatRequest = {
  model: 'm',
  system: [
    {
      type: 'text',
      text: 'You are a concise travel assistant. Use tools when you need live data.',
      cacheControl: { type: 'ephemeral' },
    },
  ],
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
          id: 'tooluse_Qm3xK8vLT2aYp7Nc1RbWsA',
          name: 'get_weather',
          arguments: '{"city":"Lisbon","unit":"celsius"}',
        },
        {
          type: 'tool_call',
          id: 'tooluse_Zf6hB0wPq4EoJ9dUt5MyGg',
          name: 'get_weather',
          arguments: '{"city":"Porto","unit":"celsius"}',
        },
      ],
    },
    {
      role: 'user',
      content: [
        {
          type: 'tool_result',
          toolCallId: 'tooluse_Qm3xK8vLT2aYp7Nc1RbWsA',
          content: '{"temp_c":22,"conditions":"sunny"}',
        },
        {
          type: 'tool_result',
          toolCallId: 'tooluse_Zf6hB0wPq4EoJ9dUt5MyGg',
          content: [{ type: 'text', text: '17 °C and light rain' }],
        },
      ],
    },
  ],
  tools: [weather],
  toolChoice: { type: 'auto' },
  maxTokens: 1024,
  temperature: 0.2,
  topP: 0.9,
  topK: 250,
  stop: ['###'],
  stream: false,
  includeUsage: true,
  native: { dialect: 'openai', body: {} },
};

const firstTurn: ChatRequest = { ...secondTurn, messages: [secondTurn.messages[0]!] };

test('the request: URL with the encoded model id, SigV4 for service bedrock, and the Converse body', async () => {
  use('request.json');
  use('response.json');
  const result = await provider.complete(secondTurn, model, opts());
  const sent = upstream.requests.at(-1)!;
  assert.equal(sent.url, `/model/${encodeURIComponent(model)}/converse`);
  assert.match(
    String(sent.headers.authorization),
    /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request, SignedHeaders=.*, Signature=[0-9a-f]{64}$/,
  );
  assert.ok(sent.headers['x-amz-date']);
  const fixture = fixtureJson('bedrock-converse', 'request.json');
  assert.deepEqual(sent.body.system, fixture.system);
  assert.deepEqual(sent.body.messages.slice(0, 2), fixture.messages.slice(0, 2));
  assert.deepEqual(
    sent.body.messages[2].content[0],
    fixture.messages[2].content[0],
    'a JSON object result is sent as json',
  );
  assert.deepEqual(sent.body.messages[2].content[1].toolResult.content, [{ text: '17 °C and light rain' }]);
  assert.deepEqual(sent.body.inferenceConfig, fixture.inferenceConfig);
  assert.deepEqual(sent.body.toolConfig, fixture.toolConfig);
  assert.deepEqual(sent.body.additionalModelRequestFields, fixture.additionalModelRequestFields);
  assert.equal((result.response.content[0] as { text: string }).text, bedrockExpected.finalText);
  assert.equal(result.response.finishReason, 'stop');
  assert.deepEqual(result.response.usage, {
    inputTokens: 212 + 1618,
    outputTokens: 27,
    cacheReadTokens: 1618,
    cacheWriteTokens: 0,
  });
});

test('a Bedrock API key is sent as a bearer token instead of a signature', async () => {
  const keyed = createBedrockProvider(
    'bedrock',
    { type: 'bedrock', region: 'us-east-1', base_url: upstream.url, api_key: 'bedrock-api-key' },
    { http },
  );
  await keyed.complete(firstTurn, model, opts());
  assert.equal(upstream.requests.at(-1)!.headers.authorization, 'Bearer bedrock-api-key');
  const wrong = createBedrockProvider(
    'bedrock',
    {
      type: 'bedrock',
      region: 'us-east-1',
      base_url: upstream.url,
      access_key_id: 'AKIDEXAMPLE',
      secret_access_key: 'not-the-secret',
    },
    { http },
  );
  await assert.rejects(
    wrong.complete(firstTurn, model, opts()),
    (err: GatehouseError) => err.code === 'GH_UPSTREAM_AUTH',
  );
});

test('a tool-use answer decodes to text and two tool calls with ids, names and arguments', async () => {
  use('response-tool-use.json');
  const { response } = await provider.complete(firstTurn, model, opts());
  assert.equal(response.finishReason, 'tool_calls');
  const calls = response.content.filter((p) => p.type === 'tool_call');
  assert.deepEqual(
    calls.map((c) => ({ id: c.id, name: c.name, arguments: JSON.parse(c.arguments) })),
    bedrockExpected.toolCalls,
  );
  assert.deepEqual(response.usage, bedrockExpected.usage);
});

async function streamParts(req: ChatRequest): Promise<StreamPart[]> {
  const stream = await provider.stream({ ...req, stream: true }, model, opts());
  const parts: StreamPart[] = [];
  for await (const chunk of stream) parts.push(...chunk.parts);
  return parts;
}

test('streamed text, then finish with usage, from the binary event stream', async () => {
  use('stream-text.eventstream.bin');
  use('stream-text.events.jsonl');
  const parts = await streamParts({ ...firstTurn, tools: [] });
  assert.equal(upstream.requests.at(-1)!.url, `/model/${encodeURIComponent(model)}/converse-stream`);
  assert.equal(parts[0]!.type, 'start');
  assert.equal(parts.map((p) => (p.type === 'text' ? p.text : '')).join(''), bedrockExpected.streamText);
  const finish = parts.at(-1)!;
  assert.ok(finish.type === 'finish');
  assert.equal(finish.finishReason, 'stop');
  assert.deepEqual(finish.usage, bedrockExpected.streamUsage.text);
  assert.equal(parts.filter((p) => p.type === 'finish').length, 1);
});

test('streamed parallel tool calls reassemble by tool index', async () => {
  use('stream-tools.eventstream.bin');
  use('stream-tools.events.jsonl');
  const parts = await streamParts(firstTurn);
  const starts = parts.filter((p) => p.type === 'tool_call_start');
  assert.deepEqual(
    starts.map((s) => s.index),
    [0, 1],
  );
  const calls = starts.map((s) => ({
    id: s.id,
    name: s.name,
    arguments: JSON.parse(
      parts
        .filter((p) => p.type === 'tool_call_delta' && p.index === s.index)
        .map((p) => (p as { arguments: string }).arguments)
        .join(''),
    ),
  }));
  assert.deepEqual(calls, bedrockExpected.toolCalls);
  assert.equal(parts.filter((p) => p.type === 'tool_call_end').length, 2);
  const finish = parts.at(-1)!;
  assert.ok(finish.type === 'finish' && finish.finishReason === 'tool_calls');
  assert.deepEqual(finish.usage, bedrockExpected.streamUsage.tools);
});

test('streamed reasoning becomes thinking parts with their signature', async () => {
  use('stream-reasoning.eventstream.bin');
  use('stream-reasoning.events.jsonl');
  const parts = await streamParts({
    ...firstTurn,
    tools: [],
    thinking: { type: 'enabled', budgetTokens: 2048 },
  });
  assert.equal(upstream.requests.at(-1)!.body.additionalModelRequestFields.thinking.budget_tokens, 2048);
  assert.equal(
    parts.map((p) => (p.type === 'thinking' ? p.text : '')).join(''),
    bedrockExpected.reasoningText,
  );
  assert.ok(parts.some((p) => p.type === 'thinking_signature'));
  assert.deepEqual((parts.at(-1) as { usage: unknown }).usage, bedrockExpected.streamUsage.reasoning);
});

test('an exception frame mid-stream is thrown, classified, after the first parts', async () => {
  use('stream-error.eventstream.bin');
  use('stream-error.events.jsonl');
  upstream.faults.push({ kind: 'stream-error' });
  const stream = await provider.stream({ ...firstTurn, stream: true }, model, opts());
  const seen: StreamPart[] = [];
  await assert.rejects(
    (async () => {
      for await (const chunk of stream) seen.push(...chunk.parts);
    })(),
    (err: GatehouseError) =>
      err.code === 'GH_UPSTREAM_RATE_LIMITED' && err.retryable && err.upstreamType === 'throttlingException',
  );
  assert.ok(seen.some((p) => p.type === 'text'));
});

test('a stream that ends before messageStop is a protocol error, after the parts it did send', async () => {
  // The recorded text stream, cut before its messageStop frame.
  const bytes = fixtureBytes('bedrock-converse', 'stream-text.eventstream.bin');
  const events = fixtureText('bedrock-converse', 'stream-text.events.jsonl').trim().split('\n');
  const stop = events.findIndex((line) => JSON.parse(line).headers[':event-type'] === 'messageStop');
  let end = 0;
  for (let i = 0; i < stop; i++) end += bytes.readUInt32BE(end);
  const cut = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
    res.end(bytes.subarray(0, end));
  });
  await new Promise<void>((resolve) => cut.listen(0, '127.0.0.1', resolve));
  const cutProvider = createBedrockProvider(
    'bedrock',
    {
      type: 'bedrock',
      region: 'us-east-1',
      base_url: `http://127.0.0.1:${(cut.address() as AddressInfo).port}`,
      access_key_id: bedrockTestCredentials.accessKeyId,
      secret_access_key: bedrockTestCredentials.secretAccessKey,
    },
    { http },
  );
  const seen: StreamPart[] = [];
  try {
    await assert.rejects(
      (async () => {
        for await (const chunk of await cutProvider.stream({ ...firstTurn, tools: [] }, model, opts()))
          seen.push(...chunk.parts);
      })(),
      (err: GatehouseError) =>
        err.code === 'GH_UPSTREAM_PROTOCOL' && /ended before messageStop/.test(err.message),
    );
    assert.equal(seen[0]?.type, 'start');
    assert.equal(seen.map((p) => (p.type === 'text' ? p.text : '')).join(''), bedrockExpected.streamText);
  } finally {
    cut.close();
  }
});

test('HTTP errors: throttling is retryable 429, validation is a 400 passed on', async () => {
  use('error-429-throttling.json');
  use('error-429-throttling.headers.json');
  use('error-400-validation.json');
  const headers = fixtureJson('bedrock-converse', 'error-429-throttling.headers.json').headers;
  upstream.faults.push({
    kind: 'status',
    status: 429,
    headers,
    body: fixtureJson('bedrock-converse', 'error-429-throttling.json'),
  });
  await assert.rejects(provider.complete(firstTurn, model, opts()), (err: GatehouseError) => {
    assert.equal(err.code, 'GH_UPSTREAM_RATE_LIMITED');
    assert.equal(err.upstreamType, 'ThrottlingException');
    assert.match(err.message, /Too many requests/);
    return true;
  });
  upstream.faults.push({
    kind: 'status',
    status: 400,
    headers: { 'x-amzn-errortype': 'ValidationException' },
    body: fixtureJson('bedrock-converse', 'error-400-validation.json'),
  });
  await assert.rejects(
    provider.complete(firstTurn, model, opts()),
    (err: GatehouseError) => err.code === 'GH_UPSTREAM_REJECTED' && err.status === 400,
  );
});

test('image URLs and n > 1 are refused before any call', async () => {
  const before = upstream.requests.length;
  const withUrl: ChatRequest = {
    ...firstTurn,
    messages: [
      {
        role: 'user',
        content: [{ type: 'image', source: { kind: 'url', url: 'https://example.com/a.png' } }],
      },
    ],
  };
  await assert.rejects(
    provider.complete(withUrl, model, opts()),
    (err: GatehouseError) => err.code === 'GH_UNSUPPORTED_BY_PROVIDER',
  );
  await assert.rejects(
    provider.complete({ ...firstTurn, n: 2 }, model, opts()),
    (err: GatehouseError) => err.param === 'n',
  );
  assert.equal(upstream.requests.length, before);
});

test('every Bedrock fixture file is exercised', () => {
  use('NOTES.md');
  const files = readdirSync(`${fixturesDir}bedrock-converse`);
  assert.deepEqual(
    files.filter((f) => !used.has(f)),
    [],
  );
});
