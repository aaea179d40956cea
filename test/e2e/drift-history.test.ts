// Drift findings are kept: a check's drifting metrics are listed by GET /admin/drift/history (paged,
// filtered) with their thresholds, windows and both distributions, and the latest check is still
// answered after a restart. Traffic of a data-residency region, kept only in that region's store, is
// watched like the default store's.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { EventRow } from '../../src/telemetry/recorder.ts';
import { openDatabase } from '../../src/store/index.ts';
import { adminClient, readAllPages } from '../helpers/admin.ts';
import { sampleEvent } from '../helpers/events.ts';
import { mockOnlyConfig, startTestGateway } from '../helpers/gateway.ts';
import { seeded } from '../helpers/seeded.ts';

const hour = 3_600_000;

/** n requests spread over [from, from + span), input lengths log-normal around `median`. */
function rows(
  seed: number,
  n: number,
  from: number,
  span: number,
  model: string,
  team: string,
  median: number,
) {
  const random = seeded(seed);
  return Array.from({ length: n }, (_, i) => {
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return sampleEvent(`${model}-${seed}-${i}`, {
      received_at: Math.floor(from + random() * span),
      model,
      provider_model: 'mock-fast',
      team_id: team,
      input_tokens: Math.round(median * Math.exp(0.4 * z)),
      output_tokens: 100 + Math.floor(random() * 50),
      duration_ms: 300 + Math.floor(random() * 200),
    });
  });
}

async function fill(url: string, events: EventRow[]) {
  const store = await openDatabase(url);
  for (let i = 0; i < events.length; i += 200)
    await store.db
      .insertInto('request_events')
      .values(events.slice(i, i + 200))
      .execute();
  await store.close();
}

test('a region’s shift is found, kept in the history with its distributions, and outlives a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-drift-history-'));
  const main = `sqlite:${join(dir, 'main.db')}`;
  const eu = `sqlite:${join(dir, 'eu.db')}`;
  const now = Date.now();
  const week = now - 8 * 24 * hour;
  const span = 7 * 24 * hour - hour;
  // The default store: stable traffic. The eu store: a route whose inputs grew.
  await fill(main, [
    ...rows(1, 600, week, span, 'support-bot', 'team-us', 150),
    ...rows(2, 200, now - hour + 60_000, hour - 120_000, 'support-bot', 'team-us', 150),
  ]);
  await fill(eu, [
    ...rows(3, 600, week, span, 'eu-bot', 'team-eu', 150),
    ...rows(4, 200, now - hour + 60_000, hour - 120_000, 'eu-bot', 'team-eu', 300),
  ]);
  const config = {
    ...mockOnlyConfig,
    regions: { eu: { database_url: eu } },
    drift: { interval_s: 3600, window: '1h', baseline: '7d', min_samples: 100 },
  };
  let gateway = await startTestGateway(config, { databaseUrl: main });
  const admin = adminClient(() => gateway);
  try {
    assert.deepEqual((await admin('GET', '/admin/drift/history')).body, { data: [], next_cursor: null });
    const check = await admin('POST', '/admin/drift/check');
    assert.equal(check.status, 200);
    const verdicts = Object.fromEntries(
      check.body.data.map((g: any) => [`${g.dimension}:${g.value}`, g.drifted]),
    );
    assert.equal(verdicts['route:eu-bot'], true, JSON.stringify(verdicts));
    assert.equal(verdicts['team:team-eu'], true);
    assert.equal(verdicts['route:support-bot'], false);

    // The latest findings carry what the console draws: bins and shares of both windows.
    const latest = await admin('GET', '/admin/drift?drifted=true');
    const route = latest.body.data.find((g: any) => g.value === 'eu-bot');
    const input = route.metrics.find((m: any) => m.metric === 'input_tokens');
    assert.equal(input.drifted, true);
    assert.deepEqual(input.threshold, { statistic: 0.1, p: 0.001 });
    assert.equal(input.bins.edges.length, input.bins.baseline.length + 1);
    for (const side of [input.bins.baseline, input.bins.recent]) {
      const total = side.reduce((a: number, b: number) => a + b, 0);
      assert.ok(Math.abs(total - 1) < 0.01, String(total));
    }
    // The recent window's mass sits in higher bins than the baseline's.
    const centre = (shares: number[]) => shares.reduce((a, s, i) => a + s * i, 0);
    assert.ok(centre(input.bins.recent) > centre(input.bins.baseline) + 1);
    const outcome = route.metrics.find((m: any) => m.metric === 'outcome');
    assert.deepEqual(outcome.threshold, { statistic: 0.2 });
    assert.equal(outcome.baseline.shares.ok, 1);

    // The history: what moved, with windows and the same distributions.
    const history = await admin('GET', '/admin/drift/history?dimension=route&value=eu-bot');
    assert.equal(history.status, 200);
    const found = history.body.data.find((f: any) => f.metric === 'input_tokens');
    assert.ok(found, JSON.stringify(history.body.data.map((f: any) => f.metric)));
    assert.equal(found.checked_at, check.body.checked_at);
    assert.deepEqual(found.window, check.body.window);
    assert.deepEqual(found.baseline_window, check.body.baseline);
    assert.deepEqual(found.bins, input.bins);
    assert.match(found.summary, /^input_tokens: median \d+ → \d+/);
    assert.ok(found.statistic > found.threshold.statistic);
    const none = await admin('GET', '/admin/drift/history?value=support-bot');
    assert.deepEqual(none.body.data, []);

    // A second check adds its findings; pages of one walk all of them once.
    await admin('POST', '/admin/drift/check');
    const all = (await admin('GET', '/admin/drift/history?limit=1000')).body.data;
    assert.ok(all.length >= 4, String(all.length));
    const paged = await readAllPages(admin, '/admin/drift/history', 3);
    assert.deepEqual(
      paged.items.map((f) => f.id),
      all.map((f: any) => f.id),
    );
    const bad = await admin('GET', '/admin/drift/history?dimension=planet');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.param, 'dimension');
    assert.equal((await admin('GET', '/admin/drift/history?cursor=nope')).body.error.param, 'cursor');

    // After a restart, before any check of its own, the gateway answers the stored latest check.
    const last = (await admin('GET', '/admin/drift')).body;
    await gateway.stop();
    gateway = await startTestGateway(config, { databaseUrl: main });
    const again = (await admin('GET', '/admin/drift')).body;
    assert.equal(again.checked_at, last.checked_at);
    assert.deepEqual(again.data, last.data);
  } finally {
    await gateway.stop();
  }
});
