// The Responses surface on the stage pipeline: a stage that rewrites text, plugged into the guard
// slot, reaches the upstream and the caller of /v1/responses too — even from an OpenAI Responses
// upstream whose traffic would otherwise pass through — streamed and not; traffic it leaves alone
// still passes through.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { Gateway } from '../../src/server/index.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { rewriting, secret, shout } from '../helpers/rewriting-stage.ts';
import { anthropicExpected, startAnthropicUpstream } from '../upstreams/anthropic.ts';
import { openaiResponsesExpected, startOpenAIResponsesUpstream } from '../upstreams/openai-responses.ts';
import type { MockUpstream } from '../upstreams/server.ts';

let gateway: Gateway;
let responses: MockUpstream;
let anthropic: MockUpstream;
const client = () => new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: testMasterKey, maxRetries: 0 });

before(async () => {
  [responses, anthropic] = await Promise.all([startOpenAIResponsesUpstream(), startAnthropicUpstream()]);
  gateway = await startTestGateway(
    {
      providers: {
        responses: {
          type: 'openai',
          api: 'responses',
          base_url: `${responses.url}/v1`,
          api_key: 'sk-upstream',
        },
        anthropic: { type: 'anthropic', base_url: anthropic.url, api_key: 'sk-ant-upstream' },
      },
      models: {
        'via-responses': { targets: [{ provider: 'responses', model: 'gpt-5-mini' }] },
        'via-anthropic': { targets: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }] },
      },
    },
    { stages: { guardInput: [rewriting] } },
  );
});
after(async () => {
  await gateway?.stop(0);
  await Promise.all([responses.close(), anthropic.close()]);
});

for (const [model, upstream, expected] of [
  ['via-responses', () => responses, openaiResponsesExpected],
  ['via-anthropic', () => anthropic, anthropicExpected],
] as const) {
  describe(`→ ${model}`, () => {
    test('a rewritten request reaches the upstream, and the rewritten answer the caller', async () => {
      const whole = await client().responses.create({
        model,
        input: `My password is ${secret}.`,
        store: false,
      });
      assert.doesNotMatch(JSON.stringify(upstream().requests.at(-1)!.body), /hunter2/);
      assert.match(JSON.stringify(upstream().requests.at(-1)!.body), /\[MASKED\]/);
      assert.equal(whole.output_text, shout(expected.text));
      const streamed = await client()
        .responses.stream({ model, input: `My password is ${secret}.`, store: false })
        .finalResponse();
      assert.equal(streamed.output_text, shout(expected.streamText));
    });

    test('traffic the stage leaves alone is answered as the upstream said', async () => {
      const whole = await client().responses.create({ model, input: 'Say something.', store: false });
      assert.equal(whole.output_text, expected.text);
    });
  });
}
