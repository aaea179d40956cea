// A Redis that forgets must not reset spent budgets. After FLUSHDB the budget
// counters are seeded again from the spend table on their next use (the "seeded" mark is the
// counter itself, in Redis); a counter that lost writes is raised back by reconciliation.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  faultServices,
  useFleet,
  type Answer,
  budgetCounter,
  byStatus,
  call,
  createKey,
  report,
  storedEvents,
  storedSpend,
  until,
} from './fleet.ts';

const { postgres, skip } = await faultServices();

describe('a Redis that loses its counters', { skip }, () => {
  const fleet = useFleet(postgres, () => ({ redis: { lease_ttl_s: 2, reconcile_s: 1 } }));

  const burst = (key: string, count: number) =>
    Promise.all(Array.from({ length: count }, (_, i) => call(fleet(), i % 3, key)));

  test('FLUSHDB does not reset a spent budget', async () => {
    const { id, key } = await createKey(fleet(), 'flushed', { budget: { usd: 1, period: 'total' } });
    const before = await burst(key, 150);
    assert.deepEqual(byStatus(before), { 200: 100, 429: 50 });
    await until(
      'the dollar is in the spend table',
      async () => (await storedSpend(fleet(), id)) === 1_000_000,
    );
    await fleet().redis.client.flushdb();
    const flushedAt = performance.now();
    const afterFlush = await burst(key, 75);
    const firstRefusalMs = Math.round(performance.now() - flushedAt);
    const counter = await budgetCounter(fleet(), id);
    const spent = await storedSpend(fleet(), id);
    report('FLUSHDB on a spent $1 budget', {
      served_after_flush: afterFlush.filter((a) => a.status === 200).length,
      refused_after_flush: byStatus(afterFlush.filter((a) => a.status !== 200)),
      events_stored: await storedEvents(fleet(), id),
      spend_table_usd: spent / 1e6,
      redis_settled_usd: (counter.settled ?? 0) / 1e6,
      drift_usd: ((counter.settled ?? 0) + counter.held - spent) / 1e6,
      recovery_ms: firstRefusalMs,
    });
    assert.deepEqual(byStatus(afterFlush), { 429: 75 });
    assert.equal(counter.settled, spent, 'the counter was seeded again from the spend table');
  });

  test('a counter that lost writes is raised back to the spend table', async () => {
    const { id, key } = await createKey(fleet(), 'forgetful', { budget: { usd: 1, period: 'total' } });
    const answers: Answer[] = await burst(key, 30);
    await until(
      'thirty cents are in the spend table',
      async () => (await storedSpend(fleet(), id)) === 300_000,
    );
    // Redis forgets the charges (a failover to a replica that had not received them, say).
    await fleet().redis.client.set(`gatehouse:budget:key:${id}:total:0`, 0, 'KEEPTTL');
    const lostAt = performance.now();
    const recoveryMs = await until(
      'reconciliation restores the counter',
      async () => ((await budgetCounter(fleet(), id)).settled ?? 0) >= 300_000,
    );
    answers.push(...(await burst(key, 100)));
    await until(
      'the dollar is in the spend table',
      async () => (await storedSpend(fleet(), id)) >= 1_000_000,
      5_000,
    ).catch(() => 0);
    const counter = await budgetCounter(fleet(), id);
    const spent = await storedSpend(fleet(), id);
    report('a budget counter that lost 30 cents of writes', {
      served: answers.filter((a) => a.status === 200).length,
      refused: byStatus(answers.filter((a) => a.status !== 200)),
      events_stored: await storedEvents(fleet(), id),
      spend_table_usd: spent / 1e6,
      drift_usd: ((counter.settled ?? 0) + counter.held - spent) / 1e6,
      recovery_ms: recoveryMs,
      since_loss_ms: Math.round(performance.now() - lostAt),
    });
    assert.equal(answers.filter((a) => a.status === 200).length, 100, 'exactly the budget was served');
    assert.equal(spent, 1_000_000);
    assert.equal((counter.settled ?? 0) + counter.held, spent);
  });
});
