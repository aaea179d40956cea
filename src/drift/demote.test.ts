import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleEvent } from '../../test/helpers/events.ts';
import { driftSchema } from '../config/drift.ts';
import { recordScore } from '../quality/scores.ts';
import { RoutingState } from '../routing/index.ts';
import { openDatabase } from '../store/index.ts';
import { DriftMonitor } from './monitor.ts';

const hour = 3_600_000;

test('a target whose judge scores fall is demoted (breaker held open, operator told) and restored when they recover', async () => {
  const store = await openDatabase('sqlite::memory:');
  const routing = new RoutingState();
  const alerts: Array<{ key: string; firing: boolean; moved: string[] }> = [];
  let now = 100 * hour;
  const monitor = new DriftMonitor({
    config: driftSchema.parse({
      demote: { enabled: true, score: 'helpful', min_score: 0.7, min_samples: 20 },
    }),
    stores: () => [store.db],
    scores: async (from, until) =>
      (await import('../quality/scores.ts'))
        .listScores(store.db, { since: from, ...(until === undefined ? {} : { until }), limit: 1000 })
        .then((list) => list.map((s) => ({ requestId: s.requestId, name: s.name, value: s.value }))),
    // Drift's own group alerts (none fire here) go the same way; only demotions are looked at.
    alert: (key, firing, alert) => {
      if (key.startsWith('demote:')) alerts.push({ key, firing, moved: alert.moved });
    },
    log: () => {},
    now: () => now,
    demoter: {
      demote: (provider, model, holdMs) =>
        routing.demote(routing.target(provider, model), holdMs, performance.now()),
      restore: (provider, model) => routing.restore(routing.find(provider, model)!),
    },
  });

  /** 40 answers per target in the last half hour, each scored by the judge. */
  async function traffic(tag: string, good: Record<string, number>) {
    let i = 0;
    for (const [model, share] of Object.entries(good)) {
      const rows = Array.from({ length: 40 }, (_, k) =>
        sampleEvent(`${tag}-${model}-${k}`, {
          received_at: now - 30 * 60_000 + k,
          provider: 'p',
          provider_model: model,
        }),
      );
      await store.db.insertInto('request_events').values(rows).execute();
      await recordScore(
        store.db,
        rows.map((r, k) => ({
          requestId: r.request_id,
          source: 'evaluator' as const,
          name: 'helpful',
          value: k < 40 * share,
          createdAt: now - 60_000 + i++,
        })),
      );
    }
  }

  await traffic('a', { good: 0.95, bad: 0.3 });
  const first = await monitor.check();
  const bad = first.targets.find((t) => t.model === 'bad')!;
  assert.equal(bad.demoted, true);
  assert.equal(first.targets.find((t) => t.model === 'good')!.demoted, false);
  assert.equal(routing.find('p', 'bad')!.breaker.phase, 'open');
  assert.equal(routing.find('p', 'good')?.breaker.phase ?? 'closed', 'closed');
  assert.deepEqual(
    alerts.map((a) => [a.key, a.firing]),
    [['demote:p/bad', true]],
  );
  assert.match(alerts[0]!.moved.join('; '), /mean helpful 0\.3 < 0\.7 over 40 scores/);

  // Still degraded an interval later: held open (and the alert channel's cooldown keeps it quiet).
  now += 60_000;
  await monitor.check();
  assert.equal(routing.find('p', 'bad')!.breaker.phase, 'open');

  // Two hours on, its probe traffic is judged good again: restored and the alert resolved.
  now += 2 * hour;
  await traffic('b', { good: 0.95, bad: 0.9 });
  const later = await monitor.check();
  assert.equal(later.targets.find((t) => t.model === 'bad')!.demoted, false);
  assert.equal(routing.find('p', 'bad')!.breaker.phase, 'closed');
  assert.deepEqual(alerts.at(-1), { key: 'demote:p/bad', firing: false, moved: [] });
  await store.close();
});

test('off by default: nothing is judged or demoted', async () => {
  assert.equal(driftSchema.parse({}).demote.enabled, false);
});
