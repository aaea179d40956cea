// The run counters' one decision, the same in this process and in Redis: the cases run against the
// memory store always, and against Redis when it answers on 127.0.0.1:6379 (runs under a random
// prefix, so nothing else in that Redis is touched).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { createRedisRunStore } from './redis-state.ts';
import { createMemoryRunStore, type RunStateStore, type StepInput } from './state.ts';

const redisUrl = process.env.GATEHOUSE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function redisAnswers(): Promise<boolean> {
  const probe = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: 500,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await probe.connect();
    return true;
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

const step = (kind: 'model' | 'tool', fingerprint: string, limits: StepInput['limits']): StepInput => ({
  kind,
  fingerprint,
  limits,
  ttlMs: 60_000,
});

const stores: Array<[string, () => RunStateStore, string | false]> = [
  ['memory', () => createMemoryRunStore(), false],
  [
    'redis',
    () => createRedisRunStore(redisUrl, { prefix: `gatehouse-test-${randomBytes(4).toString('hex')}:` }),
    (await redisAnswers()) ? false : `Redis does not answer at ${redisUrl}`,
  ],
];

for (const [name, make, skip] of stores) {
  describe(`run counters in ${name}`, { skip }, () => {
    test('steps and tool calls count separately, each against its own bound', async () => {
      const store = make();
      const limits = { steps: 2, toolCalls: 1 };
      assert.deepEqual(await store.step('r', step('model', '', limits)), { ok: true });
      assert.deepEqual(await store.step('r', step('tool', '', limits)), { ok: true });
      assert.deepEqual(await store.step('r', step('model', '', limits)), { ok: true });
      assert.deepEqual(await store.step('r', step('model', '', limits)), {
        ok: false,
        bound: 'max_steps',
        value: 2,
      });
      assert.deepEqual(await store.step('r', step('tool', '', limits)), {
        ok: false,
        bound: 'max_tool_calls',
        value: 1,
      });
      // A refusal counts nothing: still 2 steps.
      assert.deepEqual(await store.read('r').then((s) => s && [s.steps, s.toolCalls]), [2, 1]);
      assert.deepEqual(await store.step('other', step('model', '', limits)), { ok: true });
      await store.close();
    });

    test('cost added after calls stops the run once it reaches the bound', async () => {
      const store = make();
      const limits = { costMicros: 1000 };
      assert.deepEqual(await store.step('c', step('model', '', limits)), { ok: true });
      await store.addCost('c', 600, 60_000);
      assert.deepEqual(await store.step('c', step('model', '', limits)), { ok: true });
      await store.addCost('c', 600, 60_000);
      assert.deepEqual(await store.step('c', step('tool', '', limits)), {
        ok: false,
        bound: 'max_cost_usd',
        value: 1200,
      });
      // Cost for a run that has no counters (expired, or never bounded) starts nothing.
      await store.addCost('never', 5, 60_000);
      assert.equal(await store.read('never'), null);
      await store.close();
    });

    test('the loop breaker counts identical calls in a row per kind, and stops the run', async () => {
      const store = make();
      const limits = { repeats: 2 };
      assert.equal((await store.step('l', step('tool', 'A', limits))).ok, true);
      assert.equal((await store.step('l', step('model', 'M1', limits))).ok, true); // model calls do not break a tool row
      assert.equal((await store.step('l', step('tool', 'A', limits))).ok, true);
      assert.deepEqual(await store.step('l', step('tool', 'A', limits)), {
        ok: false,
        bound: 'max_repeats',
        value: 2,
      });
      assert.equal((await store.step('l', step('model', 'M2', limits))).ok, false);
      assert.equal((await store.read('l'))?.stopped, 'max_repeats');
      await store.close();
    });
  });
}

test('an unreachable Redis fails a step at once rather than hanging it', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as { port: number }).port;
  closed.close();
  const store = createRedisRunStore(`redis://127.0.0.1:${port}`, {
    connectTimeoutMs: 200,
    commandTimeoutMs: 200,
  });
  await assert.rejects(store.step('r', step('model', '', { steps: 1 })));
  await assert.rejects(store.step('r', step('model', '', { steps: 1 })));
  await store.close();
});
