// A non-streamed answer from an upstream of the caller's own dialect reaches the caller as the bytes
// the upstream sent (fields Gatehouse does not model, escapes, key order), not re-serialised; its
// usage is still read, priced and logged.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Gateway } from '../../src/server/index.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';

// Deliberately not what JSON.stringify would write: spacing, an escaped character, unknown fields.
const openaiAnswer = `{ "id": "chatcmpl-pt", "object": "chat.completion", "created": 1767225600,
  "model": "gpt-4.1", "x_vendor": {"region": "eu"},
  "choices": [{"index": 0, "message": {"role": "assistant", "content": "caf\\u00e9", "refusal": null},
    "logprobs": null, "finish_reason": "stop"}],
  "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18} }`;
const anthropicAnswer = `{"type": "message", "id": "msg_pt", "role": "assistant", "model": "claude-sonnet-4-5",
  "content": [{"type": "text", "text": "caf\\u00e9"}], "stop_reason": "end_turn", "stop_sequence": null,
  "usage": {"input_tokens": 13, "output_tokens": 5}, "x_vendor": true}`;

let upstream: Server;
let gateway: Gateway;

before(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(req.url?.endsWith('/messages') ? anthropicAnswer : openaiAnswer);
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  gateway = await startTestGateway({
    providers: {
      oa: { type: 'openai', base_url: `${url}/v1`, api_key: 'sk' },
      an: { type: 'anthropic', base_url: url, api_key: 'sk-ant' },
    },
    models: {
      'gpt-4.1': { targets: [{ provider: 'oa', model: 'gpt-4.1' }] },
      'claude-sonnet-4-5': { targets: [{ provider: 'an', model: 'claude-sonnet-4-5' }] },
    },
  });
});

after(async () => {
  await gateway.stop(0);
  upstream.close();
});

async function call(path: string, body: unknown): Promise<string> {
  const res = await fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${testMasterKey}`,
      'x-api-key': testMasterKey,
      'anthropic-version': '2023-06-01',
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200);
  return res.text();
}

test('an OpenAI answer to an OpenAI caller arrives as the upstream wrote it', async () => {
  const text = await call('/v1/chat/completions', {
    model: 'gpt-4.1',
    messages: [{ role: 'user', content: 'hi' }],
  });
  assert.equal(text, openaiAnswer);
});

test('an Anthropic answer to an Anthropic caller arrives as the upstream wrote it', async () => {
  const text = await call('/v1/messages', {
    model: 'claude-sonnet-4-5',
    max_tokens: 50,
    messages: [{ role: 'user', content: 'hi' }],
  });
  assert.equal(text, anthropicAnswer);
});

test('the passed-through answers are logged with their usage and cost', async () => {
  // Events are written off the request path: wait for both.
  let data: Array<Record<string, any>> = [];
  for (let i = 0; i < 100 && data.length < 2; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    const res = await fetch(`${gateway.url}/admin/logs?limit=10`, {
      headers: { authorization: `Bearer ${testMasterKey}` },
    });
    data = ((await res.json()) as { data: typeof data }).data;
  }
  const byModel = Object.fromEntries(data.map((e) => [e.model, e]));
  assert.equal(byModel['gpt-4.1']?.input_tokens, 11);
  assert.equal(byModel['gpt-4.1']?.output_tokens, 7);
  assert.equal(byModel['claude-sonnet-4-5']?.input_tokens, 13);
  assert.ok(byModel['gpt-4.1']?.cost_usd > 0 && byModel['claude-sonnet-4-5']?.cost_usd > 0);
});
