// The bedrock subject of the shared conformance cases (../cases.ts, described in ../subject.ts):
// how its mock upstream starts, and what the recorded fixtures say a client should see.
import assert from 'node:assert/strict';
import type { ChatRequest } from '../../../src/core/ir/index.ts';
import { type BedrockConfig, createBedrockProvider } from '../../../src/providers/bedrock/index.ts';
import type { HttpClient } from '../../../src/providers/http.ts';
import { fixtureBytes } from '../../fixtures/index.ts';
import { bedrockExpected, bedrockTestCredentials, startBedrockUpstream } from '../../upstreams/bedrock.ts';
import { callOptions as opts, type ConformanceSubject, Fixtures } from '../subject.ts';

const dir = 'bedrock-converse';
export const fixtures = new Fixtures([dir]);
// The notes describe how the fixtures were recorded; they are for people, not for a case.
fixtures.use('NOTES.md');
export const model = 'anthropic.claude-sonnet-4-5-20250929-v1:0';

function config(url: string, extra: Partial<BedrockConfig> = {}): BedrockConfig {
  return {
    type: 'bedrock',
    region: 'us-east-1',
    base_url: url,
    access_key_id: bedrockTestCredentials.accessKeyId,
    secret_access_key: bedrockTestCredentials.secretAccessKey,
    ...extra,
  };
}

/** The events of a recorded stream (the `.events.jsonl` beside its `.eventstream.bin`), marking both used. */
function recordedEvents(name: string): Array<{ headers: Record<string, string>; payload: any }> {
  fixtures.use(`${name}.eventstream.bin`);
  return fixtures
    .text(`${name}.events.jsonl`)
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

function recordedText(name: string): string {
  return recordedEvents(name)
    .map((e) => e.payload.delta?.text ?? '')
    .join('');
}

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

export const firstTurn: ChatRequest = { ...secondTurn, messages: [secondTurn.messages[0]!] };

export const bedrockSubject: ConformanceSubject = {
  name: 'bedrock',
  dialect: 'bedrock',
  model,
  plain: firstTurn,
  fixtures,
  startUpstream: () => startBedrockUpstream({ apiKey: 'bedrock-api-key' }),
  create: (url: string, http: HttpClient) => createBedrockProvider('bedrock', config(url), { http }),
  createWithWrongKey: (url: string, http: HttpClient) =>
    createBedrockProvider(
      'bedrock',
      config(url, { access_key_id: 'AKIDEXAMPLE', secret_access_key: 'not-the-secret' }),
      { http },
    ),
  wrongKey: { expect: {} },

  request: {
    title: 'the request: URL with the encoded model id, SigV4 for service bedrock, and the Converse body',
    call: 'complete',
    req: secondTurn,
    url: `/model/${encodeURIComponent(model)}/converse`,
    headers: {
      authorization:
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request, SignedHeaders=.*, Signature=[0-9a-f]{64}$/,
      'x-amz-date': /^\d{8}T\d{6}Z$/,
    },
    text: bedrockExpected.finalText,
    check(sent, { result }) {
      fixtures.use('response.json');
      const fixture = fixtures.json('request.json');
      assert.deepEqual(sent.body.system, fixture.system);
      assert.deepEqual(sent.body.messages.slice(0, 2), fixture.messages.slice(0, 2));
      assert.deepEqual(
        sent.body.messages[2].content[0],
        fixture.messages[2].content[0],
        'a JSON object result is sent as json',
      );
      assert.deepEqual(sent.body.messages[2].content[1].toolResult.content, [
        { text: '17 °C and light rain' },
      ]);
      assert.deepEqual(sent.body.inferenceConfig, fixture.inferenceConfig);
      assert.deepEqual(sent.body.toolConfig, fixture.toolConfig);
      assert.deepEqual(sent.body.additionalModelRequestFields, fixture.additionalModelRequestFields);
      const { response } = result!;
      assert.equal((response.content[0] as { text: string }).text, bedrockExpected.finalText);
      assert.equal(response.finishReason, 'stop');
      assert.deepEqual(response.usage, {
        inputTokens: 212 + 1618,
        outputTokens: 27,
        cacheReadTokens: 1618,
        cacheWriteTokens: 0,
      });
    },
  },

  answers: [
    {
      title: 'a tool-use answer decodes to text and two tool calls with ids, names and arguments',
      req: firstTurn,
      toolCalls: bedrockExpected.toolCalls,
      finishReason: 'tool_calls',
      usage: bedrockExpected.usage,
      check() {
        fixtures.use('response-tool-use.json');
      },
    },
  ],

  streams: [
    {
      title: 'streamed text, then finish with usage, from the binary event stream',
      req: { ...firstTurn, tools: [] },
      url: `/model/${encodeURIComponent(model)}/converse-stream`,
      text: bedrockExpected.streamText,
      finishReason: 'stop',
      usage: bedrockExpected.streamUsage.text,
      check({ answer }) {
        assert.equal(answer.text, recordedText('stream-text'));
      },
    },
    {
      title: 'streamed parallel tool calls reassemble by tool index',
      req: firstTurn,
      text: recordedText('stream-tools'),
      toolCalls: bedrockExpected.toolCalls,
      finishReason: 'tool_calls',
      usage: bedrockExpected.streamUsage.tools,
      check({ parts }) {
        assert.equal(parts.filter((p) => p.type === 'tool_call_end').length, 2);
      },
    },
    {
      title: 'streamed reasoning becomes thinking parts with their signature',
      req: { ...firstTurn, tools: [], thinking: { type: 'enabled', budgetTokens: 2048 } },
      text: recordedText('stream-reasoning'),
      thinking: bedrockExpected.reasoningText,
      finishReason: 'stop',
      usage: bedrockExpected.streamUsage.reasoning,
      check({ parts, sent }) {
        assert.equal(sent.body.additionalModelRequestFields.thinking.budget_tokens, 2048);
        assert.ok(parts.some((p) => p.type === 'thinking_signature'));
      },
    },
  ],

  midStreamError: {
    title: 'an exception frame mid-stream is thrown, classified, after the first parts',
    req: firstTurn,
    expect: { code: 'GH_UPSTREAM_RATE_LIMITED', retryable: true, upstreamType: 'throttlingException' },
    textBefore: 'some',
    check() {
      recordedEvents('stream-error');
    },
  },

  truncatedStream: {
    title: 'a stream that ends before messageStop is a protocol error, after the parts it did send',
    req: { ...firstTurn, tools: [] },
    serve(res) {
      // The recorded text stream, cut before its messageStop frame.
      const bytes = fixtureBytes(dir, 'stream-text.eventstream.bin');
      const stop = recordedEvents('stream-text').findIndex((e) => e.headers[':event-type'] === 'messageStop');
      let end = 0;
      for (let i = 0; i < stop; i++) end += bytes.readUInt32BE(end);
      res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
      res.end(bytes.subarray(0, end));
    },
    expect: {},
    message: /ended before messageStop/,
    check(seen) {
      assert.equal(seen.map((p) => (p.type === 'text' ? p.text : '')).join(''), bedrockExpected.streamText);
    },
  },

  errors: [
    {
      title: 'HTTP errors: throttling is a retryable 429',
      fault: {
        kind: 'status',
        status: 429,
        headers: fixtures.json('error-429-throttling.headers.json').headers,
        body: fixtures.json('error-429-throttling.json'),
      },
      call: 'complete',
      expect: { code: 'GH_UPSTREAM_RATE_LIMITED', upstreamType: 'ThrottlingException' },
      message: /Too many requests/,
    },
    {
      title: 'HTTP errors: validation is a 400 passed on',
      fault: {
        kind: 'status',
        status: 400,
        headers: { 'x-amzn-errortype': 'ValidationException' },
        body: fixtures.json('error-400-validation.json'),
      },
      call: 'complete',
      expect: { code: 'GH_UPSTREAM_REJECTED', status: 400 },
    },
  ],

  refusals: [
    {
      title: 'image URLs are refused before any call',
      call: (provider) =>
        provider.complete(
          {
            ...firstTurn,
            messages: [
              {
                role: 'user',
                content: [{ type: 'image', source: { kind: 'url', url: 'https://example.com/a.png' } }],
              },
            ],
          },
          model,
          opts(),
        ),
      expect: { code: 'GH_UNSUPPORTED_BY_PROVIDER' },
    },
    {
      title: 'n > 1 is refused before any call',
      call: (provider) => provider.complete({ ...firstTurn, n: 2 }, model, opts()),
      expect: { param: 'n' },
    },
  ],
};
