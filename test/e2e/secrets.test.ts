// Provider credentials stored through the admin API: referenced as secret:NAME, sealed at rest,
// never returned or logged, and replaced without a restart.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Gateway } from '../../src/server/index.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { startOpenAIUpstream } from '../upstreams/openai.ts';
import type { MockUpstream } from '../upstreams/server.ts';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-secrets-'));
const logs: string[] = [];
let upstream: MockUpstream;
let gateway: Gateway;
const firstKey = 'sk-live-FIRST-0123456789';
const secondKey = 'sk-live-SECOND-9876543210';

before(async () => {
  upstream = await startOpenAIUpstream({ apiKey: firstKey });
  gateway = await startTestGateway(
    {
      providers: {
        openai: { type: 'openai', base_url: `${upstream.url}/v1`, api_key: 'secret:openai-prod' },
      },
      models: { smart: { targets: [{ provider: 'openai', model: 'gpt-4.1-mini' }] } },
    },
    { databaseUrl: `sqlite:${join(dir, 'gatehouse.db')}`, log: (line) => logs.push(line) },
  );
});
after(async () => {
  await gateway.stop(0);
  await upstream.close();
});

const admin = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(gateway.url + path, {
    method,
    headers: { authorization: `Bearer ${testMasterKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
};
const chat = async () => {
  const res = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${testMasterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'smart', messages: [{ role: 'user', content: 'hi' }] }),
  });
  return { status: res.status, body: (await res.json()) as any };
};

test('until the secret is stored, calls fail with a reason that names it', async () => {
  assert.ok(logs.some((line) => line.includes('the secret "openai-prod"')));
  const res = await chat();
  assert.equal(res.status, 502);
  assert.match(res.body.error.message, /secret "openai-prod" is not stored/);
  assert.equal(upstream.requests.length, 0);
});

test('a stored secret is used at once, and a replaced one without a restart', async () => {
  const stored = await admin('PUT', '/admin/secrets/openai-prod', { value: firstKey });
  assert.equal(stored.status, 200);
  assert.ok(!stored.text.includes(firstKey));
  assert.equal((await chat()).status, 200);
  assert.equal(upstream.requests.at(-1)!.headers.authorization, `Bearer ${firstKey}`);
  assert.equal((await admin('PUT', '/admin/secrets/openai-prod', { value: secondKey })).status, 200);
  await chat();
  assert.equal(upstream.requests.at(-1)!.headers.authorization, `Bearer ${secondKey}`);
});

test('no API response, log line, audit entry or database file holds a secret value', async () => {
  const listed = await admin('GET', '/admin/secrets');
  assert.equal(listed.status, 200);
  assert.match(listed.text, /openai-prod/);
  const audit = await admin('GET', '/admin/audit?limit=1000');
  assert.match(audit.text, /secret\.update/);
  const files = readdirSync(dir).map((f) => readFileSync(join(dir, f)).toString('latin1'));
  for (const secret of [firstKey, secondKey]) {
    for (const text of [listed.text, audit.text, logs.join('\n'), ...files])
      assert.ok(!text.includes(secret));
  }
});

test('bad secret input is refused by field', async () => {
  assert.equal((await admin('PUT', '/admin/secrets/bad%20name', { value: 'x' })).status, 400);
  assert.equal((await admin('PUT', '/admin/secrets/ok', { value: '' })).status, 400);
  assert.equal((await admin('PUT', '/admin/secrets/ok', { value: 'x', extra: 1 })).status, 400);
  assert.equal((await admin('DELETE', '/admin/secrets/never-stored')).status, 404);
});
