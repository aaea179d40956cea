// Conformance of the Gemini provider: the shared cases (cases.ts) run with the expectations in
// subjects/gemini.ts, then what only this dialect has: model ids, thought signatures round-tripped,
// a native body that never leaks, countTokens, and the mock's own refusals.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { geminiCountTokens, geminiExpected } from '../upstreams/gemini.ts';
import { assertError, runConformance } from './cases.ts';
import type { Harness } from './subject.ts';
import { model, apiKey, opts, plain, toolTurn, geminiSubject } from './subjects/gemini.ts';

let h: Harness;
const lastRequest = () => h.upstream.requests.at(-1)!;

runConformance(geminiSubject, (harness) => {
  h = harness;
  ownCases();
});

function ownCases(): void {
  test('a model named with the models/ prefix is not doubled in the URL', async () => {
    await h.provider.complete(plain, `models/${model}`, opts);
    assert.equal(lastRequest().url, `/v1beta/models/${model}:generateContent`);
  });

  test('a tool-call turn round-trips: ids resolve to names, the signature travels back on its part', async () => {
    const first = await h.provider.complete(toolTurn, model, opts);
    const calls = first.response.content.filter((part) => part.type === 'tool_call');
    const second = await h.provider.complete(
      {
        ...toolTurn,
        messages: [
          ...toolTurn.messages,
          { role: 'assistant', content: first.response.content },
          {
            role: 'user',
            content: calls.map((call, i) => ({
              type: 'tool_result' as const,
              toolCallId: call.id,
              content: `${20 + i}C`,
            })),
          },
        ],
      },
      model,
      opts,
    );
    assert.deepEqual(second.response.content, [{ type: 'text', text: geminiExpected.finalText }]);
    const [, modelTurn, results] = lastRequest().body.contents;
    assert.equal(modelTurn.parts[0].thoughtSignature, geminiExpected.toolSignatures[0]);
    assert.deepEqual(
      results.parts.map((part: any) => part.functionResponse),
      calls.map((call, i) => ({ name: call.name, response: { result: `${20 + i}C` } })),
    );
  });

  test('no field of the client’s native body leaks upstream', async () => {
    await h.provider.complete(
      { ...plain, native: { dialect: 'openai', body: { logit_bias: { 1: 2 }, store: true } } },
      model,
      opts,
    );
    assert.deepEqual(Object.keys(lastRequest().body), ['contents']);
  });

  test("the mock refuses what Gemini refuses, in Google's envelope", async () => {
    const post = async (body: unknown, key = apiKey) => {
      const res = await fetch(`${h.upstream.url}/v1beta/models/${model}:generateContent`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { 'x-goog-api-key': key } : {}) },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const user = { role: 'user', parts: [{ text: 'hi' }] };
    const call = { role: 'model', parts: [{ functionCall: { name: 'f', args: {} } }] };
    const answer = { role: 'user', parts: [{ functionResponse: { name: 'f', response: { ok: true } } }] };
    assert.equal((await post({ contents: [user, call, answer] })).status, 200);
    const missingKey = await post({ contents: [user] }, '');
    assert.equal(missingKey.status, 400);
    assert.equal(missingKey.body.error.details[0].reason, 'API_KEY_INVALID');
    const refused = [
      { contents: [] },
      { contents: [call, answer] },
      { contents: [user, { role: 'model', parts: [{ functionResponse: { name: 'f', response: {} } }] }] },
      { contents: [user, call, { role: 'user', parts: [{ functionResponse: { response: { ok: true } } }] }] },
      {
        contents: [
          user,
          call,
          { role: 'user', parts: [{ functionResponse: { name: 'f', response: 'ok' } }] },
        ],
      },
      { contents: [user, call, { role: 'user', parts: [...answer.parts, ...answer.parts] }] },
      { contents: [user, call, user] },
      { contents: [{ role: 'user', parts: [{ text: '' }] }] },
      { contents: [{ role: 'assistant', parts: [{ text: 'hi' }] }] },
      { contents: [user], generationConfig: { max_output_tokens: 5 } },
      { contents: [user], model },
    ];
    for (const body of refused) {
      const res = await post(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.status, 'INVALID_ARGUMENT', JSON.stringify(body));
    }
  });

  test('a stream abandoned early releases the upstream body without error', async () => {
    const stream = await h.provider.stream({ ...plain, stream: true }, model, opts);
    for await (const chunk of stream) {
      assert.ok(chunk.parts.length > 0);
      break;
    }
    // The same connection pool still serves the next call.
    assert.equal((await h.provider.complete(plain, model, opts)).response.finishReason, 'stop');
  });

  test('countTokens asks :countTokens with the whole request', async () => {
    const tokens = await h.provider.countTokens!(toolTurn, model, opts);
    const sent = lastRequest();
    assert.equal(sent.url, `/v1beta/models/${model}:countTokens`);
    assert.equal(sent.body.generateContentRequest.model, `models/${model}`);
    assert.equal(tokens, geminiCountTokens(sent.body.generateContentRequest));
    assert.ok(sent.body.generateContentRequest.tools);
  });

  test('forcing a tool that was never declared is Gemini’s to refuse', async () => {
    await assert.rejects(
      h.provider.complete({ ...toolTurn, toolChoice: { type: 'tool', name: 'get_time' } }, model, opts),
      (err) =>
        assertError(err, {
          code: 'GH_UPSTREAM_REJECTED',
          status: 400,
          upstreamType: 'INVALID_ARGUMENT',
        }),
    );
  });
}
