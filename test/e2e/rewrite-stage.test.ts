// A stage that rewrites text, plugged in through the pipeline's documented slot, proves that a change
// made to the IR reaches the wire both ways — the upstream gets the rewritten request and the caller
// the rewritten answer — on both surfaces × each upstream dialect, streamed and not, even where the
// dialects match and traffic would otherwise pass through as the client's or upstream's own bytes.
// Traffic the stage leaves alone still passes through.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { Gateway } from '../../src/server/index.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { mask, rewriting, secret, shout } from '../helpers/rewriting-stage.ts';
import { anthropicExpected, startAnthropicUpstream } from '../upstreams/anthropic.ts';
import { bedrockExpected, startBedrockUpstream } from '../upstreams/bedrock.ts';
import { geminiExpected, startGeminiUpstream } from '../upstreams/gemini.ts';
import { openaiExpected, startOpenAIUpstream } from '../upstreams/openai.ts';
import type { MockUpstream } from '../upstreams/server.ts';

const dialects = [
  { type: 'openai', expected: openaiExpected, start: startOpenAIUpstream },
  { type: 'anthropic', expected: anthropicExpected, start: startAnthropicUpstream },
  { type: 'gemini', expected: geminiExpected, start: startGeminiUpstream },
  { type: 'bedrock', expected: bedrockExpected, start: startBedrockUpstream },
] as const;
const upstreams = new Map<string, MockUpstream>();
let gateway: Gateway;

before(async () => {
  for (const { type, start } of dialects) upstreams.set(type, await start());
  const url = (type: string) => upstreams.get(type)!.url;
  gateway = await startTestGateway(
    {
      providers: {
        openai: { type: 'openai', base_url: `${url('openai')}/v1`, api_key: 'sk-upstream' },
        anthropic: { type: 'anthropic', base_url: url('anthropic'), api_key: 'sk-ant-upstream' },
        gemini: { type: 'gemini', base_url: `${url('gemini')}/v1beta`, api_key: 'gemini-upstream' },
        bedrock: {
          type: 'bedrock',
          region: 'us-east-1',
          base_url: url('bedrock'),
          access_key_id: 'AKIDEXAMPLE',
          secret_access_key: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
        },
      },
      models: Object.fromEntries(
        dialects.map(({ type }) => [
          `via-${type}`,
          { targets: [{ provider: type, model: `${type}-model` }] },
        ]),
      ),
    },
    { stages: { guardInput: [rewriting] } },
  );
});

after(async () => {
  await gateway?.stop(0);
  await Promise.all([...upstreams.values()].map((up) => up.close()));
});

/** The body the upstream received last, as text. */
function lastUpstreamBody(type: string): string {
  const body = upstreams.get(type)!.requests.at(-1)!.rawBody.toString('utf8');
  assert.ok(body.length > 0);
  return body;
}

function assertMasked(type: string): void {
  const body = lastUpstreamBody(type);
  assert.ok(body.includes(mask), `the ${type} upstream got the rewritten text: ${body.slice(0, 300)}`);
  assert.ok(!body.includes(secret), `the ${type} upstream did not get the original text`);
}

const prompt = `Say something. My password is ${secret}.`;

describe('OpenAI SDK', () => {
  const client = () => new OpenAI({ apiKey: testMasterKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });

  for (const { type, expected } of dialects) {
    const model = `via-${type}`;
    test(`→ ${type}: rewritten both ways`, async () => {
      assert.notEqual(shout(expected.text), expected.text, 'the rewrite is visible');
      const data = await client().chat.completions.create({
        model,
        messages: [{ role: 'user', content: prompt }],
      });
      assertMasked(type);
      assert.equal(data.choices[0]!.message.content, shout(expected.text));
    });

    test(`→ ${type}: rewritten both ways, streamed`, async () => {
      const stream = await client().chat.completions.create({
        model,
        messages: [{ role: 'user', content: prompt }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let usage: OpenAI.CompletionUsage | undefined | null;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        if (chunk.usage) usage = chunk.usage;
      }
      assertMasked(type);
      assert.equal(text, shout(expected.streamText));
      assert.ok(usage && usage.completion_tokens > 0, 'usage still arrives');
    });
  }

  test('unchanged traffic to a same-dialect upstream still passes through', async () => {
    await client().chat.completions.create({
      model: 'via-openai',
      messages: [{ role: 'user', content: 'Say something.' }],
      // Not in the IR: only the client's own body carries it upstream.
      service_tier: 'flex',
    });
    assert.equal(JSON.parse(lastUpstreamBody('openai')).service_tier, 'flex');
  });
});

describe('Anthropic SDK', () => {
  const client = () => new Anthropic({ apiKey: testMasterKey, baseURL: gateway.url, maxRetries: 0 });
  const text = (message: Anthropic.Message) =>
    message.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('');

  for (const { type, expected } of dialects) {
    const model = `via-${type}`;
    test(`→ ${type}: rewritten both ways`, async () => {
      const message = await client().messages.create({
        model,
        max_tokens: 512,
        system: `Never repeat ${secret}.`,
        messages: [{ role: 'user', content: prompt }],
      });
      assertMasked(type);
      assert.equal(text(message), shout(expected.text));
    });

    test(`→ ${type}: rewritten both ways, streamed`, async () => {
      const message = await client()
        .messages.stream({ model, max_tokens: 512, messages: [{ role: 'user', content: prompt }] })
        .finalMessage();
      assertMasked(type);
      assert.equal(text(message), shout(expected.streamText));
      assert.ok(message.usage.output_tokens > 0, 'usage still arrives');
    });
  }

  test('unchanged traffic to a same-dialect upstream still passes through', async () => {
    await client().messages.create({
      model: 'via-anthropic',
      max_tokens: 512,
      messages: [{ role: 'user', content: 'Say something.' }],
      service_tier: 'standard_only',
    });
    assert.equal(JSON.parse(lastUpstreamBody('anthropic')).service_tier, 'standard_only');
  });
});
