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

const lease = (id: string, ttlMs = 60_000) => ({ id, ttlMs });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const { name, skip, open } of stores) {
  describe(`${name} counters`, { skip }, () => {
    test('all or nothing: a refusal adds to no counter', async () => {
      const store = await open();
      const ok = await store.reserve(lease('l1'), [
        { key: 'a1', amount: 2, limit: 3 },
        { key: 'b1', amount: 5, limit: 5 },
      ]);
      assert.equal(ok.ok, true);
      assert.deepEqual(
        ok.states.map((s) => s.value),
        [2, 5],
      );
      const refused = await store.reserve(lease('l2'), [
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
      const w = { key: 'w1', amount: 1, limit: 1, windowMs: 300 };
      const first = await store.reserve(lease('w1'), [w]);
      assert.equal(first.ok, true);
      assert.ok(first.states[0]!.resetMs! > 0 && first.states[0]!.resetMs! <= 300);
      const second = await store.reserve(lease('w2'), [w]);
      assert.equal(second.ok, false);
      assert.ok(second.refusal!.resetMs! <= 300);
      await sleep(second.refusal!.resetMs! + 20);
      assert.equal((await store.reserve(lease('w3'), [w])).ok, true);
      await store.close();
    });

    test('a release ends the hold, charges once, and is idempotent', async () => {
      const store = await open();
      await store.raise([{ key: 'c1', value: 100 }]);
      const held = await store.reserve(lease('r1'), [{ key: 'c1', amount: 50, limit: 1000, seeded: true }]);
      assert.deepEqual(held.states[0]!.value, 150);
      await store.release(lease('r1'), [{ key: 'c1', amount: 50, charge: 20 }], []);
      await store.release(lease('r1'), [{ key: 'c1', amount: 50, charge: 20 }], []);
      assert.deepEqual(await store.read(['c1']), [120]);
      await store.close();
    });

    test('a lease nobody renews expires and gives its holds back; a renewed one stays', async () => {
      const store = await open();
      const slot = { key: 'conc', amount: 1, limit: 2 };
      assert.equal((await store.reserve(lease('dead', 300), [slot])).ok, true);
      assert.equal((await store.reserve(lease('alive', 300), [slot])).ok, true);
      assert.equal((await store.reserve(lease('third', 300), [slot])).ok, false);
      for (let i = 0; i < 4; i++) {
        await sleep(100);
        await store.renew('replica-a', 300, [{ lease: 'alive', key: 'conc', amount: 1 }]);
      }
      assert.deepEqual(await store.read(['conc']), [1]);
      assert.equal((await store.reserve(lease('fourth', 300), [slot])).ok, true);
      assert.equal((await store.reserve(lease('fifth', 300), [slot])).ok, false);
      // An expired lease is not brought back by a late heartbeat, nor charged by a late release.
      await store.renew('replica-a', 300, [{ lease: 'dead', key: 'conc', amount: 1 }]);
      await store.release(lease('dead', 300), [{ key: 'conc', amount: 1 }], []);
      assert.deepEqual(await store.read(['conc']), [2]);
      await store.close();
    });

    test('a seeded counter is not counted while absent; raise never lowers it', async () => {
      const store = await open();
      const budget = { key: 's1', amount: 10, limit: 100, seeded: true };
      const unseeded = await store.reserve(lease('u1'), [budget]);
      assert.deepEqual(unseeded.unseeded, ['s1']);
      assert.deepEqual(await store.read(['s1']), [0]);
      await store.raise([{ key: 's1', value: 42 }]);
      await store.raise([{ key: 's1', value: 7 }]);
      assert.deepEqual(await store.read(['s1']), [42]);
      await store.raise([{ key: 's1', value: 60 }]);
      assert.equal((await store.reserve(lease('u2'), [budget])).states[0]!.value, 70);
      await store.close();
    });

    test('a claim is granted once within its ttl', async () => {
      const store = await open();
      assert.equal(await store.claim('notified:x', 60_000), true);
      assert.equal(await store.claim('notified:x', 60_000), false);
      await store.close();
    });

    test('200 concurrent reservations from two clients admit exactly the limit', async () => {
      const [one, two] = [await open(), name === 'memory' ? undefined : await open()];
      const stores = two ? [one, two] : [one];
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          stores[i % stores.length]!.reserve(lease(`race${i}`), [
            { key: 'race', amount: 1, limit: 60, windowMs: 60_000 },
            { key: 'race-slots', amount: 1, limit: 70 },
          ]),
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
    await store.reserve({ id: 'l', ttlMs: 5 }, [{ key: 'k', amount: 1, limit: 10, windowMs: 5 }]);
  }
  assert.ok(store.size() < 10_001, `${store.size()} entries`);
});

test('memory leases expire each at its own time, renewed or not, whatever order they were taken in', async () => {
  let now = 0;
  const store = createMemoryCounterStore({ now: () => now });
  const slot = { key: 'slots', amount: 1, limit: 10 };
  await store.reserve({ id: 'long', ttlMs: 1_000 }, [slot]);
  now = 100;
  await store.reserve({ id: 'short', ttlMs: 200 }, [slot]);
  await store.reserve({ id: 'renewed', ttlMs: 250 }, [slot]);
  assert.deepEqual(await store.read(['slots']), [3]);
  now = 300;
  // Renewed past the point where the earliest lease ends: only that one is given back.
  await store.renew('replica-a', 500, [{ lease: 'renewed', key: 'slots', amount: 1 }]);
  assert.deepEqual(await store.read(['slots']), [2]);
  now = 799;
  assert.deepEqual(await store.read(['slots']), [2]);
  now = 800;
  assert.deepEqual(await store.read(['slots']), [1]);
  now = 1_000;
  assert.deepEqual(await store.read(['slots']), [0]);
  await store.reserve({ id: 'later', ttlMs: 50 }, [slot]);
  assert.deepEqual(await store.read(['slots']), [1]);
  now = 1_050;
  assert.deepEqual(await store.read(['slots']), [0]);
});
