// OpenAI Responses API conformance (`openai` provider with `api: responses`): the request sent
// for the recorded turn, and the IR decoded from every recorded answer, stream and error.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { GatehouseError } from '../../src/core/errors/index.ts';
import type { ChatRequest, StreamPart } from '../../src/core/ir/index.ts';
import { HttpClient } from '../../src/providers/http.ts';
import { createOpenAIResponsesProvider } from '../../src/providers/openai/index.ts';
import type { Provider } from '../../src/providers/types.ts';
import { defaultTimeouts } from '../../src/routing/targets.ts';
import { fixtureJson, fixturesDir } from '../fixtures/index.ts';
import {
  openaiResponsesExpected as expected,
  startOpenAIResponsesUpstream,
} from '../upstreams/openai-responses.ts';
import type { MockUpstream } from '../upstreams/server.ts';

const used = new Set<string>();
const http = new HttpClient();
let upstream: MockUpstream;
let provider: Provider;
const opts = () => ({ signal: new AbortController().signal, timeouts: defaultTimeouts, requestId: 'req-1' });

before(async () => {
  upstream = await startOpenAIResponsesUpstream();
  provider = createOpenAIResponsesProvider(
    'openai',
    { type: 'openai', api: 'responses', api_key: 'sk-upstream', base_url: `${upstream.url}/v1` },
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

test('the request matches the recorded one, field by field', async () => {
  used.add('request.json');
  const stream = await provider.stream(turn, 'gpt-5-mini', opts());
  for await (const _ of stream) {
    // drain
  }
  const sent = upstream.requests.at(-1)!;
  assert.equal(sent.url, '/v1/responses');
  assert.equal(sent.headers.authorization, 'Bearer sk-upstream');
  assert.deepEqual(sent.body, fixtureJson('openai-responses', 'request.json'));
});

test('a completed answer: text, no finish reason in the wire but stop in the IR, cached and reasoning usage', async () => {
  used.add('response.json');
  const { response, raw } = await provider.complete({ ...turn, stream: false }, 'gpt-5-mini', opts());
  assert.equal(raw?.dialect, 'openai-responses');
  assert.equal(response.content.map((p) => (p.type === 'text' ? p.text : '')).join(''), expected.finalText);
  assert.equal(response.finishReason, 'stop');
  assert.deepEqual(response.usage, {
    inputTokens: 1348,
    outputTokens: 84,
    cacheReadTokens: 1280,
    reasoningTokens: 64,
  });
});

async function parts(req: ChatRequest): Promise<StreamPart[]> {
  const out: StreamPart[] = [];
  for await (const chunk of await provider.stream(req, 'gpt-5-mini', opts())) out.push(...chunk.parts);
  return out;
}

test('a streamed text answer ends with one finish carrying usage', async () => {
  used.add('stream-text.sse');
  const got = await parts({ ...turn, tools: [] });
  assert.equal(got[0]!.type, 'start');
  assert.equal(got.map((p) => (p.type === 'text' ? p.text : '')).join(''), expected.streamText);
  const finish = got.at(-1)!;
  assert.ok(finish.type === 'finish' && finish.finishReason === 'stop');
  assert.deepEqual(finish.usage, expected.streamUsage.text);
  assert.equal(got.filter((p) => p.type === 'finish').length, 1);
});

test('a streamed function call: item added, argument deltas, item done; finish is tool_calls', async () => {
  used.add('stream-function-call.sse');
  const got = await parts({ ...turn, messages: [turn.messages[0]!] });
  const start = got.find((p) => p.type === 'tool_call_start')!;
  assert.ok(start.type === 'tool_call_start');
  const args = got.flatMap((p) => (p.type === 'tool_call_delta' ? [p.arguments] : [])).join('');
  assert.deepEqual([{ id: start.id, name: start.name, arguments: JSON.parse(args) }], expected.toolCalls);
  assert.ok(got.some((p) => p.type === 'tool_call_end'));
  const finish = got.at(-1)!;
  assert.ok(finish.type === 'finish' && finish.finishReason === 'tool_calls');
});

test('an error event mid-stream (insufficient quota) is thrown as a non-retryable quota error', async () => {
  used.add('stream-error.sse');
  upstream.faults.push({ kind: 'stream-error' });
  await assert.rejects(parts(turn), (err: GatehouseError) => {
    assert.equal(err.code, 'GH_UPSTREAM_QUOTA');
    assert.equal(err.retryable, false);
    assert.match(err.message, /exceeded your current quota/);
    return true;
  });
});

test('a stream that ends before response.completed is a protocol error, after the events it did send', async () => {
  // An upstream that sends the start and one text delta, then ends the body.
  const cut = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(
      'event: response.created\ndata: {"type":"response.created","response":{"id":"resp_1","model":"gpt-5-mini"}}\n\n' +
        'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"Hel"}\n\n',
    );
  });
  await new Promise<void>((resolve) => cut.listen(0, '127.0.0.1', resolve));
  const port = (cut.address() as AddressInfo).port;
  const cutProvider = createOpenAIResponsesProvider(
    'openai',
    { type: 'openai', api: 'responses', api_key: 'sk-upstream', base_url: `http://127.0.0.1:${port}/v1` },
    { http },
  );
  const seen: StreamPart[] = [];
  try {
    await assert.rejects(
      (async () => {
        for await (const chunk of await cutProvider.stream(turn, 'gpt-5-mini', opts()))
          seen.push(...chunk.parts);
      })(),
      (err: GatehouseError) => {
        assert.equal(err.code, 'GH_UPSTREAM_PROTOCOL');
        assert.match(err.message, /ended before response\.completed/);
        return true;
      },
    );
    assert.deepEqual(
      seen.map((p) => p.type),
      ['start', 'text'],
    );
  } finally {
    cut.close();
  }
});

test('n > 1 is refused before any call; stop sequences are dropped with a warning', async () => {
  const before = upstream.requests.length;
  await assert.rejects(
    provider.complete({ ...turn, n: 2 }, 'm', opts()),
    (err: GatehouseError) => err.param === 'n',
  );
  assert.equal(upstream.requests.length, before);
  const result = await provider.complete({ ...turn, stream: false, stop: ['END'] }, 'm', opts());
  assert.ok(result.warnings?.some((w) => w.startsWith('stop:')));
});

test('every Responses fixture file is exercised', () => {
  assert.deepEqual(
    readdirSync(`${fixturesDir}openai-responses`).filter((f) => !used.has(f)),
    [],
  );
});
