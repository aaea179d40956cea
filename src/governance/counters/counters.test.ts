// One suite for both counter stores: in memory, and in Redis (shared by separate connections).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { redisUrl } from '../../../test/helpers/redis.ts';
import { createMemoryCounterStore } from './memory.ts';
import { createRedisCounterStore } from './redis.ts';
import type { CounterStore } from './types.ts';

const redis = await redisUrl();
const prefix = `gatehouse-test:${randomBytes(4).toString('hex')}:`;
const stores: Array<{ name: string; skip: string | false; open: () => Promise<CounterStore> }> = [
  { name: 'memory', skip: false, open: async () => createMemoryCounterStore() },
  {
    name: 'redis',
    skip: redis ? false : 'Redis is not running on 127.0.0.1:6379; skipping',
    open: () => createRedisCounterStore(redis!, { prefix }),
  },
];

for (const { name, skip, open } of stores) {
  describe(`${name} counters`, { skip }, () => {
    test('all or nothing: a refusal adds to no counter', async () => {
      const store = await open();
      const ok = await store.reserve([
        { key: 'a1', amount: 2, limit: 3 },
        { key: 'b1', amount: 5, limit: 5 },
      ]);
      assert.equal(ok.ok, true);
      assert.deepEqual(
        ok.states.map((s) => s.value),
        [2, 5],
      );
      const refused = await store.reserve([
        { key: 'a1', amount: 1, limit: 3 },
        { key: 'b1', amount: 1, limit: 5 },
      ]);
      assert.equal(refused.ok, false);
      assert.deepEqual(refused.refusal, { key: 'b1', limit: 5, current: 5 });
      assert.deepEqual(await store.read(['a1', 'b1']), [2, 5]);
      await store.close();
    });

    test('windows start afresh and report the time to their reset', async () => {
      const store = await open();
      const first = await store.reserve([{ key: 'w1', amount: 1, limit: 1, windowMs: 300 }]);
      assert.equal(first.ok, true);
      assert.ok(first.states[0]!.resetMs! > 0 && first.states[0]!.resetMs! <= 300);
      const second = await store.reserve([{ key: 'w1', amount: 1, limit: 1, windowMs: 300 }]);
      assert.equal(second.ok, false);
      assert.ok(second.refusal!.resetMs! <= 300);
      await new Promise((resolve) => setTimeout(resolve, second.refusal!.resetMs! + 20));
      assert.equal((await store.reserve([{ key: 'w1', amount: 1, limit: 1, windowMs: 300 }])).ok, true);
      await store.close();
    });

    test('adjust settles and never goes below zero; seed only fills an absent counter', async () => {
      const store = await open();
      await store.reserve([{ key: 'c1', amount: 10, limit: 100 }]);
      await store.adjust([{ key: 'c1', delta: -4 }]);
      assert.deepEqual(await store.read(['c1']), [6]);
      await store.adjust([{ key: 'c1', delta: -50 }]);
      assert.deepEqual(await store.read(['c1']), [0]);
      await store.seed('s1', 42);
      await store.seed('s1', 7);
      assert.deepEqual(await store.read(['s1']), [42]);
      await store.close();
    });

    test('200 concurrent reservations from two clients admit exactly the limit', async () => {
      const [one, two] = [await open(), name === 'memory' ? undefined : await open()];
      const stores = two ? [one, two] : [one];
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          stores[i % stores.length]!.reserve([{ key: 'race', amount: 1, limit: 60, windowMs: 60_000 }]),
        ),
      );
      assert.equal(results.filter((r) => r.ok).length, 60);
      for (const store of stores) await store.close();
    });
  });
}

test('memory counters drop expired windows, so memory stays bounded', async () => {
  let now = 0;
  const store = createMemoryCounterStore({ now: () => now });
  for (let i = 0; i < 20_000; i++) {
    now += 10;
    await store.reserve([{ key: 'k', amount: 1, limit: 10, windowMs: 5 }]);
  }
  assert.ok(store.size() < 10_001, `${store.size()} entries`);
});
