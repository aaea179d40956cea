// A budget refusal explains itself: what the request reserved (and why, when max_tokens was not
// set), and Retry-After only when waiting for the budget to renew can help.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import type { Gateway } from '../../src/server/index.ts';
import { mockOnlyConfig, startTestGateway, testMasterKey } from '../helpers/gateway.ts';

let gateway: Gateway;
before(async () => {
  gateway = await startTestGateway(mockOnlyConfig);
});
after(() => gateway.stop(0));

async function keyWithBudget(name: string, usd: number): Promise<string> {
  const admin = (path: string, body: unknown) =>
    fetch(gateway.url + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${testMasterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((res) => res.json() as Promise<{ key: string }>);
  await admin('/admin/teams', { name });
  return (await admin('/admin/keys', { name: 'app', team: name, budget: { usd, period: 'day' } })).key;
}

const ask = (key: string, extra: Record<string, unknown> = {}) =>
  fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock-fast', messages: [{ role: 'user', content: 'Hi there' }], ...extra }),
  });

test('a request whose worst case exceeds the whole budget is told about max_tokens, without Retry-After', async () => {
  // The mock prices output at $2 per million tokens: 4096 assumed output tokens cost $0.0082.
  const key = await keyWithBudget('small', 0.001);
  const res = await ask(key);
  assert.equal(res.status, 429);
  assert.equal(res.headers.get('retry-after'), null, 'waiting for the renewal would not help');
  const { error } = (await res.json()) as { error: { message: string; code: string } };
  assert.equal(error.code, 'budget_exceeded');
  assert.match(error.message, /The key "app" budget of \$0\.001 per day does not cover this request/);
  assert.match(error.message, /4096 output tokens, assumed because the request sets no max_tokens/);
  assert.match(error.message, /set a lower max_tokens to reserve less/);
  // With a small max_tokens the same key is served: the advice was true.
  assert.equal((await ask(key, { max_tokens: 20 })).status, 200);
});

test('a spent budget says when it renews, and Retry-After is the time until then', async () => {
  const key = await keyWithBudget('spent', 0.0002);
  let refused: Response | undefined;
  for (let i = 0; i < 200 && !refused; i++) {
    const res = await ask(key, { max_tokens: 20 });
    if (res.status === 429) refused = res;
    else await res.body?.cancel();
  }
  assert.ok(refused, 'the budget was spent');
  const { error } = (await refused.json()) as { error: { message: string } };
  assert.match(
    error.message,
    /spent or reserved by requests in flight; it renews at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/,
  );
  assert.match(error.message, /max_tokens \(20 output tokens\)/);
  const renews = Date.parse(/renews at (\S+?Z)/.exec(error.message)![1]!);
  const retryAfter = Number(refused.headers.get('retry-after'));
  assert.ok(
    Math.abs(Date.now() + retryAfter * 1000 - renews) < 5_000,
    `${retryAfter}s against ${error.message}`,
  );
});

test('the OpenAI SDK surfaces the explanation to its caller', async () => {
  const key = await keyWithBudget('sdk', 0.001);
  const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0 });
  await assert.rejects(
    client.chat.completions.create({ model: 'mock-fast', messages: [{ role: 'user', content: 'Hi' }] }),
    (err: Error) => /max_tokens/.test(err.message),
  );
});
