// An upstream that echoes the gateway's credential in its error text ("Incorrect API key provided:
// sk-…") must not pass it on: the caller, on either surface, sees the upstream's message with the
// secret replaced, and the upstream's status and error type still classify the failure.
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { Gateway } from '../../src/server/index.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { startAnthropicUpstream } from '../upstreams/anthropic.ts';
import { startOpenAIUpstream } from '../upstreams/openai.ts';
import type { Fault, MockUpstream } from '../upstreams/server.ts';

const openaiSecret = 'sk-proj-Q7xN2vLr8TbK4mWc9ZyP1dHs6JfA3gE5';
const anthropicSecret = 'sk-ant-api03-Zr4Yt8Vw2Qm6Np0Lk3Jh7Gf5Dc1Bx9Sa-AAAA';

let openaiUpstream: MockUpstream;
let anthropicUpstream: MockUpstream;
let gateway: Gateway;

before(async () => {
  openaiUpstream = await startOpenAIUpstream();
  anthropicUpstream = await startAnthropicUpstream();
  gateway = await startTestGateway({
    providers: {
      oa: { type: 'openai-compatible', base_url: `${openaiUpstream.url}/v1`, api_key: openaiSecret },
      an: { type: 'anthropic', base_url: anthropicUpstream.url, api_key: anthropicSecret },
    },
    models: {
      gpt: { targets: [{ provider: 'oa', model: 'gpt-4.1-mini' }] },
      claude: { targets: [{ provider: 'an', model: 'claude-sonnet-4-5' }] },
    },
    routing: { backoff_base_ms: 1 },
  });
});
after(async () => {
  await gateway.stop(0);
  await openaiUpstream.close();
  await anthropicUpstream.close();
});
afterEach(() => {
  openaiUpstream.faults.length = 0;
  anthropicUpstream.faults.length = 0;
});

/** The same failure for every attempt the gateway may make (500s are retried). */
const repeated = (fault: Fault): Fault[] => Array.from({ length: 5 }, () => fault);

const openaiFault = (status: number, message: string, code: string): Fault => ({
  kind: 'status',
  status,
  body: { error: { message, type: 'invalid_request_error', param: null, code } },
});
const anthropicFault = (status: number, type: string, message: string): Fault => ({
  kind: 'status',
  status,
  body: { type: 'error', error: { type, message } },
});

const cases = [
  {
    status: 401,
    openai: openaiFault(401, `Incorrect API key provided: ${openaiSecret}.`, 'invalid_api_key'),
    anthropic: anthropicFault(401, 'authentication_error', `invalid x-api-key: ${anthropicSecret}`),
    gatewayStatus: 502,
  },
  {
    status: 500,
    openai: openaiFault(500, `proxy failed forwarding Authorization: Bearer ${openaiSecret}`, 'server_error'),
    anthropic: anthropicFault(500, 'api_error', `internal error for key ${anthropicSecret}`),
    gatewayStatus: 502,
  },
];

for (const c of cases) {
  test(`OpenAI surface: an upstream ${c.status} that echoes the key reaches the caller without it`, async () => {
    openaiUpstream.faults.push(...repeated(c.openai));
    const client = new OpenAI({ apiKey: testMasterKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const err = await client.chat.completions
      .create({ model: 'gpt', messages: [{ role: 'user', content: 'hi' }] })
      .then(
        () => assert.fail('expected an error'),
        (e: unknown) => e,
      );
    assert.ok(err instanceof OpenAI.APIError);
    assert.equal(err.status, c.gatewayStatus);
    const text = JSON.stringify(err.error) + err.message;
    assert.ok(!text.includes(openaiSecret), text);
    assert.ok(!text.includes(openaiSecret.slice(8, 20)), 'no fragment of the key either');
    assert.match(text, /\[REDACTED\]/);
    assert.equal(err.code, c.status === 401 ? 'upstream_auth' : 'upstream_error');
    assert.ok(err.headers.get('x-request-id'));
  });

  test(`Anthropic surface: an upstream ${c.status} that echoes the key reaches the caller without it`, async () => {
    anthropicUpstream.faults.push(...repeated(c.anthropic));
    const client = new Anthropic({ apiKey: testMasterKey, baseURL: gateway.url, maxRetries: 0 });
    const err = await client.messages
      .create({ model: 'claude', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
      .then(
        () => assert.fail('expected an error'),
        (e: unknown) => e,
      );
    assert.ok(err instanceof Anthropic.APIError);
    assert.equal(err.status, c.gatewayStatus);
    const text = JSON.stringify(err.error) + err.message;
    assert.ok(!text.includes(anthropicSecret), text);
    assert.ok(!text.includes(anthropicSecret.slice(14, 28)), 'no fragment of the key either');
    assert.match(text, /\[REDACTED\]/);
    assert.equal((err.error as { error: { type: string } }).error.type, 'api_error');
  });
}

test('the request log keeps the classification and none of the key', async () => {
  openaiUpstream.faults.push(...repeated(cases[0]!.openai));
  await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${testMasterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt', messages: [{ role: 'user', content: 'hi' }] }),
  });
  let logs = '';
  for (let i = 0; i < 100 && !logs.includes('GH_UPSTREAM_AUTH'); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const res = await fetch(`${gateway.url}/admin/logs?limit=20`, {
      headers: { authorization: `Bearer ${testMasterKey}` },
    });
    logs = await res.text();
  }
  assert.match(logs, /GH_UPSTREAM_AUTH/);
  assert.ok(!logs.includes(openaiSecret) && !logs.includes(anthropicSecret));
});
