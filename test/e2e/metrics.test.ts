// GET /metrics: Prometheus text with requests, latency, tokens, cost, errors, attempts, failovers
// and refusals, labelled by model, provider and team — never by key.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Gateway } from '../../src/server/index.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { startOpenAIUpstream } from '../upstreams/openai.ts';
import type { MockUpstream } from '../upstreams/server.ts';

let gateway: Gateway;
let upstream: MockUpstream;

before(async () => {
  upstream = await startOpenAIUpstream();
  gateway = await startTestGateway({
    providers: {
      mock: { type: 'mock' },
      flaky: { type: 'openai-compatible', base_url: `${upstream.url}/v1`, api_key: 'sk-upstream' },
    },
    models: {
      'mock-fast': { targets: [{ provider: 'mock', model: 'mock-fast' }] },
      resilient: {
        targets: [
          { provider: 'flaky', model: 'gpt-4.1-mini' },
          { provider: 'mock', model: 'mock-fast' },
        ],
      },
      private: { targets: [{ provider: 'flaky', model: 'no-price-model' }] },
    },
  });
});
after(async () => {
  await gateway.stop(0);
  await upstream.close();
});

const post = (path: string, body: unknown, key = testMasterKey) =>
  fetch(gateway.url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }).then(async (res) => ({ status: res.status, body: await res.text() }));
const chat = (model: string, extra: Record<string, unknown> = {}, key?: string) =>
  post('/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hello' }], ...extra }, key);

/** Prometheus text format → samples keyed by `name{sorted labels}`. */
function parse(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match, `not Prometheus text: ${line}`);
    const labels = (match[3] ?? '')
      .split(/,(?=[a-zA-Z_]+=")/)
      .filter(Boolean)
      .sort()
      .join(',');
    samples.set(`${match[1]}{${labels}}`, Number(match[4]));
  }
  return samples;
}

const sum = (samples: Map<string, number>, name: string, ...having: string[]) =>
  [...samples]
    .filter(([key]) => key.startsWith(`${name}{`) && having.every((h) => key.includes(h)))
    .reduce((total, [, value]) => total + value, 0);

test('metrics count what the gateway did, in Prometheus text format', async () => {
  await post('/admin/teams', { name: 'lab' });
  const key = JSON.parse(
    (await post('/admin/keys', { name: 'tiny', team: 'lab', budget: { usd: 0.0002, period: 'day' } })).body,
  ).key;
  assert.equal((await chat('mock-fast')).status, 200);
  assert.equal((await chat('mock-fast', { stream: true })).status, 200);
  upstream.faults.push({
    kind: 'status',
    status: 500,
    body: { error: { message: 'boom', type: 'server_error', param: null, code: null } },
  });
  assert.equal((await chat('resilient')).status, 200);
  assert.equal((await chat('private')).status, 200);
  assert.equal((await chat('no-such-model')).status, 404);
  let refused = 0;
  for (let i = 0; i < 5; i++)
    if ((await chat('mock-fast', { max_tokens: 60 }, key)).status === 429) refused++;
  assert.ok(refused > 0);

  const res = await fetch(`${gateway.url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
  const text = await res.text();
  const samples = parse(text);
  assert.ok(sum(samples, 'gatehouse_requests_total', 'model="mock-fast"', 'status="200"') >= 2);
  assert.equal(sum(samples, 'gatehouse_requests_total', 'model="unresolved"', 'status="404"'), 1);
  assert.equal(sum(samples, 'gatehouse_failovers_total', 'model="resilient"'), 1);
  assert.equal(sum(samples, 'gatehouse_upstream_attempts_total', 'provider="flaky"', 'status="502"'), 1);
  assert.ok(sum(samples, 'gatehouse_tokens_total', 'kind="input"', 'model="mock-fast"') > 0);
  assert.ok(sum(samples, 'gatehouse_cost_usd_total', 'model="mock-fast"') > 0);
  assert.equal(
    sum(samples, 'gatehouse_unpriced_requests_total', 'model="private"'),
    1,
    'an unknown price is counted, not priced at 0',
  );
  assert.equal(sum(samples, 'gatehouse_refusals_total', 'reason="budget_exceeded"'), refused);
  // Refused before any provider was chosen, the request still counts under its configured model.
  assert.equal(sum(samples, 'gatehouse_requests_total', 'model="mock-fast"', 'status="429"'), refused);
  assert.equal(sum(samples, 'gatehouse_errors_total', 'code="GH_MODEL_NOT_FOUND"'), 1);
  assert.ok(sum(samples, 'gatehouse_request_duration_seconds_count', 'model="mock-fast"') >= 2);
  assert.ok(sum(samples, 'gatehouse_time_to_first_byte_seconds_count', 'stream="true"') >= 1);
  assert.ok(!text.includes(key) && !text.includes('key_'), 'keys are never labels');
  assert.ok(samples.has('gatehouse_process_cpu_user_seconds_total{}'));
  assert.ok([...samples.keys()].some((k) => k.startsWith('gatehouse_nodejs_eventloop_lag_seconds')));
  assert.ok(![...samples.keys()].some((k) => k.startsWith('gatehouse_process_process_')));
});
