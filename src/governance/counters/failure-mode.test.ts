// The declared failure modes against a Redis that refuses connections (nothing listens on port 1).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CountersWithFailureMode } from './failure-mode.ts';
import { createRedisCounterStore } from './redis.ts';

const unreachable = () =>
  createRedisCounterStore('redis://127.0.0.1:1', { commandTimeoutMs: 200, connectTimeoutMs: 200 });
const lease = (id: string) => ({ id, ttlMs: 60_000 });
const rpm = { key: 'rl:key:k:rpm', amount: 1, limit: 10, windowMs: 60_000 };
const budget = { key: 'budget:key:k:total:0', amount: 10, limit: 100, seeded: true };

test('fail closed: 503 counters_unavailable with Retry-After, at once', async () => {
  const shared = await unreachable();
  const counters = new CountersWithFailureMode(shared, {
    onFailure: 'closed',
    leaseTtlMs: 60_000,
    replica: 'r1',
  });
  for (const id of ['a', 'b']) {
    await assert.rejects(
      counters.reserve(lease(id), [rpm], async () => []),
      (err: Error & Record<string, unknown>) => {
        assert.equal(err.code, 'GH_COUNTERS_UNAVAILABLE');
        assert.equal(err.status, 503);
        assert.equal(err.retryAfter, 1);
        return true;
      },
    );
  }
  assert.match(counters.failure, /./);
  await counters.close();
  await shared.close();
});

test('fail open: each limit and each budget remaining divided by the replicas', async () => {
  const shared = await unreachable();
  const counters = new CountersWithFailureMode(shared, {
    onFailure: 'open',
    replicas: 3,
    leaseTtlMs: 60_000,
    replica: 'r1',
  });
  // 10 per minute over 3 replicas: 3 here.
  const limited = [];
  for (let i = 0; i < 5; i++)
    limited.push((await counters.reserve(lease(`l${i}`), [rpm], async () => [])).result.ok);
  assert.deepEqual(limited, [true, true, true, false, false]);
  // $100 with $40 spent (as the spend table says): $60 left, $20 of it here, so two $10 calls.
  const seed = async (keys: string[]) => keys.map((key) => ({ key, value: 40 }));
  const spent = [];
  for (let i = 0; i < 3; i++) {
    const { result, store } = await counters.reserve(lease(`b${i}`), [budget], seed);
    spent.push(result.ok);
    if (result.ok)
      await counters.release(store, lease(`b${i}`), [{ key: budget.key, amount: 10, charge: 10 }], []);
  }
  assert.deepEqual(spent, [true, true, false]);
  await counters.close();
  await shared.close();
});

test('fail open with a budget nobody knows: 503 store_unavailable, not a guess', async () => {
  const shared = await unreachable();
  const counters = new CountersWithFailureMode(shared, {
    onFailure: 'open',
    leaseTtlMs: 60_000,
    replica: 'r1',
  });
  const storeDown = async (): Promise<never> => {
    throw new Error('the store did not answer');
  };
  await assert.rejects(counters.reserve(lease('x'), [budget], storeDown), { code: 'GH_STORE_UNAVAILABLE' });
  await counters.close();
  await shared.close();
});
