// Counters must heal. A replica killed with calls in flight, and a Redis that
// drops out between admission and settlement, must leave no concurrency slot or budget reservation
// held for good, and lose no spend from the spend table.
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
  sleep,
  storedEvents,
  storedSpend,
  until,
} from './fleet.ts';

const { postgres, skip } = await faultServices();
const leaseTtlS = 2;

describe('a replica killed with calls in flight', { skip }, () => {
  const fleet = useFleet(postgres, () => ({ redis: { lease_ttl_s: leaseTtlS, reconcile_s: 1 } }));

  test('its concurrency slots expire with their leases, on every surviving replica', async () => {
    await fleet().revive();
    const { key } = await createKey(fleet(), 'narrow', { limits: { concurrency: 4 } });
    fleet().upstream.delayMs = 60_000;
    const held = Array.from({ length: 4 }, () => call(fleet(), 2, key, { timeoutMs: 70_000 }));
    await until('four calls in flight', async () => fleet().upstream.inFlight >= 4);
    assert.equal((await call(fleet(), 0, key)).status, 429, 'the limit holds while the four are in flight');
    fleet().replicas[2]!.process.kill('SIGKILL');
    const killedAt = performance.now();
    fleet().upstream.delayMs = 0;
    const answers: Answer[] = [];
    const recoveryMs = await until('a surviving replica admits the key again', async () => {
      const answer = await call(fleet(), answers.length % 2, key);
      answers.push(answer);
      return answer.status === 200;
    });
    const lost = await Promise.all(held);
    report('kill -9 with 4 calls in flight on concurrency 4', {
      served: answers.filter((a) => a.status === 200).length,
      refused: byStatus(answers.filter((a) => a.status !== 200)),
      cut_off_on_the_killed_replica: lost.filter((a) => a.status === 0).length,
      recovery_ms: recoveryMs,
      since_kill_ms: Math.round(performance.now() - killedAt),
    });
    // All four slots are free again: four calls at once are all admitted.
    const four = await Promise.all([0, 1, 0, 1].map((r) => call(fleet(), r, key)));
    assert.deepEqual(byStatus(four), { 200: 4 });
  });

  test('its budget reservations expire, and the fleet can spend the whole budget', async () => {
    await fleet().revive();
    const { id, key } = await createKey(fleet(), 'budgeted', { budget: { usd: 2, period: 'total' } });
    const answers: Answer[] = [];
    // $1.00 spent across the fleet, and written to the spend table.
    answers.push(...(await Promise.all(Array.from({ length: 100 }, (_, i) => call(fleet(), i % 3, key)))));
    await until(
      'the first dollar is in the spend table',
      async () => (await storedSpend(fleet(), id)) === 1_000_000,
    );
    // Twenty calls in flight on replica 2 hold $0.20 of reservations when it dies.
    fleet().upstream.delayMs = 60_000;
    const held = Array.from({ length: 20 }, () => call(fleet(), 2, key, { timeoutMs: 70_000 }));
    await until('twenty calls in flight', async () => fleet().upstream.inFlight >= 20);
    fleet().replicas[2]!.process.kill('SIGKILL');
    fleet().upstream.delayMs = 0;
    // The survivors spend the rest: refused while the dead replica's leases last, then admitted
    // until the budget is spent.
    const recoveryMs = await until('the whole budget is spent', async () => {
      answers.push(...(await Promise.all(Array.from({ length: 10 }, (_, i) => call(fleet(), i % 2, key)))));
      return (await storedSpend(fleet(), id)) >= 2_000_000;
    });
    const lost = await Promise.all(held);
    await sleep(1_500);
    const counter = await budgetCounter(fleet(), id);
    const spent = await storedSpend(fleet(), id);
    const events = await storedEvents(fleet(), id);
    report('kill -9 with $0.20 reserved on a $2 budget', {
      served: answers.filter((a) => a.status === 200).length,
      refused: byStatus(answers.filter((a) => a.status !== 200)),
      cut_off_on_the_killed_replica: lost.filter((a) => a.status === 0).length,
      events_stored: events,
      spend_table_usd: spent / 1e6,
      redis_settled_usd: (counter.settled ?? 0) / 1e6,
      redis_held_usd: counter.held / 1e6,
      drift_usd: ((counter.settled ?? 0) + counter.held - spent) / 1e6,
      recovery_ms: recoveryMs,
    });
    assert.equal(spent, 2_000_000, 'the whole budget was spent, and no more');
    assert.equal(answers.filter((a) => a.status === 200).length, 200);
    assert.equal((counter.settled ?? 0) + counter.held, spent, 'Redis agrees with the spend table');
    assert.equal(events['200'], 200, 'every served call has its event');
  });

  test('a Redis cut between admission and settlement loses no spend and leaks no slot', async () => {
    await fleet().revive();
    const { id, key } = await createKey(fleet(), 'blip', {
      limits: { concurrency: 6 },
      budget: { usd: 10, period: 'total' },
    });
    fleet().upstream.delayMs = 1_000;
    const inFlight = Array.from({ length: 6 }, (_, i) => call(fleet(), i % 3, key));
    await until('six calls in flight', async () => fleet().upstream.inFlight >= 6);
    fleet().redisProxy.cut();
    const settledWithoutRedis = await Promise.all(inFlight);
    // Longer than a client's own reconnection attempts (and than the leases): the settlements
    // find Redis gone, rather than queued until it returns.
    await sleep(3_000);
    fleet().redisProxy.restore();
    const restoredAt = performance.now();
    fleet().upstream.delayMs = 500;
    const answers: Answer[] = [];
    const recoveryMs = await until('six calls at once are admitted again', async () => {
      const six = await Promise.all(Array.from({ length: 6 }, (_, i) => call(fleet(), i % 3, key)));
      answers.push(...six);
      return six.every((a) => a.status === 200);
    });
    const served = 6 + answers.filter((a) => a.status === 200).length;
    fleet().upstream.delayMs = 0;
    await until(
      'the spend reaches the spend table',
      async () => (await storedSpend(fleet(), id)) >= served * 10_000,
      5_000,
    ).catch(() => 0);
    await sleep(1_500);
    const spent = await storedSpend(fleet(), id);
    const counter = await budgetCounter(fleet(), id);
    report('Redis refused between admission and settlement', {
      served_during_the_cut: settledWithoutRedis.filter((a) => a.status === 200).length,
      served_after: answers.filter((a) => a.status === 200).length,
      refused_after: byStatus(answers.filter((a) => a.status !== 200)),
      spend_table_usd: spent / 1e6,
      redis_settled_usd: (counter.settled ?? 0) / 1e6,
      drift_usd: ((counter.settled ?? 0) + counter.held - spent) / 1e6,
      events_stored: await storedEvents(fleet(), id),
      recovery_ms: recoveryMs,
      since_restore_ms: Math.round(performance.now() - restoredAt),
    });
    assert.deepEqual(byStatus(settledWithoutRedis), { 200: 6 });
    assert.equal(spent, served * 10_000, 'every served call is in the spend table');
    assert.equal(
      (counter.settled ?? 0) + counter.held,
      spent,
      'Redis was brought back in line with the spend table',
    );
  });
});
