// Conformance of the Anthropic Messages provider: the shared cases (cases.ts) run with the
// expectations in subjects/anthropic.ts, then what only this dialect has: anthropic-beta headers,
// same-dialect pass-through, count_tokens, and the mock's own refusals.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAnthropicProvider } from '../../src/providers/anthropic/index.ts';
import { anthropicCountTokens } from '../upstreams/anthropic.ts';
import { collect, runConformance } from './cases.ts';
import { callOptions as opts, type Harness } from './subject.ts';
import { apiKey, model, config, ir, weatherQuestion, anthropicSubject } from './subjects/anthropic.ts';

let h: Harness;
const lastRequest = () => h.upstream.requests.at(-1)!;

runConformance(anthropicSubject, (harness) => {
  h = harness;
  ownCases();
});

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
