// Conformance of the OpenAI-dialect providers (openai, azure-openai, openai-compatible): the shared
// cases (cases.ts) run with the expectations in subjects/openai.ts, then what only this dialect has:
// Azure's and compatible servers' URLs and auth, same-dialect pass-through, the quirks of
// compatible servers, an o-series refusal, base64 embeddings, and the mock's own refusals.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GatehouseError } from '../../src/core/errors/index.ts';
import {
  createAzureOpenAIProvider,
  createOpenAICompatibleProvider,
} from '../../src/providers/openai/index.ts';
import {
  openaiEmbeddingTokens,
  openaiExpected,
  openaiMockEmbedding,
  base64Float32,
  startOpenAIUpstream,
} from '../upstreams/openai.ts';
import { startUpstream, writeInPieces } from '../upstreams/server.ts';
import { collect, reassemble, runConformance } from './cases.ts';
import { callOptions as opts, type Harness } from './subject.ts';
import {
  fixture,
  apiKey,
  model,
  azureConfig,
  ir,
  weatherQuestion,
  openaiSubject,
} from './subjects/openai.ts';

let h: Harness;
const lastRequest = () => h.upstream.requests.at(-1)!;

runConformance(openaiSubject, (harness) => {
  h = harness;
  ownCases();
});

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
