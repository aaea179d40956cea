// The legacy POST /v1/completions with the official SDK, translated like chat (mock and an
// Anthropic upstream, streamed and not), and the /v1/models entries clients read.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { Gateway } from '../../src/server/index.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { anthropicExpected, startAnthropicUpstream } from '../upstreams/anthropic.ts';
import type { MockUpstream } from '../upstreams/server.ts';

let gateway: Gateway;
let anthropic: MockUpstream;
const client = () => new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: testMasterKey, maxRetries: 0 });

before(async () => {
  anthropic = await startAnthropicUpstream();
  gateway = await startTestGateway({
    providers: {
      mock: { type: 'mock' },
      anthropic: { type: 'anthropic', base_url: anthropic.url, api_key: 'sk-ant-upstream' },
    },
    models: {
      'mock-fast': { targets: [{ provider: 'mock', model: 'mock-fast' }] },
      claude: { targets: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }] },
    },
  });
});
after(async () => {
  await gateway?.stop(0);
  await anthropic?.close();
});

describe('legacy completions', () => {
  test('a prompt is answered as a text_completion, with usage', async () => {
    const completion = await client().completions.create({
      model: 'mock-fast',
      prompt: 'Say hi',
      max_tokens: 50,
    });
    assert.equal(completion.object, 'text_completion');
    assert.match(completion.id, /^cmpl-/);
    assert.equal(completion.choices[0]!.text, 'Mock answer from Gatehouse to: "Say hi"');
    assert.equal(completion.choices[0]!.finish_reason, 'stop');
    assert.ok(completion.usage && completion.usage.total_tokens > 0);
    const echoed = await client().completions.create({ model: 'mock-fast', prompt: ['Say hi'], echo: true });
    assert.equal(echoed.choices[0]!.text, 'Say hiMock answer from Gatehouse to: "Say hi"');
  });

  test('translated to another dialect, streamed and not', async () => {
    const whole = await client().completions.create({ model: 'claude', prompt: 'Weather?', max_tokens: 100 });
    assert.equal(whole.choices[0]!.text, anthropicExpected.text);
    const sent = anthropic.requests.at(-1)!.body;
    assert.deepEqual(sent.messages, [{ role: 'user', content: [{ type: 'text', text: 'Weather?' }] }]);
    assert.equal(sent.max_tokens, 100);

    const stream = await client().completions.create({
      model: 'claude',
      prompt: 'Weather?',
      max_tokens: 100,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, anthropicExpected.streamText);
    assert.equal(finish, 'stop');
    assert.ok(usage && usage.completion_tokens > 0);
  });

  test('several prompts, or settings no translation can honour, are refused with a 400', async () => {
    for (const body of [
      { model: 'mock-fast', prompt: ['one', 'two'] },
      { model: 'mock-fast', prompt: 'x', logprobs: 2 },
      { model: 'mock-fast', prompt: 'x', best_of: 3 },
      { model: 'mock-fast' },
    ]) {
      await assert.rejects(client().completions.create(body as never), (err: unknown) => {
        assert.ok(err instanceof OpenAI.BadRequestError, String(err));
        return true;
      });
    }
  });
});

test('/v1/models lists each model with id, object, created and owned_by', async () => {
  const list = await client().models.list();
  const ids = list.data.map((m) => m.id).sort();
  assert.deepEqual(ids, ['claude', 'mock-fast']);
  for (const model of list.data) {
    assert.equal(model.object, 'model');
    assert.ok(Number.isInteger(model.created) && model.created > 1_600_000_000, String(model.created));
    assert.equal(typeof model.owned_by, 'string');
  }
});
