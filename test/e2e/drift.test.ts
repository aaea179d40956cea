// Drift detection through a gateway: events written to its store (a baseline week of stable
// traffic, then a recent hour), a check through the admin API, the alert on the webhook and the CLI.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import OpenAI from 'openai';
import { recordScore } from '../../src/quality/scores.ts';
import { openDatabase } from '../../src/store/index.ts';
import { adminClient } from '../helpers/admin.ts';
import { sampleEvent } from '../helpers/events.ts';
import { mockOnlyConfig, startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { seeded } from '../helpers/seeded.ts';

const hour = 3_600_000;
const questions = [
  'reset my password',
  'update billing card',
  'cancel my subscription',
  'change account email',
];

function rows(
  seed: number,
  n: number,
  from: number,
  span: number,
  shape: { median: number; refusal: number },
) {
  const random = seeded(seed);
  return Array.from({ length: n }, (_, i) => {
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const refused = random() < shape.refusal;
    const q = `${questions[Math.floor(random() * questions.length)]} please ${i % 7}`;
    return sampleEvent(`s${seed}-${from}-${i}`, {
      received_at: Math.floor(from + random() * span),
      model: 'support-bot',
      provider_model: 'mock-fast',
      team_id: 'team-a',
      input_tokens: Math.round(shape.median * Math.exp(0.5 * z)),
      output_tokens: 100 + Math.floor(random() * 50),
      duration_ms: 300 + Math.floor(random() * 200),
      finish_reason: refused ? 'content_filter' : 'stop',
      request_body: JSON.stringify({ messages: [{ role: 'user', content: q }] }),
    });
  });
}

async function gatewayWithEvents(seed: number, recent: { median: number; refusal: number; helpful: number }) {
  const hooks: any[] = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hooks.push(JSON.parse(body));
      res.end();
    });
  }).listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  const url = `sqlite:${join(mkdtempSync(join(tmpdir(), 'gatehouse-drift-')), 'g.db')}`;
  const store = await openDatabase(url);
  const now = Date.now();
  const all = [
    ...rows(seed, 1500, now - 8 * 24 * hour, 7 * 24 * hour - hour, { median: 150, refusal: 0.02 }),
    ...rows(seed + 1000, 300, now - hour + 60_000, hour - 120_000, recent),
  ];
  for (let i = 0; i < all.length; i += 200)
    await store.db
      .insertInto('request_events')
      .values(all.slice(i, i + 200))
      .execute();
  // An evaluator's score on every request, given a minute after it.
  const random = seeded(seed + 7);
  const recentFrom = now - hour;
  await recordScore(
    store.db,
    all.map((row) => ({
      requestId: row.request_id,
      source: 'evaluator' as const,
      name: 'helpful',
      value: random() < (row.received_at >= recentFrom ? recent.helpful : 0.9),
      createdAt: Math.min(row.received_at + 60_000, now - 1),
    })),
  );
  await store.close();
  const gateway = await startTestGateway(
    {
      ...mockOnlyConfig,
      alerts: { webhook_url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook` },
      drift: { interval_s: 3600, window: '1h', baseline: '7d', min_samples: 100 },
    },
    { databaseUrl: url },
  );
  return { gateway, hooks, receiver };
}

test('a shift of input lengths and refusals is found, named and alerted; stable traffic is not', async () => {
  const shifted = await gatewayWithEvents(1, { median: 260, refusal: 0.12, helpful: 0.6 });
  const admin = adminClient(() => shifted.gateway);
  try {
    const before = await admin('GET', '/admin/drift');
    assert.equal(before.status, 200);
    assert.equal(before.body.checked_at, null);
    const { status, body } = await admin('POST', '/admin/drift/check?drifted=true');
    assert.equal(status, 200);
    const route = body.data.find((g: any) => g.dimension === 'route' && g.value === 'support-bot');
    assert.ok(route, JSON.stringify(body.data.map((g: any) => [g.dimension, g.value])));
    const moved = route.metrics.filter((m: any) => m.drifted).map((m: any) => m.metric);
    assert.ok(moved.includes('input_tokens') && moved.includes('refusal_rate'), moved.join(','));
    // The evaluator's scores (quality_scores) dropped with them.
    assert.ok(moved.includes('score:helpful'), moved.join(','));
    const input = route.metrics.find((m: any) => m.metric === 'input_tokens');
    assert.ok(input.recent.p50 > input.baseline.p50 * 1.4, JSON.stringify(input));
    // The model as served and the team drift with it.
    assert.deepEqual(body.data.map((g: any) => g.dimension).sort(), ['model', 'route', 'team']);
    for (let i = 0; i < 100 && shifted.hooks.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
    const text = shifted.hooks.map((h) => h.text).join('\n');
    assert.match(text, /drift on route "support-bot": .*input_tokens: median \d+ → \d+/);
    assert.match(text, /refusal_rate: \d+(\.\d+)?% → \d+(\.\d+)?%/);
    assert.equal(shifted.hooks[0].alert.kind, 'drift');
    // A client's call is unaffected and recorded as usual.
    const client = new OpenAI({ apiKey: testMasterKey, baseURL: `${shifted.gateway.url}/v1` });
    const answer = await client.chat.completions.create({
      model: 'mock-fast',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.ok(answer.choices[0]);
  } finally {
    await shifted.gateway.stop();
    shifted.receiver.close();
  }

  let falseAlarms = 0;
  for (const seed of [2, 3, 4]) {
    const stable = await gatewayWithEvents(seed, { median: 150, refusal: 0.02, helpful: 0.9 });
    try {
      const { body } = await adminClient(() => stable.gateway)('POST', '/admin/drift/check');
      assert.equal(body.data.length, 3);
      const drifted = body.data.filter((g: any) => g.drifted);
      if (drifted.length) falseAlarms++;
      for (const g of drifted)
        console.log(
          '# false alarm',
          seed,
          g.dimension,
          g.metrics
            .filter((m: any) => m.drifted)
            .map((m: any) => `${m.metric} ${m.statistic} ${m.p}`)
            .join(', '),
        );
      const topic = body.data[0].metrics.find((m: any) => m.metric === 'topic');
      assert.equal(topic.skipped, undefined, 'topic judged from the stored text');
    } finally {
      await stable.gateway.stop();
      stable.receiver.close();
    }
  }
  console.log(`# e2e stable traffic: ${falseAlarms}/3 seeds with a drift`);
  assert.equal(falseAlarms, 0);
});
